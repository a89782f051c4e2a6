"""Reception days of seed 003: 所长接待日 every Monday (power-95598) and the leaders' turns
(letters-and-visits), on the official calendar; a visit registered at a session is linked to
it; the month's sessions and visits for the report; refusals change nothing."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from closeloop.care.models import ReceptionVisit
from closeloop.care.receptions import (
    reception_month,
    reception_sessions,
    ticket_register_at_reception,
)
from closeloop.common.errors import ValidationFailed
from closeloop.directory.roles import Role
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import demo_people

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 10, 12, 10, tzinfo=TZ)


@pytest.fixture
def power(db: Any) -> dict[str, Any]:
    return demo_people("power-95598")


def agent(people: dict[str, Any]) -> Any:
    return next(u for u in people.values() if Role.AGENT in u.role_set)


def visit(**overrides: Any) -> TicketInput:
    data: dict[str, Any] = {
        "kind": "complaint",
        "channel": "visit",
        "subject": "线路改造后电压不稳",
        "customer": CustomerInput(name="周九", phone="13900001212"),
    }
    data.update(overrides)
    return TicketInput(**data)


def test_the_directors_mondays_in_october_without_national_day(power: Any) -> None:
    sessions = reception_sessions(date(2026, 10, 1), date(2026, 10, 31))
    assert [(s.day.day, s.held, s.not_held_for, s.host) for s in sessions] == [
        (5, False, "国庆节", "供电所所长"),
        (12, True, "", "供电所所长"),
        (19, True, "", "供电所所长"),
        (26, True, "", "供电所所长"),
    ]
    assert (sessions[1].start, sessions[1].end, sessions[1].place) == (
        "09:00",
        "11:30",
        "供电所营业厅",
    )


def test_the_leaders_take_turns_on_wednesdays(db: Any) -> None:
    demo_people("letters-and-visits")
    sessions = reception_sessions(date(2026, 11, 1), date(2026, 11, 30))
    assert [s.day.day for s in sessions] == [4, 11, 18, 25]
    assert [s.host for s in sessions] == ["副主任(乙)", "中心主任", "副主任(甲)", "副主任(乙)"]


def test_a_visit_at_a_session_is_linked_to_it(power: Any) -> None:
    t = ticket_register_at_reception(
        actor=agent(power), data=visit(), reception="director-monday", now=MONDAY
    )
    link = ReceptionVisit.objects.get(ticket=t)
    assert (link.reception, link.day, link.host) == (
        "director-monday",
        date(2026, 10, 12),
        "供电所所长",
    )
    # Recorded afterwards for that session: the day is given.
    later = datetime(2026, 10, 13, 9, tzinfo=TZ)
    t2 = ticket_register_at_reception(
        actor=agent(power), data=visit(subject="电费异常"), reception="director-monday",
        day=date(2026, 10, 12), now=later,
    )  # fmt: skip
    assert ReceptionVisit.objects.get(ticket=t2).day == date(2026, 10, 12)


@pytest.mark.parametrize(
    ("data", "reception", "day", "where"),
    [
        (visit(), "director-monday", date(2026, 10, 13), "reception"),  # a Tuesday
        (visit(), "director-monday", date(2026, 10, 5), "reception"),  # 国庆: not held
        (visit(), "director-monday", date(2026, 10, 19), "reception"),  # not yet
        (visit(), "nonsense", date(2026, 10, 12), "reception"),
        (visit(channel="phone"), "director-monday", date(2026, 10, 12), "channel"),
    ],
)
def test_refusals_name_what_is_wrong_and_register_nothing(
    power: Any, data: TicketInput, reception: str, day: date, where: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        ticket_register_at_reception(
            actor=agent(power), data=data, reception=reception, day=day, now=MONDAY
        )
    assert where in refused.value.details
    assert Ticket.objects.count() == 0 and ReceptionVisit.objects.count() == 0


def test_the_month_counts_sessions_and_visits(power: Any) -> None:
    ticket_register_at_reception(
        actor=agent(power), data=visit(), reception="director-monday", now=MONDAY
    )
    month = reception_month(Ticket.objects.all(), date(2026, 10, 1), date(2026, 10, 31))
    assert month == [
        {
            "code": "director-monday",
            "name": "所长接待日",
            "held": 3,
            "not_held": [{"day": "2026-10-05", "why": "国庆节"}],
            "visits": 1,
        }
    ]
    # The reader's cohort: a visit they may not see is not counted.
    assert (
        reception_month(Ticket.objects.none(), date(2026, 10, 1), date(2026, 10, 31))[0]["visits"]
        == 0
    )


def test_the_monthly_report_shows_the_sessions_and_their_visits(power: Any) -> None:
    from django.utils import translation

    from closeloop.reports import display
    from closeloop.reports.monthly import Month, monthly_report_data
    from closeloop.reports.monthly_pdf import monthly_pdf

    ticket_register_at_reception(
        actor=agent(power), data=visit(), reception="director-monday", now=MONDAY
    )
    supervisor = next(u for u in power.values() if Role.SUPERVISOR in u.role_set)
    data = monthly_report_data(supervisor, Month(2026, 10), now=datetime(2026, 11, 2, tzinfo=TZ))
    shown = display.monthly_display(data)
    assert shown["receptions"] == [
        {
            "code": "director-monday",
            "name": "所长接待日",
            "held": 3,
            "not_held": [{"day": "2026-10-05", "why": "国庆节"}],
            "visits": 1,
            "not_held_text": "10-05 国庆节",
        }
    ]
    with translation.override("zh-hans"):
        assert monthly_pdf(shown).startswith(b"%PDF-")
