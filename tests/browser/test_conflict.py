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


def _dispatched(centre: Any) -> Ticket:
    t = services.ticket_register(
        actor=centre.agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject="多次催办无人理会",
            customer=services.CustomerInput(phone="13500006666"),
        ),
    )
    services.ticket_accept(centre.agent, t.number)
    return services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)


def test_after_a_conflict_the_typed_order_is_kept_to_send_again(
    centre: Any, person_at: Any
) -> None:
    t = _dispatched(centre)
    supervisor = person_at("super1")
    page = supervisor.open_ticket(t.number)
    order = "请于今日内联系客户并反馈处理进度。"
    # Meanwhile the liaison assigns the case: the supervisor's page is one version behind.
    services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username)
    supervisor.act("supervise", fill={"note": order})
    assert "conflict" in (page.locator("[data-testid=flash]").get_attribute("class") or "")
    box = page.locator("#actions [data-action=supervise]")
    assert box.get_attribute("open") is not None
    assert box.locator("[name='supervise-note']").input_value() == order
    fresh = Ticket.objects.get(number=t.number)
    assert box.locator("[name='supervise-version']").input_value() == str(fresh.version)
    assert page.locator("[data-testid=version]").inner_text() == str(fresh.version)
    # Seen the fresh ticket; the order still applies: send it as it is.
    with page.expect_response(lambda r: "/act/supervise/" in r.url):
        box.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash].success")
    assert "success" in (page.locator("[data-testid=flash]").get_attribute("class") or "")
    assert fresh.events.filter(action="supervise", payload__note=order).exists()


def test_after_a_conflict_an_action_no_longer_open_leaves_the_text_to_copy(
    centre: Any, person_at: Any
) -> None:
    t = services.ticket_register(
        actor=centre.agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject="重复来电",
            customer=services.CustomerInput(phone="13500007777"),
        ),
    )
    agent = person_at("agent1")
    page = agent.open_ticket(t.number)
    page.on("dialog", lambda dialog: dialog.accept())
    reason = "同一事项已于上周受理,正在办理中。"
    # Meanwhile the supervisor accepts and dispatches it: declining is no longer possible.
    services.ticket_accept(centre.supervisor, t.number)
    services.ticket_dispatch(centre.supervisor, t.number, department=centre.dept_a.code)
    agent.act("decline", fill={"reason": reason})
    assert "conflict" in (page.locator("[data-testid=flash]").get_attribute("class") or "")
    assert page.locator("#actions [data-action=decline]").count() == 0
    assert page.locator("[data-testid=kept] textarea").input_value() == reason
    assert Ticket.objects.get(number=t.number).status == "dispatched"
