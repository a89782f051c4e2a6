"""A call half-typed is not lost to a stray click: leaving intake with something typed asks
first; an untouched form and a saved one leave without a question."""

from typing import Any

import pytest

from closeloop.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE_FOCUSED = "document.activeElement && document.activeElement.id === 'id_phone'"


def asked(page: Any, answer: bool) -> list[str]:
    kinds: list[str] = []

    def handle(dialog: Any) -> None:
        kinds.append(dialog.type)
        dialog.accept() if answer else dialog.dismiss()

    page.on("dialog", handle)
    return kinds


def test_leaving_a_half_typed_call_asks_first(centre: Any, person_at: Any) -> None:
    page = person_at("agent1").page
    page.goto("/intake/")
    kinds = asked(page, answer=False)
    page.wait_for_function(PHONE_FOCUSED)  # autofocus lands once the page has loaded
    page.keyboard.type("13700008888")  # the phone field has the focus
    page.fill("#global-search", "发票")  # a search from the top bar leaves the page
    page.locator("#global-search").press("Enter")
    page.wait_for_timeout(500)
    assert kinds == ["beforeunload"]
    assert page.url.endswith("/intake/")
    assert page.input_value("#id_phone") == "13700008888"


def test_an_untouched_or_saved_form_leaves_without_a_question(centre: Any, person_at: Any) -> None:
    page = person_at("agent1").page
    page.goto("/intake/")
    kinds = asked(page, answer=True)
    page.fill("#id_phone", "13700009999")
    page.keyboard.press("Tab")
    page.fill("#id_subject", "发票怎么领用")
    page.locator("#id_subject").press("Control+Enter")
    page.wait_for_selector(".flash.success")
    assert Ticket.objects.count() == 1
    page.fill("#global-search", "发票")
    page.locator("#global-search").press("Enter")
    page.wait_for_url("**/tickets/**")
    assert kinds == []
