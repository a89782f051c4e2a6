"""The demo history `closeloop init --demo` replays (issue 12, item 13): a few months of a
centre at work, made through the real services from the pack's own rules, so that every role
finds work on its first page.

One pack is replayed at full size (the default, 12366); every shipped pack gets a short run.
"""

from collections import Counter
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone

from closeloop.demo.history import demo_history_create
from closeloop.directory.models import Department, User
from closeloop.notifications.models import OutboxMessage
from closeloop.policy.services import pack_active, pack_demo_people, pack_list, pack_load
from closeloop.reports.models import MonthlyReport
from closeloop.reports.monthly import Month, month_current
from closeloop.sla.models import Deadline
from closeloop.tickets.models import Ticket, TicketEvent
from closeloop.workflow.statuses import Status
from tests.conftest import demo_people, person

pytestmark = pytest.mark.django_db

SHIPPED_PACKS = [name for name, _title, _version in pack_list()]
SHORT_RUN = 36


def statuses() -> set[str]:
    return set(Ticket.objects.values_list("status", flat=True))


def events_follow_each_other() -> list[str]:
    """Per ticket, each event starts where the one before ended, never earlier in time."""
    problems = []
    last: dict[int, TicketEvent] = {}
    for event in TicketEvent.objects.order_by("ticket_id", "at", "id"):
        before = last.get(event.ticket_id)
        if before is not None and event.from_status != before.to_status:
            problems.append(f"{event.ticket_id}: {before.action}→{event.action}")
        last[event.ticket_id] = event
    return problems


def overdue_deadlines_were_swept() -> bool:
    """Every deadline the history left overdue was marked so by the sweep (an event)."""
    overdue = Deadline.objects.filter(state="overdue")
    swept = {
        (e.ticket_id, e.payload.get("milestone"))
        for e in TicketEvent.objects.filter(action="overdue")
    }
    return all((d.ticket_id, d.milestone) in swept for d in overdue)


def first_page(user: User) -> Any:
    client = Client()
    client.force_login(user)
    response = client.get("/", follow=True)
    assert response.status_code == 200, user.username
    return client, response


def test_a_full_history_gives_every_role_work_on_its_first_page() -> None:
    people = demo_people("tax-hotline-12366")
    history = demo_history_create()

    assert history.refused == []
    assert history.tickets >= 290 and Ticket.objects.count() == history.tickets
    # Every state a ticket can be in, and a ticket that is late right now.
    assert statuses() == set(Status.values)
    assert Ticket.objects.filter(deadline_state="overdue").exists()
    assert overdue_deadlines_were_swept()
    assert events_follow_each_other() == []
    # Customers were told along the way, then: nothing of the past waits to be sent today.
    assert OutboxMessage.objects.filter(purpose="reply").exists()
    assert not OutboxMessage.objects.filter(sent_at__isnull=True).exists()
    # Months of it, not a day's: every closed month of the window has its share.
    received_at = Ticket.objects.values_list("received_at", flat=True)
    months = Counter(str(Month.of(timezone.localtime(t).date())) for t in received_at)
    current = month_current(timezone.now())
    assert all(months[str(current.shift(-back))] > 50 for back in (1, 2, 3)), months
    last = current.shift(-1)

    # The last closed month has its monthly report, with the month's figures in it.
    report = MonthlyReport.objects.get(month=str(last))
    period = last.period()
    received = Ticket.objects.filter(received_at__gte=period.start, received_at__lt=period.end)
    merged_before = received.filter(
        status=Status.MERGED, events__action="merge", events__at__lt=report.generated_at
    )
    assert report.figures["totals"]["received"] == received.count() - merged_before.count() > 20
    assert report.typical_cases  # the supervisor picked cases when publishing

    for username, user in people.items():
        client, response = first_page(user)
        path = response.request["PATH_INFO"]
        if path == "/intake/":  # agents: a form first; their callers wait in their queue
            assert client.get("/tickets/").context["rows"], username
            assert client.get("/visits/").context["rows"], username
        elif path == "/tickets/":
            assert response.context["rows"], username
        elif path == "/dashboard/":
            assert response.context["totals"]["open"] > 0, username
            assert response.context["overdue"], username
            assert response.context["escalations"], username
        elif path == "/approvals/":
            assert response.context["plans"] or response.context["extensions"], username
        else:
            pytest.fail(f"{username} lands on {path}")
        assert client.get("/ledger/").context["rows"], username
        if user.has_role("supervisor", "leader", "inspector", "admin"):
            # The indicators page opens on last month, by department.
            groups = client.get("/reports/").context["shown"]["groups"]
            assert sum(g["received"] for g in groups) > 20, username
            page = client.get(f"/reports/monthly/{last}/")
            assert page.status_code == 200
            assert page.context["report"] is not None, username


