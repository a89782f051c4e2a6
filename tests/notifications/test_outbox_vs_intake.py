"""A slow SMS gateway never makes intake wait: while the worker drains 100 messages through
a gateway taking 250 ms each, tickets registered through the API all succeed. (Before, the
worker sent inside one transaction over its batch, and on SQLite that held the write lock
until the batch was done: registrations failed with "database is locked".)"""

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from closeloop.notifications.models import OutboxMessage
from closeloop.notifications.services import outbox_deliver
from closeloop.policy.models import MessageTemplate
from closeloop.tickets.models import Ticket
from tests.conftest import COMPLAINT, Centre
from tests.tickets.test_concurrency import in_threads

from .conftest import SmsGatewayStub

QUEUED = 100
REGISTRATIONS = 5


@pytest.mark.django_db(transaction=True)
def test_registration_succeeds_while_a_slow_gateway_drains_the_outbox(
    gateways: None, settings: Any, centre: Centre, api: Any, sms_gateway: SmsGatewayStub
) -> None:
    settings.SMS_GATEWAY_TIMEOUT = 120  # the held send waits for the test, not for a timeout
    # The registrations queue no receipt of their own (each would start a delivery after its
    # commit): the one worker below drains the outbox alone.
    MessageTemplate.objects.all().delete()
    now = timezone.now()
    OutboxMessage.objects.bulk_create(
        OutboxMessage(
            key=f"drain:{i}:sms",
            channel="sms",
            address=f"1390000{i:04d}",
            body=f"提醒 {i}",
            created_at=now + timedelta(milliseconds=i),
        )
        for i in range(QUEUED)
    )
    sms_gateway.delay = 0.25
    sms_gateway.hold_at = 3  # a send surely in flight while the tickets come in

    clients = [api(centre.agent) for _ in range(REGISTRATIONS)]  # tokens made beforehand
    delivered: list[Any] = []

    def drain() -> None:
        try:
            delivered.append(outbox_deliver())
        except Exception as exc:  # asserted on below
            delivered.append(exc)
        finally:
            connection.close()

    worker = threading.Thread(target=drain)
    worker.start()
    try:
        assert sms_gateway.holding.wait(60), "the worker never reached the gateway"
        results = in_threads(REGISTRATIONS, lambda i: clients[i].post("tickets", COMPLAINT))
        sent_so_far = len(sms_gateway.received)
    finally:
        sms_gateway.delay = 0  # let the rest drain quickly
        sms_gateway.release.set()
        worker.join(timeout=120)

    failed = [r for r in results if isinstance(r, Exception) or r.status_code != 201]
    print(
        f"\noutbox vs intake ({connection.vendor}): {QUEUED} SMS queued at 250 ms each; "
        f"{REGISTRATIONS} registrations attempted while the gateway drained "
        f"({sent_so_far} sent so far), {len(failed)} failed"
    )
    assert failed == [], failed
    assert Ticket.objects.count() == REGISTRATIONS
    assert sent_so_far < QUEUED  # they really ran while the gateway was draining
    assert delivered == [QUEUED]
    assert sorted(r["body"]["to"] for r in sms_gateway.received) == sorted(
        f"1390000{i:04d}" for i in range(QUEUED)
    )
