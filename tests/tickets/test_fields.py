"""The pack's own fields on a ticket: checked at registration, stored, shown through the API
(masked with the customer's identity where they identify the person), in the OpenAPI schema,
and found by the caller history."""

from typing import Any

import pytest

from closeloop.tickets import services
from closeloop.tickets.models import IdentityDisclosure, Ticket, TicketNumberCounter
from closeloop.tickets.services import CustomerInput, TicketInput

pytestmark = pytest.mark.django_db

ACCOUNT = "0101234567"


@pytest.fixture
def pack_name() -> str:
    # 95598: complaints and reports are confidential; 户号 identifies the household.
    return "power-95598"


def body(**overrides: Any) -> dict[str, Any]:
    return {
        "kind": "complaint",
        "channel": "phone",
        "subject": "频繁停电",
        "description": "本月已停电三次。",
        "customer": {"name": "李雷", "phone": "13911112222"},
        "fields": {"account_no": ACCOUNT},
        **overrides,
    }


def test_fields_are_checked_stored_and_shown(centre: Any, api: Any) -> None:
    answer = api(centre.agent).post("tickets", body(kind="help"))
    assert answer.status_code == 201, answer.json()
    ticket = Ticket.objects.get(number=answer.json()["number"])
    assert ticket.identity_fields == {"account_no": ACCOUNT} and ticket.fields == {}
    assert ACCOUNT in ticket.identity_text
    assert answer.json()["fields"] == {"account_no": ACCOUNT}
    # A request for help is not protected: the department sees the account too.
    services.ticket_accept(centre.agent, ticket.number)
    services.ticket_dispatch(centre.agent, ticket.number, department=centre.dept_a.code)
    seen = api(centre.liaison_a).get(f"tickets/{ticket.number}").json()
    assert seen["fields"] == {"account_no": ACCOUNT}


def test_an_identifying_field_is_masked_with_the_identity(centre: Any, api: Any) -> None:
    number = api(centre.agent).post("tickets", body()).json()["number"]
    services.ticket_accept(centre.agent, number)
    services.ticket_dispatch(centre.agent, number, department=centre.dept_a.code)
    liaison = api(centre.liaison_a).get(f"tickets/{number}").json()
    assert liaison["customer"]["phone"] == "***"
    assert liaison["fields"] == {"account_no": "***"}
    listed = api(centre.liaison_a).get("tickets").json()["results"]
    assert [t["fields"] for t in listed] == [{"account_no": "***"}]
    # The supervisor sees it, and the unmasked view is logged like the identity's.
    IdentityDisclosure.objects.all().delete()
    assert api(centre.supervisor).get(f"tickets/{number}").json()["fields"] == {
        "account_no": ACCOUNT
    }
    assert IdentityDisclosure.objects.filter(user=centre.supervisor).count() == 1


def test_an_anonymous_report_with_an_identifying_field_logs_its_disclosure(
    centre: Any, api: Any
) -> None:
    number = (
        api(centre.agent)
        .post("tickets", body(kind="report", customer=None, anonymous=True))
        .json()["number"]
    )
    IdentityDisclosure.objects.all().delete()
    api(centre.supervisor).get(f"tickets/{number}")
    assert IdentityDisclosure.objects.filter(ticket__number=number).count() == 1


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"account_no": "12-34"}, {"account_no": ["户号 is not in the expected form: "]}),
        ({"meter": "1"}, {"meter": ["unknown field 'meter' (this centre's fields: account_no)"]}),
        ({"account_no": True}, {"account_no": ["Not a valid string."]}),
        ({f"f{i}": "1" for i in range(51)}, ["at most 50 fields"]),
    ],
)
def test_bad_fields_are_refused_by_name_and_change_nothing(
    centre: Any, api: Any, fields: dict, problem: Any
) -> None:
    counters = list(TicketNumberCounter.objects.values_list("day", "last"))
    answer = api(centre.agent).post("tickets", body(fields=fields))
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert error["code"] == "validation_error" and "fields" in error["details"]
    if isinstance(problem, dict):
        for code, messages in problem.items():
            assert error["details"]["fields"][code][0].startswith(messages[0])
    else:
        assert error["details"]["fields"] == problem
    assert not Ticket.objects.exists()
    # Bad input uses up no ticket number either (checked before the number is taken).
    assert list(TicketNumberCounter.objects.values_list("day", "last")) == counters


