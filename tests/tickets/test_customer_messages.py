"""What customers are told (issue 14, "Customers"): the pack's texts, queued in the outbox by
the action that tells them (receipt, acceptance, refusal, reply), held through the quiet
hours, never to anonymous or protected cases, a survey stopped by the opt-out, delivered
through the real SMTP and SMS adapters, and shown on the ticket page."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.conf import settings
from django.test import Client
from django.utils import timezone, translation

from closeloop.directory.models import User
from closeloop.notifications.models import OutboxMessage
from closeloop.notifications.services import outbox_deliver
from closeloop.policy.models import MessageTemplate
from closeloop.tickets import messages, selectors, services
from closeloop.tickets.models import Customer, Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import demo_people

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAY = datetime(2026, 3, 4, 10, 0, tzinfo=SHANGHAI)  # a Wednesday morning
NIGHT = datetime(2026, 3, 4, 22, 30, tzinfo=SHANGHAI)
PHONE, EMAIL = "13912345678", "li.si@example.cn"


@pytest.fixture
def hotline(db: Any) -> dict[str, User]:
    return demo_people("tax-hotline-12366")


def consultation(
    people: dict[str, User],
    *,
    now: datetime = DAY,
    phone: str = PHONE,
    email: str = EMAIL,
    **changes: Any,
) -> Ticket:
    data = TicketInput(
        kind="consultation",
        channel="phone",
        subject="增值税专用发票丢失怎么办",
        category="invoice",
        customer=CustomerInput(name="李四", phone=phone, email=email),
    )
    for name, value in changes.items():
        setattr(data, name, value)
    return services.ticket_register(actor=people["agent"], data=data, now=now)


def outbox(ticket: Ticket, purpose: str = "") -> list[OutboxMessage]:
    rows = OutboxMessage.objects.filter(ticket=ticket).order_by("id")
    return list(rows.filter(purpose=purpose) if purpose else rows)


def test_the_receipt_gives_the_number_query_code_and_reply_time(
    hotline: dict[str, User],
) -> None:
    ticket = consultation(hotline)
    sms, mail = (
        outbox(ticket, "receipt")[0],
        outbox(ticket, "receipt")[1],
    )
    by_channel = {m.channel: m for m in (sms, mail)}
    assert set(by_channel) == {"email", "sms"}
    text = by_channel["sms"].body
    assert by_channel["sms"].address == PHONE and by_channel["email"].address == EMAIL
    assert ticket.number in text and ticket.public_code in text
    due = selectors.ticket_reply_due(ticket)
    with translation.override(settings.LANGUAGE_CODE):  # the centre's language
        fallback = translation.gettext("the time limit")
    promised = timezone.localtime(due).strftime("%Y-%m-%d %H:%M") if due else fallback
    assert promised in text
    assert by_channel["sms"].next_attempt_at is None  # daytime: leaves at once
    assert by_channel["email"].subject == f"12366工单{ticket.number}已登记"
    assert "查询码" in by_channel["email"].body
    assert "/portal/messages/opt-out/" in by_channel["email"].body  # every email has the link
    assert "李四" not in text  # never the customer's identity


def test_accepting_refusing_and_replying_each_tell_the_customer(hotline: dict[str, User]) -> None:
    agent = hotline["agent"]
    ticket = consultation(hotline)
    services.ticket_accept(agent, ticket.number, now=DAY)
    [accepted] = [m for m in outbox(ticket, "accepted") if m.channel == "sms"]
    assert accepted.body.startswith(f"【12366】工单{ticket.number}已受理")

    services.ticket_reply(
        agent, ticket.number, reply="凭记账联复印件办理。", method="phone", now=DAY
    )
    [reply] = [m for m in outbox(ticket, "reply") if m.channel == "sms"]
    assert reply.body == f"【12366】工单{ticket.number}答复:凭记账联复印件办理。"

    other = consultation(hotline)
    services.ticket_decline(agent, other.number, reason="不属于税务机关职责范围", now=DAY)
    [refused] = [m for m in outbox(other, "refused") if m.channel == "sms"]
    assert f"工单{other.number}不予受理" in refused.body
    assert "不属于税务机关职责范围" in refused.body
    # Nothing for the steps in between: a dispatch tells only staff.
    assert {m.purpose for m in outbox(ticket)} == {"receipt", "accepted", "reply"}


def test_a_refusal_carries_the_packs_referral_text(db: Any) -> None:
    people = demo_people("letters-and-visits")
    ticket = services.ticket_register(
        actor=people["agent"],
        data=TicketInput(
            kind="complaint",
            channel="letter",
            subject="村干部违纪",
            category="discipline",
            customer=CustomerInput(name="王五", phone="13700001111"),
        ),
        now=DAY,
    )
    assert ticket.referral.startswith("您反映的问题涉及违纪违法")  # the referral's text
    services.ticket_decline(people["agent"], ticket.number, reason="应由纪委处理", now=DAY)
    [refused] = outbox(ticket, "refused")
    assert "您反映的问题涉及违纪违法,经监管中心主任签批后报纪委办理。" in refused.body


def test_a_long_reply_is_shortened_in_the_sms_only(hotline: dict[str, User]) -> None:
    ticket = consultation(hotline)
    long = "请携带发票记账联复印件及加盖公章的证明到主管税务机关办理。" * 20
    services.ticket_answer(hotline["agent"], ticket.number, reply=long, now=DAY)
    by_channel = {m.channel: m for m in outbox(ticket, "reply")}
    assert len(by_channel["sms"].body) <= messages.SMS_LIMIT
    assert by_channel["sms"].body.endswith("…")
    assert ticket.number in by_channel["sms"].body
    assert long in by_channel["email"].body


def test_only_the_channels_the_customer_gave(hotline: dict[str, User]) -> None:
    by_phone = consultation(hotline, email="")
    assert [m.channel for m in outbox(by_phone)] == ["sms"]
    by_mail = consultation(hotline, phone="")
    assert [m.channel for m in outbox(by_mail)] == ["email"]


def test_anonymous_and_protected_cases_get_nothing(hotline: dict[str, User]) -> None:
    agent = hotline["agent"]
    anonymous = consultation(hotline, anonymous=True, customer=None)
    confidential = consultation(hotline, confidential=True)
    report = services.ticket_register(
        actor=agent,
        data=TicketInput(
            kind="report",
            channel="phone",
            subject="某公司虚开发票",
            category="false-invoice",
            customer=CustomerInput(name="举报人", phone="13600002222", email="r@example.cn"),
        ),
        now=DAY,
    )
    for ticket in (anonymous, confidential):
        services.ticket_accept(agent, ticket.number, now=DAY)
        services.ticket_reply(agent, ticket.number, reply="已答复", method="phone", now=DAY)
    assert OutboxMessage.objects.filter(ticket__in=[anonymous, confidential, report]).count() == 0
    assert not OutboxMessage.objects.filter(address__in=["13600002222", "r@example.cn"]).exists()


def test_quiet_hours_hold_a_message_until_the_morning(
    hotline: dict[str, User], settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ticket = consultation(hotline, now=NIGHT, email="")
    [sms] = outbox(ticket, "receipt")
    assert sms.next_attempt_at == datetime(2026, 3, 5, 8, 0, tzinfo=SHANGHAI)

    assert outbox_deliver(now=datetime(2026, 3, 5, 7, 59, tzinfo=SHANGHAI)) == 0
    sms.refresh_from_db()
    assert sms.sent_at is None
    assert outbox_deliver(now=datetime(2026, 3, 5, 8, 0, tzinfo=SHANGHAI)) == 1
    sms.refresh_from_db()
    assert sms.sent_at == datetime(2026, 3, 5, 8, 0, tzinfo=SHANGHAI)


def test_a_text_that_may_leave_at_night_is_not_held(hotline: dict[str, User]) -> None:
    MessageTemplate.objects.filter(purpose="receipt").update(at_night=True)
    ticket = consultation(hotline, now=NIGHT)
    assert all(m.next_attempt_at is None for m in outbox(ticket, "receipt"))


def test_the_opt_out_stops_the_survey_only(hotline: dict[str, User]) -> None:
    ticket = consultation(hotline)
    customer = ticket.customer
    assert customer is not None
    with time_machine.travel(DAY, tick=False):
        token = messages.opt_out_token(customer)
    client = Client()
    url = f"/portal/messages/opt-out/{token}/"
    with time_machine.travel(DAY, tick=False):
        page = client.get(url)
        assert page.status_code == 200 and not Customer.objects.get(pk=customer.pk).messages_opt_out
        assert client.post(url).status_code == 200
    customer.refresh_from_db()
    assert customer.messages_opt_out

    ticket.refresh_from_db()
    assert messages.customer_message_queue(ticket, "survey", now=DAY) == 0
    services.ticket_accept(hotline["agent"], ticket.number, now=DAY)
    assert outbox(ticket, "accepted")  # essential: still told

    other = consultation(hotline, phone="13811112222", email="")
    assert (
        messages.customer_message_queue(other, "survey", now=DAY, extra={"survey_link": "L"}) == 1
    )
    assert outbox(other, "survey")[0].body.endswith("L")


@pytest.mark.parametrize("how", ["altered", "expired", "garbage"])
def test_a_bad_opt_out_link_changes_nothing(hotline: dict[str, User], how: str) -> None:
    ticket = consultation(hotline)
    customer = ticket.customer
    assert customer is not None
    with time_machine.travel(DAY, tick=False):
        token = messages.opt_out_token(customer)
    token = {"altered": token[:-2] + "xx", "expired": token, "garbage": "nothing"}[how]
    later = datetime(2027, 3, 5, 10, 0, tzinfo=SHANGHAI) if how == "expired" else DAY
    with time_machine.travel(later, tick=False):
        response = Client().post(f"/portal/messages/opt-out/{token}/")
    assert response.status_code == 400
    assert "nothing was changed" in response.content.decode() or "未作任何更改" in (
        response.content.decode()
    )
    customer.refresh_from_db()
    assert not customer.messages_opt_out


def test_the_ticket_page_shows_the_messages(hotline: dict[str, User], settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    ticket = consultation(hotline, now=DAY)
    services.ticket_accept(hotline["agent"], ticket.number, now=NIGHT)  # held until 08:00
    outbox_deliver(now=NIGHT)  # the receipt leaves; the acceptance waits for the morning
    client = Client()
    client.force_login(hotline["agent"])
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    section = page[page.index('id="customer-messages"') :]
    section = section[: section.index("</section>")]
    assert "139****5678" in section and "l***@example.cn" in section
    assert PHONE not in section and EMAIL not in section
    assert 'data-purpose="accepted" data-channel="sms" data-state="held"' in section
    assert 'data-purpose="receipt" data-channel="sms" data-state="sent"' in section
    assert "08:00" in section and "2026-03-04 22:30" in section
    # Newest first: the acceptance above the receipt.
    assert section.index('data-purpose="accepted"') < section.index('data-purpose="receipt"')


def test_the_ticket_page_shows_a_failed_message(hotline: dict[str, User], settings: Any) -> None:
    ticket = consultation(hotline, now=DAY, email="")
    OutboxMessage.objects.filter(ticket=ticket).update(
        failed_at=DAY, attempts=5, last_error="gateway answered 503"
    )
    client = Client()
    client.force_login(hotline["agent"])
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'data-state="failed"' in page and "gateway answered 503" in page


def test_staff_set_the_opt_out_in_the_admin(hotline: dict[str, User]) -> None:
    ticket = consultation(hotline)
    customer = ticket.customer
    assert customer is not None
    admin = hotline["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    url = f"/admin/tickets/customer/{customer.pk}/change/"
    assert client.get(url).status_code == 200
    response = client.post(url, {"messages_opt_out": "on", "name": "改名", "phone": "1"})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert customer.messages_opt_out
    assert (customer.name, customer.phone) == ("李四", PHONE)  # nothing else changes here


def test_the_ticket_api_lists_the_messages(hotline: dict[str, User], api: Any) -> None:
    ticket = consultation(hotline, now=NIGHT, email="")
    body = api(hotline["agent"]).get(f"tickets/{ticket.number}").json()
    assert body["customer_messages"] == [
        {
            "purpose": "receipt",
            "channel": "sms",
            "address": "139****5678",
            "created_at": "2026-03-04T22:30:00+08:00",
            "state": "held",
            "held_until": "2026-03-05T08:00:00+08:00",
            "sent_at": None,
            "error": "",
        }
    ]


def test_the_outbox_admin_shows_the_ticket_and_purpose(hotline: dict[str, User]) -> None:
    ticket = consultation(hotline, email="")
    admin = hotline["admin"]
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client = Client()
    client.force_login(admin)
    listing = client.get("/admin/notifications/outboxmessage/?purpose=receipt")
    assert listing.status_code == 200 and "receipt" in listing.content.decode()
    [row] = outbox(ticket)
    page = client.get(f"/admin/notifications/outboxmessage/{row.pk}/change/").content.decode()
    assert ticket.number in page
