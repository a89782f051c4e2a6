"""Telling people: in-app notifications at once, email and SMS through the outbox."""

import os
import socket
import time
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from closeloop.common.errors import NotFound, ValidationFailed
from closeloop.directory.models import User

from .models import Notification, NotificationPreference, OutboxMessage
from .reasons import Group, reason_for
from .sms import sms_backend

if TYPE_CHECKING:
    from closeloop.tickets.models import Ticket


def notify(
    recipients: Iterable[User],
    *,
    kind: str,
    text: str,
    ticket: "Ticket | None" = None,
    key: str,
    now: datetime,
) -> int:
    """Notify each recipient once in-app, and queue email/SMS where they have an address —
    each as the person chose for the kind's group (`NotificationPreference`, read in one
    query for all of them; without a choice: in-app, and email/SMS as `notify_by_*` say).

    Call inside the transaction of the change being notified; delivery starts after commit.
    `key` identifies the occasion, so the same occasion never queues a message twice.
    """
    people = list({p.pk: p for p in recipients if p.is_active}.values())
    if not people:
        return 0
    channels = preferences_for(people, reason_for(kind).group)
    Notification.objects.bulk_create(
        [
            Notification(recipient=p, ticket=ticket, kind=kind, text=text[:500], created_at=now)
            for p in people
            if channels[p.pk].in_app
        ]
    )
    messages = [
        OutboxMessage(
            key=f"{key}:{person.pk}:{channel}",
            channel=channel,
            address=address,
            subject=text[:200],
            body=text,
            created_at=now,
        )
        for person in people
        for channel, address in (
            (OutboxMessage.Channel.EMAIL, person.email if channels[person.pk].email else ""),
            (OutboxMessage.Channel.SMS, person.phone if channels[person.pk].sms else ""),
        )
        if address
    ]
    # One statement; a key queued before for this occasion is skipped, never sent twice.
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    queued = len(messages)
    if queued:
        transaction.on_commit(_schedule_delivery)
    return queued


@dataclass(frozen=True)
class Channels:
    """How one person hears of one group of notifications."""

    in_app: bool
    email: bool
    sms: bool


def preference_default(person: User) -> Channels:
    """Without a stored choice: in the app, and email/SMS as the person's switches say."""
    return Channels(in_app=True, email=person.notify_by_email, sms=person.notify_by_sms)


def preferences_for(people: Sequence[User], group: str) -> dict[int, Channels]:
    """Each person's channels for `group`, by id: one query for all of them."""
    stored = {
        row.user_id: Channels(in_app=row.in_app, email=row.email, sms=row.sms)
        for row in NotificationPreference.objects.filter(
            user__in=[p.pk for p in people], kind_group=group
        )
    }
    return {p.pk: stored.get(p.pk) or preference_default(p) for p in people}


def preferences_table(person: User) -> dict[str, Channels]:
    """The person's channels for every group, stored or default (the preferences page)."""
    stored = {
        row.kind_group: Channels(in_app=row.in_app, email=row.email, sms=row.sms)
        for row in NotificationPreference.objects.filter(user=person)
    }
    default = preference_default(person)
    return {group: stored.get(group, default) for group in Group.values}


def preferences_save(person: User, choices: dict[str, Channels]) -> None:
    """Store the person's channels for the groups given, all or none. Email needs an address
    on the person's record and SMS a phone: a switch with nowhere to send is refused."""
    errors: dict[str, list[str]] = {}
    for group, channels in choices.items():
        if group not in Group.values:
            errors.setdefault("kind_group", []).append(
                str(_("unknown kind of notification: %(group)s") % {"group": group})
            )
        elif channels.email and not person.email:
            errors.setdefault(f"{group}-email", []).append(
                str(_("there is no email address on your record"))
            )
        elif channels.sms and not person.phone:
            errors.setdefault(f"{group}-sms", []).append(
                str(_("there is no mobile phone on your record"))
            )
    if errors:
        raise ValidationFailed(_("these choices cannot be saved"), details=errors)
    with transaction.atomic():
        for group, channels in choices.items():
            NotificationPreference.objects.update_or_create(
                user=person,
                kind_group=group,
                defaults={"in_app": channels.in_app, "email": channels.email, "sms": channels.sms},
            )


def notification_mark_read(
    notifications: QuerySet[Notification], pk: int, *, now: datetime | None = None
) -> Notification:
    """Mark one notification read; `notifications` is the person's own scoped set (the
    selector's), so another's, or one on a ticket they no longer see, is not found."""
    found = notifications.filter(pk=pk).first()
    if found is None:
        raise NotFound(_("no such notification"))
    if found.read_at is None:
        found.read_at = now or timezone.now()
        Notification.objects.filter(pk=found.pk, read_at__isnull=True).update(read_at=found.read_at)
    return found


def notifications_mark_all_read(
    notifications: QuerySet[Notification], *, now: datetime | None = None
) -> int:
    """Mark every unread notification of the person's scoped set read; return how many."""
    return notifications.filter(read_at__isnull=True).update(read_at=now or timezone.now())


