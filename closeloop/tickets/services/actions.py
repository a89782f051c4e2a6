"""The actions on a ticket, one function each: taking it on, sending it where it is handled,
handling, resolving, replying, merging, reminding and supervising."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from closeloop.common.dates import date_problem
from closeloop.common.errors import InvalidTransition, NotFound
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.directory.selectors import department_subtree_ids
from closeloop.policy.services import pack_active
from closeloop.workflow.statuses import Status

from .. import selectors
from ..choices import Kind, ReplyMethod, Validity
from ..clocks import clock_engine
from ..models import Assignment, Ticket
from .inputs import CompensationInput
from .write import _act, _department_by_code, _event, _hold, _invalid, _required_text

CENTRE_HANDLES_MESSAGE = gettext_lazy(
    "the centre handles this ticket itself; it may not be sent to another department"
)


def ticket_accept(
    actor: User, number: str, *, version: int | None = None, now: datetime | None = None
) -> Ticket:
    return _act(actor, number, "accept", version, now, lambda t, n: (Status.ACCEPTED, {}))


def ticket_decline(
    actor: User,
    number: str,
    *,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    reason = _required_text(reason, "reason", 1000)

    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        ticket.decline_reason = reason
        return Status.DECLINED, {"reason": reason, "referral": ticket.referral}

    return _act(actor, number, "decline", version, now, apply)


def ticket_answer(
    actor: User,
    number: str,
    *,
    reply: str,
    article: int | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Answer on the spot: the reply is given during the first contact, no transfer.
    `article`: the knowledge-base article the answer came from, for the report."""
    reply = _required_text(reply, "reply", settings.TICKET_TEXT_MAX)

    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        ticket.reply = reply
        ticket.resolved_at = now
        ticket.handling_seconds = clock_engine().handling_seconds(ticket, now)
        ticket.answered_on_the_spot = True
        payload: dict[str, Any] = {"reply": reply, "on_the_spot": True}
        if article is not None:
            payload["article"] = article
        return Status.RESOLVED, payload

    return _act(actor, number, "answer", version, now, apply)


