"""Actions that cannot simply be taken back (不予受理, 合并, 退单) ask first: dismissing the
question changes nothing, accepting it takes the action."""

from typing import Any

import pytest

from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from closeloop.workflow.statuses import Status

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_sending_back_asks_first(centre: Any, person_at: Any) -> None:
    t = services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="complaint",
            channel="phone",
            subject="窗口人员态度差",
            customer=CustomerInput(name="张三", phone="13800138000"),
        ),
    )
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    liaison = person_at("liaison_a")
    page = liaison.open_ticket(t.number)
    box = page.locator("#actions [data-action=send_back]")
    box.locator("summary").click()
    box.locator("textarea, input[type=text]").first.fill("不属于本部门职责")

    questions: list[str] = []

    def answer(accept: bool) -> Any:
        def handle(dialog: Any) -> None:
            questions.append(dialog.message)
            dialog.accept() if accept else dialog.dismiss()

        return handle

    page.once("dialog", answer(False))
    box.locator("button[type=submit]").click()
    page.wait_for_timeout(500)
    assert questions == ["确定退单吗？工单将离开您这里，退回给派发方。"]
    assert Ticket.objects.get(pk=t.pk).status == Status.DISPATCHED  # nothing happened

    page.once("dialog", answer(True))
    with page.expect_response(lambda r: "/act/send_back/" in r.url):
        box.locator("button[type=submit]").click()
    assert Ticket.objects.get(pk=t.pk).status != Status.DISPATCHED
