"""The outbox, message by message: the real SMS adapter and Django's SMTP backend against
local servers; failures recorded and retried after a backoff; the same idempotency id on
every attempt; claims that two workers never share."""

from datetime import datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from closeloop.directory.models import User
from closeloop.directory.services import user_create
from closeloop.notifications.models import OutboxMessage, stable_id
from closeloop.notifications.services import notify, outbox_deliver
from closeloop.notifications.sms import HttpBackend, SmsError

from .conftest import MailServer, SmsGatewayStub

pytestmark = pytest.mark.django_db


def someone(name: str, *, email: str = "", phone: str = "") -> User:
    user = User.objects.create_user(username=name, email=email)
    user.phone = phone
    user.save()
    return user


def queue(people: list[User], key: str, now: datetime) -> list[OutboxMessage]:
    # The tests run inside a transaction that never commits, so nothing is sent on commit.
    notify(people, kind="remind", text=f"提醒 {key}", key=key, now=now)
    return list(OutboxMessage.objects.filter(key__startswith=f"{key}:"))


# ----------------------------------------------------------------------------- the SMS adapter


def test_http_adapter_posts_the_request_id(settings: Any, sms_gateway: SmsGatewayStub) -> None:
    settings.SMS_GATEWAY_URL = sms_gateway.url
    settings.SMS_GATEWAY_TOKEN = "gw-secret"
    gateway = HttpBackend()
    gateway.send(to="13800138000", text="您的工单已受理", key="remind:1:2:sms")
    gateway.send(to="13800138000", text="您的工单已受理", key="remind:1:2:sms")
    gateway.send(to="13900139000", text="另一条", key="remind:1:3:sms")

    first, again, other = sms_gateway.received
    assert first["body"] == {
        "to": "13800138000",
        "text": "您的工单已受理",
        "request_id": stable_id("remind:1:2:sms"),
    }
    assert first["headers"]["Authorization"] == "Bearer gw-secret"
    assert first["headers"]["Idempotency-Key"] == stable_id("remind:1:2:sms")
    # The same message carries the same id every time; another message another id.
    assert again["body"]["request_id"] == first["body"]["request_id"]
    assert other["body"]["request_id"] != first["body"]["request_id"]


@pytest.mark.parametrize("status", [302, 400, 500, 503])
def test_http_adapter_refuses_anything_but_2xx(
    settings: Any, sms_gateway: SmsGatewayStub, status: int
) -> None:
    settings.SMS_GATEWAY_URL = sms_gateway.url
    sms_gateway.status = status
    with pytest.raises(SmsError, match=str(status)):
        HttpBackend().send(to="13800138000", text="x", key="k")
    assert len(sms_gateway.received) == 1  # a redirect is not followed


def test_http_adapter_times_out(settings: Any, sms_gateway: SmsGatewayStub) -> None:
    settings.SMS_GATEWAY_URL = sms_gateway.url
    settings.SMS_GATEWAY_TIMEOUT = 0.2
    sms_gateway.delay = 2
    with pytest.raises(SmsError, match="timed out"):
        HttpBackend().send(to="13800138000", text="x", key="k")


# ------------------------------------------------------------------------ failures and retries


def test_gateway_error_is_recorded_and_retried_after_a_backoff(
    gateways: None, settings: Any, sms_gateway: SmsGatewayStub
) -> None:
    settings.OUTBOX_RETRY_SECONDS = 60
    t0 = timezone.now()
    (message,) = queue([someone("wang", phone="13800138000")], "remind:7", t0)
    sms_gateway.status = 503

    assert outbox_deliver(now=t0) == 0
    message.refresh_from_db()
    assert message.sent_at is None and message.failed_at is None
    assert message.attempts == 1
    assert "503" in message.last_error
    assert message.next_attempt_at == t0 + timedelta(seconds=60)

    sms_gateway.status = 200
    assert outbox_deliver(now=t0 + timedelta(seconds=30)) == 0  # still backing off
    assert len(sms_gateway.received) == 1
    assert outbox_deliver(now=t0 + timedelta(seconds=61)) == 1
    message.refresh_from_db()
    assert message.sent_at == t0 + timedelta(seconds=61)
    assert message.attempts == 2
    # The retry carried the same request id: a gateway that did take the first can drop it.
    assert sms_gateway.request_ids == [stable_id(message.key)] * 2
    assert outbox_deliver(now=t0 + timedelta(days=1)) == 0  # and nothing is sent again


