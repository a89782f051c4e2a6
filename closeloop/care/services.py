"""The suggestion box (客户意见箱): its openings planned on the working calendar, recorded by
the person who opens it, what was found registered as cases, a missed opening told to whoever
answers for it. See docs/care.md."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from closeloop.common.errors import InvalidTransition, NotAllowed, NotFound, ValidationFailed
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.notifications.services import notify
from closeloop.policy.schema import PackSpec, SuggestionBoxSpec
from closeloop.policy.services import pack_active
from closeloop.sla.calendar import WorkCalendar
from closeloop.sla.notices import calendar_for
from closeloop.tickets.choices import Channel
from closeloop.tickets.services import CustomerInput, TicketInput, ticket_register

from .models import BoxOpening, SuggestionBox
from .schedule import Every, next_occurrence

RECORDERS = (Role.AGENT, Role.SUPERVISOR)  # who registers cases (the `register` action's roles)
ITEMS_MAX = 50


def pack_calendar(pack: PackSpec) -> WorkCalendar:
    return calendar_for({"business_hours": pack.business_hours, "tz": pack.timezone})


def _boxes_declared(pack: PackSpec) -> dict[str, SuggestionBoxSpec]:
    return {box.code: box for box in (pack.care.suggestion_boxes if pack.care else [])}


def box_sync(today: date, pack: PackSpec | None = None) -> list[SuggestionBox]:
    """The pack's boxes as rows: a new one starts its cadence today; one the pack no longer
    declares is out of use (its history stays)."""
    declared = _boxes_declared(pack or pack_active())
    for code, spec in declared.items():
        box, created = SuggestionBox.objects.get_or_create(
            code=code, defaults={"name": spec.name, "place": spec.place, "anchor": today}
        )
        if not created and (box.name, box.place, box.active) != (spec.name, spec.place, True):
            box.name, box.place, box.active = spec.name, spec.place, True
            box.save(update_fields=["name", "place", "active"])
    SuggestionBox.objects.exclude(code__in=declared).filter(active=True).update(active=False)
    return list(SuggestionBox.objects.filter(active=True))


def _end_of(day: date, tz: ZoneInfo) -> datetime:
    """Due by the end of the due day, in the centre's time zone."""
    return datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)


def box_openings_plan(now: datetime | None = None) -> int:
    """Plan each box's openings up to today, and the next one after it, so the page always
    shows what is due next. Idempotent: run it as often as you like. Returns the number
    planned."""
    now = now or timezone.now()
    pack = pack_active()
    if not _boxes_declared(pack):
        return 0
    tz = ZoneInfo(pack.timezone)
    today = timezone.localtime(now, tz).date()
    cal = pack_calendar(pack)
    declared = _boxes_declared(pack)
    created = 0
    for box in box_sync(today, pack):
        spec = declared[box.code]
        every = Every(spec.every.amount, spec.every.unit)
        last = box.openings.order_by("-planned").values_list("planned", flat=True).first()
        after = last or box.anchor
        while after <= today:  # until one turn is planned after today
            turn = next_occurrence(box.anchor, every, after, cal)
            _, made = BoxOpening.objects.get_or_create(
                box=box,
                planned=turn.planned,
                defaults={
                    "due": turn.due,
                    "due_at": _end_of(turn.due, tz),
                    "moved_for": turn.moved_for,
                },
            )
            created += made
            after = turn.planned
    return created


@dataclass
class BoxItem:
    """One thing found in the box, to register as a case."""

    subject: str
    description: str = ""
    kind: str = ""  # default: the box's `kind` in the pack
    name: str = ""  # who wrote it, where they signed
    phone: str = ""


def _may_record(actor: User) -> bool:
    """Who may register cases: the keeper too when they are an agent or a supervisor; a keeper
    from a department hands the items to one of them."""
    return actor.is_active and actor.has_role(*RECORDERS)


