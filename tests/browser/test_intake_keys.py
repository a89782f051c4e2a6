"""Keys at intake, with a caller on the line: Enter in a one-line field does not save the
ticket (only the documented shortcuts do), and Ctrl+Enter still saves."""

from typing import Any

import pytest

from closeloop.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _typed(person_at: Any) -> Any:
    agent = person_at("agent1")
    page = agent.page
    page.goto("/intake/")
    # The phone field has the focus once the page has loaded (autofocus).
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_phone'")
    page.keyboard.type("13700001111")
    page.click("#id_subject")
    page.keyboard.type("申报期限咨询")
    return page


def test_enter_in_the_subject_does_not_save(centre: Any, person_at: Any) -> None:
    page = _typed(person_at)
    page.keyboard.press("Enter")
    page.wait_for_timeout(1000)  # a save would have gone out by now
    assert Ticket.objects.unscoped().count() == 0
    assert page.input_value("#id_subject") == "申报期限咨询"  # the form is not cleared
    page.click("#id_phone")
    page.keyboard.press("Enter")
    page.wait_for_timeout(500)
    assert Ticket.objects.unscoped().count() == 0


def test_ctrl_enter_still_saves(centre: Any, person_at: Any) -> None:
    page = _typed(person_at)
    page.fill("#id_description", "问本月申报截止日期。")
    with page.expect_navigation():
        page.keyboard.press("Control+Enter")
    assert Ticket.objects.unscoped().filter(subject="申报期限咨询").count() == 1
