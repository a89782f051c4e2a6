"""Every case has a clock from the moment it arrives (issue 12, item 1): in every shipped pack,
every kind the pack accepts gets a deadline running from `received_at` — unless the pack says
why not (`no_limit`) — and a case registered late is on that clock already, overdue if need
be, and the sweep escalates it."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from closeloop.directory.models import User
from closeloop.policy.services import pack_read
from closeloop.sla.models import Deadline
from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import services
from closeloop.tickets.models import Ticket, TicketEvent
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import demo_people, required_field_values

TZ = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # a Monday
PACKS = sorted(p.name for p in Path(settings.PACKS_DIR).iterdir() if (p / "pack.yaml").exists())


def _kinds() -> list[tuple[str, str]]:
    return [
        (name, kind) for name in PACKS for kind in pack_read(Path(settings.PACKS_DIR) / name).kinds
    ]


def register(agent: User, now: datetime, **fields: Any) -> Ticket:
    data = TicketInput(
        **{
            "kind": "complaint",
            "channel": "phone",
            "subject": "来电反映问题",
            "customer": CustomerInput(name="张三", phone="13800138000"),
            **fields,
        }
    )
    return services.ticket_register(actor=agent, data=data, now=now)


@pytest.mark.parametrize(("pack", "kind"), _kinds())
def test_every_kind_has_a_clock_from_arrival_or_says_why_not(db: Any, pack: str, kind: str) -> None:
    people = demo_people(pack)
    agent = next(u for u in people.values() if u.has_role("agent"))
    spec = pack_read(Path(settings.PACKS_DIR) / pack)
    untimed = {k: entry.basis for entry in spec.no_limit for k in entry.kinds}
    received = T - timedelta(minutes=30)  # typed in half an hour after the call
    ticket = register(
        agent, T, kind=kind, received_at=received, fields=required_field_values(spec, kind)
    )
    ticket.refresh_from_db()
    from_arrival = Deadline.objects.filter(ticket=ticket, started_at=received)
    running = Deadline.objects.filter(ticket=ticket, closed_at__isnull=True)
    if kind in untimed:
        assert untimed[kind].strip()  # the pack says why there is no clock
        assert not from_arrival.exists()
        return
    assert from_arrival.exists(), f"{pack}: a {kind} has no clock from its arrival"
    assert running.exists(), f"{pack}: a {kind} has no running clock once registered"
    assert ticket.next_due_at is not None


def test_road_rescue_dispatch_runs_five_minutes_from_the_first_report(db: Any) -> None:
    """首报五分钟内: nobody has clicked accept, and the case is late all the same."""
    people = demo_people("road-rescue")
    agent = people["agent"]
    ticket = register(agent, T, subject="拖车收费过高")
    dispatch = Deadline.objects.get(ticket=ticket, milestone="dispatch")
    assert (dispatch.started_at, dispatch.due_at) == (T, T + timedelta(minutes=5))

    result = deadlines_sweep(now=T + timedelta(minutes=6))
    assert result.overdue >= 1
    dispatch.refresh_from_db()
    assert dispatch.state == "overdue"
    reminded = TicketEvent.objects.get(ticket=ticket, action="remind")
    assert reminded.payload["milestone"] == "dispatch"
    # Accepting seven hours later neither restarts nor moves the first report's clock.
    services.ticket_accept(agent, ticket.number, now=T + timedelta(hours=7))
    assert list(
        Deadline.objects.filter(ticket=ticket, milestone="dispatch").values_list("due_at", "state")
    ) == [(T + timedelta(minutes=5), "overdue")]


def test_a_letter_registered_late_is_overdue_at_once_and_the_sweep_escalates_it(
    db: Any,
) -> None:
    """A letter received 20 days before it is typed in: its 15-day reply clock (信访) ran from
    the day it arrived, so it is already past due, and the first sweep says so."""
    people = demo_people("letters-and-visits")
    received = T - timedelta(days=20)
    ticket = register(people["agent"], T, channel="letter", received_at=received)
    reply = Deadline.objects.get(ticket=ticket, milestone="reply")
    assert reply.started_at == received
    assert reply.due_at < T
    assert reply.next_check_at is not None and reply.next_check_at <= T  # the sweep's index

    deadlines_sweep(now=T + timedelta(minutes=1))
    reply.refresh_from_db()
    assert reply.state == "overdue"
    ticket.refresh_from_db()
    assert ticket.deadline_state == "overdue"
    assert TicketEvent.objects.filter(ticket=ticket, action="overdue").exists()


def test_a_transfer_restarts_a_clock_that_ran_from_the_first_report(db: Any) -> None:
    """Road rescue's 12 hours run from the first report; the department a case is transferred
    to gets its own 12 hours from the transfer, and holds them."""
    people = demo_people("road-rescue")
    agent = people["agent"]
    ticket = register(agent, T)
    services.ticket_accept(agent, ticket.number, now=T)
    services.ticket_dispatch(agent, ticket.number, department="rescue-ops", now=T)
    first = Deadline.objects.get(ticket=ticket, milestone="department_response")
    assert first.department is not None and first.department.code == "rescue-ops"
    later = T + timedelta(hours=3)
    services.ticket_transfer(people["liaison"], ticket.number, department="billing", now=later)
    first.refresh_from_db()
    assert first.state == "cancelled"
    again = Deadline.objects.get(ticket=ticket, milestone="department_response", closed_at=None)
    assert (again.started_at, again.due_at) == (later, later + timedelta(hours=12))
    assert again.department is not None and again.department.code == "billing"
