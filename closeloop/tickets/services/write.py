"""The one write path. Each action is one function `ticket_<verb>(actor, number, ...,
version=None, now=None)`. All of them go through `_act`, which locks the row, checks
visibility, version, state and role against the action's record (`workflow.actions`), applies
the change, bumps `version` and appends one `TicketEvent`, all in one transaction. Nothing else
assigns `Ticket.status`. Also here: telling those the record names, and who approves plans and
extensions."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from closeloop.common.errors import InvalidTransition, NotAllowed, StaleVersion, ValidationFailed
from closeloop.directory.models import Department, User
from closeloop.directory.roles import Role
from closeloop.notifications.services import notify, notify_customer
from closeloop.policy.services import pack_active
from closeloop.workflow.actions import ACTIONS
from closeloop.workflow.records import Action
from closeloop.workflow.statuses import Status

from .. import selectors
from ..clocks import clock_engine
from ..events import event_record
from ..messages import customer_message_queue
from ..models import Assignment, Ticket, TicketEvent
from ..permissions import action_allowed
from ..recipients import recipients_for
from ..signals import action_done
from .survey import survey_offer


def _department_by_code(code: str, field_name: str) -> Department:
    department = Department.objects.filter(code=code, is_active=True).first()
    if department is None:
        raise ValidationFailed(
            _("unknown department '%(code)s'") % {"code": code},
            details={field_name: [_("unknown department '%(code)s'") % {"code": code}]},
        )
    return department


def _invalid(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={field_name: [message]})


def _require_role(actor: User, action: Action) -> None:
    if not actor.is_active or not actor.has_role(*action.who):
        raise NotAllowed(
            _("you may not %(action)s tickets") % {"action": _action_label(action)},
            details={"action": action.code},
        )


def _action_label(action: Action) -> str:
    return str(action.label)


# What the text fields are called in messages ("… is required").
FIELD_LABELS = {
    "reason": gettext_lazy("reason"),
    "reply": gettext_lazy("reply"),
    "note": gettext_lazy("note"),
    "plan": gettext_lazy("handling plan"),
    "comment": gettext_lazy("comment"),
    "text": gettext_lazy("text"),
}


def _event(
    ticket: Ticket,
    actor: User | None,
    action: str,
    from_status: str,
    to_status: str,
    now: datetime,
    payload: dict[str, Any] | None = None,
) -> TicketEvent:
    return event_record(
        ticket, actor, action, now, payload, from_status=from_status, to_status=to_status
    )


def _check_source(ticket: Ticket, action: Action) -> None:
    if ticket.status not in action.sources:
        raise InvalidTransition(
            _("cannot %(action)s a ticket that is %(status)s")
            % {"action": _action_label(action), "status": Status(ticket.status).label},
            details={"action": action.code, "status": ticket.status},
        )


def _move(
    ticket: Ticket,
    actor: User | None,
    action: Action,
    to_status: str | None,
    now: datetime,
    payload: dict[str, Any],
) -> None:
    """Check the record, write the status (the one place that does) and append the event."""
    from_status = ticket.status
    _check_source(ticket, action)
    if to_status is None:
        to_status = from_status
    elif to_status not in action.targets:
        raise RuntimeError(f"{action.name} cannot lead to {to_status}")
    ticket.status = to_status
    ticket.version += 1
    if action.name in ("accept", "answer") and ticket.accepted_at is None:
        ticket.accepted_at = now  # answering on the spot takes the case on too
    ticket.save()
    _event(ticket, actor, action.code, from_status, to_status, now, payload)
    clock_engine().deadlines_on_action(ticket, action, actor, now)
    _notify(ticket, action, actor, now, payload)
    _tell_customer(ticket, action, now, payload)
    if to_status == Status.RESOLVED and from_status != Status.RESOLVED:
        # Replied to: the return visit is due, and the customer gets the survey link.
        survey_offer(ticket, now)
    _done(ticket, action, actor)


def _done(ticket: Ticket, action: Action, actor: User | None) -> None:
    """Send `signals.action_done` once the action has committed; never for one rolled back."""
    transaction.on_commit(
        partial(
            action_done.send_robust, sender=Ticket, ticket=ticket, action=action.name, actor=actor
        )
    )


def _notify(
    ticket: Ticket, action: Action, actor: User | None, now: datetime, payload: dict[str, Any]
) -> None:
    """Tell those the action's record names at once (in-app; email and SMS through the outbox
    after commit)."""
    roles = list(action.notifies)
    if action.notifies_if_reopened and payload.get("reopened"):
        roles = list(action.notifies_if_reopened)
        if payload.get("via") == "portal":
            _tell_customer_reopened(ticket, now)
    if not roles:
        return
    people = [p for p in recipients_for(ticket, roles) if actor is None or p.pk != actor.pk]
    if action.asks_approval:  # asked only of those who may decide it
        rule = approval_rule(action.asks_approval)
        people = [p for p in people if rule.refusal(p) is None]
    if not people:
        return
    text = _("%(number)s %(subject)s: %(action)s by %(actor)s") % {
        "number": ticket.number,
        "subject": selectors.notice_subject(ticket),
        "action": _action_label(action),
        "actor": str(actor) if actor else _("the customer"),
    }
    notify(
        people,
        kind=action.code,
        text=text,
        ticket=ticket,
        key=f"action:{ticket.pk}:{ticket.version}",
        now=now,
    )


def _tell_customer(ticket: Ticket, action: Action, now: datetime, payload: dict[str, Any]) -> None:
    """Queue what the action's record says the customer is told (`tells_customer`), through
    `messages.customer_message_queue` (which leaves out anonymous and protected cases). An
    acceptance made by registering is told in the receipt (`customer_receipt`)."""
    purpose = action.tells_customer
    if purpose is None or payload.get("automatic") or payload.get("on_register"):
        return
    extra = {}
    if purpose == "reply" and "reply" in payload:
        extra["reply_text"] = str(payload["reply"])
    if purpose == "refused" and "reason" in payload:
        extra["reason"] = str(payload["reason"])
    customer_message_queue(ticket, purpose, now=now, extra=extra)


def customer_receipt(ticket: Ticket, now: datetime) -> None:
    """The receipt (number, query code, the promised reply time) once registration has
    written everything, accepting on register included; a case the rules declined is told
    the refusal instead."""
    if ticket.status != Status.DECLINED:
        purpose = ACTIONS["register"].tells_customer
        if purpose is not None:
            customer_message_queue(ticket, purpose, now=now)


def reopened_notice(ticket: Ticket) -> str:
    """What a customer whose rating reopened the case is told happens next."""
    due = selectors.ticket_reply_due(ticket)
    if due is None:
        return _(
            "Your case %(number)s has been reopened after your rating: it goes back to those "
            "who handled it, to be looked into again, and you will have a new reply."
        ) % {"number": ticket.number}
    return _(
        "Your case %(number)s has been reopened after your rating: it goes back to those who "
        "handled it, to be looked into again. You will have a new reply by %(due)s."
    ) % {"number": ticket.number, "due": timezone.localtime(due).strftime("%Y-%m-%d %H:%M")}


def _tell_customer_reopened(ticket: Ticket, now: datetime) -> None:
    """By SMS and email, where the customer gave a phone or an address. Not on reports and
    confidential cases: the outbox, which admins see, would hold the protected phone next to
    the case; the portal tells those customers instead."""
    customer = ticket.customer
    if customer is None or ticket.identity_protected:
        return
    notify_customer(
        phone=customer.phone,
        email=customer.email,
        subject=_("Your case %(number)s") % {"number": ticket.number},
        text=reopened_notice(ticket),
        key=f"customer:{ticket.pk}:{ticket.version}",
        now=now,
        ticket=ticket,
        purpose="reopened",
    )


def _act(
    actor: User | None,
    number: str,
    name: str,
    version: int | None,
    now: datetime | None,
    apply: Callable[[Ticket, datetime], tuple[str | None, dict[str, Any]]],
    *,
    durable: bool = False,
) -> Ticket:
    """Take the action `name` (its record in `workflow.actions`) on ticket `number` in one
    transaction: a durable one (the outermost, so it has committed when this returns) for the
    actions no caller nests. The others are nested on purpose: the demo history replays a
    centre's months through these services in one transaction of its own (all of it or none),
    and the knowledge base answers from an article and records the use in one transaction
    around `ticket_answer`. Either way, what waits for the commit (`signals.action_done`,
    outbox delivery) runs only after the outermost one."""
    action = ACTIONS[name]
    now = now or timezone.now()
    with transaction.atomic(durable=durable):
        if actor is None:  # the customer, already identified by number and phone or code
            ticket = Ticket.objects.select_for_update().get(number=number)
        else:
            ticket = selectors.ticket_get_for_user(actor, number, for_update=True)
        if version is not None and version != ticket.version:
            raise StaleVersion(
                _(
                    "ticket %(number)s was changed by someone else (version %(current)s, "
                    "you sent %(sent)s); reload it and try again"
                )
                % {"number": number, "current": ticket.version, "sent": version},
                details={"current_version": ticket.version},
            )
        _check_source(ticket, action)
        if actor is not None and not action_allowed(actor, ticket, action):
            raise NotAllowed(
                _("you may not %(action)s this ticket") % {"action": _action_label(action)},
                details={"action": action.code},
            )
        to_status, payload = apply(ticket, now)
        _move(ticket, actor, action, to_status, now, payload)
    return ticket


def _required_text(value: str | None, field_name: str, limit: int = 5000) -> str:
    text = (value or "").strip()
    label = str(FIELD_LABELS.get(field_name, field_name))
    if not text:
        raise _invalid(field_name, _("%(field)s is required") % {"field": label})
    if len(text) > limit:
        raise _invalid(
            field_name,
            _("%(field)s is longer than %(limit)s characters") % {"field": label, "limit": limit},
        )
    return text


def _hold(
    ticket: Ticket, department: Department | None, handler: User | None, now: datetime
) -> None:
    """End the current holder's stretch and start the next one (if any)."""
    Assignment.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=now)
    ticket.department = department
    ticket.handler = handler
    if department is not None:
        Assignment.objects.create(
            ticket=ticket, department=department, handler=handler, started_at=now
        )


