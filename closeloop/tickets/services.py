"""Ticket services: the only code that changes a ticket.

Each action is one function `ticket_<verb>(actor, number, ..., version=None, now=None)`. All of
them go through `_act`, which locks the row, checks visibility, version, state and role against
`transitions.TRANSITIONS`, applies the change, bumps `version` and appends one `TicketEvent`, all
in one transaction. Nothing else assigns `Ticket.status`.
"""

import hashlib
import json
import mimetypes
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from closeloop.common.dates import date_problem
from closeloop.common.errors import (
    Conflict,
    InvalidTransition,
    NotAllowed,
    NotFound,
    StaleVersion,
    ValidationFailed,
)
from closeloop.directory.models import Department, User
from closeloop.directory.roles import Role
from closeloop.directory.selectors import department_subtree_ids
from closeloop.notifications.services import notify, notify_customer
from closeloop.policy.classify import Classification, TicketFacts, classify
from closeloop.policy.fields import FieldValues, field_search_text, field_values_clean
from closeloop.policy.models import Category
from closeloop.policy.schema import PackSpec
from closeloop.policy.services import pack_active
from closeloop.sla import engine as sla
from closeloop.sla import extensions as sla_extensions
from closeloop.sla.plan import plan_for

from . import selectors
from .choices import (
    Channel,
    CustomerType,
    EnclosureDisposition,
    ExtensionState,
    Kind,
    ReplyMethod,
    Satisfaction,
    Status,
    Validity,
)
from .events import event_record
from .models import (
    Assignment,
    Attachment,
    Customer,
    Enclosure,
    ExtensionRequest,
    IdempotencyKey,
    Ticket,
    TicketEvent,
)
from .recipients import recipients_for
from .repeats import repeat_candidates
from .transitions import ACTION_LABELS, TRANSITIONS, Scope, Transition

# --------------------------------------------------------------------------- inputs


@dataclass
class CustomerInput:
    name: str = ""
    phone: str = ""
    email: str = ""
    id_number: str = ""
    organisation: str = ""
    address: str = ""
    type: str = CustomerType.INDIVIDUAL


@dataclass
class EnclosureInput:
    item: str
    quantity: int = 1
    disposition: str = EnclosureDisposition.KEEP
    note: str = ""


@dataclass
class TicketInput:
    kind: str
    channel: str
    subject: str
    description: str = ""
    category: str | None = None
    customer: CustomerInput | None = None
    anonymous: bool = False
    confidential: bool = False
    on_site: bool = False
    people_count: int = 1
    economic_loss: Decimal | None = None
    respondent_department: str | None = None
    respondent_staff: str = ""
    urgency: str | None = None
    occurred_at: datetime | None = None
    received_at: datetime | None = None
    location_address: str = ""
    location_lat: Decimal | None = None
    location_lng: Decimal | None = None
    enclosures: list[EnclosureInput] = field(default_factory=list)
    # The pack's own fields, {code: value} (`policy.fields`).
    fields: dict[str, Any] = field(default_factory=dict)


# --------------------------------------------------------------------------- numbers


def ticket_number_next(now: datetime) -> str:
    """Next `YYYYMMDD-NNNNNN` for the centre's local day; one atomic upsert, safe under
    concurrency on SQLite and PostgreSQL alike.

    Registration calls it outside the ticket's own transaction: the upsert locks the day's
    counter row until its transaction ends, and inside the ticket's transaction that lock
    would make every concurrent registration wait for the one before it to commit. The price
    is that a registration failing after this point leaves its number unused (a gap); numbers
    are never reused.

    On PostgreSQL that short transaction commits without waiting for its WAL to reach the disk
    (one fsync fewer per registration): the ticket's own commit, which does wait, flushes the
    log up to and past it, so no ticket can outlive a crash that forgets its number.
    """
    day = timezone.localtime(now).strftime("%Y%m%d")
    table = "tickets_ticketnumbercounter"
    own_transaction = not connection.in_atomic_block
    with transaction.atomic(), connection.cursor() as cursor:
        if own_transaction and connection.vendor == "postgresql":
            cursor.execute("SET LOCAL synchronous_commit = off")
        cursor.execute(
            f"INSERT INTO {table} (day, last) VALUES (%s, 1) "  # noqa: S608 - constant table name
            f"ON CONFLICT (day) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [day],
        )
        (last,) = cursor.fetchone()
    if last > 999_999:
        raise ValidationFailed(_("ticket numbers for %(day)s are exhausted") % {"day": day})
    return f"{day}-{last:06d}"


