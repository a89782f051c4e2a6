"""The actions that ask for an approval and decide it: handling plans and extensions."""

from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from closeloop.common.dates import date_problem
from closeloop.common.errors import InvalidTransition
from closeloop.directory.models import User
from closeloop.workflow.actions import ACTIONS
from closeloop.workflow.statuses import Status

from ..choices import ExtensionState
from ..clocks import clock_engine
from ..models import ExtensionRequest, Ticket
from .write import _act, _approver_check, _invalid, _required_text


def ticket_submit_plan(
    actor: User, number: str, *, plan: str, version: int | None = None, now: datetime | None = None
) -> Ticket:
    plan = _required_text(plan, "plan", settings.TICKET_TEXT_MAX)

    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        ticket.plan = plan
        ticket.plan_approved = None
        return Status.PENDING_APPROVAL, {"plan": plan}

    return _act(actor, number, "submit_plan", version, now, apply)


def ticket_approve_plan(
    actor: User,
    number: str,
    *,
    comment: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        _approver_check(actor, "plan")
        ticket.plan_approved = True
        return Status.IN_PROGRESS, {"comment": comment.strip()}

    return _act(actor, number, "approve_plan", version, now, apply)


def ticket_reject_plan(
    actor: User,
    number: str,
    *,
    comment: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    comment = _required_text(comment, "comment")

    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        _approver_check(actor, "plan")
        ticket.plan_approved = False
        return Status.IN_PROGRESS, {"comment": comment}

    return _act(actor, number, "reject_plan", version, now, apply)


def ticket_extend(
    actor: User,
    number: str,
    *,
    until: datetime,
    reason: str,
    milestone: str | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Request an extension of a running deadline: `milestone`, or by default the one the
    requester answers for (see the deadline engine's `deadline_for_extension`); a supervisor or
    leader approves it. The pack caps how far each milestone may be moved."""
    reason = _required_text(reason, "reason", 1000)
    if problem := date_problem(until):
        raise _invalid("until", problem)

    def apply(ticket: Ticket, now: datetime) -> tuple[None, dict[str, Any]]:
        if until <= now:
            raise _invalid("until", _("an extension must end in the future"))
        if ExtensionRequest.objects.filter(ticket=ticket, state=ExtensionState.PENDING).exists():
            raise _invalid("until", _("an extension request is already waiting for approval"))
        deadline = clock_engine().extension_check(ticket, milestone, until, actor)
        request = ExtensionRequest.objects.create(
            ticket=ticket,
            requested_by=actor,
            requested_at=now,
            until=until,
            reason=reason,
            milestone=deadline.milestone,
        )
        return None, {
            "extension": request.pk,
            "milestone": deadline.milestone,
            "due_at": deadline.due_at.isoformat(),
            "until": until.isoformat(),
            "reason": reason,
        }

    return _act(actor, number, "extend", version, now, apply)


def ticket_decide_extension(
    actor: User,
    number: str,
    *,
    approved: bool = True,
    comment: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Approve or reject the extension request waiting on the ticket."""

    def apply(ticket: Ticket, now: datetime) -> tuple[None, dict[str, Any]]:
        _approver_check(actor, "extension")
        request = ExtensionRequest.objects.filter(
            ticket=ticket, state=ExtensionState.PENDING
        ).first()
        if request is None:
            raise InvalidTransition(
                _("there is no extension request waiting for approval"),
                details={"action": ACTIONS["decide_extension"].code},
            )
        request.state = ExtensionState.APPROVED if approved else ExtensionState.REJECTED
        request.decided_by = actor
        request.decided_at = now
        request.decision_comment = comment.strip()
        request.save()
        payload: dict[str, Any] = {
            "extension": request.pk,
            "approved": approved,
            "milestone": request.milestone,
            "until": request.until.isoformat(),
            "comment": request.decision_comment,
        }
        if approved:
            deadline = clock_engine().deadline_for_extension(
                ticket, request.milestone or None, request.requested_by
            )
            payload["extended_from"] = deadline.due_at.isoformat()
            clock_engine().deadline_extend(deadline, request.until, now)
        return None, payload

    return _act(actor, number, "decide_extension", version, now, apply)
