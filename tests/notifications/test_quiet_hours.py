"""The quiet-hours arithmetic (pure): when a message held for the night may leave."""

from datetime import datetime, time
from zoneinfo import ZoneInfo

import pytest

from closeloop.notifications.quiet import quiet_hours_end

SHANGHAI = ZoneInfo("Asia/Shanghai")
NIGHT = (time(21, 0), time(8, 0))
LUNCH = (time(12, 0), time(13, 30))


def at(day: int, hour: int, minute: int = 0, second: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, second, tzinfo=SHANGHAI)


@pytest.mark.parametrize(
    "now, end",
    [
        (at(5, 20, 59, 59), None),  # a second before the quiet hours: leaves at once
        (at(5, 21, 0), at(6, 8, 0)),  # exactly at the start: held until the morning
        (at(5, 23, 30), at(6, 8, 0)),  # before midnight: the next morning
        (at(6, 0, 0), at(6, 8, 0)),  # midnight
        (at(6, 3, 15), at(6, 8, 0)),  # after midnight: this morning
        (at(6, 7, 59, 59), at(6, 8, 0)),
        (at(6, 8, 0), None),  # exactly at the end: leaves at once
        (at(6, 12, 0), None),
    ],
)
def test_over_midnight(now: datetime, end: datetime | None) -> None:
    assert quiet_hours_end(now, *NIGHT, SHANGHAI) == end


def test_the_local_clock_counts_not_utc() -> None:
    # 14:00 UTC is 22:00 in Shanghai: inside; the end is 08:00 Shanghai = 00:00 UTC.
    now = datetime(2026, 3, 5, 14, 0, tzinfo=ZoneInfo("UTC"))
    assert quiet_hours_end(now, *NIGHT, SHANGHAI) == at(6, 8, 0)


@pytest.mark.parametrize(
    "now, end",
    [
        (at(5, 11, 59), None),
        (at(5, 12, 0), at(5, 13, 30)),
        (at(5, 13, 29), at(5, 13, 30)),
        (at(5, 13, 30), None),
    ],
)
def test_within_one_day(now: datetime, end: datetime | None) -> None:
    assert quiet_hours_end(now, *LUNCH, SHANGHAI) == end