# --------------------------------------------------------------------------- register


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


def _check_input(data: TicketInput, pack_kinds: list[str], pack_channels: list[str]) -> None:
    if data.kind not in pack_kinds:
        raise _invalid(
            "kind",
            _("kind '%(kind)s' is not used by this centre; use one of: %(kinds)s")
            % {"kind": data.kind, "kinds": ", ".join(pack_kinds)},
        )
    if data.channel not in pack_channels:
        raise _invalid(
            "channel",
            _("channel '%(channel)s' is not used by this centre; use one of: %(channels)s")
            % {"channel": data.channel, "channels": ", ".join(pack_channels)},
        )
    if data.anonymous and data.customer is not None:
        raise _invalid("customer", _("an anonymous ticket carries no customer details"))
    if data.enclosures and data.channel not in (Channel.LETTER, Channel.VISIT):
        raise _invalid("enclosures", _("only letters and visits can list enclosed items"))


def _customer_for(
    data: CustomerInput, *, key: bool, protected: bool, by_staff: bool
) -> tuple[Customer, list[str]]:
    """The customer record for a new ticket, and the fields a member of staff changed on it.

    A protected case (report, confidential) gets a record of its own, which no later ticket
    finds: whatever the reporter said stays on the report. Otherwise the caller's record is
    reused when name and phone match. Only staff may change it (the change is an event on the
    new ticket); a public submission that differs from it gets a record of its own instead.
    """
    existing = None
    if data.phone and not protected:
        existing = (
            Customer.objects.filter(phone=data.phone, name=data.name, protected=False)
            .order_by("-id")
            .first()
        )
    changes = (
        {}
        if existing is None
        else {n: v for n, v in vars(data).items() if v and getattr(existing, n) != v}
    )
    if existing is None or (changes and not by_staff):
        record = Customer.objects.create(**vars(data), is_key_customer=key, protected=protected)
        return record, []
    changed = ["is_key_customer"] if key and not existing.is_key_customer else []
    existing.is_key_customer = existing.is_key_customer or key
    for name, value in changes.items():
        setattr(existing, name, value)
    if changes or changed:
        existing.save(update_fields=[*changes, *changed, "updated_at"])
    return existing, list(changes)


def _request_digest(data: TicketInput, steps: dict[str, bool] | None = None) -> str:
    body: Any = data
    if steps and any(steps.values()):  # a request that also accepts is another request
        body = {"data": data, "steps": steps}
    raw = json.dumps(body, default=lambda o: vars(o) if hasattr(o, "__dict__") else str(o))
    return hashlib.sha256(raw.encode()).hexdigest()


PUBLIC_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def ticket_register_public(*, data: TicketInput, now: datetime | None = None) -> Ticket:
    """A customer's own submission from the public portal: no staff actor, channel web."""
    now = now or timezone.now()
    data.channel = Channel.WEB
    draft = _register_draft(None, data, now)
    number = ticket_number_next(draft.received_at)
    with transaction.atomic():
        return _register(draft, number)


