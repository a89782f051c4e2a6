"""Bad input gets a clear error naming the field, and nothing is stored."""

from typing import Any

import pytest

from closeloop.tickets.models import Customer, Ticket
from tests.conftest import COMPLAINT, Centre


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"channel": "pigeon"}, "channel"),
        ({"category": "no-such-category"}, "category"),
        ({"respondent": {"department": "nowhere"}}, "respondent"),
        ({"urgency": "apocalyptic"}, "urgency"),
        ({"customer": {"phone": "call me maybe"}}, "customer"),
        ({"customer": {"email": "not-an-email"}}, "customer"),
        ({"customer": {"type": "alien"}}, "customer"),
        ({"customer": {"nickname": "x"}}, "customer"),
        ({"economic_loss": "-5"}, "economic_loss"),
        ({"economic_loss": "1e15"}, "economic_loss"),
        ({"people_count": 0}, "people_count"),
        ({"subject": ""}, "subject"),
        ({"subject": "字" * 201}, "subject"),
        ({"description": "x" * 20_001}, "description"),
        ({"received_at": "2999-01-01T00:00:00+08:00"}, "received_at"),
        ({"received_at": "yesterday"}, "received_at"),
        # Dates outside 1990-2199 (common.dates): the year 1 gave a number the API could not
        # address, and before 1901 Asia/Shanghai's offset is +08:05:43, not an ISO offset.
        ({"received_at": "0001-01-02T00:00:00Z"}, "received_at"),
        ({"received_at": "1800-01-01T00:00:00Z"}, "received_at"),
        ({"received_at": "1989-12-31T12:00:00+08:00"}, "received_at"),
        ({"occurred_at": "1900-06-01T00:00:00Z"}, "occurred_at"),
        ({"location": {"lat": 91}}, "location"),
        ({"enclosures": [{"item": "身份证"}]}, "enclosures"),  # a phone call has no enclosures
        ({"anonymous": True}, "customer"),  # anonymous yet with customer details
        ({"colour": "red"}, "colour"),
        ({"subject": "a\x00b"}, "subject"),
    ],
)
def test_bad_ticket_is_refused_and_nothing_stored(
    api: Any, centre: Centre, change: dict, field: str
) -> None:
    response = api(centre.agent).post("tickets", {**COMPLAINT, **change})
    assert response.status_code == 400, response.json()
    error = response.json()["error"]
    assert error["code"] == "validation_error"
    assert field in error["details"], error
    assert Ticket.objects.count() == 0
    assert Customer.objects.count() == 0
    # Refused input does not use up a ticket number: the day's first ticket is still 000001.
    assert api(centre.agent).post("tickets", COMPLAINT).json()["number"].endswith("-000001")


def test_missing_required_fields_are_named(api: Any, centre: Centre) -> None:
    response = api(centre.agent).post("tickets", {})
    assert response.status_code == 400
    assert set(response.json()["error"]["details"]) == {"kind", "channel", "subject"}


def test_body_that_is_not_an_object(api: Any, centre: Centre) -> None:
    response = api(centre.agent).client.post(
        "/api/v1/tickets", "[1, 2]", content_type="application/json"
    )
    assert response.status_code == 400
    broken = api(centre.agent).client.post(
        "/api/v1/tickets", "{not json", content_type="application/json"
    )
    assert broken.status_code == 400
    assert broken.json()["error"]["code"] == "parse_error"


def test_html_is_stored_as_text(api: Any, centre: Centre) -> None:
    body = {**COMPLAINT, "subject": "<script>alert(1)</script>"}
    response = api(centre.agent).post("tickets", body)
    assert response.status_code == 201
    assert response.json()["subject"] == "<script>alert(1)</script>"


