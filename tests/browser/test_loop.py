"""Flow 1: the whole loop, from a phone call to a closed ticket, through every role's pages."""

from typing import Any

import pytest

from closeloop.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_whole_loop(centre: Any, person_at: Any) -> None:
    agent = person_at("agent1")
    page = agent.page

    # Intake: the caller's phone, the case; the rules' preview appears before saving.
    page.goto("/intake/")
    page.fill("#id_phone", "13900001111")
    page.fill("#id_name", "李四")
    page.check("input[name=kind][value=complaint]")
    page.fill("#id_subject", "窗口人员态度恶劣")
    page.fill("#id_description", "办理业务时被窗口人员呵斥,要向媒体曝光。")
    page.wait_for_selector("[data-testid=preview] .tag.crisis")
    agent.shot("loop-1-intake")
    page.locator("#id_description").press("Control+Shift+Enter")
    page.wait_for_selector("[data-testid=status]")
    number = page.locator(".ticket-head h1").inner_text().split()[0]
    assert Ticket.objects.filter(number=number).exists()
    assert "危机" in page.content() or "crisis" in page.content()

    agent.act("accept")
    agent.act("dispatch", select={"department": centre.dept_a.code})
    assert agent.status() in ("已派单", "dispatched")

    liaison = person_at("liaison_a")
    liaison.open_ticket(number)
    liaison.act("assign", select={"handler": centre.handler_a.username})

    handler = person_at("handler_a")
    handler.open_ticket(number)
    handler.act("progress", fill={"note": "已联系当事窗口人员了解情况。"})
    handler.act("submit_plan", fill={"plan": "向客户当面道歉,对窗口人员进行批评教育。"})
    assert Ticket.objects.get(number=number).status == "pending_approval"

    leader = person_at("leader1")
    leader.page.goto("/approvals/")
    row = leader.page.locator(f"#plan-{number}")
    row.locator("input[type=text]").fill("同意。")
    row.locator("button[value=approve]").click()
    leader.page.wait_for_selector(f"#plan-{number} [data-testid=decided]")
    assert Ticket.objects.get(number=number).plan_approved is True

    handler.open_ticket(number)
    handler.act(
        "resolve", fill={"reply": "已向您道歉并处理相关人员。"}, select={"validity": "valid"}
    )
    assert Ticket.objects.get(number=number).status == "resolved"

    # Return visit: dissatisfied sends it back to the department and the handler.
    page.goto("/visits/")
    row = page.locator(f"#visit-{number}")
    row.locator("input[value=dissatisfied]").check()
    row.locator("textarea").fill("道歉不诚恳。")
    row.locator("button[type=submit]").click()
    page.wait_for_selector(f"#visit-{number} [data-testid=visit-flash]")
    t = Ticket.objects.get(number=number)
    assert (t.status, t.handler_id) == ("in_progress", centre.handler_a.id)

    handler.open_ticket(number)
    handler.act("resolve", fill={"reply": "负责人再次上门致歉。"}, select={"validity": "valid"})

    # A satisfied visit closes the loop: no separate click on close.
    page.goto("/visits/")
    row = page.locator(f"#visit-{number}")
    row.locator("input[value=satisfied]").check()
    row.locator("button[type=submit]").click()
    page.wait_for_selector(f"#visit-{number} .s-closed")
    assert Ticket.objects.get(number=number).status == "closed"

    agent.open_ticket(number)
    assert agent.status() in ("已结案", "已归档", "closed")
    agent.shot("loop-2-ticket-closed")
    supervisor = person_at("super1")
    supervisor.page.goto("/dashboard/")
    supervisor.shot("loop-3-dashboard")
