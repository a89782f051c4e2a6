"""Intake: register while on the phone, the caller's history, the rules' preview."""

from typing import Any

import pytest

from closeloop.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def form(**overrides: Any) -> dict[str, Any]:
    data = {
        "phone": "13800138000",
        "name": "张三",
        "customer_type": "individual",
        "kind": "complaint",
        "channel": "phone",
        "subject": "窗口人员态度差",
        "description": "态度生硬",
        "people_count": "1",
        "intake_key": "k-1",
        "enc-TOTAL_FORMS": "3",
        "enc-INITIAL_FORMS": "0",
        "enc-MIN_NUM_FORMS": "0",
        "enc-MAX_NUM_FORMS": "50",
        **{f"enc-{i}-quantity": "1" for i in range(3)},
        **{f"enc-{i}-disposition": "keep" for i in range(3)},
    }
    data.update(overrides)
    return data


def test_register_and_start_the_next_call(centre: Any, login: Any) -> None:
    agent = login(centre.agent)
    response = agent.post("/intake/", form(), follow=True)
    assert response.redirect_chain[-1][0] == "/intake/"
    ticket = Ticket.objects.get()
    assert ticket.number in response.content.decode()  # "Saved as <number>"
    assert ticket.customer is not None
    assert ticket.customer.phone == "13800138000" and ticket.first_contact_owner == centre.agent
    # The same form sent twice (a double click) registers one ticket.
    agent.post("/intake/", form())
    assert Ticket.objects.count() == 1


def test_register_and_open(centre: Any, login: Any) -> None:
    response = login(centre.agent).post("/intake/", form(open="1"))
    ticket = Ticket.objects.get()
    assert response["Location"] == f"/tickets/{ticket.number}/"


def test_answer_on_the_spot(centre: Any, login: Any) -> None:
    login(centre.agent).post("/intake/", form(kind="consultation", answer="可以在网上办理。"))
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.reply) == ("resolved", "可以在网上办理。")


def test_letter_with_enclosures(centre: Any, login: Any) -> None:
    login(centre.agent).post(
        "/intake/",
        form(
            channel="letter",
            **{"enc-0-item": "身份证复印件", "enc-0-quantity": "2", "enc-0-disposition": "return"},
        ),
    )
    enclosure = Ticket.objects.get().enclosures.get()
    assert (enclosure.item, enclosure.quantity, enclosure.disposition) == (
        "身份证复印件",
        2,
        "return",
    )


def test_service_errors_land_on_the_field(centre: Any, login: Any) -> None:
    response = login(centre.agent).post("/intake/", form(channel="phone", **{"enc-0-item": "光盘"}))
    assert response.status_code == 400
    assert "errorlist" in response.content.decode()
    assert not Ticket.objects.exists()


def test_history_warns_of_a_repeat_by_what_the_caller_says(
    centre: Any, login: Any, register: Any
) -> None:
    earlier = register(subject="办税窗口人员态度生硬", description="办理发票时窗口人员态度生硬")
    agent = login(centre.agent)
    same = agent.get(
        "/intake/history/",
        {"phone": "13800138000", "subject": "窗口人员态度又很生硬", "description": "办发票时"},
    ).content.decode()
    assert earlier.number in same and 'data-testid="repeat-warning"' in same
    other = agent.get(
        "/intake/history/", {"phone": "13800138000", "subject": "电子税务局无法登录"}
    ).content.decode()
    assert 'data-testid="repeat-warning"' not in other


def test_missing_subject(centre: Any, login: Any) -> None:
    response = login(centre.agent).post("/intake/", form(subject=""))
    assert response.status_code == 400


def test_history_warns_of_a_repeat(centre: Any, login: Any, register: Any) -> None:
    earlier = register()
    agent = login(centre.agent)
    page = agent.get("/intake/history/", {"phone": "13800138000", "kind": "complaint"})
    body = page.content.decode()
    assert earlier.number in body and 'data-testid="repeat-warning"' in body
    page = agent.get("/intake/history/", {"phone": "13800138000", "kind": "suggestion"})
    assert 'data-testid="repeat-warning"' not in page.content.decode()
    assert (
        "No earlier cases"
        in agent.get("/intake/history/", {"phone": "13999999999"}).content.decode()
    )


def test_preview_shows_classification_and_why(centre: Any, login: Any) -> None:
    body = (
        login(centre.agent)
        .post(
            "/intake/preview/",
            {
                "kind": "complaint",
                "channel": "phone",
                "subject": "要找记者曝光",
                "economic_loss": "6000",
                "customer_type": "individual",
            },
        )
        .content.decode()
    )
    assert "tag crisis" in body and "crisis-exposure" in body
    assert "three star" in body or "三星" in body
