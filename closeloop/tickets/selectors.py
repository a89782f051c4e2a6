"""Access-checked reads. Every interface that shows tickets or customers goes through here.

Who may see which ticket is `Ticket.objects.visible_to(user)` (`querysets`); this module adds
identity protection, its one rule that lives nowhere else: on reports and confidential
tickets the customer's identity is masked for everyone but agents, supervisors and leaders,
and each unmasked view is logged.
"""

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from django.db.models import Prefetch, Q, QuerySet, prefetch_related_objects
from django.utils.crypto import constant_time_compare
from django.utils.translation import gettext as _

from closeloop.common.errors import InvalidTransition, NotAllowed, NotFound, ServiceError
from closeloop.directory.models import Department, User
from closeloop.directory.roles import Role
from closeloop.notifications.models import Notification
from closeloop.notifications.selectors import notifications_for
from closeloop.policy.services import pack_active
from closeloop.workflow.statuses import Status

from .choices import Kind
from .filters import field_value_q
from .models import IdentityDisclosure, SurveyInvitation, Ticket, TicketEvent
from .querysets import TicketQuerySet, identity_hidden_q, sees_every_ticket

MASK = "***"
IDENTITY_FIELDS = ("name", "phone", "email", "id_number", "organisation", "address")


def ticket_list_for_user(user: User) -> TicketQuerySet:
    return (
        Ticket.objects.visible_to(user)
        .select_related("category", "department", "handler", "customer", "respondent_department")
        .prefetch_related("enclosures", "attachments")
    )


def department_inbox_for_user(user: User) -> TicketQuerySet:
    """The active tickets of `user`'s departments (and those below them): a liaison's or
    handler's inbox, nearest deadline first in the queue.

    For a liaison or handler this reads without the visibility test, on purpose: their own
    departments are the first thing `visible_to` grants them, so the test would drop nothing
    — and, kept, its "or held before" arm stops the database reading the inbox straight off
    its index (`ticket_active_department_due`) in deadline order. Anyone else gets the test.
    """
    inbox = Ticket.objects.active().filter(department_id__in=user.department_scope)
    if user.is_active and user.has_role(Role.LIAISON, Role.HANDLER):
        return inbox
    return inbox.visible_to(user)


def tickets_answered_for(user: User) -> TicketQuerySet:
    """Tickets a person answers for now: held by them, first taken by them (agents follow up
    their callers), or — for liaisons — waiting in their department unassigned. The queue
    "My tickets", the top bar's counts and the daily digest read this."""
    base = Ticket.objects.visible_to(user)
    q = Q(handler=user) | Q(first_contact_owner=user)
    if user.has_role(Role.LIAISON) and user.department_id:
        q |= Q(department_id__in=user.department_scope, handler__isnull=True)
    return base.active().filter(q)


def notifications_for_user(user: User) -> QuerySet[Notification]:
    """`user`'s own notifications, newest first, without those on tickets they may no
    longer see (one moved to another department, say). The bell's count reads the same set."""
    visible = None if sees_every_ticket(user) else Ticket.objects.visible_to(user).values("pk")
    return notifications_for(user, visible)


def notice_subject(ticket: Ticket) -> str:
    """How a ticket is named in a notification, an email or an SMS to staff: its subject —
    but not on reports and confidential cases, whose subject may name the reporter and
    whose messages leave through the outbox, which admins read: there the kind alone."""
    if ticket.identity_protected:
        return _("(report)") if ticket.kind == Kind.REPORT else _("(confidential case)")
    return ticket.subject[:60]


def ticket_get_for_user(user: User, number: str, *, for_update: bool = False) -> Ticket:
    """The ticket if `user` may see it; NotFound otherwise (never says which)."""
    qs = Ticket.objects.visible_to(user)
    qs = qs.select_for_update() if for_update else qs.select_related(*DETAIL_RELATED)
    ticket = qs.filter(number=number).first()
    if ticket is None:
        raise NotFound(f"ticket {number} not found", details={"number": number})
    return ticket


# What a ticket's page or detail shows beside the ticket itself. `merged_into` is not joined:
# only merged tickets have one, and joining a second ticket row doubles the query's columns.
DETAIL_RELATED = ("category", "department", "handler", "customer", "respondent_department")


def ticket_with_timeline(ticket: Ticket) -> Ticket:
    """Fill in the ticket's enclosures, attachments and events (with their actors): 3 queries."""
    prefetch_related_objects(
        [ticket],
        "enclosures",
        "attachments",
        Prefetch("events", TicketEvent.objects.select_related("actor")),
    )
    return ticket


# The payload keys that store a department's code, and those that store a person's username.
DEPARTMENT_KEYS = ("department", "from_department", "routed_department")
PERSON_KEYS = ("handler", "responsible")


