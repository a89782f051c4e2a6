"""Messages to customers leave through the real adapters: Django's SMTP backend to a local
aiosmtpd server (read back: subject, body, UTF-8 Chinese) and the HTTP SMS gateway stub."""

from closeloop.directory.models import User
from closeloop.notifications.services import outbox_deliver
from closeloop.tickets import services
from tests.tickets.test_customer_messages import DAY, EMAIL, PHONE, consultation, hotline, outbox

from .conftest import MailServer, SmsGatewayStub

__all__ = ["hotline"]  # the fixture, shared


def test_delivered_through_real_smtp_and_the_sms_gateway(
    hotline: dict[str, User],
    gateways: None,
    mail_server: MailServer,
    sms_gateway: SmsGatewayStub,
) -> None:
    ticket = consultation(hotline)
    services.ticket_accept(hotline["agent"], ticket.number, now=DAY)
    services.ticket_reply(
        hotline["agent"], ticket.number, reply="请到办税服务厅补办发票。", method="sms", now=DAY
    )
    assert outbox_deliver(now=DAY) == 6  # receipt, acceptance and reply, each by SMS and email
    subjects = {m["subject"]: m for m in mail_server.received}
    reply = subjects[f"12366工单{ticket.number}的答复"]
    assert reply["to"] == EMAIL
    assert "请到办税服务厅补办发票。" in reply["body"] and ticket.number in reply["body"]
    texts = [r["body"]["text"] for r in sms_gateway.received]
    assert f"【12366】工单{ticket.number}答复:请到办税服务厅补办发票。" in texts
    assert all(r["body"]["to"] == PHONE for r in sms_gateway.received)
    assert all(m.sent_at == DAY for m in outbox(ticket))