def ticket_dispatch(
    actor: User,
    number: str,
    *,
    department: str | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    return _act(actor, number, "dispatch", version, now, _dispatch_apply(department))


def _dispatch_apply(
    department: str | None,
) -> Callable[[Ticket, datetime], tuple[str, dict[str, Any]]]:
    """To `department`, or by default to the one the rules chose at registration."""

    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        if department:
            target = _department_by_code(department, "department")
        elif ticket.routed_department is not None:
            target = ticket.routed_department
        else:
            raise _invalid("department", _("say which department to dispatch to"))
        if ticket.centre_handles and target != ticket.routed_department:
            raise _invalid(
                "department",
                str(CENTRE_HANDLES_MESSAGE),
            )
        _hold(ticket, target, None, now)
        return Status.DISPATCHED, {"department": target.code}

    return apply


def ticket_transfer(
    actor: User,
    number: str,
    *,
    department: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        target = _department_by_code(department, "department")
        if target.pk == ticket.department_id:
            raise _invalid("department", _("the ticket is already with that department"))
        if ticket.centre_handles:
            raise _invalid(
                "department",
                str(CENTRE_HANDLES_MESSAGE),
            )
        source = ticket.department.code if ticket.department else None
        _hold(ticket, target, None, now)
        return Status.DISPATCHED, {"from_department": source, "department": target.code}

    return _act(actor, number, "transfer", version, now, apply)


def ticket_send_back(
    actor: User,
    number: str,
    *,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    reason = _required_text(reason, "reason", 1000)

    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        source = ticket.department.code if ticket.department else None
        _hold(ticket, None, None, now)
        return Status.ACCEPTED, {"reason": reason, "from_department": source}

    return _act(actor, number, "send_back", version, now, apply, durable=True)


def ticket_assign(
    actor: User,
    number: str,
    *,
    handler: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        person = User.objects.filter(username=handler, is_active=True).first()
        if person is None:
            raise _invalid("handler", _("unknown person '%(username)s'") % {"username": handler})
        if not person.has_role(Role.HANDLER, Role.LIAISON):
            raise _invalid("handler", _("%(username)s is not a handler") % {"username": handler})
        if ticket.department_id is None or person.department_id not in department_subtree_ids(
            ticket.department_id
        ):
            raise _invalid(
                "handler",
                _("%(username)s does not belong to the ticket's department")
                % {"username": handler},
            )
        if person.pk == ticket.handler_id:
            raise _invalid(
                "handler",
                _("the ticket is already assigned to %(username)s") % {"username": handler},
            )
        _hold(ticket, ticket.department, person, now)
        return Status.IN_PROGRESS, {"handler": person.username}

    return _act(actor, number, "assign", version, now, apply)


def ticket_progress(
    actor: User, number: str, *, note: str, version: int | None = None, now: datetime | None = None
) -> Ticket:
    note = _required_text(note, "note")
    return _act(actor, number, "progress", version, now, lambda t, n: (None, {"note": note}))


def ticket_suspend(
    actor: User,
    number: str,
    *,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    reason = _required_text(reason, "reason", 1000)
    return _act(
        actor, number, "suspend", version, now, lambda t, n: (Status.SUSPENDED, {"reason": reason})
    )


def ticket_resume(
    actor: User, number: str, *, version: int | None = None, now: datetime | None = None
) -> Ticket:
    return _act(actor, number, "resume", version, now, lambda t, n: (Status.IN_PROGRESS, {}))


def ticket_resolve(
    actor: User,
    number: str,
    *,
    reply: str,
    validity: str = "",
    cause: str = "",
    compensation: CompensationInput | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    reply = _required_text(reply, "reply", settings.TICKET_TEXT_MAX)
    if validity and validity not in Validity.values:
        raise _invalid(
            "validity", _("validity must be one of: %(v)s") % {"v": ", ".join(Validity.values)}
        )
    if compensation is not None and compensation.amount is not None and compensation.amount < 0:
        raise _invalid("compensation", _("a compensation amount cannot be negative"))
    validity_rule = pack_active().validity
    validity_required = validity_rule is not None and validity_rule.required_on_resolve

    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        if ticket.plan_required and ticket.plan_approved is not True:
            raise InvalidTransition(
                _("this ticket needs a leader-approved handling plan before it is resolved"),
                details={"action": "resolve", "plan_approved": ticket.plan_approved},
            )
        if validity_required and ticket.kind in (Kind.COMPLAINT, Kind.REPORT) and not validity:
            raise _invalid("validity", _("say whether the complaint or report is valid"))
        ticket.reply = reply
        ticket.validity = validity
        ticket.cause = cause.strip()
        ticket.resolved_at = now
        ticket.handling_seconds = clock_engine().handling_seconds(ticket, now)
        payload: dict[str, Any] = {"reply": reply, "validity": validity, "cause": ticket.cause}
        if compensation is not None:
            ticket.compensation_kind = compensation.kind
            ticket.compensation_amount = compensation.amount
            ticket.compensation_note = compensation.note
            payload["compensation"] = {
                "kind": compensation.kind,
                "amount": str(compensation.amount) if compensation.amount is not None else None,
                "note": compensation.note,
            }
        return Status.RESOLVED, payload

    # After it commits, the knowledge base hears of it (`signals.action_done`) and drafts an
    # article from a hard question a department answered.
    return _act(actor, number, "resolve", version, now, apply)


def ticket_reply(
    actor: User,
    number: str,
    *,
    reply: str,
    method: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Record the reply given to the customer — what they were told and how (答复). It meets
    the pack's `reply` clock and a suggestion's feedback; the ticket's status stays."""
    reply = _required_text(reply, "reply", settings.TICKET_TEXT_MAX)
    if method not in ReplyMethod.values:
        raise _invalid(
            "method",
            _("method must be one of: %(v)s") % {"v": ", ".join(ReplyMethod.values)},
        )
    return _act(
        actor,
        number,
        "reply",
        version,
        now,
        lambda t, n: (None, {"reply": reply, "method": method}),
    )


def ticket_merge(
    actor: User, number: str, *, into: str, version: int | None = None, now: datetime | None = None
) -> Ticket:
    """Join a duplicate into the original; both keep their histories."""
    if into == number:
        raise _invalid("into", _("a ticket cannot be merged into itself"))

    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        try:
            original = selectors.ticket_get_for_user(actor, into, for_update=True)
        except NotFound:
            raise _invalid("into", _("ticket %(number)s not found") % {"number": into}) from None
        if original.status in (Status.MERGED, Status.DECLINED):
            raise _invalid(
                "into",
                _("ticket %(number)s is %(status)s and cannot take duplicates")
                % {"number": into, "status": Status(original.status).label},
            )
        if original.identity_protected != ticket.identity_protected:
            # A merge link names one ticket on the other: across this line it would tie a
            # reporter to their ordinary cases for whoever sees the ordinary one.
            raise _invalid(
                "into",
                _(
                    "a report or confidential case can be merged only with another report or "
                    "confidential case"
                ),
            )
        ticket.merged_into = original
        Assignment.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
        _event(
            original,
            actor,
            "merged_in",
            original.status,
            original.status,
            now,
            {"duplicate": ticket.number},
        )
        return Status.MERGED, {"into": original.number}

    return _act(actor, number, "merge", version, now, apply)


def ticket_remind(
    actor: User,
    number: str,
    *,
    note: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    return _act(actor, number, "remind", version, now, lambda t, n: (None, {"note": note.strip()}))


def ticket_supervise(
    actor: User,
    number: str,
    *,
    note: str,
    due_at: datetime | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    note = _required_text(note, "note")

    if due_at is not None and (problem := date_problem(due_at)):
        raise _invalid("due_at", problem)

    def apply(ticket: Ticket, now: datetime) -> tuple[None, dict[str, Any]]:
        if due_at is not None and due_at <= now:
            raise _invalid("due_at", _("a supervision deadline must be in the future"))
        if due_at is not None:
            clock_engine().supervision_start(ticket, due_at, note, now)
        return None, {"note": note, "due_at": due_at.isoformat() if due_at else None}

    return _act(actor, number, "supervise", version, now, apply)