def event_payload_names(events: Iterable[TicketEvent]) -> dict[str, dict[str, str]]:
    """The names behind the codes the events' payloads store, for the timeline: departments by
    code, people by username, the pack's urgency levels. Two queries for a whole timeline."""
    codes: set[str] = set()
    usernames: set[str] = set()
    for event in events:
        payload = event.payload if isinstance(event.payload, dict) else {}
        codes |= {v for k in DEPARTMENT_KEYS if isinstance(v := payload.get(k), str) and v}
        usernames |= {v for k in PERSON_KEYS if isinstance(v := payload.get(k), str) and v}
    departments = dict(Department.objects.filter(code__in=codes).values_list("code", "name"))
    people = {u.username: str(u) for u in User.objects.filter(username__in=usernames)}
    urgency = {level.code: level.name for level in pack_active().urgency.levels}
    return {"department": departments, "person": people, "urgency": urgency}


def ticket_after_action(ticket: Ticket) -> Ticket:
    """The ticket as it stands after an action, for the actor who just took it.

    Visibility was checked by the action itself; after a send-back or transfer the actor may no
    longer see the ticket in lists, but still gets the result of what they did.
    """
    return ticket_with_timeline(Ticket.objects.select_related(*DETAIL_RELATED).get(pk=ticket.pk))


def customer_view(ticket: Ticket, user: User) -> dict[str, Any] | None:
    """The customer as `user` may see them on this ticket."""
    customer = ticket.customer
    if customer is None:
        return None
    if ticket.identity_protected and not user.may_see_identity:
        return {"masked": True, "type": None, **dict.fromkeys(IDENTITY_FIELDS, MASK)}
    return {
        "masked": False,
        "type": customer.type,
        **{field: getattr(customer, field) for field in IDENTITY_FIELDS},
    }


def fields_view(ticket: Ticket, user: User) -> dict[str, str]:
    """The pack's own fields on this ticket as `user` may see them: the values that identify
    the person are masked wherever the customer's identity is (`customer_view`)."""
    masked = ticket.identity_protected and not user.may_see_identity
    identity = dict.fromkeys(ticket.identity_fields, MASK) if masked else ticket.identity_fields
    return {**ticket.fields, **identity}


def repeat_candidates_shown(ticket: Ticket, user: User) -> list[dict[str, Any]]:
    """The earlier cases this ticket may repeat, as `user` may be told of them.

    On a protected ticket the hints are shown only to who may see its identity (linking a
    report to the reporter's other cases would identify them); on any ticket, a report or
    confidential case is named only to who may see its identity.
    """
    if user.may_see_identity:
        return list(ticket.repeat_candidates)
    if ticket.identity_protected:
        return []
    # An entry written before the flag existed counts as protected: hidden, not guessed.
    return [c for c in ticket.repeat_candidates if c.get("protected") is False]


MERGE_CANDIDATES = 5


def merge_candidates_for_user(ticket: Ticket, user: User) -> list[Ticket]:
    """The earlier cases `ticket` may duplicate, to offer on its merge form: the repeats found
    at registration that `user` may be told of and may see, that can still take a duplicate
    (not merged or declined) and are on the same side of the identity line (a merge across it
    is refused), most similar first."""
    numbers = [c["number"] for c in repeat_candidates_shown(ticket, user)]
    if not numbers:
        return []
    found = {
        t.number: t
        for t in Ticket.objects.visible_to(user)
        .filter(number__in=numbers)
        .exclude(status__in=[Status.MERGED, Status.DECLINED])
        .only("number", "subject", "status", "received_at", "kind", "confidential")
    }
    same_side = [
        found[n]
        for n in numbers
        if n in found and found[n].identity_protected == ticket.identity_protected
    ]
    return same_side[:MERGE_CANDIDATES]


def identity_disclosures_record(tickets: Iterable[Ticket], user: User, via: str) -> None:
    """Log that `user` saw the unmasked identity on these tickets (only protected ones count)."""
    if not user.may_see_identity:
        return
    rows = [
        IdentityDisclosure(ticket=t, user=user, via=via)
        for t in tickets
        if t.identity_protected and (t.customer_id is not None or t.identity_fields)
    ]
    if rows:
        IdentityDisclosure.objects.bulk_create(rows)


# Where a handler works on the case, and so may need to call the customer.
REVEAL_STATUSES = frozenset({Status.IN_PROGRESS, Status.PENDING_APPROVAL, Status.SUSPENDED})


