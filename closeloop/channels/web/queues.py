"""Which tickets each queue lists. Visibility itself comes from the ticket selectors."""

from typing import Any

from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.tickets import selectors
from closeloop.tickets.choices import OPEN_STATUSES, Status
from closeloop.tickets.models import Ticket

from . import deadlines

QUEUES = {
    "mine": _("My tickets"),
    "department": _("Department inbox"),
    "open": _("All open"),
    "all": _("All tickets"),
}
PAGE_SIZE = 50
ACTIVE = [*OPEN_STATUSES, Status.RESOLVED]


def queues_for(user: User) -> list[str]:
    names = ["mine"]
    if user.department_id and user.has_role(Role.LIAISON, Role.HANDLER):
        names.append("department")
    if user.is_centre_staff:
        names += ["open", "all"]
    return names


def default_queue(user: User) -> str:
    if user.has_role(Role.LIAISON) and user.department_id:
        return "department"
    if user.has_role(Role.SUPERVISOR, Role.LEADER, Role.INSPECTOR, Role.ADMIN):
        return "open"
    return "mine"


def my_tickets(user: User) -> QuerySet[Ticket]:
    """Tickets a person answers for now: held by them, first taken by them (agents follow up
    their callers), or — for liaisons — waiting in their department."""
    q = Q(handler=user) | Q(first_contact_owner=user)
    if user.has_role(Role.LIAISON) and user.department_id:
        q |= Q(department_id__in=user.department_scope, handler__isnull=True)
    return Ticket.objects.filter(selectors.ticket_visibility_q(user)).filter(q, status__in=ACTIVE)


def queue_tickets(user: User, name: str) -> QuerySet[Ticket]:
    base = selectors.ticket_list_for_user(user).prefetch_related(None)
    if name == "mine":
        q = Q(handler=user) | Q(first_contact_owner=user)
        if user.has_role(Role.LIAISON) and user.department_id:
            q |= Q(department_id__in=user.department_scope, handler__isnull=True)
        return base.filter(q, status__in=ACTIVE)
    if name == "department":
        return base.filter(department_id__in=user.department_scope, status__in=ACTIVE)
    if name == "open":
        return base.filter(status__in=OPEN_STATUSES)
    return base


def apply_filters(user: User, qs: QuerySet[Ticket], f: dict[str, Any]) -> QuerySet[Ticket]:
    if f.get("q"):
        qs = qs.filter(selectors.ticket_search_q(user, f["q"]))
    for field in ("status", "kind", "urgency"):
        if f.get(field):
            qs = qs.filter(**{field: f[field]})
    if f.get("crisis"):
        qs = qs.filter(crisis=True)
    qs = deadlines.filter_state(qs, f.get("deadline", ""))
    sort = f.get("sort") or "due"
    if sort == "new":
        return qs.order_by("-received_at", "-id")
    if sort == "old":
        return qs.order_by("received_at", "id")
    return deadlines.order_by_due(qs)


def page_of(qs: QuerySet[Ticket], page: int, size: int = PAGE_SIZE) -> tuple[list[Ticket], bool]:
    """One page and whether another follows, without counting the whole table."""
    start = (page - 1) * size
    rows = list(qs[start : start + size + 1])
    return rows[:size], len(rows) > size
