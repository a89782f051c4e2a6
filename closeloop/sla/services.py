"""The deadline engine: deadlines start, are met, pause, move and escalate here, and nowhere
else. The arithmetic is pure (`timelimits`, `clock`); this module applies it to tickets.

Ticket services call `deadlines_on_action` inside the transaction of every action; the sweep
(`deadlines_sweep`) moves deadlines through warning and overdue and fires escalations.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from closeloop.common.errors import ValidationFailed
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.notifications.services import notify
from closeloop.tickets.choices import FINAL_STATUSES
from closeloop.tickets.events import event_record
from closeloop.tickets.models import Ticket
from closeloop.tickets.recipients import recipients_for

from . import clock
from .calendar import ALWAYS_OPEN, WorkCalendar, YearNotice, calendar_with_notice, china_calendar
from .labels import STATE_LABELS, UNIT_LABELS, milestone_label
from .milestones import AFTER_RESOLVE, DEFAULT_START, LEADER_MEETS, MET_BY
from .models import CalendarNotice, CaseFile, Deadline, DeadlineState, EscalationRecord
from .timelimits import TimeLimit, deadline_compute

# The start events an action emits (a milestone starts when its start event happens).
EMITS = {
    "register": ["registered"],
    "accept": ["accepted"],
    "dispatch": ["dispatched"],
    "transfer": ["dispatched"],
    "assign": ["assigned"],
    "progress": ["department_responded"],
    "submit_plan": ["department_responded", "plan_submitted"],
    "resolve": ["department_responded", "resolved"],
    "answer": ["resolved"],
}

# Clocks that belong to the department holding the ticket: a transfer or send-back stops
# them, and the next department's own clocks start.
DEPARTMENT_MILESTONES = {
    "assign",
    "first_contact",
    "department_response",
    "progress_report",
    "supervision",
}
# Restarted when a dissatisfied customer or a reopen sends the ticket back to work.
ON_REOPEN = {"reply", "resolve"}
DEFAULT_WARN_SHARE = 0.75
ESCALATION_LABELS = {
    "remind": _lazy("reminder"),
    "supervise": _lazy("supervision order"),
    "escalate": _lazy("escalated"),
    "case_file": _lazy("case file opened"),
}
SEVERITY: dict[str, int] = {"on_track": 0, "warning": 1, "overdue": 2}


# --------------------------------------------------------------------------- calendars

_calendar_cache: dict[tuple[Any, ...], WorkCalendar] = {}
NOTICES_VERSION_SQL = f"SELECT MAX(loaded_at), COUNT(*) FROM {CalendarNotice._meta.db_table}"  # noqa: S608 - our own table


def _notices_version() -> tuple[Any, ...]:
    """What identifies the loaded notices, as a cache key (SQLite gives the moment as text).

    Read on every action that touches deadlines: plain SQL, without the ORM's compiling.
    """
    with connection.cursor() as cursor:
        cursor.execute(NOTICES_VERSION_SQL)
        return tuple(cursor.fetchone())


def calendar_for(spec: dict[str, Any], version: tuple[Any, ...] | None = None) -> WorkCalendar:
    """The working calendar a ticket's plan names (business hours, time zone), with every
    official notice an administrator has loaded."""
    version = version if version is not None else _notices_version()
    hours = spec.get("business_hours", "24x7")
    key = (str(hours), spec.get("tz", "Asia/Shanghai"), version)
    cal = _calendar_cache.get(key)
    if cal is None:
        ranges = ALWAYS_OPEN if hours == "24x7" else [tuple(_hhmm(t) for t in r) for r in hours]
        cal = china_calendar(ranges, spec.get("tz", "Asia/Shanghai"))
        for notice in CalendarNotice.objects.order_by("year"):
            cal = calendar_with_notice(cal, _notice_from_row(notice))
        if len(_calendar_cache) > 64:
            _calendar_cache.clear()
        _calendar_cache[key] = cal
    return cal


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours) % 24, int(minutes))


def _notice_from_row(row: CalendarNotice) -> YearNotice:
    data = row.data
    return YearNotice(
        year=row.year,
        holidays={datetime.fromisoformat(d).date(): n for d, n in data["holidays"].items()},
        makeup_days={datetime.fromisoformat(d).date(): n for d, n in data["makeup_days"].items()},
        source=row.source,
    )


def calendar_notice_store(notice: YearNotice, *, now: datetime | None = None) -> int:
    """Load (or replace) a year's official notice and recompute the running deadlines that
    rested on provisional data. Returns how many deadlines were recomputed."""
    now = now or timezone.now()
    if notice.example:
        raise ValidationFailed(
            _("the notice for %(year)s is marked as an example, not official data")
            % {"year": notice.year}
        )
    with transaction.atomic():
        CalendarNotice.objects.update_or_create(
            year=notice.year,
            defaults={
                "data": {
                    "holidays": {d.isoformat(): n for d, n in sorted(notice.holidays.items())},
                    "makeup_days": {
                        d.isoformat(): n for d, n in sorted(notice.makeup_days.items())
                    },
                },
                "source": notice.source[:300],
            },
        )
        return deadlines_recompute_provisional(now)


def calendar_status() -> dict[str, Any]:
    builtin = sorted(china_calendar().covered_years)
    loaded = list(CalendarNotice.objects.order_by("year").values("year", "source", "loaded_at"))
    return {
        "builtin": [builtin[0], builtin[-1]] if builtin else [],
        "loaded": loaded,
        "covered": sorted(set(builtin) | {row["year"] for row in loaded}),
    }


# --------------------------------------------------------------------------- the plan


def plan_for(pack: Any, facts: Any, classification: Any) -> dict[str, Any]:
    """The time limits and escalations a new ticket runs under, chosen by its pack now and
    kept with the ticket, so a later pack change does not rewrite running deadlines."""
    from closeloop.policy.classify import condition_holds, time_limits_for

    limits = time_limits_for(pack, facts, classification)
    escalations = [
        escalation.model_dump(mode="json", exclude_none=True)
        for escalation in pack.escalations
        if escalation.milestone in limits
        and condition_holds(
            pack,
            escalation.when,
            facts,
            urgency=classification.urgency,
            severity=classification.severity,
            crisis=classification.crisis,
        )
    ]
    return {
        "pack": pack.name,
        "calendar": {"business_hours": pack.business_hours, "tz": pack.timezone},
        "limits": {
            m: limit.model_dump(mode="json", exclude_none=True) for m, limit in limits.items()
        },
        "escalations": escalations,
        "extension": pack.extension.model_dump(mode="json") if pack.extension else None,
    }


def time_limit_of(rule: dict[str, Any]) -> TimeLimit:
    return TimeLimit(
        amount=rule["amount"],
        unit=rule["unit"],
        count_start_day=rule.get("count_start_day", False),
        end_time=_hhmm(rule["end_time"]) if rule.get("end_time") else None,
        roll_forward=rule.get("roll_forward", False),
    )


# --------------------------------------------------------------------------- actions


def deadlines_on_action(ticket: Ticket, action: str, actor: User | None, now: datetime) -> None:
    """Meet, stop, pause, resume and start the ticket's deadlines after `action`.

    Runs inside the action's transaction, with the ticket row already locked, so the open
    deadlines read at the start stay the ticket's open deadlines: what this changes is kept in
    that list rather than read again.
    """
    plan = ticket.sla_plan
    if not plan:
        return
    cal = calendar_for(plan["calendar"])
    # A ticket being registered has no deadlines yet.
    registering = action == "register"
    open_now: list[Deadline] = (
        [] if registering else list(ticket.deadlines.filter(closed_at__isnull=True).order_by("id"))
    )
    # A correction (quality inspection) runs on after the ticket is closed: it is the agent's
    # re-contact of the customer, met only by `quality.services.correction_done`.
    running = [d for d in open_now if d.milestone != "correction"]

    met = set(MET_BY.get(action, ()))
    if action in LEADER_MEETS and actor is not None and actor.has_role(Role.LEADER):
        met |= LEADER_MEETS[action]  # a leader's written instruction (批示) on the case
    work_ends = ticket.status in FINAL_STATUSES or action in ("resolve", "answer")
    for deadline in running:
        if deadline.milestone in met:
            following = _meet(deadline, now, cal, ticket, recur=not work_ends)
            if following is not None:
                open_now.append(following)
    if ticket.status in FINAL_STATUSES:
        _stop(running, now)
    elif action in ("resolve", "answer"):
        _stop([d for d in running if d.milestone not in AFTER_RESOLVE], now)
    elif action in ("transfer", "send_back"):
        _stop([d for d in running if d.milestone in DEPARTMENT_MILESTONES], now)
    elif action == "suspend":
        for deadline in running:
            _pause(deadline, now)
    elif action == "resume":
        for deadline in running:
            _resume(deadline, now, cal)
    if action == "assign":
        for deadline in running:
            _hold(deadline, ticket)
    elif action in ("dispatch", "transfer"):
        # The department that receives the ticket holds its running clocks from now on.
        for deadline in running:
            if deadline.closed_at is None:
                _hold(deadline, ticket)

    starts = list(EMITS.get(action, []))
    reopened = action == "reopen" or (action == "visit" and ticket.status != "resolved")
    if ticket.status not in FINAL_STATUSES:
        active = {d.milestone for d in open_now if d.closed_at is None}
        for milestone, rule in plan["limits"].items():
            start_event = rule.get("start") or DEFAULT_START.get(milestone)
            wanted = start_event in starts or (reopened and milestone in ON_REOPEN)
            if reopened and ticket.department_id and milestone == "department_response":
                wanted = True
            if (
                "dispatched" in starts
                and start_event == "registered"
                and milestone in DEPARTMENT_MILESTONES
                and milestone not in active
                and ticket.deadlines.filter(milestone=milestone).exists()
            ):
                # A department's clock that ran from the first report (road rescue: 12 h)
                # starts afresh for the next department once a transfer stopped it.
                wanted, start_event = True, "dispatched"
            if wanted and milestone not in active:
                # A case's own clock starts when it really arrived (a letter's day of
                # receipt), not when it was typed in.
                start = ticket.received_at if start_event == "registered" and not reopened else now
                started = deadline_start(
                    ticket, milestone, rule, start, cal, sequence=1 if registering else None
                )
                open_now.append(started)
                active.add(milestone)
    _summarise(
        ticket,
        [(d.due_at, d.state) for d in open_now if d.closed_at is None and d.paused_at is None],
    )


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


def _meet(
    deadline: Deadline, now: datetime, cal: WorkCalendar, ticket: Ticket, *, recur: bool
) -> Deadline | None:
    """Close the deadline as met; the next occurrence of a recurring one, if it starts."""
    deadline.state = DeadlineState.MET if now <= deadline.due_at else DeadlineState.MET_LATE
    deadline.closed_at = now
    deadline.next_check_at = None
    deadline.save()
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


def _hold(deadline: Deadline, ticket: Ticket) -> None:
    """A breach is attributed to whoever held the clock: follow the holder until then."""
    if deadline.state != DeadlineState.OVERDUE:
        deadline.department = ticket.department
        deadline.handler = ticket.handler
        deadline.save(update_fields=["department", "handler"])


def _local(moment: datetime, cal: WorkCalendar) -> str:
    return moment.astimezone(cal.tz).strftime("%Y-%m-%d %H:%M")


# --------------------------------------------------------------------------- extensions


# The clocks a department answers for, which its extension request moves unless it names
# another: never the supervisor's own order (督办), whose due moment the supervisor set.
DEPARTMENT_EXTENDS = {
    "assign",
    "first_contact",
    "department_response",
    "progress_report",
    "reply",
    "resolve",
    "suggestion_feedback",
}


def deadline_for_extension(
    ticket: Ticket, milestone: str | None, requester: User | None = None
) -> Deadline:
    """The running deadline an extension request moves: the named milestone; by default the
    one the requester answers for — a liaison's or handler's: their department's running
    clocks, the most urgent (earliest due) first; anyone else's: the resolve or reply
    deadline, or else the most urgent running one."""
    # Recurring reports are not extended: each day's report is its own deadline.
    running = sorted(
        (d for d in ticket.deadlines.filter(closed_at__isnull=True) if not d.rule.get("recurring")),
        key=lambda d: (d.due_at, d.pk),
    )
    found: Deadline | None
    if milestone:
        found = next((d for d in running if d.milestone == milestone), None)
        if found is None:
            message = _("there is no running %(milestone)s deadline to extend") % {
                "milestone": milestone_label(milestone)
            }
            raise ValidationFailed(message, details={"milestone": [message]})
        return found
    if requester is not None and requester.has_role(Role.LIAISON, Role.HANDLER):
        found = next((d for d in running if d.milestone in DEPARTMENT_EXTENDS), None)
    else:
        by_milestone = {d.milestone: d for d in running}
        found = (
            by_milestone.get("resolve")
            or by_milestone.get("reply")
            or next((d for d in running if d.milestone != "supervision"), None)
        )
    if found is None:
        message = _("there is no running deadline of yours to extend; name the milestone")
        raise ValidationFailed(message, details={"milestone": [message]})
    return found


def extension_check(
    ticket: Ticket, milestone: str | None, until: datetime, requester: User | None = None
) -> Deadline:
    """Refuse an extension that does not move the deadline later, or goes past the pack's cap.
    The cap holds per milestone: counted from that deadline's own original due moment, however
    often it was extended before."""
    deadline = deadline_for_extension(ticket, milestone, requester)
    if until <= deadline.due_at:
        raise ValidationFailed(
            _("an extension must end after the current deadline (%(due)s)")
            % {"due": _local(deadline.due_at, calendar_for(ticket.sla_plan["calendar"]))},
            details={"until": [_("not after the current deadline")]},
        )
    cap = (ticket.sla_plan or {}).get("extension")
    if cap:
        cal = calendar_for(ticket.sla_plan["calendar"])
        original = deadline.extended_from or deadline.due_at
        limit = cap["max_total"]
        latest = deadline_compute(
            original, TimeLimit(limit["amount"], limit["unit"]), cal, explain=False
        ).due_at
        if until > latest:
            raise ValidationFailed(
                _(
                    "an extension may reach at most %(latest)s "
                    "(%(amount)s %(unit)s past the original deadline)"
                )
                % {
                    "latest": _local(latest, cal),
                    "amount": limit["amount"],
                    "unit": UNIT_LABELS.get(limit["unit"], limit["unit"]),
                },
                details={"until": [_("beyond the longest extension allowed")]},
            )
    return deadline


def deadline_extend(deadline: Deadline, until: datetime, now: datetime) -> Deadline:
    cal = calendar_for(deadline.ticket.sla_plan["calendar"])
    if deadline.extended_from is None:
        deadline.extended_from = deadline.due_at
    deadline.explanation = [
        *deadline.explanation,
        _("extended from %(old)s to %(new)s")
        % {"old": _local(deadline.due_at, cal), "new": _local(until, cal)},
    ]
    deadline.due_at = until
    deadline.warn_at = _warn_at(now, until, deadline.rule, cal) if until > now else None
    if deadline.state in (DeadlineState.WARNING, DeadlineState.OVERDUE):
        deadline.state = DeadlineState.ON_TRACK
    deadline.next_check_at = _next_check(deadline, deadline.ticket.sla_plan)
    deadline.save()
    ticket_deadlines_summarise(deadline.ticket)
    return deadline


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
    worst = max((state for _due, state in running), key=lambda s: SEVERITY[s], default="")
    if (ticket.next_due_at, ticket.deadline_state) != (next_due, worst):
        ticket.next_due_at, ticket.deadline_state = next_due, worst
        Ticket.objects.filter(pk=ticket.pk).update(next_due_at=next_due, deadline_state=worst)


# --------------------------------------------------------------------------- the sweep


@dataclass
class SweepResult:
    checked: int = 0
    warned: int = 0
    overdue: int = 0
    escalated: int = 0


def deadlines_sweep(*, now: datetime | None = None, batch: int = 200) -> SweepResult:
    """Move every deadline whose moment has come: warning, overdue, escalations.

    One indexed query per batch (`next_check_at <= now`): the cost follows the deadlines due,
    not the tickets open. Rows are locked with SKIP LOCKED, so several workers can sweep at
    once; each batch commits on its own, so a worker killed mid-sweep loses nothing and the
    next sweep finishes the work. Running it twice changes nothing the second time.
    """
    now = now or timezone.now()
    result = SweepResult()
    version = _notices_version()
    while True:
        with transaction.atomic():
            due = list(
                Deadline.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(next_check_at__lte=now)
                .select_related("ticket")
                .order_by("next_check_at", "id")[:batch]
            )
            for deadline in due:
                deadline_advance(deadline, now, result, version)
        if len(due) < batch:
            return result


def deadline_advance(
    deadline: Deadline, now: datetime, result: SweepResult, version: tuple[Any, ...]
) -> None:
    ticket = deadline.ticket
    plan = ticket.sla_plan
    cal = calendar_for(plan["calendar"], version)
    result.checked += 1
    if deadline.closed_at is not None or deadline.paused_at is not None:
        deadline.next_check_at = None
        deadline.save(update_fields=["next_check_at"])
        return
    # Escalations `after` the due moment fire on a later sweep of an already overdue one.
    was_overdue = deadline.state == DeadlineState.OVERDUE
    warn_now = deadline.warn_at is not None and deadline.warn_at <= now < deadline.due_at
    if deadline.state == DeadlineState.ON_TRACK and warn_now:
        deadline.state = DeadlineState.WARNING
        result.warned += 1
        _escalate(deadline, "warning", now, result, version)
    if deadline.state in (DeadlineState.ON_TRACK, DeadlineState.WARNING) and deadline.due_at <= now:
        deadline.state = DeadlineState.OVERDUE
        result.overdue += 1
        event_record(
            ticket,
            None,
            "overdue",
            now,
            {"milestone": deadline.milestone, "due_at": deadline.due_at.isoformat(),
             "department": deadline.department.code if deadline.department else None,
             "handler": deadline.handler.username if deadline.handler else None},
        )  # fmt: skip
        _escalate(deadline, "overdue", now, result, version)
        if deadline.rule.get("recurring"):
            # Each day's report is its own deadline: this one is missed, the next one runs.
            deadline.closed_at = now
            deadline.next_check_at = None
            deadline.save()
            _recur(deadline, cal, ticket)
            ticket_deadlines_summarise(ticket)
            return
    if was_overdue:
        _escalate(deadline, "overdue", now, result, version)
    deadline.next_check_at = _next_check(deadline, plan)
    deadline.save()
    ticket_deadlines_summarise(ticket)


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


def _escalate(
    deadline: Deadline,
    state: str,
    now: datetime,
    result: SweepResult,
    version: tuple[Any, ...] | None = None,
) -> None:
    """Fire each escalation of this state whose moment has come, exactly once."""
    ticket = deadline.ticket
    for index, escalation in _escalations_for(deadline, ticket.sla_plan):
        moment = _escalation_moment(deadline, escalation)
        if escalation["state"] != state or moment is None or moment > now:
            continue
        try:
            with transaction.atomic():
                EscalationRecord.objects.create(
                    deadline=deadline, index=index, action=escalation["action"], fired_at=now
                )
        except IntegrityError:
            continue  # fired before
        result.escalated += 1
        _escalation_act(deadline, index, escalation, now, version)


def _escalation_act(
    deadline: Deadline,
    index: int,
    escalation: dict[str, Any],
    now: datetime,
    version: tuple[Any, ...] | None = None,
) -> None:
    ticket = deadline.ticket
    action = escalation["action"]
    recipients = recipients_for(
        ticket,
        escalation["notify"],
        department_id=deadline.department_id,
        handler=deadline.handler,
    )
    cal = calendar_for(ticket.sla_plan["calendar"], version)
    text = _("%(number)s: %(milestone)s %(state)s (due %(due)s) — %(action)s") % {
        "number": ticket.number,
        "milestone": milestone_label(deadline.milestone),
        "state": STATE_LABELS.get(deadline.state, deadline.state),
        "due": _local(deadline.due_at, cal),
        "action": ESCALATION_LABELS.get(action, action),
    }
    payload: dict[str, Any] = {
        "milestone": deadline.milestone,
        "state": deadline.state,
        "automatic": True,
        "notified": sorted(u.username for u in recipients),
        "basis": escalation.get("basis", ""),
    }
    if action == "case_file":
        case = case_file_open(deadline, text, now)
        payload["case_file"] = case.pk
        payload["department"] = case.department.code if case.department else None
        payload["responsible"] = case.responsible.username if case.responsible else None
    event = {"remind": "remind", "supervise": "supervise", "escalate": "escalate",
             "case_file": "case_file"}[action]  # fmt: skip
    own_limit = escalation.get("time_limit")
    if own_limit:
        follow_up = deadline_start(ticket, own_limit["milestone"], own_limit, now, cal)
        payload["deadline"] = {
            "milestone": follow_up.milestone,
            "due_at": follow_up.due_at.isoformat(),
        }
    event_record(ticket, None, event, now, payload)
    notify(
        recipients,
        kind=event,
        text=text,
        ticket=ticket,
        key=f"escalation:{deadline.pk}:{index}",
        now=now,
    )


def case_file_open(deadline: Deadline, reason: str, now: datetime) -> CaseFile:
    """Open the 投诉处理档案 for a late clock, naming the department that must answer — the one
    holding the clock, else the ticket's, else the one its rules route to (a case not yet
    dispatched) — and the person responsible for it: the handler, else the department head."""
    ticket = deadline.ticket
    department_id = deadline.department_id or ticket.department_id or ticket.routed_department_id
    responsible = deadline.handler or ticket.handler
    if responsible is None and department_id is not None:
        head = recipients_for(ticket, ["department_head"], department_id=department_id)
        responsible = min(head, key=lambda u: u.pk, default=None)
    return CaseFile.objects.create(
        ticket=ticket,
        deadline=deadline,
        department_id=department_id,
        responsible=responsible,
        opened_at=now,
        reason=reason[:500],
    )


def deadlines_recompute_provisional(now: datetime) -> int:
    """After a year's notice is loaded: recompute running deadlines that were provisional
    (not those an approved extension or a suspension has already moved)."""
    count = 0
    rows = Deadline.objects.filter(
        closed_at__isnull=True, provisional=True, extended_from__isnull=True, paused_at__isnull=True
    ).select_related("ticket")
    for deadline in rows:
        plan = deadline.ticket.sla_plan
        cal = calendar_for(plan["calendar"])
        result = deadline_compute(deadline.started_at, time_limit_of(deadline.rule), cal)
        deadline.due_at = result.due_at
        deadline.provisional = result.provisional
        deadline.explanation = result.explanation
        deadline.warn_at = _warn_at(deadline.started_at, result.due_at, deadline.rule, cal)
        if deadline.state == DeadlineState.OVERDUE and result.due_at > now:
            deadline.state = DeadlineState.ON_TRACK
        deadline.next_check_at = _next_check(deadline, plan) or now
        deadline.save()
        ticket_deadlines_summarise(deadline.ticket)
        count += 1
    return count


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
