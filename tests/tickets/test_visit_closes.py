"""The return visit closes the loop (issue 12, item 6): where the pack says so (the default), a
satisfied or basically satisfied visit closes the ticket in the same action — one event, the
close recorded on it, the deadlines ended as a close ends them."""

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import yaml

from closeloop.policy.services import pack_load
from closeloop.sla.models import Deadline
from closeloop.tickets import services
from closeloop.tickets.models import Assignment, Ticket, TicketEvent
from tests.conftest import COMPLAINT, Centre, demo_people

TZ = ZoneInfo("Asia/Shanghai")


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 11, day, hour, tzinfo=TZ)


def pack_variant(tmp_path: Path, name: str, change: Callable[[dict], None]) -> Any:
    """Load a copy of a shipped pack with `change` applied to its data."""
    data = yaml.safe_load(Path(f"packs/{name}/pack.yaml").read_text(encoding="utf-8"))
    change(data)
    folder = tmp_path / name
    folder.mkdir()
    (folder / "pack.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return pack_load(str(folder))


def resolved_complaint(api: Any, centre: Centre) -> str:
    agent = api(centre.agent)
    number = agent.post("tickets", COMPLAINT).json()["number"]
    assert agent.act(number, "accept").status_code == 200
    assert agent.act(number, "dispatch", department="t-alpha").status_code == 200
    assert api(centre.liaison_a).act(number, "assign", handler="handler_a").status_code == 200
    resolved = api(centre.handler_a).act(number, "resolve", reply="已整改。", validity="valid")
    assert resolved.status_code == 200
    return number


@pytest.mark.parametrize("satisfaction", ["satisfied", "basically_satisfied"])
def test_a_satisfied_visit_closes_the_ticket(api: Any, centre: Centre, satisfaction: str) -> None:
    number = resolved_complaint(api, centre)
    events_before = TicketEvent.objects.filter(ticket__number=number).count()

    response = api(centre.agent).act(number, "visit", satisfaction=satisfaction, comment="好")

    assert response.status_code == 200, response.json()
    t = response.json()
    assert (t["status"], t["satisfaction"]) == ("closed", satisfaction)
    assert t["closed_at"] is not None
    # One event for the visit, which records the close.
    new = list(TicketEvent.objects.filter(ticket__number=number).order_by("id"))[events_before:]
    assert [(e.action, e.from_status, e.to_status) for e in new] == [
        ("visit", "resolved", "closed")
    ]
    assert new[0].payload["closed"] is True
    # As a close does: nobody holds it any more, and closing it again is refused.
    assert not Assignment.objects.filter(ticket__number=number, ended_at__isnull=True).exists()
    assert api(centre.agent).act(number, "close").status_code == 409


def _resolved(
    people: dict[str, Any], department: str, liaison: str, handler: str, kind: str = "complaint"
) -> Ticket:
    agent = people["agent"]
    t = services.ticket_register(
        actor=agent,
        data=services.TicketInput(
            kind=kind,
            channel="phone",
            subject="抄表员态度差",
            customer=services.CustomerInput(name="赵六", phone="13600006666"),
        ),
        now=at(23),
    )
    if t.status == "registered":
        services.ticket_accept(agent, t.number, now=at(23))
    services.ticket_dispatch(agent, t.number, department=department, now=at(23))
    services.ticket_assign(people[liaison], t.number, handler=handler, now=at(23))
    return services.ticket_resolve(
        people[handler], t.number, reply="已道歉", validity="valid", now=at(24)
    )


def running(t: Ticket) -> set[str]:
    return set(
        Deadline.objects.filter(ticket=t, closed_at__isnull=True).values_list(
            "milestone", flat=True
        )
    )


def test_the_visit_meets_its_deadline(db: Any) -> None:
    """power-95598: a 2-working-day return visit clock runs after the resolution."""
    people = demo_people("power-95598")
    t = _resolved(people, "station-city", "liaison", "handler")
    assert running(t) == {"return_visit"}

    closed = services.ticket_return_visit(
        people["agent"], t.number, satisfaction="satisfied", now=at(25)
    )

    assert closed.status == "closed" and closed.closed_at == at(25)
    assert Deadline.objects.get(ticket=t, milestone="return_visit").state == "met"
    assert running(t) == set()
    assert Ticket.objects.get(pk=t.pk).next_due_at is None


def test_the_visit_stops_the_clocks_a_close_stops(db: Any) -> None:
    """letters-and-visits: the leader's review (阅批) clock still runs after the resolution;
    closing stops it, and so does the satisfied visit that closes."""
    people = demo_people("letters-and-visits")
    t = _resolved(people, "township", "liaison", "handler", kind="help")
    assert running(t) == {"leader_review"}

    services.ticket_return_visit(
        people["agent"], t.number, satisfaction="satisfied", now=at(24, 11)
    )

    assert running(t) == set()
    assert Deadline.objects.get(ticket=t, milestone="leader_review").state == "cancelled"


def test_the_customers_own_rating_closes_it_too(centre: Centre) -> None:
    t = services.ticket_register_public(
        data=services.TicketInput(
            kind="complaint",
            channel="web",
            subject="排队时间过长",
            customer=services.CustomerInput(name="王五", phone="13700007777"),
        )
    )
    services.ticket_accept(centre.agent, t.number)
    services.ticket_answer(centre.agent, t.number, reply="已增派人员")
    rated = services.ticket_return_visit_by_customer(
        t.number, code=t.public_code, satisfaction="satisfied"
    )
    assert rated.status == "closed"
    visit = rated.events.get(action="visit")
    assert (visit.payload["via"], visit.to_status) == ("portal", "closed")


def test_basically_satisfied_closes_only_where_it_counts_as_satisfied(
    centre: Centre, tmp_path: Path
) -> None:
    def change(data: dict) -> None:
        data["return_visit"]["basically_satisfied_is_satisfied"] = False

    pack_variant(tmp_path, "tax-service-outsourcing", change)
    t = services.ticket_register(
        actor=centre.agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject="窗口人员态度差",
            customer=services.CustomerInput(name="张三", phone="13800138000"),
        ),
    )
    services.ticket_answer(centre.agent, t.number, reply="已解释")
    visited = services.ticket_return_visit(
        centre.agent, t.number, satisfaction="basically_satisfied"
    )
    # Not counted as satisfied here: it stays for a person to decide, and close still works.
    assert visited.status == "resolved"
    assert services.ticket_close(centre.agent, t.number).status == "closed"


def test_a_pack_may_keep_the_close_a_separate_step(centre: Centre, tmp_path: Path) -> None:
    def change(data: dict) -> None:
        data["return_visit"]["close_on_satisfied"] = False

    pack_variant(tmp_path, "tax-service-outsourcing", change)
    t = services.ticket_register(
        actor=centre.agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject="窗口人员态度差",
            customer=services.CustomerInput(name="张三", phone="13800138000"),
        ),
    )
    services.ticket_answer(centre.agent, t.number, reply="已解释")
    visited = services.ticket_return_visit(centre.agent, t.number, satisfaction="satisfied")
    assert (visited.status, visited.closed_at) == ("resolved", None)
    closed = services.ticket_close(centre.agent, t.number)
    assert [e.action for e in closed.events.order_by("id")][-2:] == ["visit", "close"]
