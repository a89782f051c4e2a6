"""Complainant confidentiality is not reporter protection (issue 12, item 8).

95598 keeps complaints confidential — not passed to the person complained about — yet the
handler must call the customer within 2 hours. Where the pack allows it, the handler assigned to
a confidential complaint reveals the phone, and only the phone, by an explicit action (ticket
page and API), each reveal logged with its own `via`. A report's identity is never revealed."""

from pathlib import Path
from typing import Any

import pytest

from closeloop.directory.models import Department, User
from closeloop.reports.exports import ledger_export
from closeloop.tickets import services
from closeloop.tickets.models import IdentityDisclosure, Ticket
from tests.conftest import demo_people, person

CUSTOMER = {
    "name": "赵六",
    "phone": "13600006666",
    "email": "zhaoliu@example.com",
    "id_number": "110101198001011234",
    "address": "光明路8号",
}
SECRETS = list(CUSTOMER.values())


@pytest.fixture
def people(db: Any) -> dict[str, User]:
    found = demo_people("power-95598")
    found["handler2"] = person(
        "handler2", "handler", department=Department.objects.get(code="station-city")
    )
    return found


def handled(people: dict[str, User], kind: str = "complaint", **extra: Any) -> Ticket:
    """A case of `kind` with the city station, assigned to its handler."""
    agent = people["agent"]
    t = services.ticket_register(
        actor=agent,
        data=services.TicketInput(
            kind=kind,
            channel="phone",
            subject="抄表员态度差",
            customer=services.CustomerInput(**CUSTOMER),
            **extra,
        ),
    )
    services.ticket_accept(agent, t.number)
    services.ticket_dispatch(agent, t.number, department="station-city")
    return services.ticket_assign(people["liaison"], t.number, handler="handler")


def reveal(api: Any, user: User, number: str) -> Any:
    return api(user).post(f"tickets/{number}/reveal-phone")


def assert_masked(text: str) -> None:
    for secret in SECRETS:
        assert secret not in text, secret


def test_the_handler_reveals_the_phone_and_each_reveal_is_logged(
    api: Any, people: dict[str, User]
) -> None:
    t = handled(people)
    assert t.identity_protected and t.kind == "complaint"
    handler = people["handler"]

    response = reveal(api, handler, t.number)

    assert response.status_code == 200, response.json()
    assert response.json() == {"number": t.number, "phone": CUSTOMER["phone"]}
    assert "no-store" in response["Cache-Control"]
    assert reveal(api, handler, t.number).status_code == 200
    log = IdentityDisclosure.objects.filter(ticket=t, user=handler)
    assert list(log.values_list("via", flat=True)) == ["api:reveal_phone", "api:reveal_phone"]


def test_nothing_else_is_unmasked_by_a_reveal(
    api: Any, people: dict[str, User], login: Any, tmp_path: Path
) -> None:
    t = handled(people)
    handler = people["handler"]
    assert reveal(api, handler, t.number).status_code == 200
    client = api(handler)

    detail = client.get(f"tickets/{t.number}").json()
    assert detail["customer"]["masked"] is True
    assert_masked(str(detail))
    assert_masked(str(client.get("tickets").json()))
    for words in (CUSTOMER["phone"], CUSTOMER["name"]):
        assert client.get("tickets", q=words).json()["count"] == 0
    assert client.get("customers", phone=CUSTOMER["phone"]).json()["count"] == 0
    assert_masked(login(handler).get(f"/tickets/{t.number}/").content.decode())
    assert_masked(login(handler).get("/tickets/?view=mine").content.decode())
    ledger = login(handler).get(f"/ledger/?q={CUSTOMER['phone']}").content.decode()
    # The search by phone finds nothing (the top bar's bell may name the case: it was assigned).
    assert t.number not in ledger.split('<main id="main">')[1]
    out = tmp_path / "ledger.csv"
    assert ledger_export(handler, {}, "csv", out) == 1
    assert_masked(out.read_text(encoding="utf-8"))
    # Only the reveal itself was logged: the masked views are not disclosures.
    assert list(IdentityDisclosure.objects.filter(user=handler).values_list("via", flat=True)) == [
        "api:reveal_phone"
    ]