def test_a_timeout_is_recorded_and_retried_later(
    gateways: None, settings: Any, sms_gateway: SmsGatewayStub
) -> None:
    settings.SMS_GATEWAY_TIMEOUT = 0.2
    t0 = timezone.now()
    (message,) = queue([someone("wang", phone="13800138000")], "remind:8", t0)
    sms_gateway.delay = 2

    assert outbox_deliver(now=t0) == 0
    message.refresh_from_db()
    assert (message.attempts, message.sent_at) == (1, None)
    assert "timed out" in message.last_error
    assert message.next_attempt_at is not None and message.next_attempt_at > t0

    sms_gateway.delay = 0
    settings.SMS_GATEWAY_TIMEOUT = 5  # a loaded machine may take longer than 0.2 s to answer
    assert outbox_deliver(now=message.next_attempt_at) == 1
    assert sms_gateway.request_ids == [stable_id(message.key)] * 2


def test_the_backoff_doubles_then_the_message_stays_failed_and_the_admin_shows_it(
    gateways: None, settings: Any, sms_gateway: SmsGatewayStub
) -> None:
    settings.OUTBOX_RETRY_SECONDS = 60
    settings.OUTBOX_MAX_ATTEMPTS = 3
    t0 = timezone.now()
    (message,) = queue([someone("wang", phone="13800138000")], "remind:9", t0)
    sms_gateway.status = 500

    waits = []
    at = t0
    for _ in range(3):
        outbox_deliver(now=at)
        message.refresh_from_db()
        if message.next_attempt_at:
            waits.append(message.next_attempt_at - at)
            at = message.next_attempt_at
    assert waits == [timedelta(seconds=60), timedelta(seconds=120)]
    assert message.attempts == 3
    assert message.failed_at == at and message.next_attempt_at is None
    assert outbox_deliver(now=t0 + timedelta(days=30)) == 0
    assert len(sms_gateway.received) == 3  # given up: no fourth attempt

    admin = Client()
    admin.force_login(user_create(username="root", roles=["admin"], password="s3cret-pass"))
    url = reverse("admin:notifications_outboxmessage_changelist")
    failed = admin.get(url, {"state": "failed"}).content.decode()
    assert "13800138000" in failed and "gateway answered 500" in failed
    assert "13800138000" not in admin.get(url, {"state": "sent"}).content.decode()


# -------------------------------------------------------------------------------------- email


def test_the_email_keeps_its_message_id_on_a_retry(
    gateways: None, settings: Any, mail_server: MailServer
) -> None:
    settings.DEFAULT_FROM_EMAIL = "closeloop@hotline.example.org"
    t0 = timezone.now()
    people = [someone("wang", email="wang@example.org"), someone("li", email="li@example.org")]
    messages = queue(people, "remind:10", t0)
    mail_server.refuse = 1  # the first message is refused once, after it was read

    assert outbox_deliver(now=t0) == 1
    refused = OutboxMessage.objects.get(sent_at__isnull=True)
    assert "451" in refused.last_error
    assert outbox_deliver(now=refused.next_attempt_at) == 1

    copies = mail_server.by_recipient()
    ids = {m.address: f"<{stable_id(m.key)}@hotline.example.org>" for m in messages}
    assert sorted(len(c) for c in copies.values()) == [1, 2]
    for address, message_ids in copies.items():
        assert set(message_ids) == {ids[address]}, address  # the same on every attempt
    assert len(set(ids.values())) == 2


# ----------------------------------------------------------------------------------- claims


def test_two_workers_never_claim_the_same_message_and_a_lapsed_claim_comes_back(
    settings: Any,
) -> None:
    from closeloop.notifications.services import outbox_claim  # new with claims

    settings.OUTBOX_LEASE_SECONDS = 300
    t0 = timezone.now()
    people = [someone(f"p{i}", phone=f"1380000{i:04d}") for i in range(5)]
    queue(people, "remind:11", t0)

    first = outbox_claim("worker-a", batch=3, now=t0)
    second = outbox_claim("worker-b", batch=3, now=t0)
    assert len(first) == 3 and len(second) == 2
    assert not {m.pk for m in first} & {m.pk for m in second}
    assert outbox_claim("worker-c", batch=3, now=t0 + timedelta(seconds=299)) == []

    # worker-a died: once its lease has run out, its messages are claimed again.
    later = outbox_claim("worker-c", batch=5, now=t0 + timedelta(seconds=301))
    assert {m.pk for m in later} == {m.pk for m in first} | {m.pk for m in second}
