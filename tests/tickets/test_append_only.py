"""A ticket's timeline is history others rely on: once written, an event is never changed or
deleted, whichever code path tries."""

from typing import Any

import pytest

from closeloop.tickets.models import TicketEvent
from tests.conftest import COMPLAINT, Centre


def test_a_written_event_can_be_neither_changed_nor_deleted(api: Any, centre: Centre) -> None:
    number = api(centre.agent).post("tickets", COMPLAINT).json()["number"]
    event = TicketEvent.objects.get(ticket__number=number)
    event.action = "close"
    with pytest.raises(RuntimeError, match="append-only"):
        event.save()
    with pytest.raises(RuntimeError, match="append-only"):
        event.delete()
    assert TicketEvent.objects.get(pk=event.pk).action == "register"