def ticket_register(
    *,
    actor: User,
    data: TicketInput,
    idempotency_key: str | None = None,
    accept: bool = False,
    dispatch: bool = False,
    now: datetime | None = None,
) -> Ticket:
    """Record a new ticket, classified by the active pack.

    With `accept`, registering is also accepting (受理) the case, and with `dispatch` also
    sending it to the department the rules chose (派单) — each its own event, all in the
    ticket's one transaction; only where the pack's `accept_on_register` covers the case's
    channel and kind (an agent registering a call takes it on), otherwise refused before
    anything is written.

    With an idempotency key, the same key from the same actor returns the ticket it created
    the first time, and never a second one.
    """
    now = now or timezone.now()
    _require_role(actor, TRANSITIONS["register"])
    steps = {"accept": accept or dispatch, "dispatch": dispatch}
    digest = _request_digest(data, steps) if idempotency_key else ""
    if idempotency_key:
        earlier = _idempotent_ticket(actor, idempotency_key, digest)
        if earlier is not None:
            return earlier
    draft = _register_draft(actor, data, now)
    if steps["accept"]:
        _check_accept_on_register(actor, draft, dispatch=dispatch)
    number = ticket_number_next(draft.received_at)
    try:
        with transaction.atomic():
            ticket = _register(draft, number)
            if steps["accept"]:
                _accept_on_register(ticket, draft, dispatch=dispatch)
            if idempotency_key:
                IdempotencyKey.objects.create(
                    user=actor, key=idempotency_key, request_digest=digest, ticket=ticket
                )
    except IntegrityError:
        # A concurrent request with the same key won the race: return its ticket.
        if idempotency_key:
            earlier = _idempotent_ticket(actor, idempotency_key, digest)
            if earlier is not None:
                return earlier
        raise
    return ticket


def _idempotent_ticket(actor: User, key: str, digest: str) -> Ticket | None:
    record = IdempotencyKey.objects.select_related("ticket").filter(user=actor, key=key).first()
    if record is None:
        return None
    if record.request_digest != digest:
        raise Conflict(
            _("this Idempotency-Key was already used for a different request"),
            details={"idempotency_key": key},
        )
    return record.ticket


@dataclass
class _Draft:
    """What registration checked and decided before it writes anything."""

    actor: User | None
    data: TicketInput
    now: datetime
    received_at: datetime
    pack: PackSpec
    facts: TicketFacts
    result: Classification
    category: Category | None
    respondent: Department | None
    routed: Department | None
    field_values: FieldValues


def _register_draft(actor: User | None, data: TicketInput, now: datetime) -> _Draft:
    """Check the input against the active pack and classify it; reads only.

    The ticket's number is taken after this and before the ticket's own transaction (see
    `ticket_number_next`), so bad input never uses up a number.
    """
    pack = pack_active()
    _check_input(data, pack.kinds, pack.channels)
    for name in ("received_at", "occurred_at"):
        moment = getattr(data, name)
        if moment is not None and (problem := date_problem(moment)):
            raise _invalid(name, problem)
    received_at = data.received_at or now
    if received_at > now:
        raise _invalid("received_at", _("received_at cannot be in the future"))
    if data.occurred_at and data.occurred_at > now:
        raise _invalid("occurred_at", _("occurred_at cannot be in the future"))
    category = None
    if data.category:
        category = Category.objects.filter(code=data.category, is_active=True).first()
        if category is None:
            raise _invalid("category", _("unknown category '%(code)s'") % {"code": data.category})
    respondent = (
        _department_by_code(data.respondent_department, "respondent")
        if data.respondent_department
        else None
    )
    # Staff must give what the pack requires; the portal does not ask for these fields.
    field_values = field_values_clean(pack, data.kind, data.fields, require=actor is not None)
    urgency_codes = [level.code for level in pack.urgency.levels]
    if data.urgency and data.urgency not in urgency_codes:
        raise _invalid(
            "urgency",
            _("unknown urgency '%(urgency)s'; use one of: %(levels)s")
            % {"urgency": data.urgency, "levels": ", ".join(urgency_codes)},
        )
    facts = TicketFacts(
        kind=data.kind,
        channel=data.channel,
        category=data.category,
        customer_type=data.customer.type if data.customer else None,
        people_count=data.people_count,
        economic_loss=data.economic_loss,
        subject=data.subject,
        description=data.description,
        anonymous=data.anonymous,
        on_site=data.on_site,
    )
    result: Classification = classify(pack, facts)
    if data.urgency:  # the agent's override decides which time limits apply
        result = replace(result, urgency=data.urgency)
    routed = None
    if result.department:
        routed = Department.objects.filter(code=result.department, is_active=True).first()
    if routed is None and category is not None:
        routed = category.department
    return _Draft(
        actor,
        data,
        now,
        received_at,
        pack,
        facts,
        result,
        category,
        respondent,
        routed,
        field_values,
    )


