"""Deadline display for the workbench.

Deadlines belong to `closeloop.sla`; this module only reads them. Every ticket carries the
summary the deadline service keeps up to date (`next_due_at`, `deadline_state`), so lists sort
and filter on the ticket row alone.
"""

from typing import Any

from django.db.models import BooleanField, Case, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from closeloop.common.errors import ValidationFailed
from closeloop.sla.labels import STATE_LABELS, UNIT_LABELS
from closeloop.sla.models import Deadline
from closeloop.sla.timelimits import TimeLimit
from closeloop.tickets.filter_fields import ORDERINGS
from closeloop.tickets.models import Ticket

OPEN_STATES = ("on_track", "warning", "overdue")


def order_by_due(qs: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """Nearest deadline first, newest first among equals; tickets without one after them (the
    filters' `ordering=next_due_at,-received_at`, the order the queues' indexes hold)."""
    return qs.order_by(*ORDERINGS["next_due_at,-received_at"])


# Clocks short enough to watch run down: their badges carry a live countdown (live.js).
SHORT_UNITS = ("minutes", "hours", "working_hours")


def deadlines_for_ticket(ticket: Ticket) -> list[Any]:
    """The ticket's deadlines as its page lists them: the running ones first, nearest due
    first, then the paused ones, then those decided, the latest first."""
    short = Case(
        When(rule__unit__in=SHORT_UNITS, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    rows = list(
        Deadline.objects.filter(ticket=ticket)
        .select_related("department", "handler")
        .annotate(short=short)
    )
    running = sorted(
        (d for d in rows if d.closed_at is None),
        key=lambda d: (d.paused_at is not None, d.due_at, d.pk),
    )
    decided = sorted(
        (d for d in rows if d.closed_at is not None),
        key=lambda d: (d.closed_at, d.pk),
        reverse=True,
    )
    return running + decided


# The top bar counts up to this many per state and then says "99+": an exact count would read
# every one of a busy person's open tickets on every page they open.
COUNT_CAP = 99


def state_counts(qs: QuerySet[Ticket], cap: int | None = None) -> dict[str, int]:
    """How many of these tickets are near (warning) or past (overdue) a deadline, each counted
    up to `cap + 1` (more than `cap`, COUNT_CAP unless given): two queries that stop early."""
    cap = COUNT_CAP if cap is None else cap
    return {
        state: qs.filter(deadline_state=state).order_by()[: cap + 1].count()
        for state in ("warning", "overdue")
    }


def ticket_deadline(ticket: Ticket) -> dict[str, Any] | None:
    """The summary a queue row shows: the nearest due time and the worst open state."""
    due_at = getattr(ticket, "next_due_at", None)
    state = getattr(ticket, "deadline_state", "") or ""
    if due_at is None and not state:
        return None
    return {"due_at": due_at, "state": state, "label": STATE_LABELS.get(state, state)}


def rule_text(rule: Any) -> str:
    """A deadline's rule in a line: "1 working day, by 17:00 — <the pack's basis>"."""
    if not isinstance(rule, dict):
        return ""
    parts = []
    if rule.get("amount") is not None and rule.get("unit") in UNIT_LABELS:
        parts.append(_amount_text(rule["amount"], rule["unit"]))
    if rule.get("end_time"):
        parts.append(str(_("by %(time)s") % {"time": rule["end_time"]}))
    if rule.get("recurring"):
        parts.append(str(_("every working day")))
    text = ", ".join(parts)
    basis = rule.get("basis") or ""
    return f"{text} — {basis}" if text and basis else text or basis


def _amount_text(amount: Any, unit: str) -> str:
    """ "1 working day", "3 working days" (plural forms); a stored value that is not a valid
    time limit any more is shown as it was stored."""
    try:
        return TimeLimit(amount, unit).describe()
    except (ValidationFailed, TypeError):
        return f"{amount} {UNIT_LABELS[unit]}"