def notify_customer(
    *,
    phone: str,
    email: str,
    subject: str,
    text: str,
    key: str,
    now: datetime,
    email_text: str | None = None,
    ticket: "Ticket | None" = None,
    purpose: str = "",
    not_before: datetime | None = None,
) -> int:
    """Queue a message to a customer: an SMS to the phone and an email to the address they
    gave, each only if given. Like `notify`: inside the change's transaction, sent after
    commit, and `key` makes the occasion queue it once. `email_text` is the email's body
    where it differs from the SMS; `ticket` and `purpose` show it on the ticket; `not_before`
    holds it until then (the quiet hours)."""
    messages = [
        OutboxMessage(
            key=f"{key}:{channel}",
            channel=channel,
            address=address,
            subject=subject[:200],
            body=body,
            created_at=now,
            ticket=ticket,
            purpose=purpose,
            next_attempt_at=not_before,
        )
        for channel, address, body in (
            (OutboxMessage.Channel.EMAIL, email, text if email_text is None else email_text),
            (OutboxMessage.Channel.SMS, phone, text),
        )
        if address
    ]
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    if messages:
        transaction.on_commit(_schedule_delivery)
    return len(messages)


def _schedule_delivery() -> None:
    from .tasks import outbox_deliver_task

    outbox_deliver_task()


def outbox_deliver(*, batch: int | None = None, now: datetime | None = None) -> int:
    """Send what is due; return how many were sent. Safe with several workers at once.

    Rows are claimed a few at a time in one short transaction, sent outside any transaction
    (a slow gateway never holds a database lock, so registration never waits on it), and each
    is marked sent or failed in a statement of its own. A crash therefore repeats at most the
    message in flight, with the same `stable_id`, and its unsent claims come back when the
    lease runs out. `now` fixes the clock for the claims and marks (tests).
    """
    batch = batch or settings.OUTBOX_BATCH
    worker = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
    # Half the lease: a send started by then ends long before another worker may take the row.
    send_window = settings.OUTBOX_LEASE_SECONDS / 2
    sent = 0
    while True:
        claimed_at = time.monotonic()
        rows = outbox_claim(worker, batch=batch, now=now or timezone.now())
        for message in rows:
            if time.monotonic() - claimed_at > send_window:
                outbox_release(worker)  # the rest waits for a fresh claim, below
                break
            try:
                _send(message)
            except Exception as exc:  # a gateway failure is recorded and retried later
                outbox_mark_failed(message, str(exc) or type(exc).__name__, now=now)
            else:
                outbox_mark_sent(message, now=now)
                sent += 1
        if not rows:
            return sent


def outbox_claim(worker: str, *, batch: int, now: datetime) -> list[OutboxMessage]:
    """Claim up to `batch` due messages for `worker` until the lease ends, in one short
    transaction. SQLite takes its write lock at the start (IMMEDIATE), PostgreSQL skips the
    rows another worker is claiming: either way no row is claimed twice."""
    due = (
        Q(sent_at__isnull=True, failed_at__isnull=True)
        & (Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        & (Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
    )
    with transaction.atomic():
        ids = list(
            OutboxMessage.objects.select_for_update(skip_locked=True)
            .filter(due)
            .order_by("created_at", "id")
            .values_list("id", flat=True)[:batch]
        )
        if not ids:
            return []
        until = now + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS)
        OutboxMessage.objects.filter(id__in=ids).update(claimed_by=worker, claimed_until=until)
    return list(OutboxMessage.objects.filter(id__in=ids).order_by("created_at", "id"))


def outbox_release(worker: str) -> int:
    """Give back the claims `worker` still holds, unsent."""
    return OutboxMessage.objects.filter(claimed_by=worker, sent_at__isnull=True).update(
        claimed_by="", claimed_until=None
    )


def outbox_mark_sent(message: OutboxMessage, *, now: datetime | None = None) -> None:
    # One statement, so its own transaction; a later attempt of a row already marked (the
    # lease ran out under a stalled worker) keeps the first time.
    OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
        sent_at=now or timezone.now(),
        attempts=F("attempts") + 1,
        claimed_by="",
        claimed_until=None,
    )


def outbox_mark_failed(message: OutboxMessage, error: str, *, now: datetime | None = None) -> None:
    """Record a failed send: retry after a backoff that doubles each time (capped at an
    hour), or, after the last attempt, leave the message failed for the admin to see."""
    now = now or timezone.now()
    attempts = message.attempts + 1
    delay = min(settings.OUTBOX_RETRY_SECONDS * 2 ** (attempts - 1), 3600)
    last = attempts >= settings.OUTBOX_MAX_ATTEMPTS
    OutboxMessage.objects.filter(pk=message.pk, sent_at__isnull=True).update(
        attempts=attempts,
        last_error=error[:500],
        next_attempt_at=None if last else now + timedelta(seconds=delay),
        failed_at=now if last else None,
        claimed_by="",
        claimed_until=None,
    )


def _send(message: OutboxMessage) -> None:
    if message.channel == OutboxMessage.Channel.EMAIL:
        email = EmailMessage(
            message.subject,
            message.body,
            to=[message.address],
            # Stable across attempts, so a receiving server can drop a repeat.
            headers={"Message-ID": _message_id(message)},
        )
        email.send()
    else:
        sms_backend().send(to=message.address, text=message.body, key=message.key)


def _message_id(message: OutboxMessage) -> str:
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2].strip("> ") or "localhost"
    return f"<{message.stable_id}@{domain}>"
