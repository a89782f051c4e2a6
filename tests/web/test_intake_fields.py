"""The pack's own fields on the staff pages — intake (rendered from the pack, refusals on the
field), the ticket page (masked with the identity), the caller history (found by a key
field), the ledger page's filters — and intake's "save and accept" and "save and dispatch"
where the pack says registering a call is taking it on."""

import re
from typing import Any

import pytest
from django.utils.translation import gettext

from closeloop.directory.models import Department
from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.web.test_intake import form

pytestmark = pytest.mark.django_db


@pytest.fixture
def pack_name() -> str:
    return "road-rescue"


def test_intake_renders_the_packs_fields_and_stores_them(centre: Any, login: Any) -> None:
    agent = login(centre.agent)
    page = agent.get("/intake/").content.decode()
    for name, label in (("field_plate_no", "车牌号"), ("field_vehicle_location", "车辆位置")):
        assert f'name="{name}"' in page and label in page
    # The location is recorded for help and complaints only, and required for help.
    assert 'data-field-kinds="help,complaint" data-required-kinds="help"' in page
    response = agent.post(
        "/intake/",
        form(
            kind="help",
            channel="on_site",
            subject="车辆抛锚",
            field_plate_no="闽c12345",
            field_vehicle_location="G15沈海高速K1234+500北向",
            field_vin="",
        ),
    )
    assert response.status_code == 302, response.content.decode()
    ticket = Ticket.objects.get()
    assert ticket.identity_fields == {"plate_no": "闽C12345"}
    assert ticket.fields == {"vehicle_location": "G15沈海高速K1234+500北向"}


def marked(page: str) -> list[str]:
    """The pack fields the page marks as wrong."""
    return re.findall(r'class="field has-error"[^>]*>\s*<label for="id_field_(\w+)"', page)


def test_intake_shows_a_refused_value_on_its_field(centre: Any, login: Any) -> None:
    response = login(centre.agent).post(
        "/intake/", form(kind="help", channel="on_site", field_plate_no="12345")
    )
    assert response.status_code == 400
    # Every problem at once: the plate number's form, and the location help requires.
    assert marked(response.content.decode()) == ["plate_no", "vehicle_location"]
    assert not Ticket.objects.exists()
    # The required location, named on its field.
    response = login(centre.agent).post(
        "/intake/", form(kind="help", channel="on_site", field_plate_no="闽C12345")
    )
    assert response.status_code == 400
    assert marked(response.content.decode()) == ["vehicle_location"]
    assert not Ticket.objects.exists()


def test_a_value_typed_for_another_kind_is_not_sent(centre: Any, login: Any) -> None:
    # The agent typed a location, then chose "suggestion", which does not record one.
    login(centre.agent).post(
        "/intake/", form(kind="suggestion", channel="on_site", field_vehicle_location="K12")
    )
    assert Ticket.objects.get().fields == {}


def test_the_ticket_page_shows_fields_masked_with_the_identity(centre: Any, login: Any) -> None:
    services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="complaint",
            channel="phone",
            subject="拖车收费过高",
            confidential=True,
            customer=CustomerInput(name="韩梅梅", phone="13922223333"),
            fields={"plate_no": "闽C12345", "vehicle_location": "G15K1234"},
        ),
    )
    number = Ticket.objects.get().number
    services.ticket_accept(centre.agent, number)
    services.ticket_dispatch(centre.agent, number, department=centre.dept_a.code)
    liaison = login(centre.liaison_a).get(f"/tickets/{number}/").content.decode()
    assert 'data-field="plate_no" class="masked">***' in liaison
    assert "闽C12345" not in liaison
    assert 'data-field="vehicle_location">G15K1234' in liaison  # not identifying
    agent = login(centre.agent).get(f"/tickets/{number}/").content.decode()
    assert 'data-field="plate_no">闽C12345' in agent


