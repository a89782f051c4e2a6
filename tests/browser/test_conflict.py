"""Flow 4: two people act on the same ticket at once; the second sees a clear conflict and
the ticket as it now stands."""

from typing import Any

import pytest

from closeloop.tickets import services
from closeloop.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_stale_version_conflict(centre: Any, person_at: Any) -> None:
    t = services.ticket_register(
        actor=centre.agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject="收费不透明",
            customer=services.CustomerInput(phone="13500005555"),
        ),
    )
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)

    liaison = person_at("liaison_a")
    supervisor = person_at("super1")
    liaison.open_ticket(t.number)
    supervisor.open_ticket(t.number)  # both see version 3

    liaison.act("assign", select={"handler": centre.handler_a.username})
    supervisor.act("assign", select={"handler": centre.handler_a2.username})

    flash = supervisor.page.locator("[data-testid=flash]")
    assert "conflict" in (flash.get_attribute("class") or "")
    assert supervisor.page.locator("[data-testid=version]").inner_text() == "4"
    assert (
        centre.handler_a.username in supervisor.page.locator("#ticket .fields").first.inner_text()
    )
    assert Ticket.objects.get(number=t.number).handler_id == centre.handler_a.id
    supervisor.shot("conflict-second-person")
