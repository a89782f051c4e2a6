"""Reception days (接待日): the sessions the pack declares, published on the portal, the
visits registered at one, and the month's count for the report (docs/care.md)."""

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import Count, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from closeloop.common.errors import ValidationFailed
from closeloop.directory.models import User
from closeloop.policy.schema import Care, PackSpec, ReceptionSpec
from closeloop.policy.services import pack_active
from closeloop.sla.calendar import WorkCalendar
from closeloop.tickets.choices import Channel
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import TicketInput, ticket_register

from .models import ReceptionVisit
from .schedule import host_in_turn, weekly_sessions
from .services import pack_calendar


@dataclass(frozen=True)
class ReceptionSession:
    """One session as the portal publishes it."""

    code: str
    name: str
    day: date
    start: str
    end: str
    host: str
    place: str
    not_held_for: str  # the holiday's name when the office is closed that day
    basis: str

    @property
    def held(self) -> bool:
        return not self.not_held_for

    @property
    def not_held_reason(self) -> str:
        """For people: the holiday's name, or "weekend" in their language."""
        return _("weekend") if self.not_held_for == "weekend" else self.not_held_for


def _sessions_of(
    spec: ReceptionSpec, first: date, last: date, cal: WorkCalendar
) -> list[ReceptionSession]:
    return [
        ReceptionSession(
            code=spec.code,
            name=spec.name,
            day=s.day,
            start=spec.hours[0],
            end=spec.hours[1],
            host=host_in_turn(spec.hosts, s.day),
            place=spec.place,
            not_held_for=s.not_held_for,
            basis=spec.basis,
        )
        for s in weekly_sessions(spec.weekday, first, last, cal)
    ]


def reception_sessions(
    first: date, last: date, pack: PackSpec | None = None
) -> list[ReceptionSession]:
    """Every reception session of the pack in [first, last], by day, held or not."""
    pack = pack or pack_active()
    receptions = pack.care.receptions if pack.care else []
    cal = pack_calendar(pack)
    sessions = [s for spec in receptions for s in _sessions_of(spec, first, last, cal)]
    return sorted(sessions, key=lambda s: (s.day, s.start, s.code))


def reception_session_on(
    code: str, day: date, pack: PackSpec | None = None
) -> ReceptionSession | None:
    """The session of reception `code` held on `day`, if there is one."""
    for session in reception_sessions(day, day, pack):
        if session.code == code and session.held:
            return session
    return None


def ticket_register_at_reception(
    *,
    actor: User,
    data: TicketInput,
    reception: str,
    day: date | None = None,
    now: datetime | None = None,
    **register: Any,
) -> Ticket:
    """Register a visit received at a reception session, and link it to the session, in one
    transaction. The session must be held on that day (today by default, or an earlier day,
    to record a session's visits afterwards), and the case must have come in by visit."""
    now = now or timezone.now()
    pack = pack_active()
    today = timezone.localtime(now, ZoneInfo(pack.timezone)).date()
    day = day or today
    if day > today:
        raise ValidationFailed(
            _("a session on %(day)s has not taken place yet") % {"day": day.isoformat()},
            details={"reception": [_("not yet held")]},
        )
    session = reception_session_on(reception, day, pack)
    if session is None:
        raise ValidationFailed(
            _("no reception session %(code)s is held on %(day)s")
            % {"code": reception, "day": day.isoformat()},
            details={"reception": [_("no session that day")]},
        )
    if data.channel != Channel.VISIT:
        raise ValidationFailed(
            _("a case received at a reception session came in by visit"),
            details={"channel": [_("must be visit")]},
        )
    with transaction.atomic():
        ticket = ticket_register(actor=actor, data=data, now=now, **register)
        ReceptionVisit.objects.create(
            ticket=ticket, reception=session.code, day=session.day, host=session.host
        )
    return ticket


def reception_month(tickets: QuerySet[Ticket], first: date, last: date) -> list[dict[str, Any]]:
    """For the monthly report: each reception's sessions held and not held in [first, last]
    (with the holidays), and the visits registered at them among `tickets` (the report's
    cohort, as its reader may see it)."""
    pack = pack_active()
    if not (pack.care and pack.care.receptions):
        return []
    visits = dict(
        ReceptionVisit.objects.filter(day__gte=first, day__lte=last, ticket__in=tickets)
        .values("reception")
        .annotate(n=Count("id"))
        .values_list("reception", "n")
    )
    sessions = reception_sessions(first, last, pack)
    return [
        {
            "code": spec.code,
            "name": spec.name,
            "held": sum(1 for s in sessions if s.code == spec.code and s.held),
            "not_held": [
                {"day": s.day.isoformat(), "why": s.not_held_for}
                for s in sessions
                if s.code == spec.code and not s.held
            ],
            "visits": visits.get(spec.code, 0),
        }
        for spec in pack.care.receptions
    ]


def reception_visit_of(ticket: Ticket, pack: PackSpec | None = None) -> dict[str, Any] | None:
    """The reception session a case was received at, if it was: its name (the pack's), day
    and who received."""
    visit = ReceptionVisit.objects.filter(ticket=ticket).first()
    if visit is None:
        return None
    names = {r.code: r.name for r in ((pack or pack_active()).care or Care()).receptions}
    return {
        "name": names.get(visit.reception, visit.reception),
        "day": visit.day,
        "host": visit.host,
    }
