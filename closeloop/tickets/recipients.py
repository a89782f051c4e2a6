"""Who "the handler", "the liaison", "the department head"… of a ticket are, as people."""

from collections.abc import Iterable

from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.policy.schema import responsible_level_of
from closeloop.policy.services import pack_active

from .models import Ticket


def recipients_for(
    ticket: Ticket,
    roles: Iterable[str],
    *,
    department_id: int | None = None,
    handler: User | None = None,
) -> list[User]:
    """The people `roles` name for this ticket. `department_id` and `handler` default to the
    ticket's current ones (a deadline passes whoever held its clock)."""
    department_id = department_id or ticket.department_id
    handler = handler or ticket.handler
    people: dict[int, User] = {}
    active = User.objects.filter(is_active=True)
    for role in roles:
        found: Iterable[User] = []
        if role == "handler":
            found = [handler] if handler else []
        elif role == "first_contact_owner":
            found = [ticket.first_contact_owner] if ticket.first_contact_owner else []
        elif role == "liaison" and department_id:
            found = active.filter(department_id=department_id, roles__role=Role.LIAISON)
        elif role == "department_head" and department_id:
            found = list(
                active.filter(department_id=department_id, roles__role=Role.LEADER)
            ) or list(active.filter(department_id=department_id, roles__role=Role.LIAISON))
        elif role in (Role.SUPERVISOR, Role.LEADER):
            found = active.filter(roles__role=role)
        elif (level := responsible_level_of(role)) is not None:
            found = responsible_people(level)
        for person in found:
            people[person.pk] = person
    return list(people.values())


def responsible_people(level: int) -> list[User]:
    """The people holding this responsible level (一级/二级责任人). While nobody holds it, the
    people of the level's role stand in, so no escalation is lost before levels are given."""
    active = User.objects.filter(is_active=True)
    holders = list(active.filter(responsible_level=level))
    spec = next((r for r in pack_active().responsible_levels if r.level == level), None)
    if holders or spec is None:
        return holders
    return list(active.filter(roles__role=spec.role))
