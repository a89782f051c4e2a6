"""The deadline engine: deadlines start, are met, pause, resume and move here, and nowhere
else. The arithmetic is pure (`timelimits`, `clock`); this module applies it to tickets.

Ticket services call `deadlines_on_action` inside the transaction of every action, through
the port they own (`tickets.clocks`, installed by `SlaConfig.ready`); the sweep
(`sla.sweep`) moves deadlines through warning and overdue and fires escalations; extension
requests move deadlines through `sla.extensions`.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.utils.translation import gettext as _

from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.tickets.models import Ticket
from closeloop.workflow.deadlines import DeadlineState
from closeloop.workflow.milestones import (
    AFTER_RESOLVE,
    DEFAULT_START,
    DEPARTMENT_MILESTONES,
    ON_REOPEN,
)
from closeloop.workflow.records import Action, Hold, Stop
from closeloop.workflow.statuses import FINAL_STATUSES, OPEN_STATUSES

from . import clock
from .calendar import WorkCalendar
from .models import Deadline
from .notices import calendar_for
from .plan import time_limit_of
from .timelimits import deadline_compute

DEFAULT_WARN_SHARE = 0.75
DEADLINE_STATE_RANK: dict[str, int] = {"on_track": 0, "warning": 1, "overdue": 2}


# --------------------------------------------------------------------------- actions


def deadlines_on_action(ticket: Ticket, action: Action, actor: User | None, now: datetime) -> None:
    """Meet, stop, pause, resume and start the ticket's deadlines after `action`, as its record
    says (`Action.clock`).

    Runs inside the action's transaction, with the ticket row already locked, so the open
    deadlines read at the start stay the ticket's open deadlines: what this changes is kept in
    that list rather than read again.
    """
    plan = ticket.sla_plan
    if not plan:
        return
    cal = calendar_for(plan["calendar"])
    # A ticket being registered has no deadlines yet.
    registering = action.name == "register"
    open_now: list[Deadline] = (
        [] if registering else list(ticket.deadlines.filter(closed_at__isnull=True).order_by("id"))
    )
    # A correction (quality inspection) runs on after the ticket is closed: it is the agent's
    # re-contact of the customer, met only by `quality.services.correction_done`.
    running = [d for d in open_now if d.milestone != "correction"]
    open_now += _running_clocks_apply(ticket, action, actor, running, now, cal)
    if ticket.status not in FINAL_STATUSES:
        open_now += _clocks_start(ticket, action, plan, open_now, now, cal, registering)
    _summarise(
        ticket,
        [(d.due_at, d.state) for d in open_now if d.closed_at is None and d.paused_at is None],
    )


def _running_clocks_apply(
    ticket: Ticket,
    action: Action,
    actor: User | None,
    running: list[Deadline],
    now: datetime,
    cal: WorkCalendar,
) -> list[Deadline]:
    """Meet, stop, pause, resume and hold the running clocks; return the recurring clocks that
    follow the ones met."""
    effect = action.clock
    met = set(effect.meets)
    if effect.leader_meets and actor is not None and actor.has_role(Role.LEADER):
        met |= effect.leader_meets  # a leader's written instruction (批示) on the case
    # Whatever the action, a ticket that ends (a visit that closes it too) stops every clock.
    stops = Stop.ALL if ticket.status in FINAL_STATUSES else effect.stops
    work_ends = stops in (Stop.ALL, Stop.WORK)
    following = [
        f
        for deadline in running
        if deadline.milestone in met
        and (f := _meet(deadline, now, cal, ticket, recur=not work_ends)) is not None
    ]
    if stops is Stop.ALL:
        _stop(running, now)
    elif stops is Stop.WORK:
        _stop([d for d in running if d.milestone not in AFTER_RESOLVE], now)
    elif stops is Stop.DEPARTMENT:
        _stop([d for d in running if d.milestone in DEPARTMENT_MILESTONES], now)
    elif effect.pauses:
        for deadline in running:
            _pause(deadline, now)
    elif effect.resumes:
        for deadline in running:
            _resume(deadline, now, cal)
    # The department that receives the ticket holds its running clocks from now on.
    held = {Hold.ALL: running, Hold.RUNNING: [d for d in running if d.closed_at is None]}
    for deadline in held.get(effect.hold, []):
        _department_holds(deadline, ticket)
    return following


def _clocks_start(
    ticket: Ticket,
    action: Action,
    plan: dict[str, Any],
    open_now: list[Deadline],
    now: datetime,
    cal: WorkCalendar,
    registering: bool,
) -> list[Deadline]:
    """Start the plan's clocks whose start event the action emits; return them."""
    starts = list(action.clock.starts)
    # A reopen, or a dissatisfied visit that sends the ticket back to work (not one that
    # closes it or leaves it resolved).
    reopened = action.clock.reopens and ticket.status in OPEN_STATUSES
    if reopened:
        starts.append("reopened")
    active = {d.milestone for d in open_now if d.closed_at is None}
    started: list[Deadline] = []
    for milestone, rule in plan["limits"].items():
        if milestone in active:
            continue
        start_event = _start_event(ticket, milestone, rule, starts, reopened)
        if start_event is None:
            continue
        # A case's own clock starts when it really arrived (a letter's day of receipt), not
        # when it was typed in.
        start = ticket.received_at if start_event == "registered" and not reopened else now
        started.append(
            deadline_start(ticket, milestone, rule, start, cal, sequence=1 if registering else None)
        )
        active.add(milestone)
    return started


