"""Intake as a 12366 agent finds it at 1280×800: the pack's first kind chosen (consultation),
a complaint's own fields (被投诉部门, 经济损失, 现场投诉) shown only for a complaint, and the
answer on the spot with the save buttons in sight without scrolling."""

from typing import Any

import pytest

from closeloop.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COMPLAINT_ONLY = (
    "#id_economic_loss",
    "#id_on_site",
    "#id_respondent_department",
    "#id_respondent_staff",
)


@pytest.fixture
def pack_name() -> str:
    return "tax-hotline-12366"


def in_sight(page: Any, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    return box is not None and box["y"] >= 0 and box["y"] + box["height"] <= 800


def test_a_consultation_by_default_with_the_answer_in_sight(centre: Any, person_at: Any) -> None:
    page = person_at("agent1").page
    page.goto("/intake/")
    assert page.is_checked("input[name=kind][value=consultation]")
    for selector in COMPLAINT_ONLY:
        assert not page.locator(selector).is_visible(), selector
    assert page.evaluate("() => window.scrollY") == 0
    assert in_sight(page, "#id_answer")
    assert in_sight(page, "[data-testid=save-next]")
    assert in_sight(page, "[data-testid=save-open]")


def test_a_complaints_fields_show_for_a_complaint_only(centre: Any, person_at: Any) -> None:
    page = person_at("agent1").page
    page.goto("/intake/")
    page.click("input[name=kind][value=complaint]")
    for selector in COMPLAINT_ONLY:
        assert page.locator(selector).is_visible(), selector
    page.fill("#id_economic_loss", "500")
    page.check("#id_on_site")
    # The caller turns out to be asking a question: what was typed for a complaint is left out.
    page.click("input[name=kind][value=consultation]")
    assert not page.locator("#id_economic_loss").is_visible()
    page.fill("#id_phone", "13700007777")
    page.fill("#id_subject", "发票领用怎么办理")
    page.locator("#id_subject").press("Control+Enter")
    page.wait_for_selector(".flash.success")
    ticket = Ticket.objects.get()
    assert ticket.kind == "consultation"
    assert ticket.economic_loss is None and ticket.on_site is False
