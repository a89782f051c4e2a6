"""Flow 3: another department's handler cannot open a ticket; a reporter stays hidden from
the department the report is about."""

from typing import Any

import pytest

from closeloop.tickets import services
from closeloop.tickets.models import IdentityDisclosure
from closeloop.tickets.services import CustomerInput, TicketInput

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def pack_name() -> str:
    return "tax-hotline-12366"  # has reports (举报), confidential by its rules


def test_other_department_and_masked_reporter(centre: Any, person_at: Any) -> None:
    report = services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="report",
            channel="phone",
            subject="某企业虚开发票",
            description="举报某企业长期虚开增值税发票。",
            customer=CustomerInput(name="赵六", phone="13600006666"),
            respondent_department=centre.dept_a.code,
        ),
    )
    services.ticket_accept(centre.agent, report.number)
    services.ticket_dispatch(centre.agent, report.number, department=centre.dept_a.code)

    outsider = person_at("handler_b")
    response = outsider.page.goto(f"/tickets/{report.number}/")
    assert response.status == 404
    assert "赵六" not in outsider.page.content()

    liaison = person_at("liaison_a")
    liaison.open_ticket(report.number)
    customer = liaison.page.locator("[data-testid=customer]").inner_text()
    assert "***" in customer and "赵六" not in customer and "13600006666" not in customer
    assert "赵六" not in liaison.page.content()
    liaison.page.goto("/tickets/?view=department&q=13600006666")
    # A search cannot reveal the reporter. (The bell names the case: the liaison was told of it.)
    assert report.number not in liaison.page.locator("#main").inner_html()
    liaison.page.goto(f"/tickets/{report.number}/")
    liaison.shot("access-masked-reporter")

    agent = person_at("agent1")
    agent.open_ticket(report.number)
    assert "赵六" in agent.page.locator("[data-testid=customer]").inner_text()
    assert IdentityDisclosure.objects.filter(
        ticket=report, user=centre.agent, via="web:detail"
    ).exists()