def _register(draft: _Draft, number: str) -> Ticket:
    actor, data, now, pack = draft.actor, draft.data, draft.now, draft.pack
    result, category, routed = draft.result, draft.category, draft.routed
    confidential = data.confidential or result.confidential
    customer, customer_changes = (
        _customer_for(
            data.customer,
            key=result.key_customer,
            protected=confidential or data.kind == Kind.REPORT,
            by_staff=actor is not None,
        )
        if data.customer
        else (None, [])
    )
    ticket = Ticket.objects.create(
        number=number,
        public_code=get_random_string(8, PUBLIC_CODE_ALPHABET),
        kind=data.kind,
        channel=data.channel,
        status=Status.REGISTERED,
        category=category,
        urgency=data.urgency or result.urgency,
        severity=result.severity,
        crisis=result.crisis,
        crisis_reasons=list(result.crisis_reasons),
        on_site=result.on_site or data.on_site,
        people_count=data.people_count,
        economic_loss=data.economic_loss,
        confidential=confidential,
        anonymous=data.anonymous,
        customer=customer,
        respondent_department=draft.respondent,
        respondent_staff=data.respondent_staff,
        subject=data.subject,
        description=data.description,
        occurred_at=data.occurred_at,
        received_at=draft.received_at,
        location_address=data.location_address,
        location_lat=data.location_lat,
        location_lng=data.location_lng,
        fields=draft.field_values.open,
        identity_fields=draft.field_values.identity,
        fields_text=field_search_text(pack, draft.field_values.open),
        identity_text=field_search_text(pack, draft.field_values.identity),
        first_contact_owner=actor,
        routed_department=routed,
        centre_handles=result.no_dispatch,
        plan_required=result.plan_approval,
        referral=result.referral,
        sla_plan=plan_for(pack, draft.facts, result),
    )
    Enclosure.objects.bulk_create(
        [Enclosure(ticket=ticket, **vars(enclosure)) for enclosure in data.enclosures]
    )
    _event(
        ticket,
        actor,
        "register",
        "",
        Status.REGISTERED,
        now,
        {
            "urgency": ticket.urgency,
            "severity": ticket.severity,
            "crisis": ticket.crisis,
            "crisis_reasons": ticket.crisis_reasons,
            "routed_department": routed.code if routed else None,
            "rules": list(result.matched_rules),
            "pack": pack.name,
            "via": "portal" if actor is None else "staff",
        },
    )
    if customer_changes:
        # Which fields, not their values: the timeline is not a second copy of the identity.
        _event(
            ticket,
            actor,
            "customer_update",
            Status.REGISTERED,
            Status.REGISTERED,
            now,
            {"fields": customer_changes},
        )
    _repeats_flag(ticket)
    sla.deadlines_on_action(ticket, "register", actor, now)
    if result.decline:
        _move(
            ticket,
            actor,
            TRANSITIONS["decline"],
            Status.DECLINED,
            now,
            {"reason": _("declined by the centre's rules"), "referral": result.referral},
        )
        ticket.decline_reason = _("declined by the centre's rules")
        ticket.save(update_fields=["decline_reason"])
    elif result.no_dispatch:
        # The agent takes such cases on directly (12366 service complaints: 不得转接).
        _move(ticket, actor, TRANSITIONS["accept"], Status.ACCEPTED, now, {"automatic": True})
    return ticket


