"""What the public portal relies on: submission without a staff account, progress checks
proven by phone or query code, and the customer's own rating as the return visit."""

from typing import Any

import pytest

from closeloop.common.errors import NotFound
from closeloop.tickets import selectors, services
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import Api, Centre


def submit(**overrides: Any) -> Any:
    data = TicketInput(
        kind="complaint",
        channel="phone",  # the portal always records web
        subject="网上办税系统无法登录",
        customer=CustomerInput(name="王五", phone="13300000000"),
    )
    for key, value in overrides.items():
        setattr(data, key, value)
    return services.ticket_register_public(data=data)


def test_portal_submission(centre: Centre) -> None:
    ticket = submit()
    assert (ticket.channel, ticket.status, ticket.first_contact_owner) == (
        "web",
        "registered",
        None,
    )
    assert len(ticket.public_code) == 8
    event = ticket.events.get()
    assert (event.actor, event.payload["via"]) == (None, "portal")


def test_progress_check_needs_the_phone_or_the_code(centre: Centre) -> None:
    ticket = submit()
    assert selectors.ticket_for_customer(ticket.number, phone="13300000000") == ticket
    assert selectors.ticket_for_customer(ticket.number, code=ticket.public_code.lower()) == ticket
    for wrong in [{"phone": "13300000001"}, {"code": "WRONGCODE"}, {}]:
        with pytest.raises(NotFound):
            selectors.ticket_for_customer(ticket.number, **wrong)
    anonymous = submit(customer=None, anonymous=True, kind="suggestion")
    with pytest.raises(NotFound):
        selectors.ticket_for_customer(anonymous.number, phone="")
    assert selectors.ticket_for_customer(anonymous.number, code=anonymous.public_code)


def test_customer_rating_is_the_return_visit(centre: Centre) -> None:
    ticket = submit()
    services.ticket_answer(centre.agent, ticket.number, reply="请清除浏览器缓存后重试。")
    with pytest.raises(NotFound):
        services.ticket_return_visit_by_customer(ticket.number, phone="1", satisfaction="satisfied")
    rated = services.ticket_return_visit_by_customer(
        ticket.number, code=ticket.public_code, satisfaction="satisfied", comment="谢谢"
    )
    assert rated.satisfaction == "satisfied"
    assert rated.events.last().payload["via"] == "portal"  # type: ignore[union-attr]


def test_only_the_centre_sees_the_query_code(centre: Centre) -> None:
    ticket = submit()
    services.ticket_accept(centre.agent, ticket.number)
    services.ticket_dispatch(centre.agent, ticket.number, department="t-alpha")
    assert Api(centre.agent).get(f"tickets/{ticket.number}").json()["public_code"]
    assert Api(centre.liaison_a).get(f"tickets/{ticket.number}").json()["public_code"] is None