def test_the_caller_history_is_found_by_a_key_field(centre: Any, login: Any) -> None:
    earlier = services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="help",
            channel="phone",
            subject="车辆抛锚",
            customer=CustomerInput(name="韩梅梅", phone="13922223333"),
            fields={"plate_no": "闽C12345", "vehicle_location": "G15K1234"},
        ),
    )
    agent = login(centre.agent)
    # Another phone, the same car: its plate number finds the earlier case, with its keys.
    page = agent.get("/intake/history/", {"phone": "", "field_plate_no": "闽c12345"})
    html = page.content.decode()
    assert earlier.number in html
    assert 'data-testid="history-keys">车牌号 闽C12345' in html
    assert (
        earlier.number
        not in agent.get("/intake/history/", {"field_plate_no": "闽C99999"}).content.decode()
    )


def test_the_ledger_page_filters_by_a_field(centre: Any, login: Any) -> None:
    numbers = []
    for plate in ("闽C12345", "闽D54321"):
        numbers.append(
            services.ticket_register(
                actor=centre.agent,
                data=TicketInput(
                    kind="complaint",
                    channel="phone",
                    subject="拖车收费过高",
                    fields={"plate_no": plate},
                ),
            ).number
        )
    supervisor = login(centre.supervisor)
    page = supervisor.get("/ledger/", {"field.plate_no": "闽d54321"})
    html = page.content.decode()
    assert page.status_code == 200 and 'name="field.plate_no"' in html
    assert numbers[1] in html and numbers[0] not in html
    bad = supervisor.get("/ledger/", {"field.plate_no": "x"})
    assert bad.status_code == 400


# --------------------------------------------------------------------------- accept on save


@pytest.mark.parametrize("pack_name", ["tax-hotline-12366"])
def test_intake_saves_and_accepts_a_call(centre: Any, login: Any) -> None:
    agent = login(centre.agent)
    response = agent.post("/intake/", form(kind="consultation", subject="发票怎么开"), follow=True)
    ticket = Ticket.objects.get()
    assert ticket.status == "accepted"
    assert list(ticket.events.values_list("action", flat=True)) == ["register", "accept"]
    said = gettext("Saved and accepted as {}.").split("{}")[0]
    assert said in response.content.decode() and ticket.number in response.content.decode()


@pytest.mark.parametrize("pack_name", ["tax-hotline-12366"])
def test_preview_offers_save_and_dispatch_to_the_department_the_rules_chose(
    centre: Any, login: Any
) -> None:
    agent = login(centre.agent)
    preview = agent.post(
        "/intake/preview/", {"kind": "report", "channel": "phone", "subject": "举报虚开发票"}
    ).content.decode()
    assert 'data-testid="save-dispatch"' in preview and "稽查局" in preview
    assert 'data-testid="accepts-on-save"' in preview
    # Not for a web case (12366 accepts phone calls at registration), nor what the rules
    # decline, nor a service complaint the agent handles.
    for data in (
        {"kind": "report", "channel": "web", "subject": "举报虚开发票"},
        {"kind": "report", "channel": "phone", "subject": "举报税务人员索贿"},
        {"kind": "complaint", "channel": "phone", "subject": "座席态度差"},
    ):
        assert (
            'data-testid="save-dispatch"'
            not in agent.post("/intake/preview/", data).content.decode()
        )

    response = agent.post(
        "/intake/",
        form(kind="report", subject="举报虚开发票", dispatch="1"),
        follow=True,
    )
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.department) == (
        "dispatched",
        Department.objects.get(code="inspection"),
    )
    assert list(ticket.events.values_list("action", flat=True)) == [
        "register",
        "accept",
        "dispatch",
    ]
    assert ticket.number in response.content.decode()


@pytest.mark.parametrize("pack_name", ["tax-service-outsourcing"])
def test_intake_without_the_option_registers_only(centre: Any, login: Any) -> None:
    agent = login(centre.agent)
    assert 'name="field_taxpayer_id"' in agent.get("/intake/").content.decode()
    agent.post("/intake/", form())
    assert Ticket.objects.get().status == "registered"
    preview = agent.post("/intake/preview/", {"kind": "complaint", "channel": "phone"})
    assert 'data-testid="save-dispatch"' not in preview.content.decode()