def _repeats_flag(ticket: Ticket) -> None:
    candidates = repeat_candidates(
        text=f"{ticket.subject} {ticket.description}",
        received_at=ticket.received_at,
        phone=ticket.customer.phone if ticket.customer else "",
        respondent_department_id=ticket.respondent_department_id,
        category_id=ticket.category_id,
        exclude_pk=ticket.pk,
        protected=ticket.identity_protected,
    )
    if candidates:
        ticket.is_repeat = True
        ticket.repeat_candidates = [
            {"number": c.number, "similarity": c.similarity, "protected": c.protected}
            for c in candidates
        ]
        ticket.save(update_fields=["is_repeat", "repeat_candidates"])


def _check_accept_on_register(actor: User, draft: _Draft, *, dispatch: bool) -> None:
    """Refuse, before anything is written, a registration that may not also accept or
    dispatch: the pack must say so for this channel and kind, and a dispatch needs a case the
    rules do not decline and the department they chose."""
    data, result = draft.data, draft.result
    name = "dispatch" if dispatch else "accept"
    if not draft.pack.accepts_on_register(data.kind, data.channel):
        raise _invalid(
            name,
            _(
                "this centre does not accept %(kind)s cases by %(channel)s when they are "
                "registered: register the case, then accept it"
            )
            % {"kind": Kind(data.kind).label, "channel": Channel(data.channel).label},
        )
    # A case the rules decline is declined as ever (accepting was the agent's default, not
    # a decision against the rules); dispatching it is refused.
    if dispatch and result.decline:
        raise _invalid(name, _("the centre's rules decline this case; it cannot be dispatched"))
    if dispatch and draft.routed is None:
        raise _invalid(
            "dispatch",
            _("the rules chose no department for this case: register it, then dispatch it"),
        )
    if not _may_register_and(actor, ["accept", "dispatch"] if dispatch else ["accept"]):
        raise NotAllowed(
            _("you may not %(action)s tickets") % {"action": _action_label(name)},
            details={"action": name},
        )


def _may_register_and(actor: User, actions: list[str]) -> bool:
    # Accept and dispatch are the centre's actions on any ticket (transitions.CENTRE).
    return all(actor.has_role(*TRANSITIONS[a].who) for a in actions)


def _accept_on_register(ticket: Ticket, draft: _Draft, *, dispatch: bool) -> None:
    """Accept (and dispatch) a ticket just registered, inside the registration's transaction:
    one event per step, each step's deadlines met and started as if taken separately."""
    actor, now = draft.actor, draft.now
    # Declined by the rules, or already accepted by them (no_dispatch): nothing to accept.
    if ticket.status == Status.REGISTERED:
        _move(ticket, actor, TRANSITIONS["accept"], Status.ACCEPTED, now, {"on_register": True})
    if dispatch:
        to_status, payload = _dispatch_apply(None)(ticket, now)
        _move(
            ticket, actor, TRANSITIONS["dispatch"], to_status, now, {**payload, "on_register": True}
        )


# --------------------------------------------------------------------------- the write path


def _require_role(actor: User, transition: Transition) -> None:
    if not actor.is_active or not actor.has_role(*transition.who):
        raise NotAllowed(
            _("you may not %(action)s tickets") % {"action": _action_label(transition.action)},
            details={"action": transition.action},
        )


def _action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


# What the text fields are called in messages ("… is required").
FIELD_LABELS = {
    "reason": _lazy("reason"),
    "reply": _lazy("reply"),
    "note": _lazy("note"),
    "plan": _lazy("handling plan"),
    "comment": _lazy("comment"),
    "text": _lazy("text"),
}


def _may_act(actor: User, ticket: Ticket, transition: Transition) -> bool:
    for role, scope in transition.who.items():
        if not actor.has_role(role):
            continue
        if scope is Scope.ANY:
            return True
        if (
            scope is Scope.OWN_DEPARTMENT
            and ticket.department_id is not None
            and ticket.department_id in actor.department_scope
        ):
            return True
        if scope is Scope.OWN_TICKET and ticket.handler_id == actor.id:
            return True
    return False


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


