"""Quality inspection services: sampling, scoring, corrections, agents' averages.

The scorecard comes from the active pack's `quality` section (criteria with points, a passing
score, a sample size per agent per month, a correction limit). A wrong answer found in an
inspection opens a correction on the ticket: a `correction` event and a deadline (milestone
`correction`) that the agent meets by re-contacting the customer (`correction_done`).
"""

import random
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Avg, Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from closeloop.common.dates import date_problem
from closeloop.common.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.notifications.services import notify
from closeloop.policy.schema import Quality
from closeloop.policy.services import pack_active
from closeloop.sla import engine as sla
from closeloop.sla.models import Deadline
from closeloop.sla.notices import calendar_for
from closeloop.tickets import selectors
from closeloop.tickets.events import event_record
from closeloop.tickets.models import Ticket
from closeloop.workflow.deadlines import DeadlineState
from closeloop.workflow.statuses import Status

from .models import Inspection

INSPECTOR_ROLES = (Role.INSPECTOR, Role.SUPERVISOR)
MILESTONE = "correction"
PERIOD_RE = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


# --------------------------------------------------------------------------- periods


@dataclass(frozen=True)
class Month:
    """A calendar month in the centre's time zone: [start, end)."""

    label: str
    start: datetime
    end: datetime


def period_parse(period: str) -> Month:
    match = PERIOD_RE.match(period or "")
    if not match:
        message = _("a period is a month written YYYY-MM, not '%(p)s'") % {"p": period}
        raise ValidationFailed(message, details={"period": [message]})
    year, month = int(match[1]), int(match[2])
    # Year 0000 is no date at all: judged as year 1, outside the range like it.
    if problem := date_problem(date(max(year, 1), month, 1)):
        raise ValidationFailed(problem, details={"period": [problem]})
    tz = ZoneInfo(settings.TIME_ZONE)
    start = datetime(year, month, 1, tzinfo=tz)
    end = datetime(year + month // 12, month % 12 + 1, 1, tzinfo=tz)
    return Month(period, start, end)


def period_of(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m")


def period_current(now: datetime | None = None) -> str:
    return period_of(now or timezone.now())


def quality_rules() -> Quality:
    rules = pack_active().quality
    if rules is None:
        raise ValidationFailed(
            _("the active policy pack has no quality scorecard"), code="no_scorecard"
        )
    return rules


# --------------------------------------------------------------------------- sampling


def _sample_base(month: Month, rules: Quality) -> QuerySet[Ticket]:
    qs = (
        Ticket.objects.unscoped()
        .filter(
            received_at__gte=month.start,
            received_at__lt=month.end,
            first_contact_owner__isnull=False,
        )
        .exclude(status=Status.MERGED)
    )
    if rules.kinds:
        qs = qs.filter(kind__in=rules.kinds)
    return qs


def inspection_sample(
    period: str, *, seed: int | str, now: datetime | None = None
) -> list[Inspection]:
    """Draw each agent's sample for the month, up to the pack's sample size.

    Deterministic: the same tickets, seed and period give the same sample (a
    `random.Random` seeded per agent, over ticket ids in order). A ticket already inspected is
    never drawn again, and an agent who already has the full sample gets none more, so running
    it twice adds nothing. Returns the inspections created now.
    """
    rules = quality_rules()
    month = period_parse(period)
    now = now or timezone.now()
    base = _sample_base(month, rules)
    agents = User.objects.filter(pk__in=base.values("first_contact_owner_id").distinct()).order_by(
        "username"
    )
    created: list[Inspection] = []
    with transaction.atomic():
        for agent in agents:
            have = Inspection.objects.filter(period=period, agent=agent, sampled=True).count()
            need = rules.sample_size - have
            if need <= 0:
                continue
            candidates = list(
                base.filter(first_contact_owner=agent, inspection__isnull=True)
                .order_by("pk")
                .values_list("pk", flat=True)
            )
            # Reproducible on purpose (a draw can be replayed from its seed); not for secrets.
            rng = random.Random(f"{seed}:{period}:{agent.username}")  # noqa: S311
            chosen = sorted(rng.sample(candidates, min(need, len(candidates))))
            for ticket_id in chosen:
                try:
                    with transaction.atomic():
                        created.append(
                            Inspection.objects.create(
                                ticket_id=ticket_id,
                                agent=agent,
                                period=period,
                                sampled=True,
                                seed=str(seed)[:40],
                                created_at=now,
                            )
                        )
                except IntegrityError:
                    continue  # another inspector's draw took it meanwhile
    return created


# --------------------------------------------------------------------------- scoring


def _check_scores(rules: Quality, scores: Mapping[str, Any]) -> dict[str, int]:
    problems: dict[str, list[str]] = {}
    clean: dict[str, int] = {}
    known = {c.code for c in rules.criteria}
    for code in scores:
        if code not in known:
            problems[code] = [_("unknown criterion '%(code)s'") % {"code": code}]
    for criterion in rules.criteria:
        raw = scores.get(criterion.code)
        try:
            value = int(raw) if raw is not None and str(raw).strip() != "" else None
        except (TypeError, ValueError):
            value = None
        if value is None:
            problems[criterion.code] = [_("give a score for %(name)s") % {"name": criterion.name}]
        elif not 0 <= value <= criterion.max_points:
            problems[criterion.code] = [
                _("%(name)s is scored from 0 to %(max)s")
                % {"name": criterion.name, "max": criterion.max_points}
            ]
        else:
            clean[criterion.code] = value
    if problems:
        raise ValidationFailed(_("check the scores"), details=problems)
    return clean


def _ticket(actor: User, ticket: Ticket | str, *, for_update: bool = False) -> Ticket:
    number = ticket if isinstance(ticket, str) else ticket.number
    return selectors.ticket_get_for_user(actor, number, for_update=for_update)


def inspection_score(
    inspector: User,
    ticket: Ticket | str,
    scores: Mapping[str, Any],
    comment: str = "",
    wrong_answer: bool = False,
    *,
    now: datetime | None = None,
) -> Inspection:
    """Score the agent's handling of a ticket against the pack's criteria, once.

    A ticket outside the sample may be scored too (an inspector hears a bad call). A wrong
    answer needs a comment saying what was wrong, and opens a correction.
    """
    if not inspector.is_active or not inspector.has_role(*INSPECTOR_ROLES):
        raise NotAllowed(_("only inspectors and supervisors score service quality"))
    rules = quality_rules()
    clean = _check_scores(rules, scores)
    comment = (comment or "").strip()
    if wrong_answer and not comment:
        message = _("say what was wrong in the answer")
        raise ValidationFailed(message, details={"comment": [message]})
    now = now or timezone.now()
    with transaction.atomic():
        locked = _ticket(inspector, ticket, for_update=True)
        if locked.first_contact_owner_id is None:
            raise ValidationFailed(
                _("ticket %(number)s has no first contact owner to score")
                % {"number": locked.number}
            )
        if locked.first_contact_owner_id == inspector.pk:
            raise NotAllowed(_("you may not score your own handling"))
        inspection = Inspection.objects.select_for_update().filter(ticket=locked).first()
        if inspection is None:
            inspection = Inspection(
                ticket=locked,
                agent_id=locked.first_contact_owner_id,
                period=period_of(locked.received_at),
                sampled=False,
                created_at=now,
            )
        elif inspection.scored_at is not None:
            raise Conflict(
                _("ticket %(number)s was scored already") % {"number": locked.number},
                details={"inspection": inspection.pk},
            )
        total = sum(clean.values())
        inspection.inspector = inspector
        inspection.scores = clean
        inspection.total = total
        inspection.passed = total >= rules.passing_score
        inspection.comment = comment
        inspection.wrong_answer = bool(wrong_answer)
        inspection.scored_at = now
        inspection.save()
        if wrong_answer:
            _correction_open(inspection, locked, rules, inspector, now)
    return inspection


def _calendar(ticket: Ticket) -> Any:
    pack = pack_active()
    spec = (ticket.sla_plan or {}).get("calendar") or {
        "business_hours": pack.business_hours,
        "tz": pack.timezone,
    }
    return calendar_for(spec)


def _correction_open(
    inspection: Inspection, ticket: Ticket, rules: Quality, inspector: User, now: datetime
) -> None:
    """The ticket's `correction` event and deadline; the agent is told at once."""
    limit = rules.correction_limit
    rule = {"amount": limit.amount, "unit": limit.unit, "basis": rules.basis[:200]}
    deadline = None
    # The sweep reads the calendar from the ticket's plan: without one (tickets older than
    # the deadline engine) the correction is recorded but has no clock.
    if (ticket.sla_plan or {}).get("calendar"):
        deadline = sla.deadline_start(ticket, MILESTONE, rule, now, _calendar(ticket))
        deadline.handler = inspection.agent
        deadline.department = inspection.agent.department
        deadline.save(update_fields=["handler", "department"])
        sla.ticket_deadlines_summarise(ticket)
        inspection.correction_deadline = deadline
        inspection.save(update_fields=["correction_deadline"])
    event_record(
        ticket,
        inspector,
        "correction",
        now,
        {
            "inspection": inspection.pk,
            "agent": inspection.agent.username,
            "comment": inspection.comment,
            "due_at": deadline.due_at.isoformat() if deadline else None,
        },
    )
    text = _("%(number)s: your answer needs a correction — re-contact the customer") % {
        "number": ticket.number
    }
    notify(
        [inspection.agent],
        kind="correction",
        text=text,
        ticket=ticket,
        key=f"correction:{inspection.pk}",
        now=now,
    )


def correction_done(
    agent: User, number: str, note: str, *, now: datetime | None = None
) -> Inspection:
    """The agent re-contacted the customer with the right answer: an event, and the
    correction deadline met (late when past due)."""
    note = (note or "").strip()
    if not note:
        message = _("say what the customer was told")
        raise ValidationFailed(message, details={"note": [message]})
    now = now or timezone.now()
    with transaction.atomic():
        ticket = _ticket(agent, number, for_update=True)
        inspection = (
            Inspection.objects.select_for_update()
            .filter(ticket=ticket, wrong_answer=True, corrected_at__isnull=True)
            .first()
        )
        if inspection is None:
            raise NotFound(
                _("ticket %(number)s has no open correction") % {"number": number},
                details={"number": number},
            )
        if agent.pk != inspection.agent_id and not agent.has_role(Role.SUPERVISOR):
            raise NotAllowed(_("only the agent who answered, or a supervisor, records this"))
        inspection.corrected_at = now
        inspection.correction_note = note
        inspection.save(update_fields=["corrected_at", "correction_note"])
        late = False
        if inspection.correction_deadline_id:
            deadline = Deadline.objects.select_for_update().get(
                pk=inspection.correction_deadline_id
            )
            if deadline.closed_at is None:
                sla.deadline_meet(deadline, now)
                late = deadline.state == DeadlineState.MET_LATE
            sla.ticket_deadlines_summarise(ticket)
        event_record(
            ticket, agent, "correction_done", now,
            {"inspection": inspection.pk, "note": note, "late": late},
        )  # fmt: skip
    return inspection


# --------------------------------------------------------------------------- reading


def inspections_for_period(period: str) -> QuerySet[Inspection]:
    return (
        Inspection.objects.filter(period=period)
        .select_related("ticket", "agent", "inspector", "correction_deadline")
        .order_by("agent__username", "ticket__received_at", "id")
    )


def corrections_outstanding(agent: User | None = None) -> QuerySet[Inspection]:
    """Open corrections, the nearest due first; only `agent`'s when given."""
    qs = Inspection.objects.filter(wrong_answer=True, corrected_at__isnull=True).select_related(
        "ticket", "agent", "correction_deadline"
    )
    if agent is not None:
        qs = qs.filter(agent=agent)
    return qs.order_by("correction_deadline__due_at", "id")


def _scored(period: Any) -> QuerySet[Inspection]:
    qs = Inspection.objects.filter(scored_at__isnull=False)
    if isinstance(period, str):
        return qs.filter(period=period)
    # Any object with start/end (the report's Period): tickets that arrived in it.
    return qs.filter(ticket__received_at__gte=period.start, ticket__received_at__lt=period.end)


def agent_scores(period: Any) -> dict[str, float]:
    """Each agent's average inspection total, to one decimal: {username: average}.

    `period` is a month "YYYY-MM" or any object with `start` and `end` (the report's
    Period); inspections count by the month the ticket arrived.
    """
    rows = _scored(period).values("agent__username").annotate(avg=Avg("total"))
    return {r["agent__username"]: round(float(r["avg"]), 1) for r in rows}


def quality_summary(period: str) -> list[dict[str, Any]]:
    """Per agent: sampled, scored, average, passed, wrong answers, corrections open / late."""
    rows = (
        Inspection.objects.filter(period=period)
        .values("agent__username", "agent__display_name")
        .annotate(
            inspections=Count("id"),
            scored=Count("id", filter=Q(scored_at__isnull=False)),
            average=Avg("total"),
            passed=Count("id", filter=Q(passed=True)),
            wrong=Count("id", filter=Q(wrong_answer=True)),
            open=Count("id", filter=Q(wrong_answer=True, corrected_at__isnull=True)),
            overdue=Count(
                "id",
                filter=Q(
                    corrected_at__isnull=True,
                    correction_deadline__state=DeadlineState.OVERDUE,
                ),
            ),
            late=Count("id", filter=Q(correction_deadline__state=DeadlineState.MET_LATE)),
        )
        .order_by("agent__username")
    )
    return [
        {
            **r,
            "average": round(float(r["average"]), 1) if r["average"] is not None else None,
        }
        for r in rows
    ]
