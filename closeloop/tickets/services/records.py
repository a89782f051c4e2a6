"""What registration keeps besides the ticket itself: its number, the customer record, the
repeats flag, the idempotency key's request."""

import hashlib
import json
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from closeloop.common.errors import Conflict, ValidationFailed
from closeloop.directory.models import User

from ..models import Customer, IdempotencyKey, Ticket
from ..repeats import repeat_candidates
from .inputs import CustomerInput, TicketInput


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


def _request_digest(data: TicketInput, steps: dict[str, bool] | None = None) -> str:
    body: Any = data
    if steps and any(steps.values()):  # a request that also accepts is another request
        body = {"data": data, "steps": steps}
    raw = json.dumps(body, default=lambda o: vars(o) if hasattr(o, "__dict__") else str(o))
    return hashlib.sha256(raw.encode()).hexdigest()


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