def _check_source(ticket: Ticket, transition: Transition) -> None:
    if ticket.status not in transition.sources:
        raise InvalidTransition(
            _("cannot %(action)s a ticket that is %(status)s")
            % {"action": _action_label(transition.action), "status": Status(ticket.status).label},
            details={"action": transition.action, "status": ticket.status},
        )


def _move(
    ticket: Ticket,
    actor: User | None,
    transition: Transition,
    to_status: str | None,
    now: datetime,
    payload: dict[str, Any],
) -> None:
    """Check the table, write the status (the one place that does) and append the event."""
    from_status = ticket.status
    _check_source(ticket, transition)
    if to_status is None:
        to_status = from_status
    elif to_status not in transition.targets:
        raise RuntimeError(f"{transition.action} cannot lead to {to_status}")
    ticket.status = to_status
    ticket.version += 1
    if transition.action in ("accept", "answer") and ticket.accepted_at is None:
        ticket.accepted_at = now  # answering on the spot takes the case on too
    ticket.save()
    _event(ticket, actor, transition.action, from_status, to_status, now, payload)
    sla.deadlines_on_action(ticket, transition.action, actor, now)
    _notify(ticket, transition.action, actor, now, payload)


# Who hears of an action at once (in-app; email and SMS through the outbox after commit).
ACTION_NOTIFIES: dict[str, list[str]] = {
    "dispatch": ["liaison"],
    "transfer": ["liaison"],
    "assign": ["handler"],
    "send_back": ["first_contact_owner"],
    "submit_plan": ["leader"],
    "approve_plan": ["handler"],
    "reject_plan": ["handler"],
    "remind": ["handler", "liaison"],
    "supervise": ["handler", "liaison", "department_head"],
    "extend": ["supervisor", "leader"],
    "approve_extension": ["handler", "liaison"],
}


# Actions that ask for an approval, and which.
APPROVAL_OF = {"submit_plan": "plan", "extend": "extension"}


def _notify(
    ticket: Ticket, action: str, actor: User | None, now: datetime, payload: dict[str, Any]
) -> None:
    roles = list(ACTION_NOTIFIES.get(action, []))
    if action == "visit" and payload.get("reopened"):
        roles = ["handler", "liaison"]
        if payload.get("via") == "portal":
            _tell_customer_reopened(ticket, now)
    if not roles:
        return
    people = [p for p in recipients_for(ticket, roles) if actor is None or p.pk != actor.pk]
    if action in APPROVAL_OF:  # asked only of those who may decide it
        rule = approval_rule(APPROVAL_OF[action])
        people = [p for p in people if rule.refusal(p) is None]
    if not people:
        return
    text = _("%(number)s %(subject)s: %(action)s by %(actor)s") % {
        "number": ticket.number,
        "subject": ticket.subject[:60],
        "action": _action_label(action),
        "actor": str(actor) if actor else _("the customer"),
    }
    notify(
        people,
        kind=action,
        text=text,
        ticket=ticket,
        key=f"action:{ticket.pk}:{ticket.version}",
        now=now,
    )


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
    )


def _act(
    actor: User | None,
    number: str,
    action: str,
    version: int | None,
    now: datetime | None,
    apply: Callable[[Ticket, datetime], tuple[str | None, dict[str, Any]]],
) -> Ticket:
    transition = TRANSITIONS[action]
    now = now or timezone.now()
    with transaction.atomic():
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
        _check_source(ticket, transition)
        if actor is not None and not _may_act(actor, ticket, transition):
            raise NotAllowed(
                _("you may not %(action)s this ticket") % {"action": _action_label(action)},
                details={"action": action},
            )
        to_status, payload = apply(ticket, now)
        _move(ticket, actor, transition, to_status, now, payload)
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