def test_the_schema_describes_fields_as_an_object_with_the_packs_fields(client: Any, pack: Any):
    schema = client.get("/api/v1/schema", HTTP_ACCEPT="application/vnd.oai.openapi+json").json()
    create = schema["components"]["schemas"]["TicketCreateRequest"]["properties"]
    assert create["fields"]["type"] == "object"
    assert create["fields"]["additionalProperties"]["type"] == "string"
    assert "GET /api/v1/pack" in create["fields"]["description"]
    assert create["dispatch"]["type"] == "boolean" and create["accept"]["type"] == "boolean"
    ticket = schema["components"]["schemas"]["Ticket"]["properties"]["fields"]
    assert ticket["type"] == "object"


def test_the_pack_endpoint_lists_the_field_declarations(centre: Any, api: Any) -> None:
    pack = api(centre.agent).get("pack").json()
    assert pack["fields"][0]["code"] == "account_no" and pack["fields"][0]["identifies"] is True
    assert pack["accept_on_register"] is None


def test_the_caller_history_is_found_by_a_key_field(centre: Any, api: Any) -> None:
    from closeloop.tickets import selectors

    first = services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="help",
            channel="phone",
            subject="电压不稳",
            customer=CustomerInput(name="李雷", phone="13911112222"),
            fields={"account_no": ACCOUNT},
        ),
    )
    # The same household calls from another phone: its 户号 finds the earlier case.
    found = selectors.customer_history_for_user(centre.agent, "", {"account_no": ACCOUNT})
    assert [t.number for t in found] == [first.number]
    assert not selectors.customer_history_for_user(centre.agent, "", {"account_no": "999999"})
    # A confidential complaint with that account is never found by whoever may not see it.
    services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="complaint",
            channel="phone",
            subject="抄表员态度差",
            fields={"account_no": ACCOUNT},
        ),
    )
    for t in Ticket.objects.all():
        services.ticket_accept(centre.agent, t.number)
        services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    found = selectors.customer_history_for_user(centre.liaison_a, "", {"account_no": ACCOUNT})
    assert [t.number for t in found] == [first.number]
    assert (
        selectors.customer_history_for_user(centre.agent, "", {"account_no": ACCOUNT}).count() == 2
    )


@pytest.mark.parametrize("pack_name", ["road-rescue"])
def test_staff_must_give_a_required_field_the_portal_need_not(centre: Any, api: Any) -> None:
    help_ = body(kind="help", subject="车辆抛锚", fields={"plate_no": "闽C12345"})
    answer = api(centre.agent).post("tickets", help_)
    assert answer.status_code == 400
    assert answer.json()["error"]["details"] == {
        "fields": {"vehicle_location": ["车辆位置 is required"]}
    }
    assert not Ticket.objects.exists()
    help_["fields"]["vehicle_location"] = "G15沈海高速K1234+500北向"
    assert api(centre.agent).post("tickets", help_).status_code == 201
    # The public portal does not ask for the pack's fields: nothing is required of it.
    public = services.ticket_register_public(
        data=TicketInput(
            kind="help",
            channel="web",
            subject="车辆抛锚",
            customer=CustomerInput(name="韩梅梅", phone="13922223333"),
        )
    )
    assert public.fields == {} and public.identity_fields == {}


def test_the_admin_shows_fields_masked_as_the_identity(centre: Any, api: Any) -> None:
    from django.test import Client

    number = api(centre.agent).post("tickets", body()).json()["number"]
    ticket = Ticket.objects.get(number=number)
    centre.admin.is_staff = centre.admin.is_superuser = True  # as `closeloop user add` does
    centre.admin.save()
    client = Client()
    client.force_login(centre.admin)  # an admin may not see a protected identity
    page = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert "account_no: ***" in page and ACCOUNT not in page
    centre.supervisor.is_staff = centre.supervisor.is_superuser = True
    centre.supervisor.save()
    client.force_login(centre.supervisor)
    page = client.get(f"/admin/tickets/ticket/{ticket.pk}/change/").content.decode()
    assert f"account_no: {ACCOUNT}" in page


def test_the_api_caller_history_by_a_key_field(centre: Any, api: Any) -> None:
    earlier = api(centre.agent).post("tickets", body(kind="help")).json()["number"]
    agent = api(centre.agent)
    found = agent.get("customers", field="account_no", value=f" {ACCOUNT} ").json()
    assert [t["number"] for t in found["results"]] == [earlier]
    assert found["results"][0]["fields"] == {"account_no": ACCOUNT}
    both = agent.get("customers", phone="13800000000", field="account_no", value=ACCOUNT)
    assert [t["number"] for t in both.json()["results"]] == [earlier]
    for params, name in (
        ({"field": "meter", "value": "1"}, "field"),
        ({"field": "account_no", "value": "12-34"}, "value"),
        ({"field": "account_no"}, "value"),
        ({}, "phone"),
    ):
        answer = agent.get("customers", **params)
        assert answer.status_code == 400, params
        assert set(answer.json()["error"]["details"]) == {name}, params
