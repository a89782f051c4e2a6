"""Who may take an action on a ticket: the roles and scopes of its record in the catalogue
(`workflow.actions`). The services check it before every action; the staff pages ask it
which buttons to show, so a button shows exactly when the service would accept the action."""

from closeloop.directory.models import User
from closeloop.workflow.records import Action, Scope

from .models import Ticket


def action_allowed(actor: User, ticket: Ticket, action: Action) -> bool:
    """Does one of `actor`'s roles reach `ticket` for `action` (any ticket, one currently with
    their department or below it, or one they handle)? The ticket's status is checked apart."""
    for role, scope in action.who.items():
        if not actor.has_role(role):
            continue
        if scope is Scope.ANY:
            return True
        if (
            scope is Scope.OWN_DEPARTMENT
            and ticket.department_id is not None
            and ticket.department_id in actor.department_scope
        ):
            return True
        if scope is Scope.OWN_TICKET and ticket.handler_id == actor.id:
            return True
    return False
