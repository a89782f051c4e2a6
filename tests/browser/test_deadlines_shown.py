"""Deadline states on the pages: a queue sorted by the nearest deadline, states in colour and
text, the top-bar counts, and the supervisor's dashboard (its screenshot goes in the README)."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import services
from closeloop.tickets.services import CustomerInput, TicketInput

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _handled(centre: Any, subject: str, hours_ago: float, **extra: Any) -> str:
    at = timezone.now() - timedelta(hours=hours_ago)
    t = services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="complaint",
            channel="phone",
            subject=subject,
            customer=CustomerInput(name="张三", phone="13800138000"),
            **extra,
        ),
        now=at,
    )
    services.ticket_accept(centre.agent, t.number, now=at)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code, now=at)
    services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username, now=at)
    return t.number


def test_deadlines_in_queue_topbar_and_dashboard(centre: Any, person_at: Any) -> None:
    late = _handled(centre, "窗口长时间无人", 30)  # 24-hour response limit: overdue
    soon = _handled(centre, "叫号系统故障", 20)  # past 75 % of it: warning
    _handled(centre, "服务态度生硬", 1)
    _handled(centre, "多人集体投诉排队", 0.1, people_count=5)  # crisis: urgent, 1 hour
    deadlines_sweep()

    handler = person_at("handler_a")
    page = handler.page
    page.goto("/tickets/?view=mine")
    rows = page.locator("table.queue tbody tr")
    # Nearest deadline first: the overdue one, then the urgent crisis (1 hour), then the rest.
    assert late in rows.nth(0).inner_text() and rows.nth(0).locator(".dl-overdue").count() == 1
    assert "多人集体投诉排队" in rows.nth(1).inner_text()
    assert soon in rows.nth(2).inner_text() and rows.nth(2).locator(".dl-warning").count() == 1
    assert page.locator("[data-testid=count-overdue]").inner_text() == "1"
    assert page.locator("[data-testid=count-warning]").inner_text() == "1"
    handler.shot("deadlines-queue")
    handler.open_ticket(late)
    assert page.locator("#deadlines .dl-overdue").count() >= 1
    handler.shot("deadlines-ticket")

    supervisor = person_at("super1")
    supervisor.page.goto("/dashboard/")
    assert supervisor.page.locator("[data-testid=total-open]").inner_text() == "4"
    supervisor.shot("dashboard")
