"""Merging a duplicate: the form offers the likely originals found at registration to pick,
instead of making the agent find and type a number; a ticket the person may not be told of,
or on the other side of the identity line, is not offered."""

from typing import Any

import pytest

from closeloop.tickets import services
from closeloop.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = "13800009999"


def register(
    centre: Any, subject: str, *, confidential: bool = False, phone: str = PHONE
) -> Ticket:
    return services.ticket_register(
        actor=centre.agent,
        data=services.TicketInput(
            kind="complaint",
            confidential=confidential,
            channel="phone",
            subject=subject,
            description="营业厅窗口办理业务排队两小时无人处理",
            customer=services.CustomerInput(name="赵六", phone=phone),
        ),
    )


def test_the_merge_form_offers_the_likely_original_to_pick(centre: Any, person_at: Any) -> None:
    original = register(centre, "营业厅排队两小时无人处理")
    register(centre, "营业厅排队太久", phone="13800001234")  # another caller
    duplicate = register(centre, "营业厅排队两个小时没人管")
    assert original.number in [c["number"] for c in duplicate.repeat_candidates]

    agent = person_at("agent1")
    page = agent.open_ticket(duplicate.number)
    page.on("dialog", lambda dialog: dialog.accept())
    box = page.locator("#actions [data-action=merge]")
    box.locator("summary").click()
    offered = box.locator("input[name='merge-original']")
    assert offered.count() == 1
    assert offered.first.get_attribute("value") == original.number
    assert "营业厅排队两小时无人处理" in box.inner_text()
    offered.first.check()
    with page.expect_response(lambda r: "/act/merge/" in r.url):
        box.locator("button[type=submit]").click()
    page.wait_for_selector("[data-testid=flash].success")
    merged = Ticket.objects.get(number=duplicate.number)
    assert (merged.status, merged.merged_into_id) == ("merged", original.pk)


def test_nothing_picked_nor_typed_says_so_and_merges_nothing(centre: Any, person_at: Any) -> None:
    register(centre, "营业厅排队两小时无人处理")
    duplicate = register(centre, "营业厅排队两个小时没人管")
    agent = person_at("agent1")
    page = agent.open_ticket(duplicate.number)
    page.on("dialog", lambda dialog: dialog.accept())
    box = page.locator("#actions [data-action=merge]")
    box.locator("summary").click()
    with page.expect_response(lambda r: "/act/merge/" in r.url) as answer:
        box.locator("button[type=submit]").click()
    assert answer.value.status == 400
    assert "请选择原工单" in page.locator("#actions [data-action=merge]").inner_text()
    assert Ticket.objects.get(number=duplicate.number).status == "registered"


def test_a_confidential_case_from_the_same_phone_is_not_offered(
    centre: Any, person_at: Any
) -> None:
    register(centre, "营业厅排队两小时无人处理", confidential=True)
    duplicate = register(centre, "营业厅排队两个小时没人管")
    agent = person_at("agent1")
    page = agent.open_ticket(duplicate.number)
    box = page.locator("#actions [data-action=merge]")
    box.locator("summary").click()
    assert box.locator("input[name='merge-original']").count() == 0
    assert box.locator("input[name='merge-into']").is_visible()
