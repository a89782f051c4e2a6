"""Whistleblowers stay hidden: identity on reports and confidential tickets is masked for
everyone but agents, supervisors and leaders, in every output path, and each unmasked view
is recorded."""

from typing import Any

import pytest

from closeloop.tickets.models import IdentityDisclosure
from tests.conftest import COMPLAINT, Centre

REPORTER = {
    "name": "李四",
    "phone": "13912345678",
    "email": "whistle@example.com",
    "id_number": "110101199001011234",
    "organisation": "某某商贸有限公司",
    "address": "幸福路1号",
    "type": "individual",
}


@pytest.fixture
def pack_name() -> str:
    return "letters-and-visits"  # a centre that takes reports (举报)


SECRETS = ["李四", "13912345678", "whistle@example.com", "110101199001011234", "某某商贸", "幸福路"]


def dispatched_report(api: Any, centre: Centre, **extra: Any) -> str:
    agent = api(centre.agent)
    body = {**COMPLAINT, "kind": "report", "subject": "举报窗口人员收受好处", "customer": REPORTER}
    response = agent.post("tickets", {**body, **extra})
    assert response.status_code == 201, response.json()
    number = response.json()["number"]
    if response.json()["status"] == "registered":
        assert agent.act(number, "accept").status_code == 200
    assert agent.act(number, "dispatch", department="t-alpha").status_code == 200
    assert api(centre.liaison_a).act(number, "assign", handler="handler_a").status_code == 200
    return number


def assert_no_secret(payload: Any) -> None:
    text = str(payload)
    for secret in SECRETS:
        assert secret not in text, secret


@pytest.mark.parametrize("who", ["liaison_a", "handler_a", "inspector", "admin"])
def test_report_identity_is_masked_for_the_department_and_others(
    api: Any, centre: Centre, who: str
) -> None:
    number = dispatched_report(api, centre)
    client = api(getattr(centre, who))
    detail = client.get(f"tickets/{number}").json()
    assert detail["customer"]["masked"] is True
    assert detail["customer"]["name"] == "***"
    assert_no_secret(detail)
    assert_no_secret(client.get("tickets").json())
    # Search by the reporter's phone or name finds nothing.
    assert client.get("tickets", q="13912345678").json()["count"] == 0
    assert client.get("tickets", q="李四").json()["count"] == 0
    # The caller history does not reveal it either.
    history = client.get("customers", phone="13912345678").json()
    assert history["count"] == 0
    assert not IdentityDisclosure.objects.filter(user=getattr(centre, who)).exists()


@pytest.mark.parametrize("who", ["agent", "supervisor", "leader"])
def test_centre_staff_see_the_identity_and_the_view_is_recorded(
    api: Any, centre: Centre, who: str
) -> None:
    number = dispatched_report(api, centre)
    viewer = getattr(centre, who)
    IdentityDisclosure.objects.all().delete()
    detail = api(viewer).get(f"tickets/{number}").json()
    assert detail["customer"]["phone"] == "13912345678"
    assert detail["customer"]["masked"] is False
    assert api(viewer).get("tickets", q="13912345678").json()["count"] == 1
    vias = sorted(
        IdentityDisclosure.objects.filter(user=viewer, ticket__number=number).values_list(
            "via", flat=True
        )
    )
    assert vias == ["api:detail", "api:list"]


def test_confidential_complaint_is_masked_too(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    response = agent.post("tickets", {**COMPLAINT, "confidential": True, "customer": REPORTER})
    number = response.json()["number"]
    agent.act(number, "accept")
    agent.act(number, "dispatch", department="t-alpha")
    detail = api(centre.liaison_a).get(f"tickets/{number}").json()
    assert_no_secret(detail)


def test_ordinary_complaint_is_not_masked_for_the_department(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    number = agent.post("tickets", {**COMPLAINT, "customer": REPORTER}).json()["number"]
    agent.act(number, "accept")
    agent.act(number, "dispatch", department="t-alpha")
    detail = api(centre.liaison_a).get(f"tickets/{number}").json()
    assert detail["customer"]["phone"] == "13912345678"
    assert not IdentityDisclosure.objects.exists()


def test_errors_do_not_leak_the_identity(api: Any, centre: Centre) -> None:
    number = dispatched_report(api, centre)
    handler = api(centre.handler_a)
    for response in [
        handler.act(number, "merge", into="20990101-000001"),
        handler.act(number, "assign", handler="李四"),
        handler.act(number, "resolve", reply=""),
        api(centre.handler_b).get(f"tickets/{number}"),
    ]:
        assert response.status_code >= 400
        assert_no_secret(response.json())


def test_other_departments_cannot_see_the_ticket_at_all(api: Any, centre: Centre) -> None:
    number = dispatched_report(api, centre)
    for who in ("liaison_b", "handler_b"):
        client = api(getattr(centre, who))
        response = client.get(f"tickets/{number}")
        assert response.status_code == 404
        assert response.json()["error"]["code"] == "not_found"
        assert client.get("tickets").json()["count"] == 0


def test_a_person_without_roles_sees_nothing(api: Any, centre: Centre) -> None:
    from tests.conftest import person

    number = dispatched_report(api, centre)
    nobody = person("nobody")
    assert api(nobody).get(f"tickets/{number}").status_code == 404
    assert api(nobody).get("tickets").json()["count"] == 0
    assert api(nobody).post("tickets", COMPLAINT).status_code == 403