APPROVAL_LABELS = {"plan": gettext_lazy("handling plan"), "extension": gettext_lazy("extension")}


@dataclass(frozen=True)
class ApprovalRule:
    """Who approves a plan or an extension: the pack's approver roles and, where it names a
    responsible level, a person holding that level or a higher one. The level applies once
    someone holds it; until then the roles decide, so no case waits for an approver who
    does not exist."""

    kind: str
    roles: tuple[str, ...] | None  # None: the pack says nothing, the action's roles decide
    level: int | None

    def refusal(self, actor: User) -> NotAllowed | None:
        what = str(APPROVAL_LABELS[self.kind])
        if self.roles is not None and not actor.has_role(*self.roles):
            return NotAllowed(
                _("this centre's %(what)s is approved by: %(roles)s")
                % {"what": what, "roles": ", ".join(str(Role(r).label) for r in self.roles)},
                details={"approver_roles": list(self.roles)},
            )
        if self.level is not None and (actor.responsible_level or 0) < self.level:
            return NotAllowed(
                _("a %(what)s is approved by a responsible person of level %(level)s or above")
                % {"what": what, "level": self.level},
                details={"level": self.level},
            )
        return None


def approval_rule(kind: str) -> ApprovalRule:
    """The rule for `kind` ("plan" or "extension") under the active pack."""
    pack = pack_active()
    section = pack.plan_approval if kind == "plan" else pack.extension
    if section is None:
        return ApprovalRule(kind, None, None)
    roles = tuple(section.approver_roles)
    level = section.level
    if (
        level is not None
        and not User.objects.filter(
            is_active=True, responsible_level__gte=level, roles__role__in=roles
        ).exists()
    ):
        level = None  # nobody holds the level yet
    return ApprovalRule(kind, roles, level)


def _approver_check(actor: User, kind: str) -> None:
    refusal = approval_rule(kind).refusal(actor)
    if refusal is not None:
        raise refusal