def test_a_letter_lists_its_enclosures(api: Any, centre: Centre) -> None:
    body = {
        **COMPLAINT,
        "channel": "letter",
        "received_at": "2026-11-20T09:00:00+08:00",
        "enclosures": [
            {"item": "身份证复印件", "quantity": 1, "disposition": "keep"},
            {"item": "现金", "quantity": 200, "disposition": "return", "note": "人民币"},
        ],
    }
    response = api(centre.agent).post("tickets", body)
    assert response.status_code == 201, response.json()
    ticket = response.json()
    assert ticket["number"].startswith("20261120-")
    assert ticket["received_at"].startswith("2026-11-20T09:00:00")
    assert [e["item"] for e in ticket["enclosures"]] == ["身份证复印件", "现金"]


def test_unauthenticated_requests_are_refused(centre: Centre) -> None:
    from rest_framework.test import APIClient

    response = APIClient().get("/api/v1/tickets")
    assert response.status_code == 401
    assert response.json()["error"]["code"] == "not_authenticated"
    bad = APIClient(HTTP_AUTHORIZATION="Token nope").get("/api/v1/tickets")
    assert bad.status_code == 401


def test_action_bodies_are_validated(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    number = agent.post("tickets", COMPLAINT).json()["number"]
    assert agent.act(number, "accept", colour="red").status_code == 400
    assert agent.act(number, "decline").status_code == 400
    assert agent.act(number, "accept", version="abc").status_code == 400
    agent.act(number, "accept")
    response = agent.act(number, "dispatch", department="nowhere")
    assert response.status_code == 400
    assert "nowhere" in response.json()["error"]["message"]
    assert agent.get("tickets/20990101-999999").status_code == 404


def test_list_filters_are_validated(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    assert agent.get("tickets", status="sleeping").status_code == 400
    assert agent.get("tickets", received_from="soon").status_code == 400
    # Parsable, but no database can store them: refused, not a server error.
    assert agent.get("tickets", received_to="1106-09-19T04:49:54+21:05").status_code == 400
    assert agent.get("tickets", received_from="2026-01-01T00:00:00+08:00").status_code == 200
    assert agent.get("tickets", crisis="maybe").status_code == 400


def test_action_dates_are_bounded(api: Any, centre: Centre) -> None:
    agent, handler = api(centre.agent), api(centre.handler_a)
    number = agent.post("tickets", COMPLAINT).json()["number"]
    agent.act(number, "accept")
    agent.act(number, "dispatch", department="t-alpha")
    api(centre.liaison_a).act(number, "assign", handler="handler_a")
    for who, action, body, field in [
        (api(centre.supervisor), "supervise", {"note": "督办", "due_at": "2200-01-01T00:00:00Z"}, "due_at"),
        (handler, "extend", {"until": "9999-12-31T00:00:00Z", "reason": "需要时间"}, "until"),
    ]:  # fmt: skip
        response = who.act(number, action, **body)
        assert response.status_code == 400, response.json()
        details = response.json()["error"]["details"]
        assert "must be between 1990-01-01 and 2199-12-31" in details[field][0], details
    assert [e["action"] for e in agent.get(f"tickets/{number}").json()["events"]][-1] == "assign"


def test_a_ticket_at_the_earliest_date_is_addressable(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    body = {**COMPLAINT, "received_at": "1990-01-01T00:00:00+08:00"}
    number = agent.post("tickets", body).json()["number"]
    assert number == "19900101-000001"
    ticket = agent.get(f"tickets/{number}").json()
    assert ticket["received_at"] == "1990-01-01T00:00:00+08:00"


@pytest.mark.parametrize(
    "start", ["1145-11-12T18:48:03Z", "1900-12-31T16:00:00Z", "2300-01-01T00:00:00Z"]
)
def test_the_deadline_calculator_takes_only_accepted_dates(
    api: Any, centre: Centre, start: str
) -> None:
    response = api(centre.agent).get(
        "calendar/deadline", start=start, amount=3, unit="days", calendar="24x7"
    )
    assert response.status_code == 400
    assert "start" in response.json()["error"]["details"]