def _start_event(
    ticket: Ticket, milestone: str, rule: dict[str, Any], starts: list[str], reopened: bool
) -> str | None:
    """The event that starts a clock not running now, or None if this action starts none."""
    start_event = rule.get("start") or DEFAULT_START.get(milestone)
    if (
        "dispatched" in starts
        and start_event == "registered"
        and milestone in DEPARTMENT_MILESTONES
        and ticket.deadlines.filter(milestone=milestone).exists()
    ):
        # A department's clock that ran from the first report (road rescue: 12 h) starts
        # afresh for the next department once a transfer stopped it.
        return "dispatched"
    wanted = start_event in starts or (reopened and milestone in ON_REOPEN)
    if reopened and ticket.department_id and milestone == "department_response":
        wanted = True
    return start_event if wanted else None


def deadline_start(
    ticket: Ticket,
    milestone: str,
    rule: dict[str, Any],
    start: datetime,
    cal: WorkCalendar,
    *,
    sequence: int | None = None,
) -> Deadline:
    result = deadline_compute(start, time_limit_of(rule), cal)
    if sequence is None:
        sequence = ticket.deadlines.filter(milestone=milestone).count() + 1
    deadline = Deadline(
        ticket=ticket,
        milestone=milestone,
        sequence=sequence,
        rule=rule,
        explanation=result.explanation,
        department=ticket.department,
        handler=ticket.handler,
        started_at=start,
        due_at=result.due_at,
        warn_at=_warn_at(start, result.due_at, rule, cal),
        provisional=result.provisional,
    )
    deadline.next_check_at = _next_check(deadline, ticket.sla_plan)
    deadline.save()
    return deadline


def _warn_at(start: datetime, due: datetime, rule: dict[str, Any], cal: WorkCalendar) -> datetime:
    warn = rule.get("warn_before")
    if warn and warn["unit"] == rule["unit"] and warn["amount"] < rule["amount"]:
        # "Warn 1 working day before 3 working days" is the end of 2 working days.
        shorter = {**rule, "amount": rule["amount"] - warn["amount"]}
        return deadline_compute(start, time_limit_of(shorter), cal, explain=False).due_at
    if warn and warn["unit"] in ("minutes", "hours"):
        return due - timedelta(**{warn["unit"]: warn["amount"]})
    if warn:  # a lead in another unit: its plain length
        seconds = {"working_hours": 3600, "days": 86400, "working_days": 86400}[warn["unit"]]
        return due - timedelta(seconds=seconds * warn["amount"])
    share = rule.get("warn_share", DEFAULT_WARN_SHARE)
    return start + (due - start) * share