# --------------------------------------------------------------------------- actions

APPROVAL_LABELS = {"plan": _lazy("handling plan"), "extension": _lazy("extension")}


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


CENTRE_HANDLES_MESSAGE = _lazy(
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
        ticket.handling_seconds = sla.handling_seconds(ticket, now)
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

    return _act(actor, number, "send_back", version, now, apply)


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


@dataclass
class CompensationInput:
    kind: str
    amount: Decimal | None = None
    note: str = ""


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
        ticket.handling_seconds = sla.handling_seconds(ticket, now)
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

    ticket = _act(actor, number, "resolve", version, now, apply)
    # A hard question answered by a department becomes a draft article (seed 001), in the
    # worker, after the resolution has committed.
    from closeloop.knowledge.tasks import article_draft_task

    article_draft_task(ticket.pk)
    return ticket


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


def ticket_visit(
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
    return _act(actor, number, "visit", version, now, _visit(satisfaction, comment))


def ticket_visit_by_customer(
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
    return _act(None, number, "visit", None, now, _visit(satisfaction, comment, via="portal"))


def _visit(
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

    return _act(actor, number, "reopen", version, now, apply)


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
            sla.supervision_start(ticket, due_at, note, now)
        return None, {"note": note, "due_at": due_at.isoformat() if due_at else None}

    return _act(actor, number, "supervise", version, now, apply)


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
    requester answers for (see `sla.extensions.deadline_for_extension`); a supervisor or leader
    approves it. The pack caps how far each milestone may be moved."""
    reason = _required_text(reason, "reason", 1000)
    if problem := date_problem(until):
        raise _invalid("until", problem)

    def apply(ticket: Ticket, now: datetime) -> tuple[None, dict[str, Any]]:
        if until <= now:
            raise _invalid("until", _("an extension must end in the future"))
        if ExtensionRequest.objects.filter(ticket=ticket, state=ExtensionState.PENDING).exists():
            raise _invalid("until", _("an extension request is already waiting for approval"))
        deadline = sla_extensions.extension_check(ticket, milestone, until, actor)
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


def ticket_approve_extension(
    actor: User,
    number: str,
    *,
    approved: bool = True,
    comment: str = "",
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    def apply(ticket: Ticket, now: datetime) -> tuple[None, dict[str, Any]]:
        _approver_check(actor, "extension")
        request = ExtensionRequest.objects.filter(
            ticket=ticket, state=ExtensionState.PENDING
        ).first()
        if request is None:
            raise InvalidTransition(
                _("there is no extension request waiting for approval"),
                details={"action": "approve_extension"},
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
            deadline = sla_extensions.deadline_for_extension(
                ticket, request.milestone or None, request.requested_by
            )
            payload["extended_from"] = deadline.due_at.isoformat()
            sla_extensions.deadline_extend(deadline, request.until, now)
        return None, payload

    return _act(actor, number, "approve_extension", version, now, apply)


@dataclass
class FileInput:
    name: str
    content_type: str
    size: int
    read: Callable[[], bytes]


# What a file must start with to be the type it claims (a claim alone is not trusted).
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
    "audio/mpeg": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    "audio/wav": (b"RIFF",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}


# The extension a file of each accepted type is stored and downloaded with. A file is named
# for the type it was checked to be, never for what its name claims: an HTML page sent as
# text/plain becomes x.txt, which no browser or file server will run.
_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/pdf": (".pdf",),
    "text/plain": (".txt",),
    "audio/mpeg": (".mp3",),
    "audio/wav": (".wav",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
}
# What a browser may render or run, whatever type a site configures as accepted.
_ACTIVE_EXTENSIONS = {".htm", ".html", ".shtml", ".xht", ".xhtml", ".svg", ".svgz", ".js", ".mjs"}
_ACTIVE_EXTENSIONS |= {".xml", ".xsl", ".xslt", ".swf", ".php", ".cgi"}


def attachment_filename(name: str, content_type: str) -> str:
    """`name` with the extension of `content_type`: kept when it is one of that type's,
    otherwise replaced (`x.html` as text/plain is `x.txt`; a type without a known, inert
    extension gets `.bin`)."""
    name = " ".join(name.replace("\\", "/").rsplit("/", 1)[-1].split()).strip(". ")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    ext = f".{ext}".lower() if ext else ""
    allowed = _EXTENSIONS.get(content_type) or (mimetypes.guess_extension(content_type) or "",)
    if ext in allowed and ext not in _ACTIVE_EXTENSIONS:
        return f"{stem[:180]}{ext}"
    wanted = allowed[0] if allowed[0] and allowed[0] not in _ACTIVE_EXTENSIONS else ".bin"
    return f"{(stem or 'file')[:180]}{wanted}"


def _content_matches(content_type: str, head: bytes) -> bool:
    if content_type == "text/plain":
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multibyte character cut at the end of the sample is still text.
            if exc.start < len(head) - 3:
                return False
        return b"\x00" not in head
    return head.startswith(_SIGNATURES.get(content_type, (b"\x00\x00never",)))


def ticket_attach(
    actor: User | None,
    number: str,
    *,
    files: list[FileInput],
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Attach files, within the count, size and type limits in settings. Without an actor:
    the customer's own files from the portal (see `ticket_attach_by_customer`)."""
    if not files:
        raise _invalid("file", _("attach at least one file"))
    allowed = settings.ATTACHMENT_CONTENT_TYPES
    contents: list[tuple[FileInput, bytes]] = []
    for f in files:
        if f.size > settings.ATTACHMENT_MAX_BYTES:
            raise _invalid(
                "file",
                _("%(name)s is larger than %(limit)s bytes")
                % {"name": f.name, "limit": settings.ATTACHMENT_MAX_BYTES},
            )
        if f.content_type not in allowed:
            raise _invalid(
                "file",
                _("%(name)s: type %(type)s is not accepted; accepted types: %(types)s")
                % {"name": f.name, "type": f.content_type, "types": ", ".join(allowed)},
            )
        data = f.read()
        if not _content_matches(f.content_type, data[:512]):
            raise _invalid(
                "file",
                _("%(name)s does not contain what its type %(type)s says")
                % {"name": f.name, "type": f.content_type},
            )
        contents.append((f, data))

    def apply(ticket: Ticket, now: datetime) -> tuple[None, dict[str, Any]]:
        present = Attachment.objects.filter(ticket=ticket).count()
        if present + len(files) > settings.ATTACHMENT_MAX_COUNT:
            raise _invalid(
                "file",
                _("a ticket holds at most %(limit)s attachments")
                % {"limit": settings.ATTACHMENT_MAX_COUNT},
            )
        saved = []
        for f, data in contents:
            filename = attachment_filename(f.name, f.content_type)
            attachment = Attachment(
                ticket=ticket,
                filename=filename,
                content_type=f.content_type,
                size=len(data),
                uploaded_by=actor,
            )
            attachment.file.save(filename[-100:], ContentFile(data), save=False)
            attachment.save()
            saved.append({"id": attachment.pk, "filename": attachment.filename, "size": len(data)})
        return None, {"attachments": saved}

    return _act(actor, number, "attach", version, now, apply)


def ticket_attach_by_customer(
    number: str,
    *,
    phone: str = "",
    code: str = "",
    files: list[FileInput],
    now: datetime | None = None,
) -> Ticket:
    """The customer adds files to their own ticket on the portal, proven by phone or code."""
    selectors.ticket_for_customer(number, phone=phone, code=code)
    return ticket_attach(None, number, files=files, now=now)


def ticket_note(
    actor: User, number: str, *, text: str, version: int | None = None, now: datetime | None = None
) -> Ticket:
    text = _required_text(text, "text")
    return _act(actor, number, "note", version, now, lambda t, n: (None, {"text": text}))
