"""Schedules of the service the centre starts itself, on the official calendar of mainland
China (the 2026 notice: 中秋 25–27 September, 国庆 1–7 October, Saturday 10 October a make-up
working day)."""

from datetime import date

import pytest

from closeloop.care.schedule import (
    Every,
    booking_day,
    host_in_turn,
    next_occurrence,
    occurrences,
    planned,
    weekly_sessions,
)
from closeloop.sla.calendar import china_calendar

CAL = china_calendar()


def test_a_visit_every_two_weeks_that_falls_on_national_day_moves_to_the_next_working_day() -> None:
    # Seed 001: 核心客户 两周拜访一次. The customer joined the class on Thursday 17 September.
    visits = occurrences(
        date(2026, 9, 17), Every(2, "weeks"), date(2026, 9, 18), date(2026, 11, 1), CAL
    )
    assert [(v.planned, v.due, v.moved_for) for v in visits] == [
        (date(2026, 10, 1), date(2026, 10, 8), "国庆节"),  # 1–7 October are 国庆
        (date(2026, 10, 15), date(2026, 10, 15), ""),  # the cadence keeps its own dates
        (date(2026, 10, 29), date(2026, 10, 29), ""),
    ]


def test_a_visit_planned_on_a_weekend_is_due_on_monday_and_a_make_up_saturday_is_a_working_day() -> (
    None
):
    every_week = Every(1, "weeks")
    weekend = occurrences(date(2026, 11, 7), every_week, date(2026, 11, 8), date(2026, 11, 14), CAL)
    assert [(v.planned, v.due, v.moved_for) for v in weekend] == [
        (date(2026, 11, 14), date(2026, 11, 16), "weekend")
    ]
    makeup = occurrences(date(2026, 10, 3), every_week, date(2026, 10, 4), date(2026, 10, 10), CAL)
    assert [(v.planned, v.due) for v in makeup] == [(date(2026, 10, 10), date(2026, 10, 10))]


def test_the_box_is_opened_on_day_5_10_15() -> None:
    # Seed 003 (power utility): 客户意见箱 opened every five days.
    start = date(2026, 3, 2)  # a Monday; day 0
    turns = occurrences(start, Every(5, "days"), start, date(2026, 3, 31), CAL)
    assert [t.planned.day for t in turns] == [7, 12, 17, 22, 27]
    assert [(t.planned, t.due) for t in turns if t.moved] == [
        (date(2026, 3, 7), date(2026, 3, 9)),  # a Saturday: opened on Monday
        (date(2026, 3, 22), date(2026, 3, 23)),  # a Sunday
    ]


def test_the_next_turn_after_a_day_for_a_daily_job() -> None:
    every = Every(5, "days")
    start = date(2026, 3, 2)
    assert next_occurrence(start, every, date(2026, 3, 2), CAL).planned == date(2026, 3, 7)
    assert next_occurrence(start, every, date(2026, 3, 7), CAL).planned == date(2026, 3, 12)
    assert next_occurrence(start, every, date(2026, 3, 8), CAL).planned == date(2026, 3, 12)


def test_a_cadence_in_working_days_and_in_months() -> None:
    # Seed 003 (car dealer): follow-up within 3 working days; from 30 September it skips 国庆.
    assert planned(date(2026, 9, 30), Every(3, "working_days"), 1, CAL) == date(2026, 10, 10)
    # A month from 31 January is the last day of February.
    assert planned(date(2026, 1, 31), Every(1, "months"), 1, CAL) == date(2026, 2, 28)
    assert planned(date(2026, 1, 31), Every(1, "months"), 2, CAL) == date(2026, 3, 31)


def test_a_visit_is_booked_one_working_day_ahead() -> None:
    # Seed 001: 预约时限:提前一天预约. A visit due Thursday 8 October is booked on 30 September,
    # the last working day before 国庆; one due on a Monday, on the Friday before.
    assert booking_day(date(2026, 10, 8), Every(1, "working_days"), CAL) == date(2026, 9, 30)
    assert booking_day(date(2026, 11, 16), Every(1, "working_days"), CAL) == date(2026, 11, 13)
    assert booking_day(date(2026, 11, 16), Every(1, "days"), CAL) == date(2026, 11, 15)
    assert booking_day(date(2026, 11, 16), None, CAL) is None


def test_reception_every_monday_is_not_held_on_a_holiday() -> None:
    # Seed 003 (power utility): 每周星期一為所長接待日. 5 October 2026 is 国庆.
    sessions = weekly_sessions("monday", date(2026, 10, 1), date(2026, 10, 31), CAL)
    assert [(s.day.day, s.held, s.not_held_for) for s in sessions] == [
        (5, False, "国庆节"),
        (12, True, ""),
        (19, True, ""),
        (26, True, ""),
    ]


@pytest.mark.parametrize(
    ("amount", "unit", "problem"),
    [(0, "days", "at least 1"), (2, "fortnights", "one of"), (-1, "weeks", "at least 1")],
)
def test_a_bad_cadence_says_what_is_wrong(amount: int, unit: str, problem: str) -> None:
    with pytest.raises(ValueError, match=problem):
        Every(amount, unit)


def test_a_bad_weekday_says_what_is_wrong() -> None:
    with pytest.raises(ValueError, match="monday"):
        weekly_sessions("mon", date(2026, 10, 1), date(2026, 10, 31), CAL)


def test_hosts_take_turns_week_by_week() -> None:
    # Week 0 is Monday 3 January 2000; 2 November 2026 starts week 1400 (1400 % 3 = 2).
    hosts = ["主任", "副主任甲", "副主任乙"]
    mondays = [s.day for s in weekly_sessions("monday", date(2026, 11, 2), date(2026, 11, 30), CAL)]
    assert [host_in_turn(hosts, d) for d in mondays] == [
        "副主任乙",
        "主任",
        "副主任甲",
        "副主任乙",
        "主任",
    ]
    assert host_in_turn(hosts, date(2026, 11, 4)) == "副主任乙"  # a Wednesday: its week's host
    assert host_in_turn(["所长"], date(2026, 11, 4)) == "所长"
