"""The agent records the reply on the ticket page; the customer's email arrives at a real SMTP
server (aiosmtpd on 127.0.0.1) with the case number and the reply's text (issue 14)."""

from collections.abc import Iterator
from typing import Any

import pytest

from closeloop.notifications.models import OutboxMessage
from closeloop.policy.models import MessageTemplate
from closeloop.tickets import services
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import demo_people
from tests.notifications.conftest import MailServer

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    yield server
    server.close()


def test_the_customer_gets_the_reply_by_email(
    person_at: Any, mail_server: MailServer, settings: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mail_server.port
    people = demo_people("tax-hotline-12366")
    # The test runs at any hour: the pack's quiet hours (tested on frozen clocks elsewhere)
    # would hold the messages until the morning.
    MessageTemplate.objects.update(at_night=True)
    ticket = services.ticket_register(
        actor=people["agent"],
        data=TicketInput(
            kind="consultation",
            channel="phone",
            subject="个人所得税汇算清缴怎么办理",
            category="income",
            customer=CustomerInput(name="赵六", phone="13712345678", email="zhao.liu@example.cn"),
        ),
    )
    services.ticket_accept(people["agent"], ticket.number)

    agent = person_at("agent")
    page = agent.open_ticket(ticket.number)
    agent.act(
        "reply",
        fill={"reply": "可通过个人所得税App在3月1日至6月30日办理汇算清缴。"},
        select={"method": "email"},
    )

    replies = [m for m in mail_server.received if "的答复" in m["subject"]]
    assert len(replies) == 1, mail_server.received
    mail = replies[0]
    assert mail["to"] == "zhao.liu@example.cn"
    assert mail["subject"] == f"12366工单{ticket.number}的答复"
    assert ticket.number in mail["body"]
    assert "可通过个人所得税App在3月1日至6月30日办理汇算清缴。" in mail["body"]
    assert OutboxMessage.objects.get(ticket=ticket, purpose="reply", channel="email").sent_at

    # The ticket page says so: the reply's email was sent.
    page.reload()
    row = page.locator("#customer-messages tr[data-purpose=reply][data-channel=email]")
    assert row.get_attribute("data-state") == "sent"
    assert "z***@example.cn" in row.inner_text()
