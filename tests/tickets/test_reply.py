"""The reply to the customer is an action of its own (issue 12, item 3).

12366: 座席人员收到反馈结果当日回复纳税人. The department's answer starts a `reply` clock; the
agent's reply to the taxpayer — what they were told and how — meets it, through the API and the
ticket page, instead of the clock being cancelled when the ticket closes.
"""

from typing import Any

import pytest
from django.test import Client

from closeloop.directory.models import User
from closeloop.sla.models import Deadline
from closeloop.tickets import services
from closeloop.tickets.models import Ticket, TicketEvent
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import demo_people


@pytest.fixture
def hotline(db: Any) -> dict[str, User]:
    return demo_people("tax-hotline-12366")


def answered_by_the_department(people: dict[str, User]) -> Ticket:
    """A hard question the department has answered (resolved): the agent must now reply."""
    agent = people["agent"]
    ticket = services.ticket_register(
        actor=agent,
        data=TicketInput(
            kind="consultation",
            channel="phone",
            subject="增值税专用发票丢失怎么办",
            category="invoice",
            customer=CustomerInput(name="李四", phone="13900001111"),
        ),
    )
    services.ticket_accept(agent, ticket.number)
    services.ticket_dispatch(agent, ticket.number, department="goods-tax")
    services.ticket_assign(people["liaison"], ticket.number, handler="handler")
    return services.ticket_resolve(people["handler"], ticket.number, reply="凭记账联复印件办理")


def test_the_agents_reply_meets_the_reply_clock(api: Any, hotline: dict[str, User]) -> None:
    ticket = answered_by_the_department(hotline)
    reply = Deadline.objects.get(ticket=ticket, milestone="reply")
    assert reply.running and reply.state == "on_track"

    response = api(hotline["agent"]).act(
        ticket.number, "reply", reply="已电话告知:凭记账联复印件办理", method="phone"
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["status"] == "resolved"  # a reply changes no status
    reply.refresh_from_db()
    assert (reply.state, reply.running) == ("met", False)
    event = TicketEvent.objects.get(ticket=ticket, action="reply")
    assert event.payload == {"reply": "已电话告知:凭记账联复印件办理", "method": "phone"}
    assert event.actor == hotline["agent"]

    # Closing afterwards (a satisfied visit closes) finds nothing to cancel: the reply was given
    # in time.
    closed = services.ticket_return_visit(hotline["agent"], ticket.number, satisfaction="satisfied")
    assert closed.status == "closed"
    assert not Deadline.objects.filter(ticket=ticket, state="cancelled").exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reply": "已告知", "method": "fax"}, "method"),
        ({"reply": "   ", "method": "phone"}, "reply"),
        ({"method": "phone"}, "reply"),
        ({"reply": "已告知", "method": "phone", "colour": "blue"}, "colour"),
    ],
)
def test_a_bad_reply_is_refused_and_changes_nothing(
    api: Any, hotline: dict[str, User], body: dict[str, Any], field: str
) -> None:
    ticket = answered_by_the_department(hotline)
    before = (ticket.version, TicketEvent.objects.filter(ticket=ticket).count())
    response = api(hotline["agent"]).act(ticket.number, "reply", **body)
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "validation_error" and field in error["details"]
    ticket.refresh_from_db()
    assert (ticket.version, TicketEvent.objects.filter(ticket=ticket).count()) == before
    assert Deadline.objects.get(ticket=ticket, milestone="reply").running


def test_a_reply_is_refused_before_the_case_is_accepted(api: Any, hotline: dict[str, User]) -> None:
    ticket = services.ticket_register(
        actor=hotline["agent"],
        data=TicketInput(kind="consultation", channel="phone", subject="申报期限"),
    )
    response = api(hotline["agent"]).act(ticket.number, "reply", reply="已告知", method="phone")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"


def test_the_ticket_page_offers_the_reply_and_records_it(hotline: dict[str, User]) -> None:
    ticket = answered_by_the_department(hotline)
    client = Client()
    client.force_login(hotline["agent"])
    page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert f"/tickets/{ticket.number}/act/reply/" in page
    response = client.post(
        f"/tickets/{ticket.number}/act/reply/",
        {
            "reply-version": ticket.version,
            "reply-reply": "已短信告知办理方法",
            "reply-method": "sms",
        },
    )
    assert response.status_code == 302
    assert Deadline.objects.get(ticket=ticket, milestone="reply").state == "met"
    timeline = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert "已短信告知办理方法" in timeline