@pytest.mark.parametrize("pack_name", SHIPPED_PACKS)
def test_every_shipped_pack_replays_its_rules(pack_name: str) -> None:
    demo_people(pack_name)
    history = demo_history_create(tickets_count=SHORT_RUN)

    assert history.refused == []
    assert history.tickets >= SHORT_RUN - 2
    assert statuses() == set(Status.values), Counter(
        Ticket.objects.values_list("status", flat=True)
    )
    assert Ticket.objects.filter(deadline_state="overdue").exists()
    assert overdue_deadlines_were_swept()
    assert events_follow_each_other() == []
    last = month_current(timezone.now()).shift(-1)
    assert MonthlyReport.objects.filter(month=str(last)).exists()
    # Every event was made by a person of the pack or by the system (sweep, portal).
    actors = set(TicketEvent.objects.exclude(actor=None).values_list("actor__username", flat=True))
    assert actors <= set(User.objects.values_list("username", flat=True))


def signature() -> list[tuple[Any, ...]]:
    tickets = Ticket.objects.order_by("number").values_list(
        "number", "subject", "kind", "status", "received_at", "deadline_state", "handler__username"
    )
    events = TicketEvent.objects.order_by("ticket__number", "at", "id").values_list(
        "ticket__number", "action", "at"
    )
    return [*tickets, *events]


class Rollback(Exception):
    pass


def test_the_same_seed_and_moment_give_the_same_history() -> None:
    demo_people("road-rescue")
    now = datetime(2026, 11, 18, 15, 40, tzinfo=ZoneInfo("Asia/Shanghai"))
    runs = []
    for _run in range(2):
        with pytest.raises(Rollback), transaction.atomic():
            demo_history_create(now=now, tickets_count=SHORT_RUN)
            runs.append(signature())
            raise Rollback
    assert runs[0] == runs[1] and len(runs[0]) > SHORT_RUN
    # Nothing happens after the moment it was made for.
    assert max(at for *_rest, at in runs[0][SHORT_RUN:]) <= now


def test_a_second_run_adds_nothing() -> None:
    demo_people("car-dealer")
    first = demo_history_create(tickets_count=SHORT_RUN)
    counts = (Ticket.objects.count(), TicketEvent.objects.count(), Deadline.objects.count())
    second = demo_history_create(tickets_count=SHORT_RUN)
    assert first.tickets and not first.skipped
    assert second.skipped and second.tickets == 0
    assert (Ticket.objects.count(), TicketEvent.objects.count(), Deadline.objects.count()) == counts


def test_a_pack_the_demo_has_no_texts_for_gets_plain_ones(settings: Any, tmp_path: Any) -> None:
    source = (settings.PACKS_DIR / "car-dealer" / "pack.yaml").read_text(encoding="utf-8")
    folder = tmp_path / "own-dealer"
    folder.mkdir()
    (folder / "pack.yaml").write_text(
        source.replace("name: car-dealer", "name: own-dealer"), encoding="utf-8"
    )
    pack_load(str(folder))
    for p in pack_demo_people(pack_active()):
        department = Department.objects.get(code=p.department) if p.department else None
        person(p.username, *p.roles, department=department)

    history = demo_history_create(tickets_count=SHORT_RUN)

    assert history.refused == [] and history.tickets >= SHORT_RUN - 2
    assert statuses() == set(Status.values)
    # Subjects made from the pack's own categories: "关于维修保养的投诉".
    assert Ticket.objects.filter(subject__startswith="关于", subject__endswith="投诉").exists()
