"""deadline_compute and next_daily_due: tables on the official 2025/2026 data, options, errors."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from closeloop.common.errors import ValidationFailed
from closeloop.sla.calendar import china_calendar
from closeloop.sla.timelimits import TimeLimit, deadline_compute, next_daily_due

from .conftest import SHANGHAI, at

WD = "working_days"
WH = "working_hours"

# (start, limit, expected due, provisional) on the default office calendar.
OFFICE_CASES = [
    # 2025 春节: make-up Sunday 1/26, holiday 1/28–2/4, make-up Saturday 2/8
    ("2025-01-24 10:00", TimeLimit(1, WD), "2025-01-26 17:30", False),
    ("2025-01-24 10:00", TimeLimit(3, WD), "2025-02-05 17:30", False),
    ("2025-02-06 10:00", TimeLimit(2, WD), "2025-02-08 17:30", False),
    # 2025 劳动节 with make-up Sunday 4/27
    ("2025-04-25 10:00", TimeLimit(1, WD), "2025-04-27 17:30", False),
    ("2025-04-29 10:00", TimeLimit(2, WD), "2025-05-06 17:30", False),
    # 2025 国庆+中秋 10/1–10/8, make-up Sunday 9/28 and Saturday 10/11
    ("2025-09-26 10:00", TimeLimit(1, WD), "2025-09-28 17:30", False),
    ("2025-09-30 10:00", TimeLimit(2, WD), "2025-10-10 17:30", False),
    ("2025-09-30 10:00", TimeLimit(3, WD), "2025-10-11 17:30", False),
    ("2025-09-23 10:00", TimeLimit(15, "days", roll_forward=True), "2025-10-09 23:59:59", False),
    # 2025 → 2026: 元旦 1/1–1/3, make-up Sunday 1/4
    ("2025-12-31 10:00", TimeLimit(1, WD), "2026-01-04 17:30", False),
    # 2026 春节 2/15–2/23, make-up Saturdays 2/14 and 2/28
    ("2026-02-13 10:00", TimeLimit(1, WD), "2026-02-14 17:30", False),
    ("2026-02-13 10:00", TimeLimit(2, WD), "2026-02-24 17:30", False),
    ("2026-02-27 10:00", TimeLimit(1, WD), "2026-02-28 17:30", False),
    ("2026-02-10 10:00", TimeLimit(10, "days", roll_forward=True), "2026-02-24 23:59:59", False),
    # 2026 清明, 劳动节 (make-up Saturday 5/9), 端午, 中秋
    ("2026-04-03 10:00", TimeLimit(1, WD), "2026-04-07 17:30", False),
    ("2026-04-30 10:00", TimeLimit(1, WD), "2026-05-06 17:30", False),
    ("2026-05-08 10:00", TimeLimit(1, WD), "2026-05-09 17:30", False),
    ("2026-06-18 10:00", TimeLimit(1, WD), "2026-06-22 17:30", False),
    ("2026-09-24 10:00", TimeLimit(1, WD), "2026-09-28 17:30", False),
    # 2026 国庆 10/1–10/7, make-up Sunday 9/20 and Saturday 10/10
    ("2026-09-18 10:00", TimeLimit(1, WD), "2026-09-20 17:30", False),
    ("2026-09-30 10:00", TimeLimit(3, WD), "2026-10-10 17:30", False),
    ("2026-09-30 10:00", TimeLimit(3, WD, end_time=time(17)), "2026-10-10 17:00", False),
    # letters and visits: 15 days ending in 国庆
    ("2026-09-20 10:00", TimeLimit(15, "days"), "2026-10-05 23:59:59", False),
    ("2026-09-20 10:00", TimeLimit(15, "days", roll_forward=True), "2026-10-08 23:59:59", False),
    (
        "2026-09-20 10:00",
        TimeLimit(15, "days", count_start_day=True, roll_forward=True),
        "2026-10-08 23:59:59",
        False,
    ),
    ("2026-09-21 10:00", TimeLimit(15, "days", roll_forward=True), "2026-10-08 23:59:59", False),
    ("2026-09-16 10:00", TimeLimit(15, "days", roll_forward=True), "2026-10-08 23:59:59", False),
    ("2026-09-15 10:00", TimeLimit(15, "days", roll_forward=True), "2026-09-30 23:59:59", False),
    # a weekend last day rolls forward too (Saturday 11/28 → Monday 11/30)
    ("2026-11-13 10:00", TimeLimit(15, "days", roll_forward=True), "2026-11-30 23:59:59", False),
    (
        "2026-11-13 10:00",
        TimeLimit(15, "days", roll_forward=True, end_time=time(17)),
        "2026-11-30 17:00",
        False,
    ),
    # count_start_day
    ("2026-09-30 10:00", TimeLimit(1, WD, count_start_day=True), "2026-09-30 17:30", False),
    ("2026-09-30 18:00", TimeLimit(1, WD, count_start_day=True), "2026-10-08 17:30", False),
    ("2026-10-01 09:00", TimeLimit(1, WD, count_start_day=True), "2026-10-08 17:30", False),
    ("2026-09-29 10:00", TimeLimit(2, WD, count_start_day=True), "2026-09-30 17:30", False),
    ("2026-11-23 10:00", TimeLimit(1, "days", count_start_day=True), "2026-11-23 23:59:59", False),
    ("2026-11-23 10:00", TimeLimit(1, "days"), "2026-11-24 23:59:59", False),
    (
        "2026-11-23 18:00",
        TimeLimit(1, "days", count_start_day=True, end_time=time(17)),
        "2026-11-24 17:00",
        False,
    ),
    # year boundary: 2027 has no official data yet
    ("2026-12-29 10:00", TimeLimit(1, WD), "2026-12-30 17:30", False),
    ("2026-12-30 10:00", TimeLimit(3, WD), "2027-01-04 17:30", True),
    ("2026-12-31 10:00", TimeLimit(1, WD), "2027-01-01 17:30", True),
    ("2026-12-31 10:00", TimeLimit(1, "days"), "2027-01-01 23:59:59", False),
    ("2026-12-31 10:00", TimeLimit(1, "days", roll_forward=True), "2027-01-01 23:59:59", True),
    ("2026-11-23 10:00", TimeLimit(60, "days", roll_forward=True), "2027-01-22 23:59:59", True),
    ("2026-11-23 10:00", TimeLimit(60, WD), "2027-02-15 17:30", True),
    ("2026-12-31 16:00", TimeLimit(4, WH), "2027-01-01 11:00", True),
    # working hours: lunch break, overnight, weekends, holidays, make-up days
    ("2026-11-23 11:00", TimeLimit(2, WH), "2026-11-23 14:30", False),
    ("2026-11-23 12:30", TimeLimit(1, WH), "2026-11-23 14:30", False),
    ("2026-11-23 07:00", TimeLimit(1, WH), "2026-11-23 09:30", False),
    ("2026-11-23 10:00", TimeLimit(6, WH), "2026-11-23 17:30", False),
    ("2026-11-23 16:30", TimeLimit(2, WH), "2026-11-24 09:30", False),
    ("2026-11-23 08:30", TimeLimit(8, WH), "2026-11-24 09:00", False),
    ("2026-11-23 08:30", TimeLimit(15, WH), "2026-11-24 17:30", False),
    ("2026-11-27 20:00", TimeLimit(1, WH), "2026-11-30 09:30", False),
    ("2026-11-28 10:00", TimeLimit(1, WH), "2026-11-30 09:30", False),
    ("2026-09-18 17:00", TimeLimit(1, WH), "2026-09-20 09:00", False),
    ("2026-09-30 16:00", TimeLimit(4, WH), "2026-10-08 11:00", False),
    ("2026-09-30 16:00", TimeLimit(24, WH), "2026-10-10 17:30", False),
    # elapsed time ignores the calendar
    ("2026-09-30 23:50", TimeLimit(15, "minutes"), "2026-10-01 00:05", False),
    ("2026-09-30 10:00", TimeLimit(24, "hours"), "2026-10-01 10:00", False),
    ("2026-12-31 20:00", TimeLimit(48, "hours"), "2027-01-02 20:00", False),
]


@pytest.mark.parametrize(("start", "limit", "due", "provisional"), OFFICE_CASES)
def test_office_calendar(office, start, limit, due, provisional):
    result = deadline_compute(at(start), limit, office)
    assert result.due_at == at(due)
    assert result.due_at.tzinfo is office.tz
    assert result.provisional is provisional
    assert any("provisional" in line for line in result.explanation) is provisional


ALWAYS_OPEN_CASES = [
    ("2026-09-30 16:00", TimeLimit(4, WH), "2026-09-30 20:00"),
    ("2026-09-30 16:00", TimeLimit(24, WH), "2026-10-01 16:00"),
    ("2026-09-30 10:00", TimeLimit(3, WD), "2026-10-10 23:59:59"),
    ("2026-09-30 10:00", TimeLimit(1, WD, count_start_day=True), "2026-09-30 23:59:59"),
    ("2026-09-30 10:00", TimeLimit(1, WD, end_time=time(12)), "2026-10-08 12:00"),
    ("2026-09-20 10:00", TimeLimit(15, "days", roll_forward=True), "2026-10-08 23:59:59"),
]


@pytest.mark.parametrize(("start", "limit", "due"), ALWAYS_OPEN_CASES)
def test_always_open_calendar(always_open, start, limit, due):
    assert deadline_compute(at(start), limit, always_open).due_at == at(due)


def test_business_hours_to_midnight_end_the_day_at_23_59_59():
    cal = china_calendar([(time(0), time(0))])
    assert deadline_compute(at("2026-11-23 10:00"), TimeLimit(1, WD), cal).due_at == at(
        "2026-11-24 23:59:59"
    )
    # 24 open hours a working day: 20 h from Friday 10:00 ends Monday 06:00.
    assert deadline_compute(at("2026-11-27 10:00"), TimeLimit(20, WH), cal).due_at == at(
        "2026-11-30 06:00"
    )


def test_sixty_days_from_late_november_is_provisional_until_2027_is_loaded(office, office_2027):
    start = at("2026-11-23 10:00")
    limit = TimeLimit(60, "days", roll_forward=True)
    before = deadline_compute(start, limit, office)
    after = deadline_compute(start, limit, office_2027)
    assert (before.due_at, before.provisional) == (at("2027-01-22 23:59:59"), True)
    assert (after.due_at, after.provisional) == (at("2027-01-22 23:59:59"), False)
    assert "2027 has no official holiday notice" in " ".join(before.explanation)


def test_loading_2027_moves_deadlines_that_touch_its_holidays(office, office_2027):
    start = at("2026-11-23 10:00")
    limit = TimeLimit(60, WD)
    assert deadline_compute(start, limit, office).due_at == at("2027-02-15 17:30")
    loaded = deadline_compute(start, limit, office_2027)
    assert (loaded.due_at, loaded.provisional) == (at("2027-02-22 17:30"), False)
    days = TimeLimit(60, "days", roll_forward=True)
    assert deadline_compute(at("2026-11-02 10:00"), days, office).due_at == at(
        "2027-01-01 23:59:59"
    )
    assert deadline_compute(at("2026-11-02 10:00"), days, office_2027).due_at == at(
        "2027-01-04 23:59:59"
    )


def test_days_without_roll_forward_never_depend_on_the_calendar(office):
    result = deadline_compute(at("2026-12-01 10:00"), TimeLimit(400, "days"), office)
    assert result.due_at == at("2028-01-05 23:59:59")
    assert result.provisional is False


def test_result_is_in_the_calendar_zone_whatever_the_start_zone(office):
    start = datetime(2026, 9, 30, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai
    result = deadline_compute(start, TimeLimit(3, WD), office)
    assert result.due_at == at("2026-10-10 17:30")
    assert result.due_at.tzinfo is SHANGHAI
    elapsed = deadline_compute(start, TimeLimit(90, "minutes"), office)
    assert elapsed.due_at == at("2026-09-30 11:30")
    assert elapsed.due_at.tzinfo is SHANGHAI


def test_other_time_zone_calendar():
    cal = china_calendar(tz="Asia/Urumqi")
    start = datetime(2026, 9, 30, 10, 0, tzinfo=SHANGHAI)  # 08:00 in Urumqi (UTC+6)
    result = deadline_compute(start, TimeLimit(1, WH), cal)
    assert result.due_at == datetime(2026, 9, 30, 9, 30, tzinfo=ZoneInfo("Asia/Urumqi"))


def test_elapsed_hours_across_a_clock_change():
    # Elapsed time is real time even where clocks jump (US DST began 2026-03-08 02:00).
    cal = china_calendar(tz="America/New_York")
    ny = ZoneInfo("America/New_York")
    start = datetime(2026, 3, 7, 12, 0, tzinfo=ny)
    result = deadline_compute(start, TimeLimit(24, "hours"), cal)
    assert result.due_at == datetime(2026, 3, 8, 13, 0, tzinfo=ny)
    assert result.due_at.astimezone(UTC) - start.astimezone(UTC) == timedelta(hours=24)


# --- explanations ----------------------------------------------------------------------------


def test_explanation_of_three_working_days_over_national_day(office):
    result = deadline_compute(at("2026-09-30 10:00"), TimeLimit(3, WD), office)
    assert result.explanation == [
        "3 working days from 2026-09-30 10:00 (start day not counted)",
        "Skipped 2026-10-01 – 2026-10-07: 国庆节 holiday",
        "Counted 2026-10-10 (Sat): make-up working day for 国庆节",
        "Due 2026-10-10 17:30 (end of business hours)",
    ]


def test_explanation_of_spring_festival_2025_in_date_order(office):
    result = deadline_compute(at("2025-01-24 10:00"), TimeLimit(3, WD), office)
    assert result.explanation == [
        "3 working days from 2025-01-24 10:00 (start day not counted)",
        "Skipped 2025-01-25: weekend",
        "Counted 2025-01-26 (Sun): make-up working day for 春节",
        "Skipped 2025-01-28 – 2025-02-04: 春节 holiday",
        "Due 2025-02-05 17:30 (end of business hours)",
    ]


def test_explanation_of_letters_and_visits_roll_forward(office):
    result = deadline_compute(
        at("2026-09-20 10:00"), TimeLimit(15, "days", roll_forward=True), office
    )
    assert result.explanation == [
        "15 days from 2026-09-20 10:00 (start day not counted)",
        "Day 15 is 2026-10-05 (Mon)",
        "Rolled forward off 2026-10-05 – 2026-10-07 (国庆节 holiday) to the next working day "
        "2026-10-08",
        "Due 2026-10-08 23:59:59 (end of day)",
    ]


def test_explanation_groups_national_day_and_mid_autumn_2025(office):
    result = deadline_compute(at("2025-09-30 10:00"), TimeLimit(2, WD), office)
    assert "Skipped 2025-10-01 – 2025-10-08: 国庆节、中秋节 holiday" in result.explanation


def test_explanation_of_provisional_year_boundary(office):
    result = deadline_compute(at("2026-12-30 10:00"), TimeLimit(3, WD), office)
    assert result.explanation == [
        "3 working days from 2026-12-30 10:00 (start day not counted)",
        "Skipped 2027-01-02 – 2027-01-03: weekend",
        "2027 has no official holiday notice: counted plain weekdays (provisional)",
        "Due 2027-01-04 17:30 (end of business hours)",
    ]


def test_explanation_of_a_start_outside_business_hours(office):
    result = deadline_compute(at("2026-11-27 20:00"), TimeLimit(1, WH), office)
    assert result.explanation == [
        "1 working hour from 2026-11-27 20:00 (business hours on working days)",
        "Outside business hours: counting starts 2026-11-30 08:30",
        "Skipped 2026-11-28 – 2026-11-29: weekend",
        "Due 2026-11-30 09:30",
    ]


def test_explanation_says_why_the_start_day_did_not_count(office):
    late = deadline_compute(at("2026-09-30 18:00"), TimeLimit(1, WD, count_start_day=True), office)
    assert late.explanation[0].endswith("(start day counts)")
    assert "start day not counted" in late.explanation[1]
    holiday = deadline_compute(
        at("2026-10-01 09:00"), TimeLimit(1, WD, count_start_day=True), office
    )
    assert holiday.explanation[1] == (
        "Start day 2026-10-01 is not a working day (国庆节 holiday): not counted"
    )


def test_explanation_stays_short_over_years(office):
    result = deadline_compute(at("2010-01-04 10:00"), TimeLimit(2000, WD), office)
    assert len(result.explanation) <= 18
    assert any("more holiday days" in line for line in result.explanation)
    assert any("weekend days" in line for line in result.explanation)


def test_explain_false_gives_the_same_result_without_lines(office):
    for start, limit, _due, _prov in OFFICE_CASES:
        full = deadline_compute(at(start), limit, office)
        bare = deadline_compute(at(start), limit, office, explain=False)
        assert (bare.due_at, bare.provisional) == (full.due_at, full.provisional)
        assert bare.explanation == []


def test_explanations_are_translatable(office):
    from django.utils import translation

    with translation.override("zh-hans"):
        result = deadline_compute(at("2026-10-09 10:00"), TimeLimit(1, WD), office)
    # The make-up Saturday is explained in Chinese, weekday included.
    assert any(
        "调休" in line and ("周六" in line or "星期六" in line) for line in result.explanation
    )


# --- next_daily_due --------------------------------------------------------------------------

DAILY_CASES = [
    ("2026-09-30 10:00", "2026-09-30 17:00", False),
    ("2026-09-30 16:59:59", "2026-09-30 17:00", False),
    ("2026-09-30 17:00", "2026-10-08 17:00", False),
    ("2026-10-03 12:00", "2026-10-08 17:00", False),
    ("2026-10-09 17:30", "2026-10-10 17:00", False),  # make-up Saturday
    ("2026-09-19 09:00", "2026-09-20 17:00", False),  # make-up Sunday
    ("2026-11-27 18:00", "2026-11-30 17:00", False),
    ("2026-12-31 18:00", "2027-01-01 17:00", True),
]


@pytest.mark.parametrize(("after", "due", "provisional"), DAILY_CASES)
def test_next_daily_due(office, after, due, provisional):
    result = next_daily_due(at(after), time(17), office)
    assert (result.due_at, result.provisional) == (at(due), provisional)


def test_next_daily_due_with_min_lead(office):
    result = next_daily_due(at("2026-11-23 16:55"), time(17), office, min_lead=timedelta(hours=2))
    assert result.due_at == at("2026-11-24 17:00")
    assert next_daily_due(
        at("2026-11-23 14:00"), time(17), office, min_lead=timedelta(hours=2)
    ).due_at == at("2026-11-23 17:00")


def test_next_daily_due_series_skips_national_day(office):
    due = at("2026-09-29 09:00")
    series = []
    for _ in range(4):
        due = next_daily_due(due, time(17), office).due_at
        series.append(due.date().isoformat())
    assert series == ["2026-09-29", "2026-09-30", "2026-10-08", "2026-10-09"]


# --- bad input -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"amount": 3, "unit": "weeks"}, "Unknown time-limit unit 'weeks'"),
        ({"amount": 3, "unit": "workdays"}, "Unknown time-limit unit"),
        ({"amount": 0, "unit": "days"}, "must be positive, got 0"),
        ({"amount": -5, "unit": "hours"}, "must be positive, got -5"),
        ({"amount": 1.5, "unit": "hours"}, "whole number"),
        ({"amount": True, "unit": "hours"}, "whole number"),
        ({"amount": 2, "unit": "hours", "roll_forward": True}, "roll_forward applies only"),
        ({"amount": 2, "unit": WH, "count_start_day": True}, "count_start_day applies only"),
        ({"amount": 2, "unit": "minutes", "end_time": time(17)}, "end_time applies only"),
        (
            {"amount": 2, "unit": "days", "end_time": time(17, tzinfo=SHANGHAI)},
            "without a time zone",
        ),
    ],
)
def test_bad_time_limits_are_refused(kwargs, match):
    with pytest.raises(ValidationFailed, match=match) as err:
        TimeLimit(**kwargs)
    assert err.value.code == "invalid_time_limit"


def test_naive_start_is_refused(office):
    with pytest.raises(ValidationFailed, match="timezone-aware") as err:
        deadline_compute(datetime(2026, 9, 30, 10), TimeLimit(3, WD), office)
    assert err.value.code == "naive_datetime"
    with pytest.raises(ValidationFailed, match="timezone-aware"):
        next_daily_due(datetime(2026, 9, 30, 10), time(17), office)


def test_date_start_is_refused(office):
    with pytest.raises(ValidationFailed, match="must be a datetime"):
        deadline_compute(date(2026, 9, 30), TimeLimit(3, WD), office)  # type: ignore[arg-type]


# --- properties ------------------------------------------------------------------------------

days_2003_2029 = st.dates(min_value=date(2003, 1, 1), max_value=date(2029, 12, 31))


def _naive_nth(cal, day: date, n: int) -> date:
    while n:
        day += timedelta(days=1)
        if cal.is_working_day(day):
            n -= 1
    return day


@settings(max_examples=300, deadline=None)
@given(day=days_2003_2029, n=st.integers(1, 600))
def test_fast_working_day_nth_matches_a_day_by_day_walk(office, office_2027, day, n):
    for cal in (office, office_2027):
        assert cal.working_day_nth(day, n) == _naive_nth(cal, day, n)


@settings(max_examples=300, deadline=None)
@given(day=days_2003_2029, n=st.integers(1, 400), m=st.integers(1, 400))
def test_adding_n_then_m_working_days_is_adding_n_plus_m(office, day, n, m):
    assert office.working_day_nth(office.working_day_nth(day, n), m) == office.working_day_nth(
        day, n + m
    )


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2003, 1, 1), max_value=datetime(2029, 12, 31)),
    n=st.integers(1, 300),
    count=st.booleans(),
)
@example(start=datetime(2003, 12, 31), n=1, count=False)  # 2003 uncovered, never looked up
@example(start=datetime(2003, 12, 27), n=1, count=True)  # a guessed weekend, looked up
def test_working_days_end_on_a_working_day_after_the_start(office, start, n, count):
    aware = start.replace(tzinfo=SHANGHAI)
    result = deadline_compute(aware, TimeLimit(n, WD, count_start_day=count), office)
    assert office.is_working_day(result.due_at.date())
    assert result.due_at > aware
    # The start day is looked up only when the rule counts it.
    first = aware.date() if count else aware.date() + timedelta(days=1)
    assert result.provisional == bool(office.uncovered_years(first, result.due_at.date()))


@settings(max_examples=300, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
    n=st.integers(1, 100),
    m=st.integers(1, 100),
)
def test_working_hours_add_up(office, start, n, m):
    aware = start.replace(tzinfo=SHANGHAI)
    first = deadline_compute(aware, TimeLimit(n, WH), office, explain=False).due_at
    second = deadline_compute(first, TimeLimit(m, WH), office, explain=False).due_at
    assert second == deadline_compute(aware, TimeLimit(n + m, WH), office, explain=False).due_at


@settings(max_examples=200, deadline=None)
@given(
    start=st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2027, 12, 31)),
    n=st.integers(1, 60),
)
def test_days_with_roll_forward_end_on_a_working_day_no_earlier_than_without(office, start, n):
    aware = start.replace(tzinfo=SHANGHAI)
    plain = deadline_compute(aware, TimeLimit(n, "days"), office).due_at
    rolled = deadline_compute(aware, TimeLimit(n, "days", roll_forward=True), office).due_at
    assert rolled >= plain
    assert office.is_working_day(rolled.date())
    assert (rolled == plain) == office.is_working_day(plain.date())
