"""Fixtures for quality inspection: the 12366 pack, two agents, a month of their tickets."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from closeloop.directory.models import Department, User
from closeloop.directory.roles import Role
from closeloop.tickets import services
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import demo_people, person

TZ = ZoneInfo("Asia/Shanghai")


def at(month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=TZ)


@pytest.fixture
def hotline(db: Any) -> dict[str, User]:
    people = demo_people("tax-hotline-12366")
    people["agent2"] = person(
        "agent2", Role.AGENT, department=Department.objects.get(code="agents")
    )
    return people


def answered(agent: User, day: int, subject: str = "申报期限", month: int = 10) -> str:
    """A consultation the agent answered on the spot."""
    data = TicketInput(
        kind="consultation",
        channel="phone",
        subject=subject,
        customer=CustomerInput(name="纳税人", phone="13900000002"),
    )
    t = services.ticket_register(actor=agent, data=data, now=at(month, day))
    services.ticket_answer(agent, t.number, reply="每月15日前申报。", now=at(month, day, 10, 5))
    return t.number


@pytest.fixture
def october(hotline: dict[str, User]) -> dict[str, list[str]]:
    """agent: 7 tickets in October (and one in November); agent2: 3 in October."""
    # Working days of October 2026 after the National Day holiday.
    days = [12, 13, 14, 15, 16, 19, 20]
    mine = [answered(hotline["agent"], d, f"咨询{d}") for d in days]
    answered(hotline["agent"], 2, "十一月的咨询", month=11)
    theirs = [answered(hotline["agent2"], d, f"咨询{d}") for d in (12, 13, 14)]
    return {"agent": mine, "agent2": theirs}
