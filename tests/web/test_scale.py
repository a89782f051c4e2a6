"""What the staff pages do to stay fast at millions of tickets: capped counts ("99+"), lists
that say "50+" rather than counting, the queues' page read in the order asked, and the
dashboard's choice of rows."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from closeloop.channels.web import dashboard, deadlines, queues
from closeloop.sla.engine import ticket_deadlines_summarise
from closeloop.sla.models import Deadline
from closeloop.tickets import services
from closeloop.tickets.models import ExtensionRequest, Ticket
from closeloop.workflow.statuses import ACTIVE_STATUSES

pytestmark = pytest.mark.django_db


def _due(t: Any, state: str, hours: float) -> None:
    """Give a ticket the deadline summary the sweep would (a state, due `hours` from now)."""
    Ticket.objects.filter(pk=t.pk).update(
        deadline_state=state, next_due_at=timezone.now() + timedelta(hours=hours)
    )


def _missed(t: Any, milestone: str, closed_at: Any = None) -> Deadline:
    """A deadline of `t` that fell due two days ago (and, with `closed_at`, was stopped)."""
    now = timezone.now()
    return Deadline.objects.create(
        ticket=t,
        milestone=milestone,
        rule={},
        started_at=now - timedelta(days=5),
        due_at=now - timedelta(days=2),
        state="overdue",
        closed_at=closed_at,
    )


def test_topbar_counts_stop_at_the_cap(
    centre: Any, login: Any, register: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(deadlines, "COUNT_CAP", 2)
    for i in range(3):
        _due(register(), "overdue", -i - 1)
    _due(register(), "warning", 1)
    page = login(centre.agent).get("/tickets/").content.decode()
    assert '<b data-testid="count-warning">1</b>' in page
    assert re.search(r'data-testid="count-overdue" title="[^"]*2">2\+</b>', page)


def test_topbar_counts_exact_below_the_cap(centre: Any, register: Any) -> None:
    for i in range(3):
        _due(register(), "overdue", -i - 1)
    mine = queues.my_tickets(centre.agent)
    assert deadlines.state_counts(mine) == {"warning": 0, "overdue": 3}
    assert deadlines.state_counts(mine, cap=1) == {"warning": 0, "overdue": 2}


def test_dashboard_lists_say_more_than(
    centre: Any, login: Any, register: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(dashboard, "LISTED", 2)
    tickets = [register(description="要找媒体曝光") for _ in range(3)]
    now = timezone.now()
    for t in tickets:
        ExtensionRequest.objects.create(
            ticket=t, requested_by=centre.agent, requested_at=now, until=now, reason="核实"
        )
    page = login(centre.supervisor).get("/dashboard/").content.decode()
    assert re.search(r'data-testid="crisis-count" title="[^"]*2">2\+</b>', page)
    extensions = re.search(r'<div class="tile"><b title="[^"]*2">(\S+)</b><span>', page)
    assert extensions and extensions.group(1) == "2+"
    # The totals stay exact: they count, the lists only show.
    assert '<b data-testid="total-open">3</b>' in page


def test_dashboard_below_the_list_length_shows_the_number(
    centre: Any, login: Any, register: Any
) -> None:
    register(description="要找媒体曝光")
    page = login(centre.supervisor).get("/dashboard/").content.decode()
    assert '<b data-testid="crisis-count">1</b>' in page


def test_dashboard_overdue_includes_a_late_return_visit(
    centre: Any, login: Any, in_progress: Any, register: Any
) -> None:
    """A resolved ticket whose return visit is past due is late work too: it is listed under
    "Overdue now" and counted under its milestone, though no longer an open ticket."""
    resolved = services.ticket_resolve(
        centre.handler_a, in_progress.number, reply="已处理", validity="valid"
    )
    Deadline.objects.filter(ticket=resolved).update(closed_at=timezone.now())
    _missed(resolved, "return_visit")
    ticket_deadlines_summarise(resolved)
    open_one = register()
    figures = dashboard.dashboard_figures(centre.supervisor)
    assert [t.number for t in figures["overdue"]] == [resolved.number]
    milestones = {row["milestone"]: row for row in figures["by_milestone"]}
    assert milestones["return_visit"]["overdue"] == 1
    # The per-department table is about open tickets only.
    assert figures["totals"]["open"] == 1
    assert open_one.number not in [t.number for t in figures["overdue"]]


def test_dashboard_milestones_count_running_deadlines_only(centre: Any, register: Any) -> None:
    """A deadline missed and then stopped (the ticket was transferred, say) stays overdue in
    the ledger but no longer runs: the dashboard's milestone counts leave it out."""
    t = register()
    Deadline.objects.filter(ticket=t).delete()  # only the two below count
    _missed(t, "department_response")
    _missed(t, "department_response", closed_at=timezone.now())
    figures = dashboard.dashboard_figures(centre.supervisor)
    milestones = {row["milestone"]: row for row in figures["by_milestone"]}
    assert milestones["department_response"]["overdue"] == 1
    assert milestones["department_response"]["open"] == 1


