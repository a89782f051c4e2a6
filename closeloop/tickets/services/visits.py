"""The return visit (回访) and the end of the loop: closing and reopening."""

from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from closeloop.common.errors import Gone, InvalidTransition, NotFound
from closeloop.directory.models import User
from closeloop.policy.services import pack_active
from closeloop.workflow.statuses import Status

from .. import selectors
from ..choices import Satisfaction
from ..models import Assignment, SurveyInvitation, Ticket, TicketEvent
from .write import _act, _hold, _invalid, _required_text


def ticket_return_visit(
    actor: User,
    number: str,
    *,
    satisfaction: str,
    comment: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Record the return visit. A dissatisfied customer sends the ticket back to the department
    that resolved it when the pack says so."""
    return _act(actor, number, "return_visit", version, now, _return_visit(satisfaction, comment))


def ticket_return_visit_by_customer(
    number: str,
    *,
    phone: str = "",
    code: str = "",
    satisfaction: str,
    comment: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The customer rates the outcome on the portal: that is the return visit."""
    selectors.ticket_for_customer(number, phone=phone, code=code)
    visit = _return_visit(satisfaction, comment, via="portal")
    return _act(None, number, "return_visit", None, now, visit, durable=True)


SURVEY_SPENT = {
    "used": gettext_lazy("This survey link has already been used: the rating is recorded."),
    "superseded": gettext_lazy(
        "This survey link has been replaced by a newer one: please use the latest message."
    ),
    "expired": gettext_lazy("This survey link has expired."),
}


def survey_invitation_redeem(
    token: str,
    *,
    satisfaction: str,
    comment: str = "",
    now: datetime | None = None,
) -> Ticket:
    """The customer rates the outcome through the survey link: the same return visit as the
    portal's rating form, proven by the one-time token instead of phone or code. The link is
    spent in the same transaction; a refused rating leaves it unused."""
    visit = _return_visit(satisfaction, comment, via="portal")
    now = now or timezone.now()

    def apply(ticket: Ticket, now: datetime) -> tuple[str | None, dict[str, Any]]:
        to_status, payload = visit(ticket, now)
        return to_status, {**payload, "survey": True}

    with transaction.atomic(durable=True):
        invitation = (
            SurveyInvitation.objects.select_for_update()
            .select_related("ticket")
            .filter(token_hash=SurveyInvitation.token_hash_of(token))
            .first()
        )
        if invitation is None:
            raise NotFound(_("This survey link is not valid."), details={"token": "unknown"})
        spent = invitation.spent(now)
        if spent:
            raise Gone(str(SURVEY_SPENT[spent]), details={"token": spent})
        invitation.used_at = now
        invitation.save(update_fields=["used_at"])
        return _act(None, invitation.ticket.number, "return_visit", None, now, apply)


def _return_visit(
    satisfaction: str, comment: str, via: str = "staff"
) -> Callable[[Ticket, datetime], tuple[str | None, dict[str, Any]]]:
    if satisfaction not in Satisfaction.values:
        raise _invalid(
            "satisfaction",
            _("satisfaction must be one of: %(v)s") % {"v": ", ".join(Satisfaction.values)},
        )
    return_visit = pack_active().return_visit
    reopen = return_visit.reopen_on_dissatisfied if return_visit else False
    closing = _closing_satisfactions(return_visit)

    def apply(ticket: Ticket, now: datetime) -> tuple[str | None, dict[str, Any]]:
        ticket.satisfaction = satisfaction
        ticket.satisfaction_comment = comment.strip()
        ticket.visited_at = now
        payload: dict[str, Any] = {
            "satisfaction": satisfaction,
            "comment": ticket.satisfaction_comment,
            "via": via,
        }
        if satisfaction in closing:
            # The loop closes with the visit (办结): one event, and the deadlines end as a
            # close ends them.
            ticket.closed_at = now
            Assignment.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
            payload["closed"] = True
            return Status.CLOSED, payload
        if satisfaction != Satisfaction.DISSATISFIED or not reopen:
            return None, payload
        ticket.reopen_count += 1
        ticket.resolved_at = None
        # The dissatisfied visit stays in the history; the next resolution needs its own.
        ticket.satisfaction = ""
        ticket.visited_at = None
        payload["reopened"] = True
        # Back to whoever resolved it: the department and handler, or — for an answer on the
        # spot — the member of staff who answered, so it sits in someone's queue.
        department = ticket.department
        handler = ticket.handler if department is not None else _answered_by(ticket)
        _hold(ticket, department, handler, now)
        payload["department"] = department.code if department else None
        payload["handler"] = handler.username if handler else None
        if department is None:
            return Status.ACCEPTED, payload
        return (Status.IN_PROGRESS if handler else Status.DISPATCHED), payload

    return apply


def _closing_satisfactions(return_visit: Any) -> set[str]:
    """The visit results that close the ticket (the pack's `close_on_satisfied`, default yes):
    satisfied, and basically satisfied where the pack counts it as satisfied."""
    if return_visit is not None and not return_visit.close_on_satisfied:
        return set()
    closing = {Satisfaction.SATISFIED.value}
    if return_visit is None or return_visit.basically_satisfied_is_satisfied:
        closing.add(Satisfaction.BASICALLY_SATISFIED.value)
    return closing


def _answered_by(ticket: Ticket) -> User | None:
    """Who answered the ticket on the spot (its latest answer), if they still work here."""
    event = (
        TicketEvent.objects.filter(ticket=ticket, action="answer")
        .select_related("actor")
        .order_by("-at", "-id")
        .first()
    )
    actor = event.actor if event else None
    return actor if actor is not None and actor.is_active else None


def ticket_close(
    actor: User,
    number: str,
    *,
    note: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    return_visit = pack_active().return_visit
    visit_kinds = set(return_visit.kinds) if return_visit else set()

    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        needs_visit = ticket.kind in visit_kinds and not ticket.anonymous and ticket.customer_id
        if needs_visit and not ticket.satisfaction:
            raise InvalidTransition(
                _("a return visit is required before this ticket is closed"),
                details={"action": "close", "missing": "visit"},
            )
        ticket.closed_at = now
        Assignment.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
        return Status.CLOSED, {"note": note.strip()}

    return _act(actor, number, "close", version, now, apply)


def ticket_reopen(
    actor: User,
    number: str,
    *,
    reason: str,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    reason = _required_text(reason, "reason", 1000)

    def apply(ticket: Ticket, now: datetime) -> tuple[str, dict[str, Any]]:
        ticket.reopen_count += 1
        ticket.closed_at = None
        ticket.resolved_at = None
        ticket.satisfaction = ""
        ticket.visited_at = None
        _hold(ticket, None, None, now)
        return Status.ACCEPTED, {"reason": reason}

    return _act(actor, number, "reopen", version, now, apply, durable=True)
