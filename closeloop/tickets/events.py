"""Appending to a ticket's history. Shared by the ticket services and the deadline engine."""

from datetime import datetime
from typing import Any

from closeloop.directory.models import User

from .models import Ticket, TicketEvent


def event_record(
    ticket: Ticket,
    actor: User | None,
    action: str,
    now: datetime,
    payload: dict[str, Any] | None = None,
    *,
    from_status: str | None = None,
    to_status: str | None = None,
) -> TicketEvent:
    """An event; without from/to it records an action that leaves the status unchanged."""
    return TicketEvent.objects.create(
        ticket=ticket,
        actor=actor,
        at=now,
        action=action,
        from_status=ticket.status if from_status is None else from_status,
        to_status=ticket.status if to_status is None else to_status,
        payload=payload or {},
    )
