"""The public portal: submission, challenge, rate limit, progress proof, rating."""

import re
from typing import Any

import pytest
from django.core import signing
from django.test import Client

from closeloop.channels.portal.guard import challenge_new, challenge_passed
from closeloop.tickets import services
from closeloop.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def solved(client: Client, url: str) -> dict[str, str]:
    """The challenge on the page at `url`, answered."""
    page = client.get(url).content.decode()
    question = re.search(r'data-testid="challenge">([^<]*)<', page)
    assert question is not None
    a, b = map(int, re.findall(r"\d+", question.group(1)))
    token = re.search(r'name="token" value="([^"]+)"', page)
    assert token is not None
    return {"answer": str(a + b), "token": token.group(1)}


def submission(**overrides: str) -> dict[str, str]:
    return {
        "kind": "complaint",
        "subject": "排队时间过长",
        "description": "等了两个小时",
        "name": "王五",
        "phone": "13700007777",
        **overrides,
    }


def test_submit_gives_number_and_code(pack: Any, client: Client) -> None:
    response = client.post("/portal/submit/", {**submission(), **solved(client, "/portal/submit/")})
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    page = client.get(response["Location"]).content.decode()
    assert ticket.number in page and ticket.public_code in page
    assert (ticket.channel, ticket.first_contact_owner) == ("web", None)


def test_wrong_answer_is_refused_with_a_new_question(pack: Any, client: Client) -> None:
    challenge = solved(client, "/portal/submit/")
    response = client.post("/portal/submit/", {**submission(), **challenge, "answer": "99"})
    assert response.status_code == 400 and not Ticket.objects.exists()
    assert challenge["token"] not in response.content.decode()


def test_honeypot_catches_bots(pack: Any, client: Client) -> None:
    response = client.post(
        "/portal/submit/",
        {**submission(), **solved(client, "/portal/submit/"), "website": "http://spam"},
    )
    assert response.status_code == 400 and not Ticket.objects.exists()


def test_challenge_is_single_use_and_signed(pack: Any) -> None:
    challenge = challenge_new()
    a, b = map(int, re.findall(r"\d+", challenge.question))
    assert not challenge_passed(challenge.token + "x", str(a + b))
    assert not challenge_passed(challenge.token, str(a + b + 1))
    assert challenge_passed(challenge.token, str(a + b))
    assert not challenge_passed(challenge.token, str(a + b))  # spent
    # The page carries a nonce and an HMAC, never the answer itself.
    assert set(signing.loads(challenge.token, salt="closeloop.portal.challenge")) == {"n", "h"}


def test_phone_required_unless_anonymous_report(pack: Any, client: Client) -> None:
    response = client.post(
        "/portal/submit/", {**submission(phone=""), **solved(client, "/portal/submit/")}
    )
    assert response.status_code == 400


def test_rate_limit_answers_429(pack: Any, client: Client, settings: Any) -> None:
    settings.PORTAL_RATE_LIMITS = {"check": (2, 600)}
    for _ in range(2):
        assert client.post("/portal/check/", {"number": "x"}).status_code == 400
    response = client.post("/portal/check/", {"number": "x"})
    assert response.status_code == 429 and int(response["Retry-After"]) > 0
    assert client.get("/portal/check/").status_code == 200  # reading the form is free
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post("/portal/check/", {"number": "x"}).status_code == 400


def test_progress_shows_public_fields_only(centre: Any, client: Client) -> None:
    t = services.ticket_register_public(
        data=services.TicketInput(
            kind="complaint",
            channel="web",
            subject="排队时间过长",
            customer=services.CustomerInput(name="王五", phone="13700007777"),
        )
    )
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username)
    services.ticket_note(centre.handler_a, t.number, text="内部备注")

    wrong = client.post(
        "/portal/check/",
        {"number": t.number, "phone": "13700000000", **solved(client, "/portal/check/")},
    )
    assert wrong.status_code == 400 and "found no case" in wrong.content.decode()
    response = client.post(
        "/portal/check/",
        {"number": t.number, "phone": "13700007777", **solved(client, "/portal/check/")},
    )
    assert response["Location"] == "/portal/status/"
    page = client.get("/portal/status/").content.decode()
    assert "being handled" in page or "办理中" in page
    for secret in ("内部备注", "handler_a", "甲部门", "王五"):
        assert secret not in page
    assert "Rate the outcome" not in page

    services.ticket_resolve(centre.handler_a, t.number, reply="已增派人员", validity="valid")
    page = client.get("/portal/status/").content.decode()
    assert "已增派人员" in page
    assert client.post("/portal/rate/", {"satisfaction": "dissatisfied"}).status_code == 302
    t.refresh_from_db()
    assert t.status == "in_progress" and t.reopen_count == 1
    # The dissatisfied rating is in the history; the next resolution needs a new visit.
    visit = t.events.filter(action="visit").latest("id")
    assert (visit.payload["satisfaction"], visit.payload["via"]) == ("dissatisfied", "portal")
    assert t.satisfaction == ""


def test_anonymous_report_checked_by_code(client: Client, db: Any) -> None:
    from closeloop.policy.services import pack_load

    pack_load("tax-hotline-12366")
    response = client.post(
        "/portal/submit/",
        {
            **submission(kind="report", name="", phone="", anonymous="on"),
            **solved(client, "/portal/submit/"),
        },
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    ticket = Ticket.objects.get()
    assert ticket.anonymous and ticket.customer is None
    fresh = Client()
    response = fresh.post(
        "/portal/check/",
        {
            "number": ticket.number,
            "code": ticket.public_code.lower(),
            **solved(fresh, "/portal/check/"),
        },
    )
    assert response.status_code == 302


def test_only_reports_may_be_anonymous(client: Client, db: Any) -> None:
    from closeloop.policy.services import pack_load

    pack_load("tax-hotline-12366")
    response = client.post(
        "/portal/submit/", {**submission(anonymous="on"), **solved(client, "/portal/submit/")}
    )
    assert response.status_code == 400 and not Ticket.objects.exists()


def test_portal_attachment(pack: Any, client: Client) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    upload = SimpleUploadedFile("p.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, content_type="image/png")
    response = client.post(
        "/portal/submit/",
        {**submission(), **solved(client, "/portal/submit/"), "attachments": [upload]},
    )
    assert response.status_code == 302
    assert Ticket.objects.get().attachments.count() == 1
