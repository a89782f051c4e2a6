"""A delivery worker killed (`kill -9`) in the middle of a batch: after a restart every
message arrives, and at most the one in flight arrives twice, carrying the same idempotency
id (SMS request id, email Message-ID) as its first copy."""

import signal
import subprocess
import sys
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone

from closeloop.notifications.models import OutboxMessage, stable_id
from closeloop.notifications.services import outbox_deliver

from .conftest import MailServer, SmsGatewayStub

N = 40  # people, each with an email and an SMS waiting
HELD = 15  # the SMS in flight when the worker dies (in its second claim of 20 messages)

# The real delivery, in a process of its own, through the real adapters to the local servers.
WORKER = """
import sys, django
django.setup()
from django.conf import settings
from django.db import connection
connection.settings_dict["NAME"] = sys.argv[1]
settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
settings.EMAIL_HOST = "127.0.0.1"
settings.EMAIL_PORT = int(sys.argv[2])
settings.SMS_BACKEND = "closeloop.notifications.sms.HttpBackend"
settings.SMS_GATEWAY_URL = sys.argv[3]
from closeloop.notifications.services import outbox_deliver
outbox_deliver()
"""


def start_worker(mail_server: MailServer, sms_gateway: SmsGatewayStub) -> subprocess.Popen[bytes]:
    # The child inherits DJANGO_SETTINGS_MODULE (the test settings) and gets the test database.
    args = [connection.settings_dict["NAME"], str(mail_server.port), sms_gateway.url]
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )


def queue_messages(n: int) -> None:
    # Rows written directly: in this committing test a service's on-commit delivery would
    # send them here and now, before the worker under test could.
    now = timezone.now()
    rows = []
    for i in range(n):
        at = now + timedelta(milliseconds=i)
        rows.append(
            OutboxMessage(
                key=f"crash:{i}:email",
                channel="email",
                address=f"p{i}@example.org",
                subject=f"提醒 {i}",
                body=f"提醒 {i}",
                created_at=at,
            )
        )
        rows.append(
            OutboxMessage(
                key=f"crash:{i}:sms",
                channel="sms",
                address=f"1380000{i:04d}",
                body=f"提醒 {i}",
                created_at=at,
            )
        )
    OutboxMessage.objects.bulk_create(rows)


@pytest.mark.django_db(transaction=True)
def test_worker_killed_mid_batch_repeats_at_most_the_message_in_flight(
    gateways: None,
    settings: Any,
    mail_server: MailServer,
    sms_gateway: SmsGatewayStub,
) -> None:
    queue_messages(N)
    sms_gateway.delay = 0.02  # slow enough that the worker is surely mid-batch
    sms_gateway.hold_at = HELD

    process = start_worker(mail_server, sms_gateway)
    try:
        while not sms_gateway.holding.wait(0.1):  # until the HELD-th SMS is in flight
            assert process.poll() is None, process.communicate()[1].decode()[-3000:]
    finally:
        process.send_signal(signal.SIGKILL)
        process.communicate()
    assert process.returncode == -signal.SIGKILL
    sms_gateway.release.set()  # its answer now goes to a dead worker
    sent_before = OutboxMessage.objects.filter(sent_at__isnull=False).count()
    arrived_before = len(sms_gateway.received) + len(mail_server.received)

    # The restarted worker, once the dead one's claims have lapsed.
    lapsed = timezone.now() + timedelta(seconds=settings.OUTBOX_LEASE_SECONDS + 1)
    outbox_deliver(now=lapsed)

    sms, mail = sms_gateway.by_recipient(), mail_server.by_recipient()
    sms_repeats = {to: ids for to, ids in sms.items() if len(ids) > 1}
    mail_repeats = {to: ids for to, ids in mail.items() if len(ids) > 1}
    print(
        f"\noutbox crash: queued {2 * N} ({N} email + {N} SMS); before the kill "
        f"{arrived_before} arrived, {sent_before} marked sent; after the restart "
        f"{len(sms)} SMS and {len(mail)} emails arrived; duplicated: "
        f"{sum(len(i) - 1 for i in sms_repeats.values())} SMS, "
        f"{sum(len(i) - 1 for i in mail_repeats.values())} emails"
    )
    # Every message arrived…
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
    assert len(sms) == N and len(mail) == N
    # …at most the one in flight twice, per channel…
    assert len(sms_repeats) <= 1 and len(mail_repeats) <= 1
    assert all(len(ids) == 2 for ids in [*sms_repeats.values(), *mail_repeats.values()])
    assert list(sms_repeats) in ([], [f"1380000{HELD - 1:04d}"])
    # …and every copy of a message carries that message's own stable id.
    for i in range(N):
        assert set(sms[f"1380000{i:04d}"]) == {stable_id(f"crash:{i}:sms")}
        assert set(mail[f"p{i}@example.org"]) == {f"<{stable_id(f'crash:{i}:email')}@localhost>"}
