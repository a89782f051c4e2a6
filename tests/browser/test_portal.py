"""Flow 2: a customer submits on the portal (phone-sized screen), checks progress, rates."""

import re
from typing import Any

import pytest

from closeloop.tickets import services
from closeloop.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def answer_challenge(page: Any) -> None:
    a, b = map(int, re.findall(r"\d+", page.locator("[data-testid=challenge]").inner_text()))
    page.fill("#id_answer", str(a + b))


def test_portal_submit_check_rate(centre: Any, person_at: Any) -> None:
    customer = person_at(viewport=PHONE)
    page = customer.page
    page.goto("/portal/")
    page.click("a[href='/portal/submit/']")
    page.check("input[name=kind][value=complaint]")
    page.fill("#id_subject", "办税大厅排队时间过长")
    page.fill("#id_description", "上午在办税大厅等候两个小时,无人引导。")
    page.fill("#id_name", "王五")
    page.fill("#id_phone", "13700007777")
    answer_challenge(page)
    page.click("button[type=submit]")
    number = page.locator("[data-testid=number]").inner_text().strip()
    code = page.locator("[data-testid=code]").inner_text().strip()
    ticket = Ticket.objects.get(number=number)
    assert ticket.customer is not None
    assert (ticket.channel, ticket.public_code, ticket.customer.phone) == (
        "web",
        code,
        "13700007777",
    )

    # Staff handle it (through the services; flow 1 covers their pages).
    services.ticket_accept(centre.agent, number)
    services.ticket_dispatch(centre.agent, number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, number, handler=centre.handler_a.username)
    services.ticket_note(centre.handler_a, number, text="内部备注:窗口人手不足")
    services.ticket_resolve(centre.handler_a, number, reply="已增派引导人员。", validity="valid")

    page.goto("/portal/check/")
    page.fill("#id_number", number)
    page.fill("#id_phone", "13700007777")
    answer_challenge(page)
    page.click("button[type=submit]")
    assert page.locator("[data-testid=reply]").inner_text() == "已增派引导人员。"
    body = page.content()
    for internal in ("内部备注", "handler_a", "甲部门"):
        assert internal not in body
    page.check("input[name=satisfaction][value=satisfied]")
    page.fill("#id_comment", "谢谢")
    page.click("form[action='/portal/rate/'] button[type=submit]")
    page.wait_for_selector("[data-testid=rating]")
    assert Ticket.objects.get(number=number).satisfaction == "satisfied"
    customer.shot("portal-status-rated")
