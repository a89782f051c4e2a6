"""Telling people: in-app notifications at once, email and SMS through the outbox."""

from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from closeloop.directory.models import User

from .models import Notification, OutboxMessage
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
    """Notify each recipient once in-app, and queue email/SMS where they have an address.

    Call inside the transaction of the change being notified; delivery starts after commit.
    `key` identifies the occasion, so the same occasion never queues a message twice.
    """
    people = {p.pk: p for p in recipients if p.is_active}.values()
    Notification.objects.bulk_create(
        [
            Notification(recipient=p, ticket=ticket, kind=kind, text=text[:500], created_at=now)
            for p in people
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
            (OutboxMessage.Channel.EMAIL, person.email if person.notify_by_email else ""),
            (OutboxMessage.Channel.SMS, person.phone if person.notify_by_sms else ""),
        )
        if address
    ]
    # One statement; a key queued before for this occasion is skipped, never sent twice.
    OutboxMessage.objects.bulk_create(messages, ignore_conflicts=True)
    queued = len(messages)
    if queued:
        transaction.on_commit(_schedule_delivery)
    return queued


def _schedule_delivery() -> None:
    from .tasks import outbox_deliver_task

    outbox_deliver_task()


def outbox_deliver(*, batch: int = 100, now: datetime | None = None) -> int:
    """Send pending messages. Each row is locked while it is sent and marked sent in the same
    transaction, so two workers never send the same row and a crash before the mark leaves it
    pending (the gateway's `key` then drops the duplicate)."""
    sent = 0
    while True:
        with transaction.atomic():
            rows = list(
                OutboxMessage.objects.select_for_update(skip_locked=True)
                .filter(sent_at__isnull=True, attempts__lt=10)
                .order_by("created_at", "id")[:batch]
            )
            for message in rows:
                message.attempts += 1
                try:
                    _send(message)
                except Exception as exc:  # a gateway failure is recorded and retried later
                    message.last_error = str(exc)[:500]
                    message.save(update_fields=["attempts", "last_error"])
                    continue
                message.sent_at = now or timezone.now()
                message.save(update_fields=["attempts", "sent_at", "last_error"])
                sent += 1
        if len(rows) < batch:
            return sent


def _send(message: OutboxMessage) -> None:
    if message.channel == OutboxMessage.Channel.EMAIL:
        send_mail(message.subject, message.body, None, [message.address])
    else:
        sms_backend().send(to=message.address, text=message.body, key=message.key)