def deadline_meet(deadline: Deadline, now: datetime) -> None:
    """Close the deadline as met: on time up to its due moment, late after it."""
    deadline.state = DeadlineState.MET if now <= deadline.due_at else DeadlineState.MET_LATE
    deadline.closed_at = now
    deadline.next_check_at = None
    deadline.save(update_fields=["state", "closed_at", "next_check_at"])


def _meet(
    deadline: Deadline, now: datetime, cal: WorkCalendar, ticket: Ticket, *, recur: bool
) -> Deadline | None:
    """Close the deadline as met; the next occurrence of a recurring one, if it starts."""
    deadline_meet(deadline, now)
    if recur and deadline.rule.get("recurring"):
        return _recur(deadline, cal, ticket)
    return None


def _recur(deadline: Deadline, cal: WorkCalendar, ticket: Ticket) -> Deadline:
    """The next occurrence of a recurring milestone starts where this one was due."""
    return deadline_start(
        ticket,
        deadline.milestone,
        deadline.rule,
        deadline.due_at,
        cal,
        sequence=deadline.sequence + 1,
    )


def _stop(deadlines: Iterable[Deadline], now: datetime) -> None:
    """The clock stops without the milestone being met; a missed one stays overdue."""
    for deadline in deadlines:
        if deadline.closed_at is not None:
            continue
        if deadline.state != DeadlineState.OVERDUE:
            deadline.state = DeadlineState.CANCELLED
        deadline.closed_at = now
        deadline.next_check_at = None
        deadline.save()


def _pause(deadline: Deadline, now: datetime) -> None:
    if deadline.paused_at is None:
        deadline.paused_at = now
        deadline.next_check_at = None
        deadline.save()


def _resume(deadline: Deadline, now: datetime, cal: WorkCalendar) -> None:
    """The clock resumes with the time that remained when it stopped."""
    if deadline.paused_at is None:
        return
    unit = deadline.rule["unit"]
    deadline.due_at = clock.shift_after_pause(deadline.due_at, deadline.paused_at, now, unit, cal)
    if deadline.warn_at is not None and deadline.warn_at > deadline.paused_at:
        deadline.warn_at = clock.shift_after_pause(
            deadline.warn_at, deadline.paused_at, now, unit, cal
        )
    deadline.explanation = [
        *deadline.explanation,
        _("suspended %(from)s – %(to)s; due moved to %(due)s")
        % {
            "from": _local(deadline.paused_at, cal),
            "to": _local(now, cal),
            "due": _local(deadline.due_at, cal),
        },
    ]
    deadline.paused_at = None
    deadline.next_check_at = _next_check(deadline, deadline.ticket.sla_plan)
    deadline.save()


def _department_holds(deadline: Deadline, ticket: Ticket) -> None:
    """A breach is attributed to whoever held the clock: follow the holder until then."""
    if deadline.state != DeadlineState.OVERDUE:
        deadline.department = ticket.department
        deadline.handler = ticket.handler
        deadline.save(update_fields=["department", "handler"])


def _local(moment: datetime, cal: WorkCalendar) -> str:
    return moment.astimezone(cal.tz).strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------- summary


def ticket_deadlines_summarise(ticket: Ticket) -> None:
    """Keep the ticket's nearest due moment and worst state, which queues sort and filter on."""
    _summarise(
        ticket,
        list(
            ticket.deadlines.filter(closed_at__isnull=True, paused_at__isnull=True).values_list(
                "due_at", "state"
            )
        ),
    )


def _summarise(ticket: Ticket, running: list[tuple[datetime, str]]) -> None:
    """`running`: the due moment and state of each deadline whose clock runs."""
    next_due = min((due for due, _state in running), default=None)
    worst = max(
        (state for _due, state in running), key=lambda s: DEADLINE_STATE_RANK[s], default=""
    )
    if (ticket.next_due_at, ticket.deadline_state) != (next_due, worst):
        ticket.next_due_at, ticket.deadline_state = next_due, worst
        Ticket.objects.unscoped().filter(pk=ticket.pk).update(
            next_due_at=next_due, deadline_state=worst
        )


