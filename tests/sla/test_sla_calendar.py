"""The China calendar against the official 2025 and 2026 notices, and calendar building."""

from datetime import date, time, timedelta

import pytest

from closeloop.common.errors import ValidationFailed
from closeloop.sla.calendar import (
    ALWAYS_OPEN,
    WorkCalendar,
    YearNotice,
    calendar_with_notice,
    china_calendar,
)


def _days(first: str, last: str | None = None) -> list[date]:
    start = date.fromisoformat(first)
    end = date.fromisoformat(last or first)
    return [start + timedelta(days=i) for i in range((end - start).days + 1)]


# 国务院办公厅关于2025年部分节假日安排的通知 (国办发明电〔2024〕12号)
OFFICIAL_2025 = {
    "holidays": [
        ("元旦", _days("2025-01-01")),
        ("春节", _days("2025-01-28", "2025-02-04")),
        ("清明节", _days("2025-04-04", "2025-04-06")),
        ("劳动节", _days("2025-05-01", "2025-05-05")),
        ("端午节", _days("2025-05-31", "2025-06-02")),
        # 国庆节、中秋节 together; the package names 10/6 中秋节.
        ("国庆节", _days("2025-10-01", "2025-10-05") + _days("2025-10-07", "2025-10-08")),
        ("中秋节", _days("2025-10-06")),
    ],
    "makeup": [
        ("2025-01-26", "Sun", "春节"),
        ("2025-02-08", "Sat", "春节"),
        ("2025-04-27", "Sun", "劳动节"),
        ("2025-09-28", "Sun", "国庆节"),
        ("2025-10-11", "Sat", "国庆节"),
    ],
}

# 国务院办公厅关于2026年部分节假日安排的通知; checked against chinesecalendar 1.11.
OFFICIAL_2026 = {
    "holidays": [
        ("元旦", _days("2026-01-01", "2026-01-03")),
        ("春节", _days("2026-02-15", "2026-02-23")),
        ("清明节", _days("2026-04-04", "2026-04-06")),
        ("劳动节", _days("2026-05-01", "2026-05-05")),
        ("端午节", _days("2026-06-19", "2026-06-21")),
        ("中秋节", _days("2026-09-25", "2026-09-27")),
        ("国庆节", _days("2026-10-01", "2026-10-07")),
    ],
    "makeup": [
        ("2026-01-04", "Sun", "元旦"),
        ("2026-02-14", "Sat", "春节"),
        ("2026-02-28", "Sat", "春节"),
        ("2026-05-09", "Sat", "劳动节"),
        ("2026-09-20", "Sun", "国庆节"),
        ("2026-10-10", "Sat", "国庆节"),
    ],
}


@pytest.mark.parametrize(("year", "official"), [(2025, OFFICIAL_2025), (2026, OFFICIAL_2026)])
def test_every_day_of_the_year_matches_the_official_notice(office, year, official):
    holidays = {day: name for name, days in official["holidays"] for day in days}
    makeups = {date.fromisoformat(d): name for d, _wd, name in official["makeup"]}
    for offset in range(366 if year % 4 == 0 else 365):
        day = date(year, 1, 1) + timedelta(days=offset)
        expected = day in makeups or (day.weekday() < 5 and day not in holidays)
        assert office.is_working_day(day) == expected, day
        assert office.holiday_name(day) == holidays.get(day), day
        assert office.makeup_name(day) == makeups.get(day), day


@pytest.mark.parametrize("official", [OFFICIAL_2025, OFFICIAL_2026])
def test_make_up_days_fall_on_the_stated_weekend_day(official):
    for day, weekday, _name in official["makeup"]:
        assert date.fromisoformat(day).strftime("%a") == weekday


# 2025: 261 weekdays − 18 holidays on weekdays + 5 make-up days;
# 2026: 261 weekdays − 19 holidays on weekdays + 6 make-up days.
@pytest.mark.parametrize(("year", "working_days"), [(2025, 248), (2026, 248)])
def test_working_days_per_year(office, year, working_days):
    assert office.working_days_count(date(year, 1, 1), date(year, 12, 31)) == working_days


def test_covered_years_are_2004_to_2026(office):
    assert office.covered_years == frozenset(range(2004, 2027))
    assert not office.is_covered(2027)
    assert office.uncovered_years(date(2026, 12, 1), date(2028, 1, 1)) == [2027, 2028]


def test_uncovered_years_follow_plain_weekdays(office):
    # 2027-01-01 is a Friday: a working day until a 2027 notice says otherwise.
    assert office.is_working_day(date(2027, 1, 1))
    assert not office.is_working_day(date(2027, 1, 2))
    assert office.working_day_nth(date(2003, 12, 31), 1) == date(2004, 1, 2)  # 2004 元旦