def test_the_ticket_page_offers_the_reveal_to_the_handler(
    people: dict[str, User], login: Any
) -> None:
    t = handled(people)
    handler = login(people["handler"])
    page = handler.get(f"/tickets/{t.number}/").content.decode()
    assert 'data-testid="reveal-phone"' in page
    assert_masked(page)

    response = handler.post(f"/tickets/{t.number}/reveal-phone/", HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    shown = response.content.decode()
    assert 'data-testid="revealed-phone"' in shown and CUSTOMER["phone"] in shown
    # The phone only: the rest of the customer stays masked on the same page.
    assert_masked(shown.replace(CUSTOMER["phone"], ""))
    assert IdentityDisclosure.objects.get(ticket=t).via == "web:reveal_phone"
    # Not offered to the liaison, who is not the handler, and refused if tried.
    liaison = login(people["liaison"])
    assert 'data-testid="reveal-phone"' not in liaison.get(f"/tickets/{t.number}/").content.decode()
    refused = liaison.post(f"/tickets/{t.number}/reveal-phone/")
    assert refused.status_code == 403
    assert_masked(refused.content.decode())


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("liaison", 403),  # the department's liaison, not assigned
        ("handler2", 403),  # a handler of the department, not assigned
        ("handler-maint", 404),  # another department: cannot see the case at all
        ("agent", 403),  # the centre sees the identity already; the reveal is the handler's
        ("inspector", 403),
    ],
)
def test_only_the_handler_assigned_may_reveal(
    api: Any, people: dict[str, User], who: str, status: int
) -> None:
    t = handled(people)
    response = reveal(api, people[who], t.number)
    assert response.status_code == status
    assert_masked(str(response.json()))
    assert not IdentityDisclosure.objects.filter(via="api:reveal_phone").exists()


def test_a_report_is_never_revealed(api: Any, people: dict[str, User], login: Any) -> None:
    t = handled(people, kind="report")
    handler = people["handler"]
    response = reveal(api, handler, t.number)
    assert response.status_code == 403
    assert response.json()["error"]["code"] == "permission_denied"
    assert (
        'data-testid="reveal-phone"'
        not in login(handler).get(f"/tickets/{t.number}/").content.decode()
    )
    assert login(handler).post(f"/tickets/{t.number}/reveal-phone/").status_code == 403
    assert not IdentityDisclosure.objects.exists()


def test_not_while_the_case_is_not_being_handled(api: Any, people: dict[str, User]) -> None:
    t = handled(people)
    services.ticket_resolve(people["handler"], t.number, reply="已处理", validity="valid")
    response = reveal(api, people["handler"], t.number)
    assert response.status_code == 409
    assert not IdentityDisclosure.objects.exists()


def test_not_to_the_person_complained_about(api: Any, people: dict[str, User]) -> None:
    handler = people["handler"]
    t = handled(people, respondent_staff=handler.username)
    assert reveal(api, handler, t.number).status_code == 403
    assert not IdentityDisclosure.objects.exists()


def test_nothing_to_reveal_on_an_ordinary_case(api: Any, people: dict[str, User]) -> None:
    t = handled(people, kind="consultation")
    assert not t.identity_protected
    assert reveal(api, people["handler"], t.number).status_code == 409


def test_not_where_the_pack_does_not_allow_it(api: Any, centre: Any, login: Any) -> None:
    """tax-service-outsourcing says nothing about revealing: a complaint the agent marked
    confidential stays masked for its handler."""
    t = services.ticket_register(
        actor=centre.agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject="窗口人员态度差",
            confidential=True,
            customer=services.CustomerInput(**CUSTOMER),
        ),
    )
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username)
    response = reveal(api, centre.handler_a, t.number)
    assert response.status_code == 403
    assert_masked(str(response.json()))
    page = login(centre.handler_a).get(f"/tickets/{t.number}/").content.decode()
    assert 'data-testid="reveal-phone"' not in page
    assert not IdentityDisclosure.objects.exists()


def test_the_reveal_takes_no_body(api: Any, people: dict[str, User]) -> None:
    t = handled(people)
    response = api(people["handler"]).post(f"tickets/{t.number}/reveal-phone", {"all": True})
    assert response.status_code == 400
    assert response.json()["error"]["details"] == {"all": ["unknown field"]}
    assert not IdentityDisclosure.objects.exists()