# --------------------------------------------------------------------------- the next check


def _escalations_for(deadline: Deadline, plan: dict[str, Any]) -> list[tuple[int, dict[str, Any]]]:
    return [
        (index, escalation)
        for index, escalation in enumerate(plan.get("escalations", []))
        if escalation["milestone"] == deadline.milestone
    ]


def _escalation_moment(deadline: Deadline, escalation: dict[str, Any]) -> datetime | None:
    if escalation["state"] == "warning":
        return deadline.warn_at
    after = escalation.get("after")
    if not after:
        return deadline.due_at
    return deadline.due_at + _plain_length(after)


def _plain_length(duration: dict[str, Any]) -> timedelta:
    seconds = {"minutes": 60, "hours": 3600, "working_hours": 3600, "days": 86400,
               "working_days": 86400}[duration["unit"]]  # fmt: skip
    return timedelta(seconds=seconds * duration["amount"])


def _next_check(deadline: Deadline, plan: dict[str, Any]) -> datetime | None:
    """The next moment anything about this deadline changes, or None."""
    if deadline.closed_at is not None or deadline.paused_at is not None:
        return None
    moments = []
    if (
        deadline.state == DeadlineState.ON_TRACK
        and deadline.warn_at
        and deadline.warn_at < deadline.due_at
    ):
        moments.append(deadline.warn_at)
    if deadline.state in (DeadlineState.ON_TRACK, DeadlineState.WARNING):
        moments.append(deadline.due_at)
    if deadline.state == DeadlineState.OVERDUE and deadline.pk:
        fired = set(deadline.escalations.values_list("index", flat=True))
        for index, escalation in _escalations_for(deadline, plan):
            moment = _escalation_moment(deadline, escalation)
            if index not in fired and escalation["state"] == "overdue" and moment:
                moments.append(moment)
    return min(moments, default=None)


def deadline_view(deadline: Deadline) -> dict[str, Any]:
    return {
        "milestone": deadline.milestone,
        "sequence": deadline.sequence,
        "started_at": deadline.started_at,
        "due_at": deadline.due_at,
        "state": deadline.state,
        "provisional": deadline.provisional,
        "suspended": deadline.paused_at is not None,
        "running": deadline.closed_at is None,
        "department": deadline.department.code if deadline.department else None,
        "handler": deadline.handler.username if deadline.handler else None,
        "extended_from": deadline.extended_from,
        "rule": deadline.rule,
        "explanation": deadline.explanation,
    }


def supervision_start(ticket: Ticket, due_at: datetime, note: str, now: datetime) -> Deadline:
    """A supervisor's order (督办) with its own deadline, met when the department reports."""
    deadline = Deadline(
        ticket=ticket,
        milestone="supervision",
        sequence=ticket.deadlines.filter(milestone="supervision").count() + 1,
        rule={"unit": "until", "basis": note[:200]},
        explanation=[
            _("supervision order: report by %(due)s")
            % {"due": _local(due_at, calendar_for(ticket.sla_plan.get("calendar", {})))}
        ],
        department=ticket.department,
        handler=ticket.handler,
        started_at=now,
        due_at=due_at,
        warn_at=now + (due_at - now) * DEFAULT_WARN_SHARE,
    )
    deadline.next_check_at = _next_check(deadline, ticket.sla_plan)
    deadline.save()
    ticket_deadlines_summarise(ticket)
    return deadline


def handling_seconds(ticket: Ticket, resolved_at: datetime) -> int | None:
    """Business time from the case's arrival to its resolution, on the ticket's calendar."""
    plan = ticket.sla_plan
    if not plan:
        return None
    return clock.open_seconds_between(
        ticket.received_at, resolved_at, calendar_for(plan["calendar"])
    )
