"""The sweep: deadlines whose moment has come turn warning and overdue, and their escalations
fire (reminders, supervision orders, case files) exactly once."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from closeloop.notifications.services import notify
from closeloop.tickets.events import event_record
from closeloop.tickets.recipients import recipients_for
from closeloop.workflow.deadlines import DeadlineState

from .engine import (
    _escalation_moment,
    _escalations_for,
    _local,
    _next_check,
    _recur,
    _warn_at,
    deadline_start,
    ticket_deadlines_summarise,
)
from .labels import STATE_LABELS, milestone_label
from .models import CaseFile, Deadline, EscalationRecord
from .notices import _notices_version, calendar_for
from .plan import time_limit_of
from .timelimits import deadline_compute

ESCALATION_LABELS = {
    "remind": gettext_lazy("reminder"),
    "supervise": gettext_lazy("supervision order"),
    "escalate": gettext_lazy("escalated"),
    "case_file": gettext_lazy("case file opened"),
}


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
    stood_in = not recipients
    if stood_in:
        # The roles name nobody yet (the handler and liaison of a case not dispatched): the
        # person who took the case answers for it, else the supervisors — none is lost.
        recipients = recipients_for(ticket, ["first_contact_owner"]) or recipients_for(
            ticket, ["supervisor"]
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
    if stood_in:
        payload["stood_in"] = True
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