@pytest.mark.parametrize(
    ("day", "n", "include", "expected"),
    [
        ("2026-09-30", 1, False, "2026-10-08"),
        ("2026-09-30", 3, False, "2026-10-10"),  # make-up Saturday
        ("2026-09-30", 1, True, "2026-09-30"),
        ("2026-10-03", 1, True, "2026-10-08"),  # start on a holiday
        ("2026-09-19", 1, False, "2026-09-20"),  # make-up Sunday
        ("2025-12-31", 1, False, "2026-01-04"),  # 元旦 then make-up Sunday
        ("2026-12-31", 1, False, "2027-01-01"),  # provisional Friday
        ("2026-12-31", 2, False, "2027-01-04"),
        ("2003-12-31", 2, False, "2004-01-05"),
    ],
)
def test_working_day_nth(office, day, n, include, expected):
    result = office.working_day_nth(date.fromisoformat(day), n, include_day=include)
    assert result == date.fromisoformat(expected)


def test_working_day_nth_far_beyond_the_covered_span(office):
    # 100,000 working days: one bisect and a formula, never a walk.
    far = office.working_day_nth(date(2026, 11, 22), 100_000)
    assert far.weekday() < 5
    assert office.working_days_count(date(2026, 11, 23), far) == 100_000


def test_working_day_nth_refuses_zero(office):
    with pytest.raises(ValidationFailed):
        office.working_day_nth(date(2026, 1, 5), 0)


def test_calendar_with_notice_adds_a_year_and_leaves_the_original(office):
    notice = YearNotice(
        year=2027,
        holidays={date(2027, 1, 1): "元旦"},
        makeup_days={date(2027, 1, 9): "元旦"},
    )
    loaded = calendar_with_notice(office, notice)
    assert loaded.is_covered(2027)
    assert not loaded.is_working_day(date(2027, 1, 1))
    assert loaded.is_working_day(date(2027, 1, 9))
    assert loaded.holiday_name(date(2027, 1, 1)) == "元旦"
    assert not office.is_covered(2027)
    assert office.is_working_day(date(2027, 1, 1))
    assert loaded.business_hours == office.business_hours


def test_calendar_with_notice_replaces_a_year(office):
    notice = YearNotice(year=2026, holidays={date(2026, 3, 2): "测试"})
    loaded = calendar_with_notice(office, notice)
    assert not loaded.is_working_day(date(2026, 3, 2))
    assert loaded.is_working_day(date(2026, 10, 8))
    # The replaced year no longer has 国庆节.
    assert loaded.is_working_day(date(2026, 10, 5))
    assert loaded.working_day_nth(date(2026, 12, 31), 1) == date(2027, 1, 1)


def test_calendar_with_a_gap_year_is_provisional_in_the_gap(office):
    loaded = calendar_with_notice(office, YearNotice(year=2028, holidays={date(2028, 1, 3): "x"}))
    assert loaded.uncovered_years(date(2026, 1, 1), date(2028, 12, 31)) == [2027]
    assert loaded.working_day_nth(date(2027, 12, 31), 1) == date(2028, 1, 4)
    assert loaded.working_day_nth(date(2026, 12, 31), 1) == date(2027, 1, 1)


def test_china_calendar_is_cached_and_immutable(office):
    assert china_calendar() is office
    with pytest.raises(AttributeError):
        office.tz = None  # type: ignore[misc,assignment]
    with pytest.raises(TypeError):
        office.years[2030] = None  # type: ignore[index]


def test_china_calendar_options():
    cal = china_calendar([(time(9), time(12)), (time(14), time(18))], tz="Asia/Urumqi")
    assert str(cal.tz) == "Asia/Urumqi"
    assert cal.open_seconds_per_working_day == 7 * 3600
    assert china_calendar(ALWAYS_OPEN).always_open


@pytest.mark.parametrize(
    "hours",
    [
        [(time(12), time(8))],
        [(time(8), time(12)), (time(11), time(13))],
        [(time(13), time(17)), (time(8), time(12))],
        [],
    ],
)
def test_bad_business_hours_are_refused(hours):
    with pytest.raises(ValidationFailed):
        china_calendar(hours)


def test_unknown_time_zone_is_refused():
    with pytest.raises(ValidationFailed, match="time zone"):
        WorkCalendar(tz="Mars/Olympus")  # type: ignore[arg-type]


def test_business_hours_to_midnight():
    cal = china_calendar([(time(0), time(0))])
    assert cal.open_seconds_per_working_day == 86400
    assert cal.open_ranges(date(2026, 10, 1)) == ()
