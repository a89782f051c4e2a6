"""The monthly figures, checked to the unit on a month of tickets with known outcomes."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from closeloop.directory.models import User
from closeloop.reports.indicators import Period, indicators
from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import services
from closeloop.tickets.services import CompensationInput, CustomerInput, TicketInput
from tests.conftest import Api, demo_people

TZ = ZoneInfo("Asia/Shanghai")
OCTOBER = Period(datetime(2026, 10, 1, tzinfo=TZ), datetime(2026, 11, 1, tzinfo=TZ))


def at(day: int, hour: int = 10) -> datetime:
    return datetime(2026, 10, day, hour, tzinfo=TZ)


@pytest.fixture
def month(db: Any) -> dict[str, User]:
    """95598 (24×7): nine tickets received in October, one in September, outcomes known."""
    people = demo_people("power-95598")
    agent, liaison = people["agent"], people["liaison"]
    handler = next(
        u for u in people.values() if u.has_role("handler") and u.department == liaison.department
    )
    assert liaison.department is not None
    dept = liaison.department.code

    def new(day: int, kind: str = "complaint", phone: str = "13400000000") -> str:
        data = TicketInput(
            kind=kind,
            channel="phone",
            subject=f"{kind} {day}",
            customer=CustomerInput(name="用户", phone=phone),
        )
        return services.ticket_register(actor=agent, data=data, now=at(day)).number

    def to_handler(number: str, day: int) -> None:
        services.ticket_accept(agent, number, now=at(day))
        services.ticket_dispatch(agent, number, department=dept, now=at(day))
        services.ticket_assign(liaison, number, handler=handler.username, now=at(day))

    def resolve(number: str, day: int, validity: str = "valid", **extra: Any) -> None:
        services.ticket_resolve(
            handler, number, reply="已处理", validity=validity, now=at(day, 16), **extra
        )

    # 1. resolved on time (1 working day of 3), visited satisfied, which closes it
    n = new(12)
    to_handler(n, 12)
    resolve(n, 13)
    services.ticket_visit(agent, n, satisfaction="satisfied", now=at(14))
    # 2. resolved on time, basically satisfied (closed too), with compensation 120.50
    n = new(12)
    to_handler(n, 12)
    resolve(
        n,
        14,
        compensation=CompensationInput(
            kind="refund", amount=__import__("decimal").Decimal("120.50")
        ),
    )
    services.ticket_visit(agent, n, satisfaction="basically_satisfied", now=at(15))
    # 3. dissatisfied → reopened → resolved again → satisfied (reopened, not first-time)
    n = new(13)
    to_handler(n, 13)
    resolve(n, 14)
    services.ticket_visit(agent, n, satisfaction="dissatisfied", now=at(15))
    resolve(n, 15)
    services.ticket_visit(agent, n, satisfaction="satisfied", now=at(16))
    # 4. resolved late (3 working days from Tue 10-20 is Fri 10-23; resolved Mon 10-26), invalid
    n = new(20)
    to_handler(n, 20)
    resolve(n, 26, validity="invalid")
    # 5. still open, overdue at the end of the month
    n = new(20)
    to_handler(n, 20)
    # 6. answered on the spot (consultation)
    n = new(21, kind="consultation")
    services.ticket_answer(agent, n, reply="已解答", now=at(21))
    # 7. declined
    n = new(22)
    services.ticket_decline(agent, n, reason="不属于受理范围", now=at(22))
    # 8. a duplicate merged into 7's neighbour: not counted
    original = new(23)
    duplicate = new(23)
    services.ticket_merge(agent, duplicate, into=original, now=at(23))
    # outside the month
    new_september = services.ticket_register(
        actor=agent,
        data=TicketInput(kind="complaint", channel="phone", subject="九月"),
        now=datetime(2026, 9, 30, 10, tzinfo=TZ),
    )
    assert new_september
    deadlines_sweep(now=datetime(2026, 10, 31, 23, tzinfo=TZ))
    return people  # fmt: skip


def test_totals_for_the_month(month: dict[str, User]) -> None:
    report = indicators(month["supervisor"], OCTOBER)
    t = report["totals"]
    counts = {k: t[k] for k in (
        "received", "accepted", "declined", "answered_on_the_spot", "resolved",
        "resolved_first_time", "closed", "open", "reopened", "visited", "satisfied",
        "dissatisfied", "valid", "invalid", "overdue",
    )}  # fmt: skip
    assert counts == {
        "received": 8,  # tickets 1–7 and the original of 8 (the duplicate is merged)
        "accepted": 6,  # 1–5 accepted, 6 answered on the spot
        "declined": 1,
        "answered_on_the_spot": 1,
        "resolved": 5,  # 1, 2, 3, 4, 6
        "resolved_first_time": 4,  # all but 3
        "closed": 3,  # 1, 2, 3: each closed by its satisfied visit
        "open": 2,  # 5, and the original of 8 (registered)
        "reopened": 1,
        "visited": 3,  # 1, 2, 3 (3's second visit)
        "satisfied": 3,  # basically satisfied counts as satisfied in this pack
        "dissatisfied": 0,
        "valid": 3,
        "invalid": 1,
        # Missed a deadline: 1–4 met their 2-hour first contact late (no progress report
        # before resolving), 5 is open past it, and the original of 8, never accepted, let
        # its 3-working-day resolve deadline run out on 10-28
        "overdue": 6,
    }
    assert t["compensation_paid"] == 120.5
    assert t["resolution_rate"] == round(5 / 6, 4)
    assert t["first_contact_resolution_rate"] == 0.8
    assert t["return_visit_rate"] == 0.6
    assert t["satisfaction_rate"] == 1.0
    assert t["reopen_rate"] == 0.2
    assert t["valid_share"] == 0.75
    on_time = report["on_time"]["resolve"]
    # met: 1, 2, and 3 twice (its reopen started a new resolve clock); late: 4, 5, 8's original
    assert (on_time["met"], on_time["late"], on_time["on_time_rate"]) == (4, 3, round(4 / 7, 4))
    assert report["previous"]["totals"]["received"] == 1  # September's ticket


def test_grouped_by_kind_and_department(month: dict[str, User]) -> None:
    report = indicators(month["supervisor"], OCTOBER, group_by="kind")
    by_kind = {g["key"]: g for g in report["groups"]}
    assert by_kind["consultation"]["received"] == 1
    assert by_kind["complaint"]["received"] == 7
    assert sum(g["received"] for g in report["groups"]) == report["totals"]["received"]
    departments = indicators(month["supervisor"], OCTOBER, group_by="department")["groups"]
    assert sum(g["received"] for g in departments) == 8
    liaison_dept = month["liaison"].department
    assert liaison_dept is not None
    mine = next(g for g in departments if g["key"] == liaison_dept.code)
    assert (mine["received"], mine["resolved"]) == (5, 4)


def test_department_staff_see_their_department_only(month: dict[str, User]) -> None:
    t = indicators(month["liaison"], OCTOBER)["totals"]
    assert t["received"] == 5  # the five tickets dispatched to their department


def test_api(month: dict[str, User]) -> None:
    client = Api(month["supervisor"])
    body = client.get(
        "reports/indicators", **{"from": "2026-10-01", "to": "2026-10-31", "group_by": "department"}
    ).json()
    assert body["totals"]["received"] == 8
    assert body["groups"] and {"key", "label", "received", "satisfaction_rate"} <= set(
        body["groups"][0]
    )
    assert (
        client.get("reports/indicators", **{"from": "2026-10-31", "to": "2026-10-01"}).status_code
        == 400
    )
    assert (
        client.get(
            "reports/indicators", **{"from": "2026-10-01", "to": "2026-10-31", "group_by": "colour"}
        ).status_code
        == 400
    )
    assert (
        client.get("reports/indicators", **{"from": "0001-01-01", "to": "2026-10-31"}).status_code
        == 400
    )