def phone_reveal_refusal(ticket: Ticket, user: User) -> ServiceError | None:
    """Why `user` may not reveal the customer's phone on this ticket, or None if they may.

    Complainant confidentiality (a confidential case that is not a report) keeps the identity
    from the person complained about, not from the handler who must call: where the pack
    allows it, the handler assigned may reveal the phone, and only the phone. Reporter
    protection is absolute: a report's identity is never revealed to the department.
    """
    if ticket.kind == Kind.REPORT:
        return NotAllowed(
            _("a reporter's identity is never revealed to the department"),
            details={"action": "reveal_phone", "kind": ticket.kind},
        )
    if not ticket.confidential:
        return InvalidTransition(
            _("the customer's identity is not protected on this ticket"),
            details={"action": "reveal_phone"},
        )
    confidentiality = pack_active().confidentiality
    if confidentiality is None or not confidentiality.reveal_phone_to_handler:
        return NotAllowed(
            _("this centre's policy does not let handlers reveal a confidential customer's phone"),
            details={"action": "reveal_phone"},
        )
    if ticket.handler_id != user.pk or not user.is_active:
        return NotAllowed(
            _("only the handler assigned to the case may reveal the customer's phone"),
            details={"action": "reveal_phone"},
        )
    if _names(ticket.respondent_staff, user):
        return NotAllowed(
            _("the case is about you: its customer's phone is not revealed to you"),
            details={"action": "reveal_phone"},
        )
    if ticket.status not in REVEAL_STATUSES:
        return InvalidTransition(
            _("the phone is revealed only while the case is being handled"),
            details={"action": "reveal_phone", "status": ticket.status},
        )
    if ticket.customer is None or not ticket.customer.phone:
        return InvalidTransition(
            _("the customer left no phone number"), details={"action": "reveal_phone"}
        )
    return None


def _names(respondent: str, user: User) -> bool:
    """Does the free-text respondent name this person (username or display name)?"""
    words = {w for w in respondent.replace("，", " ").replace(",", " ").split() if w}
    return bool(words & {user.username, user.display_name} - {""})


def ticket_phone_reveal(user: User, number: str, *, via: str) -> str:
    """The customer's phone, for the handler to call them; logged as a disclosure (`via` says
    where). Reveals the phone alone, this once: every other view stays masked."""
    ticket = ticket_get_for_user(user, number)
    refusal = phone_reveal_refusal(ticket, user)
    if refusal is not None:
        raise refusal
    assert ticket.customer is not None
    IdentityDisclosure.objects.create(ticket=ticket, user=user, via=via)
    return ticket.customer.phone


def ticket_reply_due(ticket: Ticket) -> datetime | None:
    """When the customer is due a reply: the nearest running `reply` or `resolve` deadline
    (the clock a reopen restarts), or None."""
    deadline = (
        ticket.deadlines.filter(closed_at__isnull=True, milestone__in=("reply", "resolve"))
        .order_by("due_at")
        .first()
    )
    return deadline.due_at if deadline is not None else None


def ticket_for_customer(number: str, *, phone: str = "", code: str = "") -> Ticket:
    """The ticket a customer asks about on the portal, proven by the phone they gave or the
    query code they were given. Any mismatch is the same NotFound, so nothing is revealed.

    Reports, confidential and anonymous cases open by the query code alone: whoever holds such
    a number (a department sees it, masked) must not learn whether a phone is the reporter's.
    """
    ticket = Ticket.objects.select_related("customer", "category").filter(number=number).first()
    proven = False
    if ticket is not None:
        by_phone = not (ticket.identity_protected or ticket.anonymous)
        if code and ticket.public_code:
            proven = constant_time_compare(code.strip().upper(), ticket.public_code)
        elif phone and by_phone and ticket.customer is not None and ticket.customer.phone:
            proven = constant_time_compare(phone.strip(), ticket.customer.phone)
    if ticket is None or not proven:
        raise NotFound(f"ticket {number} not found", details={"number": number})
    return ticket


def survey_invitation_find(token: str) -> SurveyInvitation | None:
    """The survey invitation a link's token opens (with its ticket), or None. Found by the
    token's hash: the raw token is stored nowhere."""
    return (
        SurveyInvitation.objects.select_related("ticket__customer", "ticket__category")
        .filter(token_hash=SurveyInvitation.token_hash_of(token))
        .first()
    )


def customer_history_for_user(
    user: User, phone: str, keys: Mapping[str, str] | None = None
) -> TicketQuerySet:
    """A caller's earlier tickets, by phone — or by a key field of the pack (户号, plate
    number…: `keys` = {code: value}) — limited to what `user` may see with identity."""
    match = Q(customer__phone=phone) if phone else Q(pk__in=[])
    for code, value in (keys or {}).items():
        match |= field_value_q(user, code, value)
    return (
        ticket_list_for_user(user)
        .filter(match)
        .exclude(identity_hidden_q(user))
        .order_by("-received_at", "-id")
    )
