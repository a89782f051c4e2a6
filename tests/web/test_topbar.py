"""The top bar: its menu (the daily pages in the bar, the rest under "More", every access key
kept) and its deadline counts, which say whose tickets they count and agree with the
dashboard for a supervisor."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from tests.web.conftest import complaint

pytestmark = pytest.mark.django_db


def _overdue(centre: Any, actor: Any) -> str:
    """A ticket `actor` registered, held by handler_a, past its deadline."""
    t = services.ticket_register(actor=actor, data=complaint())
    services.ticket_accept(actor, t.number)
    services.ticket_dispatch(actor, t.number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username)
    # The summary the deadline sweep would leave.
    Ticket.objects.filter(pk=t.pk).update(
        deadline_state="overdue", next_due_at=timezone.now() - timedelta(hours=2)
    )
    return str(t.number)


def _count(page: str, state: str) -> int:
    found = re.search(rf'data-testid="count-{state}"[^>]*>(\d+)</b>', page)
    assert found, f"no {state} count in the top bar"
    return int(found.group(1))


def _scope(page: str) -> str:
    found = re.search(r'data-testid="count-scope">([^<]*)<', page)
    assert found
    return found.group(1)


def test_supervisor_counts_what_the_dashboard_counts(
    centre: Any, login: Any, register: Any
) -> None:
    """The supervisor's bar once said 超期 0 beside a dashboard showing 3: it counted only
    the tickets the supervisor held."""
    late = [_overdue(centre, centre.agent) for _ in range(3)]
    late.append(_overdue(centre, centre.supervisor))
    register()  # open, on time
    supervisor = login(centre.supervisor)

    dashboard = supervisor.get("/dashboard/").content.decode()
    tile = re.search(r'class="tile overdue"[^>]*><b>(\d+)</b>', dashboard)
    assert tile and int(tile.group(1)) == 4
    assert _count(dashboard, "overdue") == 4
    assert _count(supervisor.get("/tickets/").content.decode(), "overdue") == 4
    assert _scope(dashboard) == "Centre"
    assert 'title="The centre&#x27;s open tickets past a deadline"' in dashboard

    # The count links to the queue that lists exactly those tickets.
    link = re.search(r'class="count overdue" href="([^"]*)"', dashboard)
    assert link and link.group(1) == "/tickets/?view=open&amp;deadline_state=overdue"
    queue = supervisor.get("/tickets/?view=open&deadline_state=overdue").content.decode()
    listed = set(re.findall(r'href="/tickets/(\d{8}-\d{6})/"', queue))
    assert listed == set(late)


def test_others_count_their_own(centre: Any, login: Any) -> None:
    for _ in range(2):
        _overdue(centre, centre.agent)
    _overdue(centre, centre.supervisor)  # nothing to do with the agent

    agent = login(centre.agent).get("/intake/").content.decode()
    assert _count(agent, "overdue") == 2
    assert _scope(agent) == "Mine"
    assert 'title="My tickets past a deadline"' in agent
    assert 'href="/tickets/?view=mine&amp;deadline_state=overdue"' in agent
    assert _count(login(centre.handler_a).get("/tickets/").content.decode(), "overdue") == 3
    assert _count(login(centre.handler_b).get("/tickets/").content.decode(), "overdue") == 0


def _menu(page: str) -> tuple[dict[str, str], dict[str, str]]:
    """(href → access key) of the pages in the bar, and of those under "More"."""
    nav = re.search(r"<nav>(.*?)</nav>", page, re.S)
    assert nav
    bar, _, more = nav.group(1).partition('<details class="more')
    link = re.compile(r'<a href="([^"]+)" accesskey="(\w)"')
    return dict(link.findall(bar)), dict(link.findall(more))


@pytest.mark.parametrize(
    ("who", "in_bar", "under_more"),
    [
        (
            "supervisor",
            "/intake/ /tickets/ /approvals/ /dashboard/",
            "ledger visits reports knowledge quality care/boxes",
        ),
        ("agent", "/intake/ /tickets/ /visits/ /knowledge/", "ledger quality care/boxes"),
        ("leader", "/tickets/ /approvals/ /dashboard/ /reports/", "ledger knowledge care/boxes"),
        ("inspector", "/tickets/ /dashboard/ /reports/ /quality/", "ledger knowledge"),
        ("handler_a", "/tickets/ /ledger/ /knowledge/", ""),
    ],
)
def test_menu_keeps_the_daily_pages_in_the_bar(
    centre: Any, login: Any, who: str, in_bar: str, under_more: str
) -> None:
    page = login(getattr(centre, who)).get("/tickets/").content.decode()
    bar, more = _menu(page)
    assert list(bar) == in_bar.split()
    assert list(more) == [f"/{name}/" for name in under_more.split()]
    assert ("nav-more" in page) == bool(under_more)


def test_every_page_keeps_its_access_key(centre: Any, login: Any) -> None:
    bar, more = _menu(login(centre.supervisor).get("/dashboard/").content.decode())
    keys = {**bar, **more}
    assert keys == {
        "/intake/": "n",
        "/tickets/": "q",
        "/ledger/": "l",
        "/visits/": "v",
        "/approvals/": "a",
        "/dashboard/": "d",
        "/reports/": "r",
        "/knowledge/": "k",
        "/quality/": "i",
        "/care/boxes/": "b",
    }


def test_more_says_when_it_holds_the_page_open(centre: Any, login: Any) -> None:
    page = login(centre.supervisor).get("/ledger/").content.decode()
    assert '<details class="more current" id="nav-more">' in page
    assert '<a href="/ledger/" accesskey="l" aria-current="page">' in page


def test_dashboard_offers_approvals_only_to_who_may_decide(
    centre: Any, login: Any, in_progress: Any
) -> None:
    services.ticket_extend(
        centre.handler_a,
        in_progress.number,
        until=timezone.now() + timedelta(days=10),
        reason="需要现场核实",
    )
    assert 'href="/approvals/">' in login(centre.supervisor).get("/dashboard/").content.decode()
    for who in (centre.inspector, centre.admin):
        page = login(who).get("/dashboard/").content.decode()
        assert in_progress.number in page and 'href="/approvals/"' not in page
