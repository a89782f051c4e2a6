"""The indicators of the monthly report (月度通报), defined once (see docs/indicators.md).

Every figure is over a **cohort**: the tickets *received* in [start, end) that the viewer may
see (merged duplicates excluded: they are counted in their original). Counts are plain
names; rates are computed from those counts and are None when their denominator is 0.
Reads only.
"""

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import connection
from django.db.models import (
    Aggregate,
    Avg,
    Count,
    Exists,
    F,
    FloatField,
    OuterRef,
    Q,
    QuerySet,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from closeloop.directory.models import User
from closeloop.policy.services import pack_active
from closeloop.sla.models import Deadline, EscalationRecord
from closeloop.tickets.choices import Satisfaction, Validity
from closeloop.tickets.models import Ticket, TicketEvent
from closeloop.workflow.deadlines import DeadlineState
from closeloop.workflow.statuses import OPEN_STATUSES, Status

GROUPS = {
    "department": ("department__code", "department__name"),
    "category": ("category__code", "category__name"),
    "kind": ("kind", None),
    "channel": ("channel", None),
    "agent": ("first_contact_owner__username", "first_contact_owner__display_name"),
}

# On-time rates shown (按时签收率: accept, dispatch; 按时办结率: resolve).
ON_TIME_MILESTONES = (
    "accept",
    "dispatch",
    "department_response",
    "reply",
    "resolve",
    "return_visit",
)


class Percentile90(Aggregate):
    """PostgreSQL's percentile_cont(0.9); SQLite computes it in Python instead."""

    function = "percentile_cont"
    template = "percentile_cont(0.9) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


@dataclass(frozen=True)
class Period:
    start: datetime
    end: datetime

    def previous(self) -> "Period":
        return Period(self.start - (self.end - self.start), self.start)


def cohort(user: User, period: Period) -> QuerySet[Ticket]:
    return (
        Ticket.objects.visible_to(user)
        .filter(received_at__gte=period.start, received_at__lt=period.end)
        .exclude(status=Status.MERGED)
    )


def overdue_q() -> Q:
    """The tickets `overdue` counts (a deadline missed: still overdue, or met late even before
    a sweep marked it); the monthly report lists the same ones."""
    missed = [DeadlineState.OVERDUE, DeadlineState.MET_LATE]
    return Q(Exists(Deadline.objects.filter(ticket=OuterRef("pk"), state__in=missed)))


def _counts(satisfied_values: Iterable[str]) -> dict[str, Any]:
    escalated = EscalationRecord.objects.filter(deadline__ticket=OuterRef("pk"))
    supervised = TicketEvent.objects.unscoped().filter(ticket=OuterRef("pk"), action="supervise")
    # The answer's event names the article it came from (the knowledge base records the use).
    from_knowledge = TicketEvent.objects.unscoped().filter(
        ticket=OuterRef("pk"), action="answer", payload__has_key="article"
    )
    resolved = Q(status__in=[Status.RESOLVED, Status.CLOSED])
    return {
        "received": Count("id"),
        "accepted": Count("id", filter=Q(accepted_at__isnull=False)),
        "declined": Count("id", filter=Q(status=Status.DECLINED)),
        "answered_on_the_spot": Count("id", filter=Q(answered_on_the_spot=True)),
        "answered_from_knowledge": Count("id", filter=Q(Exists(from_knowledge))),
        "resolved": Count("id", filter=resolved),
        "resolved_first_time": Count("id", filter=resolved & Q(reopen_count=0)),
        "closed": Count("id", filter=Q(status=Status.CLOSED)),
        "open": Count("id", filter=Q(status__in=list(OPEN_STATUSES))),
        "reopened": Count("id", filter=Q(reopen_count__gt=0)),
        "visited": Count("id", filter=~Q(satisfaction="")),
        "satisfied": Count("id", filter=Q(satisfaction__in=list(satisfied_values))),
        "dissatisfied": Count("id", filter=Q(satisfaction=Satisfaction.DISSATISFIED)),
        "valid": Count("id", filter=Q(validity=Validity.VALID)),
        "invalid": Count("id", filter=Q(validity=Validity.INVALID)),
        "crisis": Count("id", filter=Q(crisis=True)),
        "complaints": Count("id", filter=Q(kind="complaint")),
        "repeat_complaints": Count("id", filter=Q(kind="complaint", is_repeat=True)),
        "overdue": Count("id", filter=overdue_q()),
        "escalated": Count("id", filter=Q(Exists(escalated))),
        "supervised": Count("id", filter=Q(Exists(supervised))),
        "compensation_paid": Coalesce(Sum("compensation_amount"), 0, output_field=FloatField()),
        "handling_seconds_avg": Avg("handling_seconds"),
    }


def _ratio(part: float, whole: float) -> float | None:
    return round(part / whole, 4) if whole else None


def rates(counts: dict[str, Any]) -> dict[str, float | None]:
    """The rates of the report, each from the plain counts beside it."""
    return {
        "acceptance_rate": _ratio(counts["accepted"], counts["received"]),
        "on_the_spot_rate": _ratio(counts["answered_on_the_spot"], counts["received"]),
        "resolution_rate": _ratio(counts["resolved"], counts["accepted"]),
        "first_contact_resolution_rate": _ratio(counts["resolved_first_time"], counts["resolved"]),
        "return_visit_rate": _ratio(counts["visited"], counts["resolved"]),
        "satisfaction_rate": _ratio(counts["satisfied"], counts["visited"]),
        "reopen_rate": _ratio(counts["reopened"], counts["resolved"]),
        "valid_share": _ratio(counts["valid"], counts["valid"] + counts["invalid"]),
        "overdue_rate": _ratio(counts["overdue"], counts["received"]),
        "repeat_complaint_rate": _ratio(counts["repeat_complaints"], counts["complaints"]),
    }


def _p90(tickets: QuerySet[Ticket], key: str | None) -> dict[Any, float | None]:
    """90th percentile of handling time per group (nearest-rank on SQLite)."""
    values = tickets.filter(handling_seconds__isnull=False)
    if connection.vendor == "postgresql":
        if key is None:
            return {None: values.aggregate(p90=Percentile90("handling_seconds"))["p90"]}
        rows = values.values(key).annotate(p90=Percentile90("handling_seconds"))
        return {row[key]: row["p90"] for row in rows}
    grouped: dict[Any, list[int]] = {}
    for group, seconds in values.values_list(key if key else "kind", "handling_seconds"):
        grouped.setdefault(group if key else None, []).append(seconds)
    result: dict[Any, float | None] = {}
    for group, items in grouped.items():
        items.sort()
        result[group] = float(items[max(0, math.ceil(0.9 * len(items)) - 1)])
    return result


def on_time(tickets: QuerySet[Ticket]) -> dict[str, dict[str, Any]]:
    """Per milestone: deadlines met on time / all that ended or fell overdue (按时率)."""
    return on_time_by(tickets, None).get(None, {})


def on_time_by(tickets: QuerySet[Ticket], key: str | None) -> dict[Any, dict[str, dict[str, Any]]]:
    """`on_time` for each group of `key` (a GROUPS key) in one query: {group: {milestone: …}}.
    The department ranking of the monthly report needs each department's 按时办结率."""
    fields = ["milestone", f"ticket__{key}"] if key else ["milestone"]
    rows = (
        Deadline.objects.filter(ticket__in=tickets.values("pk"), milestone__in=ON_TIME_MILESTONES)
        .exclude(state=DeadlineState.CANCELLED)
        .values(*fields)
        .annotate(
            met=Count("id", filter=Q(state=DeadlineState.MET)),
            late=Count("id", filter=Q(state__in=[DeadlineState.MET_LATE, DeadlineState.OVERDUE])),
        )
    )
    result: dict[Any, dict[str, dict[str, Any]]] = {}
    for row in rows:
        decided = row["met"] + row["late"]
        group = row[f"ticket__{key}"] if key else None
        result.setdefault(group, {})[row["milestone"]] = {
            "met": row["met"],
            "late": row["late"],
            "on_time_rate": _ratio(row["met"], decided),
        }
    return result


def indicators(
    user: User,
    period: Period,
    *,
    group_by: str | None = None,
    satisfied_values: Iterable[str] = (Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED),
    with_previous: bool = True,
) -> dict[str, Any]:
    tickets = cohort(user, period)
    aggregates = _counts(satisfied_values)
    totals = tickets.aggregate(**aggregates)
    totals["p90"] = _p90(tickets, None).get(None)
    result: dict[str, Any] = {
        "from": period.start,
        "to": period.end,
        "group_by": group_by,
        "totals": _finish(totals),
        "on_time": on_time(tickets),
        "groups": [],
    }
    if group_by:
        key, label = GROUPS[group_by]
        fields = [key, label] if label else [key]
        p90 = _p90(tickets, key)
        on_time_groups = on_time_by(tickets, key)
        rows = tickets.values(*fields).annotate(**aggregates).order_by(F(key).asc(nulls_last=True))
        for row in rows:
            row["p90"] = p90.get(row[key])
            group = _finish(row)
            group["key"] = row[key]
            group["label"] = row[label] if label else row[key]
            group["on_time"] = on_time_groups.get(row[key], {})
            for name in fields:
                group.pop(name, None)
            result["groups"].append(group)
    if with_previous:
        previous = period.previous()
        before = indicators(user, previous, satisfied_values=satisfied_values, with_previous=False)
        result["previous"] = {
            "from": previous.start,
            "to": previous.end,
            "totals": before["totals"],
            "on_time": before["on_time"],
        }
    return result


def _finish(counts: dict[str, Any]) -> dict[str, Any]:
    out = dict(counts)
    average = out.pop("handling_seconds_avg", None)
    p90 = out.pop("p90", None)
    out["compensation_paid"] = round(float(out.get("compensation_paid") or 0), 2)
    out["handling_hours_avg"] = round(average / 3600, 2) if average is not None else None
    out["handling_hours_p90"] = round(p90 / 3600, 2) if p90 is not None else None
    out.update(rates(out))
    return out


def period_of(first: Any, last: Any) -> Period:
    zone = timezone.get_current_timezone()
    start = datetime.combine(first, time(0), tzinfo=zone)
    end = datetime.combine(last + timedelta(days=1), time(0), tzinfo=zone)
    return Period(start, end)


def satisfied_values() -> list[str]:
    visit = pack_active().return_visit
    if visit is None or visit.basically_satisfied_is_satisfied:
        return [Satisfaction.SATISFIED, Satisfaction.BASICALLY_SATISFIED]
    return [Satisfaction.SATISFIED]
