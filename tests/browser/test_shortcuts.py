"""Ctrl+Enter sends every form that advertises it (its button's tooltip and
aria-keyshortcuts), and never a form whose buttons are a choice: on approve / reject neither
Enter nor Ctrl+Enter decides for the leader."""

from typing import Any

import pytest

from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services.approvals import ticket_submit_plan

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _in_progress(centre: Any, subject: str = "收费标准不透明") -> Ticket:
    t = services.ticket_register(
        actor=centre.agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject=subject,
            customer=services.CustomerInput(name="王五", phone="13600001111"),
        ),
    )
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    return services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username)


def test_ctrl_enter_sends_a_ticket_action_and_a_visit(centre: Any, person_at: Any) -> None:
    t = _in_progress(centre)
    handler = person_at("handler_a")
    page = handler.open_ticket(t.number)
    box = page.locator("#actions [data-action=progress]")
    box.locator("summary").click()
    assert box.locator("[aria-keyshortcuts='Control+Enter']").get_attribute("title") == "Ctrl+Enter"
    note = box.locator("[name='progress-note']")
    note.fill("已电话联系客户,约定明日上门。")
    with page.expect_response(lambda r: "/act/progress/" in r.url):
        note.press("Control+Enter")
    page.wait_for_selector("[data-testid=flash].success")
    assert Ticket.objects.get(number=t.number).events.filter(action="progress").count() == 1

    services.ticket_resolve(centre.handler_a, t.number, reply="已处理。", validity="valid")
    agent = person_at("agent1")
    agent.page.goto("/visits/")
    row = agent.page.locator(f"#visit-{t.number}")
    row.locator("input[value=satisfied]").check()
    row.locator("textarea").fill("客户表示满意。")
    row.locator("textarea").press("Control+Enter")
    agent.page.wait_for_selector(f"#visit-{t.number} .s-closed")
    assert Ticket.objects.get(number=t.number).status == "closed"


def test_neither_enter_nor_ctrl_enter_approves_a_plan(centre: Any, person_at: Any) -> None:
    t = _in_progress(centre, "窗口人员服务态度差")
    ticket_submit_plan(centre.handler_a, t.number, plan="向客户道歉,批评教育当事人。")
    leader = person_at("leader1")
    page = leader.page
    page.goto("/approvals/")
    comment = page.locator(f"#plan-{t.number} input[type=text]")
    sent: list[str] = []
    page.on("request", lambda r: sent.append(r.url) if "/act/" in r.url else None)
    comment.fill("先补充整改措施")
    comment.press("Enter")
    comment.press("Control+Enter")
    page.wait_for_timeout(1000)
    assert sent == []
    assert Ticket.objects.get(number=t.number).status == "pending_approval"
    page.locator(f"#plan-{t.number} button[value=reject]").click()
    page.wait_for_selector(f"#plan-{t.number} [data-testid=decided]")
    assert Ticket.objects.get(number=t.number).plan_approved is False
