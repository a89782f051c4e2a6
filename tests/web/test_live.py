"""Live pages: the hints an open page gets (GET /live/events/) — what each person may watch,
which changes reach which watch, and the stream itself as the test server (WSGI) serves it.
The production path (ASGI, several processes) is tests/cli/test_live_run.py."""

from typing import Any

import pytest
from django.test import override_settings
from django.utils import timezone

from closeloop.channels.live.changes import (
    LOOK_BACK,
    live_changes,
    live_cursor,
    live_position,
    live_watch_for,
)
from closeloop.notifications.models import Notification
from closeloop.tickets import services
from tests.conftest import Centre
from tests.web.conftest import complaint

FAST = override_settings(
    CLOSELOOP_LIVE_POLL_SECONDS=0.01,
    CLOSELOOP_LIVE_KEEPALIVE_SECONDS=0.05,
    CLOSELOOP_LIVE_MAX_SECONDS=5,
)


def dispatched(centre: Centre, department: Any) -> str:
    number = services.ticket_register(actor=centre.agent, data=complaint()).number
    services.ticket_accept(centre.agent, number)
    services.ticket_dispatch(centre.agent, number, department=department.code)
    return number


def test_a_page_watches_only_what_its_person_may_see(centre: Centre) -> None:
    number = dispatched(centre, centre.dept_b)
    everything = ["user", "dept", "all", "ticket"]

    liaison = live_watch_for(centre.liaison_a, everything, number)
    assert liaison.kinds == {"user", "dept"}  # not the centre, not another department's ticket
    assert liaison.ticket is None

    other = live_watch_for(centre.liaison_b, everything, number)
    assert other.kinds == {"user", "dept", "ticket"}

    supervisor = live_watch_for(centre.supervisor, everything, number)
    assert supervisor.kinds == {"user", "all", "ticket"}  # no department of their own

    assert live_watch_for(centre.handler_a, [], "").kinds == {"user"}  # the bell, always


def test_each_change_reaches_the_watches_it_touches(centre: Centre) -> None:
    cursor = live_cursor()
    number = dispatched(centre, centre.dept_a)
    changes = live_changes(cursor)
    assert changes, "registering and dispatching are changes"

    def hits(user: Any, kinds: list[str], ticket: str = "") -> set[str]:
        watch = live_watch_for(user, kinds, ticket)
        return set().union(*(watch.matches(c) for c in changes))

    assert "dept" in hits(centre.liaison_a, ["dept"])  # (and "user": the liaison is told)
    assert hits(centre.liaison_b, ["dept"]) == set()
    assert "all" in hits(centre.supervisor, ["all"])
    assert hits(centre.agent, ["user"]) == {"user"}  # the agent took the call
    assert hits(centre.liaison_b, ["ticket"], number) == set()

    # Assigned: the handler's own watch hears of it, and so does their bell.
    cursor = live_cursor()
    services.ticket_assign(centre.liaison_a, number, handler=centre.handler_a.username)
    changes = live_changes(cursor)
    assert hits(centre.handler_a, ["user"]) == {"user"}
    assert Notification.objects.filter(recipient=centre.handler_a).exists()
    assert live_changes(cursor) == []  # read once


def test_a_change_committed_late_is_not_missed(centre: Centre) -> None:
    """PostgreSQL hands out ids in one order and commits in another: a row with a lower id
    may appear after a higher one was read. (Shown with notifications; ticket events are read
    the same way and cannot be written with a chosen id.)"""
    dispatched(centre, centre.dept_a)
    top = Notification.objects.latest("pk").pk
    cursor = live_cursor()

    def note(pk: int, user: Any) -> None:
        Notification.objects.create(
            pk=pk, recipient=user, kind="assign", text="t", created_at=timezone.now()
        )

    note(top + 5, centre.handler_a)
    assert [c.people for c in live_changes(cursor)] == [{centre.handler_a.pk}]
    note(top + 2, centre.handler_b)  # the row that took a lower id commits now
    assert [c.people for c in live_changes(cursor)] == [{centre.handler_b.pk}]
    assert live_changes(cursor) == []
    assert top + 2 > cursor.notification - LOOK_BACK


def _stream(client: Any, query: str) -> Any:
    response = client.get(f"/live/events/?{query}")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/event-stream"
    assert response["X-Accel-Buffering"] == "no"
    return response, iter(response.streaming_content)


def _next_event(chunks: Any) -> str:
    for chunk in chunks:
        text = chunk.decode()
        if text.strip(": \n"):
            return text
    raise AssertionError("the stream ended without an event")


@FAST
def test_the_stream_says_hello_then_tells_of_a_change(centre: Centre, login: Any) -> None:
    client = login(centre.liaison_a)
    response, chunks = _stream(client, "watch=dept,all")
    assert '"kinds": ["dept", "user"]' in _next_event(chunks)  # "all" is not a liaison's
    dispatched(centre, centre.dept_a)
    assert _next_event(chunks) == 'event: change\ndata: {"kinds": ["dept", "user"]}\n\n'
    response.close()


@FAST
def test_a_page_hears_of_what_changed_while_it_loaded(centre: Centre, login: Any) -> None:
    position = live_position()  # the page was rendered here
    number = dispatched(centre, centre.dept_a)  # … and this happened before it listened
    response, chunks = _stream(
        login(centre.supervisor), f"watch=ticket&ticket={number}&since={position}"
    )
    _next_event(chunks)  # hello
    assert '"ticket"' in _next_event(chunks)
    response.close()


@pytest.mark.parametrize(
    ("query", "status", "text"),
    [("watch=dept,everything", 400, "watch: unknown kind everything"), ("watch=user", 403, "")],
)
def test_bad_or_anonymous_requests_get_a_clear_answer(
    centre: Centre, login: Any, client: Any, query: str, status: int, text: str
) -> None:
    asker = login(centre.liaison_a) if status == 400 else client
    response = asker.get(f"/live/events/?{query}")
    assert response.status_code == status
    assert text in response.content.decode()


def test_pages_carry_what_live_js_needs(centre: Centre, login: Any) -> None:
    number = dispatched(centre, centre.dept_a)
    client = login(centre.liaison_a)
    page = client.get("/tickets/?view=department").content.decode()
    assert 'data-live="dept"' in page
    assert 'data-live-url="/live/events/"' in page
    assert f'data-live-since="{live_position()}"' in page
    assert 'id="queue-list" data-live-region' in page
    assert "data-due=" in page  # the dispatch deadline runs: its badge turns on the clock
    ticket = client.get(f"/tickets/{number}/").content.decode()
    assert f'data-live-ticket="{number}"' in ticket
    assert 'id="topbar-counts"' in ticket