def box_opening_record(
    actor: User,
    opening_id: int,
    *,
    items: list[BoxItem],
    note: str = "",
    now: datetime | None = None,
) -> BoxOpening:
    """Record that the box was opened and what was in it: each item is registered as a case
    with the channel `suggestion_box`, in one transaction with the record. An empty box is
    recorded too (no items)."""
    now = now or timezone.now()
    pack = pack_active()
    if len(items) > ITEMS_MAX:
        raise ValidationFailed(
            _("at most %(n)s items per opening") % {"n": ITEMS_MAX}, details={"items": "too many"}
        )
    problems: dict[str, list[str]] = {}
    for i, item in enumerate(items):
        if not item.subject.strip():
            problems[f"items[{i}].subject"] = [_("what the item says, in a line, is required")]
        elif len(item.subject) > settings.TICKET_SUBJECT_MAX:
            problems[f"items[{i}].subject"] = [_("too long")]
        if item.kind and item.kind not in pack.kinds:
            problems[f"items[{i}].kind"] = [
                _("kind %(kind)s is not used by this centre") % {"kind": item.kind}
            ]
    if len(note) > settings.TICKET_TEXT_MAX:
        problems["note"] = [_("too long")]
    if problems:
        raise ValidationFailed(_("some items cannot be registered"), details=problems)
    declared = _boxes_declared(pack)
    with transaction.atomic():
        opening = (
            BoxOpening.objects.select_for_update()
            .select_related("box")
            .filter(pk=opening_id)
            .first()
        )
        if opening is None or not opening.box.active:
            raise NotFound(_("no such box opening"))
        if not _may_record(actor):
            raise NotAllowed(
                _("only an agent or a supervisor records an opening: they register what was found")
            )
        if opening.opened_at is not None:
            raise InvalidTransition(
                _("this opening was recorded at %(at)s")
                % {"at": timezone.localtime(opening.opened_at).strftime("%Y-%m-%d %H:%M")}
            )
        # From the working day before it is due: a box may be opened a day early, never a
        # turn ahead (the next turn would then find an empty box).
        today = timezone.localtime(now, ZoneInfo(pack.timezone)).date()
        if today < pack_calendar(pack).working_day_before(opening.due):
            raise InvalidTransition(
                _("this opening is due on %(day)s, not yet") % {"day": opening.due.isoformat()}
            )
        spec = declared.get(opening.box.code)
        default_kind = spec.kind if spec else "suggestion"
        tickets = [
            ticket_register(
                actor=actor,
                data=TicketInput(
                    kind=item.kind or default_kind,
                    channel=Channel.SUGGESTION_BOX,
                    subject=item.subject.strip(),
                    description=item.description.strip(),
                    customer=CustomerInput(name=item.name.strip(), phone=item.phone.strip())
                    if (item.name.strip() or item.phone.strip())
                    else None,
                    anonymous=not (item.name.strip() or item.phone.strip()),
                ),
                now=now,
            )
            for item in items
        ]
        opening.opened_at, opening.opened_by, opening.note = now, actor, note.strip()
        opening.save(update_fields=["opened_at", "opened_by", "note"])
        opening.tickets.add(*tickets)
    return opening


def box_openings_sweep(now: datetime | None = None) -> int:
    """Tell the keeper (or, with none named, the supervisors) once of an opening past its
    day. Returns how many were told."""
    now = now or timezone.now()
    told = 0
    late = BoxOpening.objects.select_related("box", "box__keeper").filter(
        opened_at__isnull=True, overdue_notified_at__isnull=True, due_at__lte=now, box__active=True
    )
    supervisors = None
    for opening in late:
        with transaction.atomic():
            row = BoxOpening.objects.select_for_update(skip_locked=True).filter(
                pk=opening.pk, overdue_notified_at__isnull=True
            )
            if not row.exists():
                continue
            keeper = opening.box.keeper
            if keeper is not None and keeper.is_active:
                people: list[Any] = [keeper]
            else:
                if supervisors is None:
                    supervisors = list(
                        User.objects.filter(roles__role=Role.SUPERVISOR, is_active=True)
                    )
                people = supervisors
            notify(
                people,
                kind="box_overdue",
                text=_("%(box)s was due to be opened on %(day)s and has not been.")
                % {"box": opening.box.name, "day": opening.due.isoformat()},
                key=f"box-overdue:{opening.pk}",
                now=now,
            )
            row.update(overdue_notified_at=now)
            told += 1
    return told
