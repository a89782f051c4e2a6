"""Suspension: the clock resumes with the time that remained, in the limit's own time."""

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from closeloop.sla.calendar import ALWAYS_OPEN, china_calendar
from closeloop.sla.clock import open_seconds_add, open_seconds_between, shift_after_pause

TZ = ZoneInfo("Asia/Shanghai")
OFFICE = china_calendar()  # 08:30–12:00, 13:30–17:30
LINE = china_calendar(ALWAYS_OPEN)


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def test_open_seconds_skip_lunch_nights_and_holidays() -> None:
    # Thu 2026-09-30 16:30 → Thu 2026-10-08 09:30: 1 h on the 30th, the 国庆 holiday
    # (10-01..10-07), then 1 h on the 8th.
    assert open_seconds_between(at("2026-09-30 16:30"), at("2026-10-08 09:30"), OFFICE) == 7200
    assert open_seconds_between(at("2026-11-23 11:00"), at("2026-11-23 14:00"), OFFICE) == 5400
    assert open_seconds_add(at("2026-11-23 11:00"), 5400, OFFICE) == at("2026-11-23 14:00")
    assert open_seconds_add(at("2026-09-30 17:00"), 3600, OFFICE) == at("2026-10-08 09:00")


@pytest.mark.parametrize(
    ("unit", "due", "paused", "resumed", "expected", "calendar"),
    [
        # elapsed time: shifted by the length of the pause
        ("hours", "2026-11-23 18:00", "2026-11-23 10:00", "2026-11-23 12:00", "2026-11-23 20:00", OFFICE),
        # working hours: 2 business hours remained (15:30–17:30), resumed Tue 09:00
        ("working_hours", "2026-11-23 17:30", "2026-11-23 15:30", "2026-11-24 09:00", "2026-11-24 11:00", OFFICE),
        # working days: due Fri, paused Tue (3 working days left: Wed Thu Fri), resumed Mon → Thu
        ("working_days", "2026-11-27 17:30", "2026-11-24 10:00", "2026-11-30 09:00", "2026-12-03 17:30", OFFICE),
        # ...and the National Day holiday is skipped after a resume
        ("working_days", "2026-09-30 17:30", "2026-09-28 10:00", "2026-09-30 09:00", "2026-10-09 17:30", OFFICE),
        # calendar days: 5 days left, resumed 3 days later → 3 days later
        ("days", "2026-11-30 23:59:59", "2026-11-25 10:00", "2026-11-28 10:00", "2026-12-03 23:59:59", OFFICE),
        # a 24×7 line: open time is elapsed time
        ("working_hours", "2026-11-23 18:00", "2026-11-23 10:00", "2026-11-23 12:00", "2026-11-23 20:00", LINE),
    ],
)  # fmt: skip
def test_shift_after_pause(
    unit: str, due: str, paused: str, resumed: str, expected: str, calendar: object
) -> None:
    assert shift_after_pause(at(due), at(paused), at(resumed), unit, calendar) == at(expected)  # type: ignore[arg-type]


def test_a_pause_after_the_due_moment_changes_nothing() -> None:
    due = at("2026-11-23 10:00")
    assert (
        shift_after_pause(due, at("2026-11-23 11:00"), at("2026-11-24 11:00"), "hours", OFFICE)
        == due
    )
