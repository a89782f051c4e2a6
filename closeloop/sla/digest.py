"""The daily digest: once a day (at `CLOSELOOP_DIGEST_HOUR` in the pack's time zone), each
active person who answers for open cases near their deadline — overdue, in warning, or due
by the end of the next working day — gets one notification of kind `digest` listing them
(and an email/SMS as their preferences for the digest say). Once per person per day: a
second run the same day skips whoever has had theirs, and the outbox key
`digest:<date>:<person>` queues each message once.

Whose cases: the person's own (`selectors.tickets_answered_for`: held, first taken, and
for liaisons the department's unassigned ones), a liaison's whole department inbox, and for
supervisors every open case (they answer for the centre's deadlines)."""

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.notifications.models import Notification
from closeloop.notifications.services import notify
from closeloop.policy.services import pack_active
from closeloop.tickets import selectors
from closeloop.tickets.models import Ticket
from closeloop.tickets.querysets import TicketQuerySet
from closeloop.workflow.deadlines import DeadlineState

from .calendar import WorkCalendar
from .labels import STATE_LABELS
from .notices import calendar_for

KIND = "digest"
# The roles whose people may answer for cases; others (leaders, inspectors, admins) get none.
ROLES = (Role.HANDLER, Role.LIAISON, Role.AGENT, Role.SUPERVISOR)
# Lines listed in one digest; the rest are counted ("and 12 more").
LINES_MAX = 8


@dataclass(frozen=True)
class DigestRun:
    day: date
    sent: int
    skipped: int


def _calendar() -> WorkCalendar:
    pack = pack_active()
    return calendar_for({"business_hours": pack.business_hours, "tz": pack.timezone})


def digest_due(now: datetime) -> bool:
    """Whether `now` falls in the digest's hour, in the pack's time zone (the periodic task
    runs a few times an hour and sends only then; a run repeated that hour sends nothing)."""
    return now.astimezone(_calendar().tz).hour == settings.DIGEST_HOUR


def digest_horizon(today: date, calendar: WorkCalendar) -> datetime:
    """The end of the next working day after `today`: cases due by then are near."""
    day = today + timedelta(days=1)
    for _attempt in range(60):  # the longest holiday is far shorter
        if calendar.is_working_day(day):
            break
        day += timedelta(days=1)
    return datetime.combine(day + timedelta(days=1), time.min, tzinfo=calendar.tz)


def cases_answered_for(person: User) -> TicketQuerySet:
    """The open cases `person` answers for (see the module's text)."""
    if person.has_role(Role.SUPERVISOR):
        return Ticket.objects.visible_to(person).active()
    mine = selectors.tickets_answered_for(person)
    if person.has_role(Role.LIAISON) and person.department_id:
        mine = mine | selectors.department_inbox_for_user(person)
    return mine


def near_q(horizon: datetime) -> Q:
    near = Q(deadline_state__in=[DeadlineState.WARNING, DeadlineState.OVERDUE])
    return near | Q(next_due_at__lt=horizon, next_due_at__isnull=False)


def digest_text(tickets: list[Ticket], total: int, calendar: WorkCalendar) -> str:
    lines = [
        _("Your cases near their deadline: %(count)d") % {"count": total},
        *(
            _("%(number)s %(subject)s — due %(due)s (%(state)s)")
            % {
                "number": t.number,
                "subject": selectors.notice_subject(t)[:20],
                "due": t.next_due_at.astimezone(calendar.tz).strftime("%m-%d %H:%M")
                if t.next_due_at
                else "—",
                "state": STATE_LABELS.get(t.deadline_state, t.deadline_state or "—"),
            }
            for t in tickets[:LINES_MAX]
        ),
    ]
    if total > LINES_MAX:
        lines.append(_("and %(count)d more") % {"count": total - LINES_MAX})
    return "\n".join(lines)


def digest_send(now: datetime | None = None) -> DigestRun:
    """Send today's digest to each person who has cases near their deadline and has not had
    one today. Each person's digest is its own transaction."""
    now = now or timezone.now()
    calendar = _calendar()
    today = now.astimezone(calendar.tz).date()
    day_start = datetime.combine(today, time.min, tzinfo=calendar.tz)
    near = near_q(digest_horizon(today, calendar))
    people = list(
        User.objects.filter(is_active=True, roles__role__in=ROLES)
        .distinct()
        .prefetch_related("roles")
        .order_by("id")
    )
    had = set(
        Notification.objects.filter(kind=KIND, created_at__gte=day_start).values_list(
            "recipient_id", flat=True
        )
    )
    sent = skipped = 0
    for person in people:
        if person.pk in had:
            skipped += 1
            continue
        cases = cases_answered_for(person).filter(near).order_by("next_due_at", "id")
        shown = list(cases[: LINES_MAX + 1])
        if not shown:
            continue
        total = len(shown) if len(shown) <= LINES_MAX else cases.count()
        with transaction.atomic():
            notify(
                [person],
                kind=KIND,
                text=digest_text(shown, total, calendar),
                key=f"digest:{today.isoformat()}",
                now=now,
            )
        sent += 1
    return DigestRun(day=today, sent=sent, skipped=skipped)
