"""What a supervisor and a leader read in Chromium: the top bar's overdue count agrees with the
dashboard's and says whose tickets it counts (issue: 超期 0 beside a dashboard of 3); the
reports page opens with its period filled in a form the browser accepts, and says how each
figure is counted without pointing at a file."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from tests.web.conftest import complaint

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _overdue(centre: Any) -> None:
    t = services.ticket_register(actor=centre.agent, data=complaint())
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username)
    Ticket.objects.filter(pk=t.pk).update(
        deadline_state="overdue", next_due_at=timezone.now() - timedelta(hours=2)
    )


def test_the_supervisors_bar_and_dashboard_agree(centre: Any, person_at: Any) -> None:
    for _ in range(3):
        _overdue(centre)  # none of them the supervisor's own
    page = person_at("super1").page
    page.goto("/dashboard/")
    tile = page.locator(".tile.overdue b").inner_text()
    bar = page.locator("[data-testid=count-overdue]").inner_text()
    assert tile == bar == "3"
    assert page.locator("[data-testid=count-scope]").inner_text() == "全中心"
    # The count leads to the queue of exactly those tickets.
    page.click("a.count.overdue")
    page.wait_for_url("**deadline_state=overdue**")
    assert page.locator("table tbody tr a[href^='/tickets/2']").count() == 3


def test_the_reports_page_opens_with_its_period_and_its_definitions(
    centre: Any, person_at: Any
) -> None:
    page = person_at("leader1").page
    page.goto("/reports/")
    for name in ("start", "end"):
        field = page.locator(f"input[name={name}]")
        assert field.get_attribute("type") == "date"
        value = field.input_value()
        assert len(value) == 10 and value[4] == value[7] == "-", value  # what a date input holds
        assert field.evaluate("el => el.validity.valid")
    assert "docs/" not in page.content()
    page.click("[data-testid=definitions] summary")
    assert "办结数 ÷ 受理数" in page.locator("[data-testid=definitions]").inner_text()
