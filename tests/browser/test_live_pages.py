"""Pages that update themselves, in a real browser: what one person does is on another's open
page within five seconds, without a reload; a deadline badge turns overdue at its due time; a
change never throws away what someone is typing."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from closeloop.sla.models import Deadline
from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput, TicketInput

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PROMISE_MS = 5_000  # the promise: on the other's page within five seconds


def _dispatched(centre: Any, subject: str) -> str:
    t = services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="complaint",
            channel="phone",
            subject=subject,
            customer=CustomerInput(name="张三", phone="13800138000"),
        ),
    )
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    return t.number


def _not_reloaded(page: Any) -> None:
    page.evaluate("window.__stillHere = true")


def _was_not_reloaded(page: Any) -> bool:
    return bool(page.evaluate("window.__stillHere === true"))


def test_an_assignment_appears_in_the_handlers_open_queue(centre: Any, person_at: Any) -> None:
    number = _dispatched(centre, "窗口长时间无人")
    handler = person_at("handler_a")
    handler.page.goto("/tickets/?view=mine")
    assert number not in handler.page.locator("#queue-list").inner_text()
    _not_reloaded(handler.page)

    liaison = person_at("liaison_a")
    liaison.open_ticket(number)
    liaison.act("assign", select={"handler": centre.handler_a.username})

    handler.page.locator(f"#queue-list a:text-is('{number}')").wait_for(timeout=PROMISE_MS)
    handler.page.locator("#bell-count[data-count='1']").wait_for(timeout=PROMISE_MS)
    assert _was_not_reloaded(handler.page)


def test_a_deadline_badge_turns_overdue_at_its_due_time(centre: Any, person_at: Any) -> None:
    number = _dispatched(centre, "叫号系统故障")
    # Far enough ahead for a slow machine to open the page first.
    due = timezone.now() + timedelta(seconds=20)
    ticket = Ticket.objects.get(number=number)
    Deadline.objects.filter(ticket=ticket, closed_at__isnull=True).update(due_at=due, warn_at=None)
    Ticket.objects.filter(pk=ticket.pk).update(next_due_at=due, deadline_state="on_track")

    supervisor = person_at("super1")
    page = supervisor.page
    supervisor.open_ticket(number)
    badge = page.locator("#deadlines .dl[data-due]").first
    assert badge.get_attribute("data-state") == "on_track"
    _not_reloaded(page)
    # Nothing is swept or saved: the page turns it on the clock.
    page.locator("#deadlines .dl[data-state=overdue]").first.wait_for(timeout=40_000)
    assert (
        page.locator("#deadlines .dl-overdue").first.inner_text() == "超期"
    )  # the browser asks for Chinese
    assert _was_not_reloaded(page)

    page.goto(f"/tickets/?view=all&q={number}")
    assert page.locator("#queue-list .dl").first.get_attribute("data-state") == "overdue"


def test_a_change_keeps_what_the_person_is_typing(centre: Any, person_at: Any) -> None:
    number = _dispatched(centre, "服务态度生硬")
    services.ticket_assign(centre.liaison_a, number, handler=centre.handler_a.username)
    handler = person_at("handler_a")
    page = handler.open_ticket(number)
    box = page.locator("#actions [data-action=note]")
    if box.evaluate("el => el.tagName") == "DETAILS":
        box.locator("summary").click()
    field = box.locator("textarea").first
    field.fill("已联系纳税人，约定明天上门")

    # Someone else changes the ticket meanwhile.
    services.ticket_note(centre.liaison_a, number, text="请尽快处理")

    page.locator("#live-stale").wait_for(state="visible", timeout=PROMISE_MS)
    assert field.input_value() == "已联系纳税人，约定明天上门"


def test_a_short_clock_counts_down_and_the_nearest_deadline_comes_first(
    centre: Any, person_at: Any
) -> None:
    """A road-rescue clock of minutes shows the time left, ticking; the panel lists the
    running deadlines first, the nearest at the top."""
    number = _dispatched(centre, "车辆抛锚求援")
    ticket = Ticket.objects.get(number=number)
    running = Deadline.objects.filter(ticket=ticket, closed_at__isnull=True).first()
    assert running is not None
    due = timezone.now() + timedelta(seconds=95)
    Deadline.objects.filter(pk=running.pk).update(
        due_at=due, warn_at=None, rule={**running.rule, "unit": "minutes", "amount": 5}
    )

    supervisor = person_at("super1")
    page = supervisor.open_ticket(number)
    first_row = page.locator("#deadlines tbody tr").first
    assert first_row.get_attribute("data-milestone") == running.milestone
    clock = first_row.locator("time[data-countdown]")
    first = clock.inner_text()
    minutes, _, seconds = first.partition(":")
    assert 0 < int(minutes) * 60 + int(seconds) <= 95, first  # at most 1:35 left, still running
    page.wait_for_function(
        "t => document.querySelector('time[data-countdown]').textContent !== t", arg=first
    )
    assert clock.get_attribute("title") == "剩余时间"
