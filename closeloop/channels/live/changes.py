"""What changed since a cursor, read from the rows every change already writes: ticket events
and notifications. No table of its own and no per-process state, so every web process sees the
same changes (docs/architecture.md, "Live pages")."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db import connection

from closeloop.directory.models import User
from closeloop.notifications.models import Notification
from closeloop.tickets.models import Ticket, TicketEvent

# The kinds of change a page can watch. A page asks for some; the person's roles allow some.
KINDS = ("user", "dept", "all", "ticket")
# Ids are taken in one order and committed in another (PostgreSQL): each read looks this many
# ids back, so a transaction that committed late is still seen; the ids already seen are kept.
LOOK_BACK = 50


@dataclass(frozen=True)
class Change:
    """One change as the watchers need it: which ticket, its department, whose it is."""

    ticket: int | None = None
    department: int | None = None
    people: frozenset[int] = frozenset()


@dataclass
class Cursor:
    """How far a reader has read: the highest ids, and the recent ids already seen."""

    event: int = 0
    notification: int = 0
    seen_events: set[int] = field(default_factory=set)
    seen_notifications: set[int] = field(default_factory=set)


@dataclass(frozen=True)
class Watch:
    """What one open page watches, limited to what its person may see."""

    user: int
    kinds: frozenset[str]
    departments: frozenset[int] = frozenset()
    ticket: int | None = None

    def matches(self, change: Change) -> set[str]:
        """The kinds of this watch that `change` touches."""
        hit = set()
        if "user" in self.kinds and self.user in change.people:
            hit.add("user")
        if "dept" in self.kinds and change.department in self.departments:
            hit.add("dept")
        if "ticket" in self.kinds and change.ticket is not None and change.ticket == self.ticket:
            hit.add("ticket")
        if "all" in self.kinds and change.ticket is not None:
            hit.add("all")
        return hit


def live_watch_for(user: User, kinds: Iterable[str], ticket_number: str = "") -> Watch:
    """The watch a page of `user` may hold: "all" only for who sees every ticket, "dept" for
    the person's departments, "ticket" only for a ticket the person may see. A hint names no
    ticket, but even the fact of a change stays within what the person can open."""
    wanted = {k for k in kinds if k in KINDS} | {"user"}  # the bell and the top bar
    if not user.is_centre_staff:
        wanted.discard("all")
    departments = frozenset(user.department_scope) if user.department_id else frozenset()
    if not departments:
        wanted.discard("dept")
    ticket_id = None
    if ticket_number:
        ticket_id = (
            Ticket.objects.visible_to(user)
            .filter(number=ticket_number)
            .values_list("pk", flat=True)
            .first()
        )
    if ticket_id is None:
        wanted.discard("ticket")
    return Watch(user=user.pk, kinds=frozenset(wanted), departments=departments, ticket=ticket_id)


def live_position() -> str:
    """Where the changes stand now, as a page carries it (`data-live-since`): the stream it
    opens tells it of every change after that, even those made while it was loading. One
    query: every staff page asks it."""
    quote = connection.ops.quote_name
    events = (
        f"{quote(TicketEvent._meta.pk.column or 'id')}) FROM {quote(TicketEvent._meta.db_table)}"
    )
    notes = (
        f"{quote(Notification._meta.pk.column or 'id')}) FROM {quote(Notification._meta.db_table)}"
    )
    with connection.cursor() as cursor:
        # Table names from the models, quoted; no value from outside.
        cursor.execute(f"SELECT (SELECT MAX({events}), (SELECT MAX({notes})")
        event, note = cursor.fetchone()
    return f"{event or 0}.{note or 0}"


def live_cursor(position: str = "") -> Cursor:
    """A cursor at `position` (from `live_position`), or at the newest change if it is
    missing or not one."""
    event, dot, note = position.partition(".")
    if not (dot and event.isdigit() and note.isdigit()):
        event, _, note = live_position().partition(".")
    cursor = Cursor(event=int(event), notification=int(note))
    # Marks the last few before the position as seen: they happened before the page opened.
    cursor.seen_events = set(
        TicketEvent.objects.unscoped()
        .filter(pk__gt=cursor.event - LOOK_BACK, pk__lte=cursor.event)
        .values_list("pk", flat=True)
    )
    cursor.seen_notifications = set(
        Notification.objects.filter(
            pk__gt=cursor.notification - LOOK_BACK, pk__lte=cursor.notification
        ).values_list("pk", flat=True)
    )
    return cursor


def live_changes(cursor: Cursor, *, limit: int = 1000) -> list[Change]:
    """The changes after `cursor` (which it moves on): two indexed range reads of at most
    `limit` + LOOK_BACK rows each."""
    events = list(
        TicketEvent.objects.unscoped()
        .filter(pk__gt=cursor.event - LOOK_BACK)
        .order_by("pk")
        .values_list(
            "pk",
            "ticket_id",
            "ticket__department_id",
            "ticket__handler_id",
            "ticket__first_contact_owner_id",
        )[: limit + LOOK_BACK]
    )
    notes = list(
        Notification.objects.filter(pk__gt=cursor.notification - LOOK_BACK)
        .order_by("pk")
        .values_list("pk", "recipient_id")[: limit + LOOK_BACK]
    )
    changes = [
        Change(ticket=t, department=d, people=frozenset(p for p in (h, o) if p))
        for pk, t, d, h, o in events
        if pk not in cursor.seen_events
    ]
    changes += [
        Change(people=frozenset([r])) for pk, r in notes if pk not in cursor.seen_notifications
    ]
    cursor.seen_events = _window({pk for pk, *_ in events} | cursor.seen_events)
    cursor.seen_notifications = _window({pk for pk, _ in notes} | cursor.seen_notifications)
    cursor.event = max([cursor.event, *cursor.seen_events])
    cursor.notification = max([cursor.notification, *cursor.seen_notifications])
    return changes


def _window(ids: set[int]) -> set[int]:
    """The ids a later read can meet again: those within LOOK_BACK of the highest."""
    if not ids:
        return ids
    top = max(ids)
    return {i for i in ids if i > top - LOOK_BACK - 1}
