"""The bell: a liaison assigns a ticket; the handler (after a reload) sees the count 1 and the
entry linking to the ticket; "mark all read" sets it to 0."""

from typing import Any

import pytest

from closeloop.notifications.models import Notification
from closeloop.tickets import services

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_assignment_reaches_the_handlers_bell(centre: Any, person_at: Any) -> None:
    t = services.ticket_register(
        actor=centre.agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject="窗口人员态度差",
            customer=services.CustomerInput(phone="13500005555"),
        ),
    )
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)

    handler = person_at("handler_a")
    count = handler.page.locator("#bell-count")
    assert count.inner_text() == "0"

    liaison = person_at("liaison_a")
    liaison.open_ticket(t.number)
    liaison.act("assign", select={"handler": centre.handler_a.username})

    handler.page.reload()
    assert count.inner_text() == "1"
    bell = handler.page.locator("[data-testid=bell]")
    assert "1" in (bell.get_attribute("aria-label") or "")
    bell.click()  # opens the list
    entry = handler.page.locator("[data-testid=bell-item]").first
    assert entry.is_visible()
    assert t.number in entry.inner_text()
    handler.shot("bell-open")

    entry.click()  # opens the ticket and marks the notification read
    handler.page.wait_for_url(f"**/tickets/{t.number}/")
    assert handler.page.locator("#bell-count").inner_text() == "0"

    # Another one, then "mark all read" from the bell.
    services.ticket_remind(centre.supervisor, t.number)
    handler.page.reload()
    assert handler.page.locator("#bell-count").inner_text() == "1"
    handler.page.locator("[data-testid=bell]").click()
    with handler.page.expect_navigation():
        handler.page.locator("[data-testid=bell-read-all]").click()
    assert handler.page.locator("#bell-count").inner_text() == "0"
    assert not Notification.objects.filter(recipient=centre.handler_a, read_at=None).exists()


def test_the_bell_counts_an_assignment_without_a_reload(centre: Any, person_at: Any) -> None:
    """With live pages, the open page's bell follows as the queue does (within the live
    pages' promise, `test_live_pages.PROMISE_MS`)."""
    from tests.browser.test_live_pages import PROMISE_MS, _dispatched

    number = _dispatched(centre, "窗口长时间无人")
    handler = person_at("handler_a")
    handler.page.goto("/tickets/?view=mine")
    assert handler.page.locator("#bell-count").inner_text() == "0"
    handler.page.evaluate("window.__stillHere = true")

    liaison = person_at("liaison_a")
    liaison.open_ticket(number)
    liaison.act("assign", select={"handler": centre.handler_a.username})

    handler.page.locator("#bell-count[data-count='1']").wait_for(timeout=PROMISE_MS)
    assert handler.page.evaluate("window.__stillHere === true")  # not reloaded
