"""Which tickets each queue lists. Visibility itself comes from `Ticket.objects.visible_to`."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from closeloop.common.paging import page_rows
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.sla.labels import STATE_LABELS
from closeloop.tickets import selectors
from closeloop.tickets.choices import Kind
from closeloop.tickets.filter_fields import ANY, TickedTrue
from closeloop.tickets.filters import TicketFilterSet
from closeloop.tickets.models import Ticket
from closeloop.tickets.querysets import TicketQuerySet, sees_every_ticket
from closeloop.workflow.statuses import Status

from . import deadlines
from .forms import choices_of, set_choices

QUEUES = {
    "mine": _("My tickets"),
    "department": _("Department inbox"),
    "open": _("All open"),
    "all": _("All tickets"),
}
PAGE_SIZE = 50


def within(qs: QuerySet[Any], user: User, field: str = "ticket") -> QuerySet[Any]:
    """Rows (events, extension requests, deadlines) of tickets `user` may see. Centre staff
    see every ticket: no `ticket__in` subquery then, which the database would answer by
    joining the whole ticket table."""
    if sees_every_ticket(user):
        return qs
    return qs.filter(**{f"{field}__in": Ticket.objects.visible_to(user)})


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


def my_tickets(user: User) -> TicketQuerySet:
    """Tickets a person answers for now: held by them, first taken by them (agents follow up
    their callers), or — for liaisons — waiting in their department."""
    return queue_tickets(user, "mine")


def counted_queue(user: User) -> str:
    """The queue whose deadlines the top bar counts: what the person answers for. A supervisor
    answers for every open ticket they oversee — the centre's, the dashboard's figures; anyone
    else for their own tickets (a liaison's include their department's unassigned ones)."""
    return "open" if user.has_role(Role.SUPERVISOR) else "mine"


def queue_tickets(user: User, name: str) -> TicketQuerySet:
    if name == "department":
        return selectors.department_inbox_for_user(user)
    if name == "mine":
        return selectors.tickets_answered_for(user)
    base = Ticket.objects.visible_to(user)
    if name == "open":
        return base.open()
    return base


# The filters a queue offers, in the order its bar shows them, and the choices it offers.
QUEUE_FILTERS = ("q", "status", "kind", "urgency", "deadline_state", "crisis", "ordering")
DEADLINE_SHOWN = [("warning", _("due soon")), ("overdue", _("overdue"))]
ORDERINGS_SHOWN = [
    ("next_due_at,-received_at", _("nearest deadline")),
    ("-received_at", _("newest first")),
    ("received_at", _("oldest first")),
]


def queue_filter(
    user: User, name: str, data: QueryDict, pack: Any
) -> tuple[forms.Form, QuerySet[Ticket]]:
    """The queue's filter bar and its tickets, nearest deadline first unless asked otherwise.
    The filters are the ledger's and the API's (`TicketFilterSet`), with the choices this bar
    has always offered; a value it does not offer leaves the queue unfiltered."""
    tickets = deadlines.order_by_due(queue_tickets(user, name))
    filters = TicketFilterSet(
        data or None, tickets, user=user, only=QUEUE_FILTERS, order=QUEUE_FILTERS
    )
    form = filters.form
    # The search box takes what it always took (a word of one character is searched too).
    form.fields["q"] = forms.CharField(label=_("Search"), required=False, max_length=100)
    set_choices(form, "status", [ANY, *Status.choices])
    set_choices(form, "kind", [ANY, *choices_of(pack.kinds, Kind)])
    form.fields["urgency"] = forms.ChoiceField(
        label=_("Urgency"),
        required=False,
        choices=[ANY, *((level.code, level.name) for level in pack.urgency.levels)],
    )
    set_choices(form, "deadline_state", [ANY, *DEADLINE_SHOWN])
    set_choices(form, "ordering", ORDERINGS_SHOWN)
    crisis = form.fields["crisis"]
    crisis.label, crisis.widget = _("Crisis only"), TickedTrue()
    return form, filters.qs if filters.is_valid() else tickets


# What a queue row shows beside the ticket; the long texts and the deadline plan stay behind.
ROW_RELATED = ("department", "handler", "customer")
ROW_DEFERRED = ("description", "sla_plan", "repeat_candidates", "plan", "reply", "cause")


def page_of(qs: QuerySet[Ticket], page: int, size: int | None = None) -> tuple[list[Ticket], bool]:
    """One page and whether another follows, without counting the whole table; the page's
    ids are chosen on the ticket rows alone (`common.paging.page_rows`)."""
    size = size or PAGE_SIZE
    start = (page - 1) * size
    rows_qs = qs.select_related(None).select_related(*ROW_RELATED).defer(*ROW_DEFERRED)
    rows = page_rows(rows_qs, start, start + size + 1)
    return rows[:size], len(rows) > size


def _local(moment: Any, fmt: str) -> str:
    return timezone.localtime(moment).strftime(fmt) if moment else ""


def queue_rows(
    tickets: list[Ticket], user: User, urgency_names: dict[str, str]
) -> list[dict[str, Any]]:
    """What each row of a queue shows, worked out here once per page: labels translated once,
    no per-row template tags (fifty rows of them were most of a queue page's time)."""
    kinds = {code: str(label) for code, label in Kind.choices}
    statuses = {code: str(label) for code, label in Status.choices}
    states = {code: str(label) for code, label in STATE_LABELS.items()}
    anonymous = gettext("anonymous")
    rows = []
    for t in tickets:
        customer = selectors.customer_view(t, user)
        if customer:
            who = customer["name"] or customer["phone"]
        else:
            who = anonymous if t.anonymous else ""
        rows.append(
            {
                "number": t.number,
                "url": reverse("web:ticket", args=[t.number]),
                "crisis": t.crisis,
                "state": t.deadline_state,
                "state_label": states.get(t.deadline_state, t.deadline_state),
                "due": _local(t.next_due_at, "%m-%d %H:%M"),
                # live.js turns a running badge overdue at this time, without a reload.
                "due_iso": t.next_due_at.isoformat()
                if t.next_due_at and t.deadline_state in ("on_track", "warning")
                else "",
                "subject": Truncator(t.subject).chars(40),
                "kind": kinds.get(t.kind, t.kind),
                "status": t.status,
                "status_label": statuses.get(t.status, t.status),
                "urgent": t.urgency != "normal",
                "urgency": urgency_names.get(t.urgency, t.urgency),
                "customer": who,
                "department": t.department.name if t.department else "",
                "handler": str(t.handler) if t.handler else "",
                "received": _local(t.received_at, "%Y-%m-%d %H:%M"),
            }
        )
    return rows
