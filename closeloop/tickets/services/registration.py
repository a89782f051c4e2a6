"""Registration: input checked against the active pack, classified and routed, then written
with its first event; accepting (and dispatching) on register where the pack allows it."""

from dataclasses import dataclass, replace
from datetime import datetime

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import get_random_string
from django.utils.translation import gettext as _

from closeloop.common.dates import date_problem
from closeloop.common.errors import NotAllowed
from closeloop.directory.models import Department, User
from closeloop.policy.classify import Classification, TicketFacts, classify
from closeloop.policy.fields import FieldValues, field_search_text, field_values_clean
from closeloop.policy.models import Category
from closeloop.policy.schema import PackSpec
from closeloop.policy.services import pack_active
from closeloop.workflow.actions import ACTIONS
from closeloop.workflow.statuses import Status

from ..choices import Channel, Kind
from ..clocks import clock_engine
from ..models import Enclosure, IdempotencyKey, Ticket
from .actions import _dispatch_apply
from .inputs import TicketInput
from .records import (
    _customer_for,
    _idempotent_ticket,
    _repeats_flag,
    _request_digest,
    ticket_number_next,
)
from .write import (
    _action_label,
    _department_by_code,
    _done,
    _event,
    _invalid,
    _move,
    _require_role,
    customer_receipt,
)


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


PUBLIC_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def ticket_register_public(*, data: TicketInput, now: datetime | None = None) -> Ticket:
    """A customer's own submission from the public portal: no staff actor, channel web."""
    now = now or timezone.now()
    data.channel = Channel.WEB
    draft = _register_draft(None, data, now)
    number = ticket_number_next(draft.received_at)
    with transaction.atomic(durable=True):  # nobody nests the portal's submission
        ticket = _register(draft, number)
        customer_receipt(ticket, now)
        return ticket


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
    _require_role(actor, ACTIONS["register"])
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
            customer_receipt(ticket, now)
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
        category = _category_active(data.category)
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
    routing = _route(pack, data, category)
    return _Draft(
        actor,
        data,
        now,
        received_at,
        pack,
        routing.facts,
        routing.classification,
        category,
        respondent,
        routing.department,
        field_values,
    )


@dataclass(frozen=True)
class Routing:
    """What the pack's rules decide for a case: its classification (with the agent's urgency,
    where given) and the department it is routed to."""

    facts: TicketFacts
    classification: Classification
    department: Department | None


def ticket_routing_preview(data: TicketInput) -> Routing:
    """What registering `data` would decide, worked out by the very steps registration takes,
    for the intake's preview while the case is being typed. Reads only and checks nothing: a
    category that is not (or no longer) in use counts as none, as registration would refuse it.
    """
    category = _category_active(data.category) if data.category else None
    return _route(pack_active(), data, category)


def _category_active(code: str) -> Category | None:
    return Category.objects.filter(code=code, is_active=True).first()


def _route(pack: PackSpec, data: TicketInput, category: Category | None) -> Routing:
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
    return Routing(facts, result, routed)


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
        sla_plan=clock_engine().plan_for(pack, draft.facts, result),
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
    clock_engine().deadlines_on_action(ticket, ACTIONS["register"], actor, now)
    _done(ticket, ACTIONS["register"], actor)
    if result.decline:
        _move(
            ticket,
            actor,
            ACTIONS["decline"],
            Status.DECLINED,
            now,
            {"reason": _("declined by the centre's rules"), "referral": result.referral},
        )
        ticket.decline_reason = _("declined by the centre's rules")
        ticket.save(update_fields=["decline_reason"])
    elif result.no_dispatch:
        # The agent takes such cases on directly (12366 service complaints: 不得转接).
        _move(ticket, actor, ACTIONS["accept"], Status.ACCEPTED, now, {"automatic": True})
    return ticket


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
            _("you may not %(action)s tickets") % {"action": _action_label(ACTIONS[name])},
            details={"action": name},
        )


def _may_register_and(actor: User, actions: list[str]) -> bool:
    # Accept and dispatch are the centre's actions on any ticket (workflow.actions.CENTRE).
    return all(actor.has_role(*ACTIONS[a].who) for a in actions)


def _accept_on_register(ticket: Ticket, draft: _Draft, *, dispatch: bool) -> None:
    """Accept (and dispatch) a ticket just registered, inside the registration's transaction:
    one event per step, each step's deadlines met and started as if taken separately."""
    actor, now = draft.actor, draft.now
    # Declined by the rules, or already accepted by them (no_dispatch): nothing to accept.
    if ticket.status == Status.REGISTERED:
        _move(ticket, actor, ACTIONS["accept"], Status.ACCEPTED, now, {"on_register": True})
    if dispatch:
        to_status, payload = _dispatch_apply(None)(ticket, now)
        _move(ticket, actor, ACTIONS["dispatch"], to_status, now, {**payload, "on_register": True})
