"""Shared fixtures for the pure deadline tests: calendars and English explanations."""

from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from closeloop.sla.calendar import (
    ALWAYS_OPEN,
    WorkCalendar,
    calendar_with_notice,
    china_calendar,
    notice_parse,
)

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXAMPLE_2027 = Path(__file__).resolve().parents[2] / "closeloop/sla/notices/example-2027.yaml"


def at(text: str) -> datetime:
    """'2026-09-30 10:00' → aware Asia/Shanghai datetime."""
    return datetime.fromisoformat(text).replace(tzinfo=SHANGHAI)


@pytest.fixture(autouse=True)
def _english():
    # Explanations are compared as text; pin the language so zh-hans catalogues can't bite.
    with translation.override("en"):
        yield


@pytest.fixture(scope="session")
def office() -> WorkCalendar:
    return china_calendar()


@pytest.fixture(scope="session")
def always_open() -> WorkCalendar:
    return china_calendar(ALWAYS_OPEN)


@pytest.fixture(scope="session")
def office_2027(office: WorkCalendar) -> WorkCalendar:
    return calendar_with_notice(office, notice_parse(EXAMPLE_2027), allow_example=True)
