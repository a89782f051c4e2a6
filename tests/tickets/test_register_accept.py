"""Register = accept where the pack says so (12366: the agent who records a call takes it on),
and register + accept + dispatch to the department the rules chose, in one transaction with
every event recorded — through the service and the API."""

from typing import Any

import pytest

from closeloop.common.errors import ValidationFailed
from closeloop.directory.models import Department
from closeloop.directory.roles import Role
from closeloop.notifications.models import Notification
from closeloop.sla.models import Deadline
from closeloop.tickets import services
from closeloop.tickets.models import Ticket, TicketNumberCounter
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import person

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack_name() -> str:
    return "tax-hotline-12366"


def report(**overrides: Any) -> TicketInput:
    data: dict[str, Any] = {
        "kind": "report",
        "channel": "phone",
        "subject": "举报某公司虚开发票",
        "description": "该公司长期对外虚开增值税专用发票。",
        "customer": CustomerInput(name="王五", phone="13700001111"),
        **overrides,
    }
    return TicketInput(**data)


def actions(ticket: Ticket) -> list[str]:
    return list(ticket.events.order_by("at", "id").values_list("action", flat=True))


def test_registering_a_call_accepts_it(centre: Any) -> None:
    ticket = services.ticket_register(actor=centre.agent, data=report(), accept=True)
    assert ticket.status == "accepted" and ticket.accepted_at is not None
    assert actions(ticket) == ["register", "accept"]
    accept = ticket.events.get(action="accept")
    assert accept.actor == centre.agent and accept.payload == {"on_register": True}


def test_register_accept_and_dispatch_in_one_step(centre: Any) -> None:
    inspection = Department.objects.get(code="inspection")
    liaison = person("liaison_insp", Role.LIAISON, department=inspection)
    ticket = services.ticket_register(actor=centre.agent, data=report(), dispatch=True)
    ticket.refresh_from_db()
    assert (ticket.status, ticket.department) == ("dispatched", inspection)
    assert actions(ticket) == ["register", "accept", "dispatch"]
    assert ticket.events.get(action="dispatch").payload == {
        "department": "inspection",
        "on_register": True,
    }
    assert ticket.assignments.get().department == inspection
    # The dispatch clock (made and transferred the same day) is met at once, as it would be
    # by a dispatch taken separately; the department's liaison is told.
    assert Deadline.objects.get(ticket=ticket, milestone="dispatch").state == "met"
    assert Notification.objects.filter(recipient=liaison, ticket=ticket, kind="dispatch").exists()


def test_register_accept_and_dispatch_through_the_api(centre: Any, api: Any) -> None:
    body = {
        "kind": "report",
        "channel": "phone",
        "subject": "举报偷逃税款",
        "customer": {"name": "王五", "phone": "13700001111"},
        "dispatch": True,
    }
    answer = api(centre.agent).post("tickets", body, **{"Idempotency-Key": "call-1"})
    assert answer.status_code == 201, answer.json()
    data = answer.json()
    assert (data["status"], data["department"]) == ("dispatched", "inspection")
    assert [e["action"] for e in data["events"]] == ["register", "accept", "dispatch"]
    # The same request again is the same ticket; the same key without dispatch is another
    # request.
    again = api(centre.agent).post("tickets", body, **{"Idempotency-Key": "call-1"})
    assert again.json()["number"] == data["number"] and Ticket.objects.count() == 1
    other = api(centre.agent).post(
        "tickets", {**body, "dispatch": False}, **{"Idempotency-Key": "call-1"}
    )
    assert other.status_code == 409
    accepted = api(centre.agent).post("tickets", {**body, "dispatch": False, "accept": True})
    assert accepted.json()["status"] == "accepted"


@pytest.mark.parametrize(
    ("overrides", "flags", "field", "message"),
    [
        # 12366 accepts phone calls at registration, not web cases.
        ({"channel": "web"}, {"accept": True}, "accept", "does not accept"),
        ({"channel": "web"}, {"dispatch": True}, "dispatch", "does not accept"),
        # The rules decline integrity reports (told the discipline line): no dispatch.
        ({"subject": "举报税务人员索贿"}, {"dispatch": True}, "dispatch", "decline"),
        # A suggestion without a category: the rules choose no department.
        ({"kind": "suggestion", "subject": "建议延长服务时间"}, {"dispatch": True}, "dispatch", ""),
    ],
)
def test_what_cannot_be_accepted_or_dispatched_is_refused_before_anything_is_written(
    centre: Any, overrides: dict, flags: dict, field: str, message: str
) -> None:
    counters = list(TicketNumberCounter.objects.values_list("day", "last"))
    with pytest.raises(ValidationFailed) as caught:
        services.ticket_register(actor=centre.agent, data=report(**overrides), **flags)
    assert field in caught.value.details and message in caught.value.message
    assert not Ticket.objects.exists()
    assert list(TicketNumberCounter.objects.values_list("day", "last")) == counters


def test_a_declined_case_is_declined_not_accepted(centre: Any) -> None:
    ticket = services.ticket_register(
        actor=centre.agent, data=report(subject="举报税务人员索贿"), accept=True
    )
    assert ticket.status == "declined" and actions(ticket) == ["register", "decline"]


def test_a_case_the_rules_accept_is_accepted_once(centre: Any) -> None:
    # 12366 service complaints are taken on by the agent (no_dispatch): already accepted.
    ticket = services.ticket_register(
        actor=centre.agent, data=report(kind="complaint", subject="座席态度差"), accept=True
    )
    assert actions(ticket) == ["register", "accept"]
    assert ticket.events.get(action="accept").payload == {"automatic": True}


def test_the_api_refuses_accept_where_the_pack_does_not_say_so(centre: Any, api: Any) -> None:
    body = {"kind": "report", "channel": "web", "subject": "举报", "accept": True}
    answer = api(centre.agent).post("tickets", body)
    assert answer.status_code == 400
    assert set(answer.json()["error"]["details"]) == {"accept"}
    assert "register the case, then accept it" in answer.json()["error"]["details"]["accept"][0]
    assert not Ticket.objects.exists()


@pytest.mark.parametrize("pack_name", ["tax-service-outsourcing"])
def test_a_pack_without_the_option_registers_as_before(centre: Any) -> None:
    ticket = services.ticket_register(
        actor=centre.agent, data=report(kind="complaint", subject="窗口态度差")
    )
    assert ticket.status == "registered" and actions(ticket) == ["register"]
    with pytest.raises(ValidationFailed):
        services.ticket_register(
            actor=centre.agent, data=report(kind="complaint", subject="窗口态度差"), accept=True
        )