def test_dashboard_departments_in_code_order_undispatched_last(
    centre: Any, in_progress: Any, register: Any
) -> None:
    register()
    t = register()
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_b.code)
    rows = dashboard.dashboard_figures(centre.supervisor)["by_department"]
    assert [(r["code"], r["open"]) for r in rows] == [("t-alpha", 1), ("t-beta", 1), (None, 1)]


def test_queue_pages_follow_the_nearest_deadline(
    centre: Any, login: Any, register: Any, monkeypatch: Any
) -> None:
    monkeypatch.setattr(queues, "PAGE_SIZE", 2)
    tickets = [register() for _ in range(5)]
    for hours, t in zip([5, -1, 3, None, 1], tickets, strict=True):
        if hours is not None:
            _due(t, "overdue" if hours < 0 else "on_track", hours)
    expected = [tickets[i].number for i in (1, 4, 2, 0, 3)]
    client = login(centre.supervisor)
    seen = []
    for page in (1, 2, 3):
        html = client.get(f"/tickets/?view=open&page={page}").content.decode()
        seen += [n for n in expected if f">{n}</a>" in html]
        assert ('rel="next"' in html) == (page < 3)
    assert seen == expected
    html = client.get("/tickets/?view=open").content.decode()
    assert html.index(expected[0]) < html.index(expected[1])


@pytest.mark.parametrize("param", ["deadline_state", "deadline"])
def test_queue_filters_by_deadline_state(
    centre: Any, login: Any, register: Any, param: str
) -> None:
    """`deadline_state` as in the API; `deadline` is what links said before."""
    late, fine = register(), register()
    _due(late, "overdue", -2)
    _due(fine, "on_track", 5)
    html = login(centre.supervisor).get(f"/tickets/?view=all&{param}=overdue").content.decode()
    assert late.number in html and fine.number not in html


def test_supervisor_approvals_read_no_plans(centre: Any, login: Any, in_progress: Any) -> None:
    services.ticket_submit_plan(centre.handler_a, in_progress.number, plan="上门核实")
    with CaptureQueriesContext(connection) as ctx:
        page = login(centre.supervisor).get("/approvals/").content.decode()
    assert in_progress.number not in page
    plans_query = "= 'pending_approval'"
    assert not [q for q in ctx.captured_queries if plans_query in q["sql"]]
    with CaptureQueriesContext(connection) as ctx:
        page = login(centre.leader).get("/approvals/").content.decode()
    assert in_progress.number in page
    assert [q for q in ctx.captured_queries if plans_query in q["sql"]]


@pytest.mark.parametrize("who", ["liaison_a", "handler_a"])
def test_department_inbox_is_what_the_person_may_see_there(
    centre: Any, login: Any, register: Any, who: str
) -> None:
    """The inbox skips the visibility test (its own departments are always visible): it must
    still list exactly the visible active tickets of the department, no other's."""
    mine, other = register(), register()
    for t, dept in ((mine, centre.dept_a), (other, centre.dept_b)):
        services.ticket_accept(centre.agent, t.number)
        services.ticket_dispatch(centre.agent, t.number, department=dept.code)
    user = getattr(centre, who)
    listed = set(queues.queue_tickets(user, "department").values_list("number", flat=True))
    visible = set(
        Ticket.objects.visible_to(user)
        .filter(department=centre.dept_a)
        .filter(status__in=ACTIVE_STATUSES)
        .values_list("number", flat=True)
    )
    assert listed == visible == {mine.number}
    html = login(user).get("/tickets/?view=department").content.decode()
    assert mine.number in html and other.number not in html
