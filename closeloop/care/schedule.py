"""When service the centre starts itself falls due: care visits every two weeks, the
suggestion box every five days, a reception day every Monday.

Pure: each function takes the dates and a working calendar (`sla.calendar.WorkCalendar`,
the official holidays and make-up days) and reads nothing else, so every schedule can be
tested against the official calendar and explained.

A cadence keeps its own dates: a visit planned every two weeks from 17 September is planned
on 1 October, 15 October… whatever happened to the one before. Where a planned date is not a
working day, the task is due on the next working day (国庆 moves the 1 October visit to 8
October), and the next one is still planned for 15 October — moving one never shifts the
rest. A cadence in working days lands on working days by itself.
"""

import calendar as month_days
from dataclasses import dataclass
from datetime import date, timedelta

from closeloop.policy.schema import CARE_UNITS, WEEKDAY_NAMES
from closeloop.sla.calendar import WorkCalendar

# One declaration with the pack's format, which names the same units and weekdays.
UNITS = CARE_UNITS
WEEKDAYS = WEEKDAY_NAMES


@dataclass(frozen=True)
class Every:
    """A cadence: every `amount` `unit` (days, weeks, months or working days)."""

    amount: int
    unit: str

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValueError(f"unit must be one of {', '.join(UNITS)}, not {self.unit!r}")
        if self.amount < 1:
            raise ValueError(f"amount must be at least 1, not {self.amount}")


@dataclass(frozen=True)
class Occurrence:
    """One turn of a cadence: the date it is planned for, and the working day it is due."""

    planned: date
    due: date
    moved_for: str = ""  # why it moved: the holiday's name, or "weekend"

    @property
    def moved(self) -> bool:
        return self.due != self.planned


def _add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day where it is shorter (31 Jan → 28 Feb)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, month_days.monthrange(year, month)[1]))


def planned(anchor: date, every: Every, n: int, calendar: WorkCalendar) -> date:
    """The n-th planned date after `anchor` (n ≥ 1): the anchor is turn 0, e.g. the day a
    customer joined the class or the box was last opened."""
    if n < 1:
        raise ValueError(f"n must be at least 1, not {n}")
    if every.unit == "days":
        return anchor + timedelta(days=every.amount * n)
    if every.unit == "weeks":
        return anchor + timedelta(weeks=every.amount * n)
    if every.unit == "months":
        return _add_months(anchor, every.amount * n)
    return calendar.working_day_nth(anchor, every.amount * n)


def occurrence(day: date, calendar: WorkCalendar) -> Occurrence:
    """A task planned for `day`: due that day if it is a working day, else the next one."""
    if calendar.is_working_day(day):
        return Occurrence(day, day)
    why = calendar.holiday_name(day) or "weekend"
    return Occurrence(day, calendar.working_day_on_or_after(day), why)


def occurrences(
    anchor: date, every: Every, first: date, last: date, calendar: WorkCalendar
) -> list[Occurrence]:
    """The turns of the cadence planned in [first, last], in order."""
    out: list[Occurrence] = []
    n = 1
    while (day := planned(anchor, every, n, calendar)) <= last:
        if day >= first:
            out.append(occurrence(day, calendar))
        n += 1
    return out


def next_occurrence(anchor: date, every: Every, after: date, calendar: WorkCalendar) -> Occurrence:
    """The first turn planned after `after` (a job that runs daily asks for the next one)."""
    n = 1
    while (day := planned(anchor, every, n, calendar)) <= after:
        n += 1
    return occurrence(day, calendar)


def booking_day(due: date, ahead: Every | None, calendar: WorkCalendar) -> date | None:
    """The day by which a visit due on `due` is booked with the customer (seed 001's
    预约时限:提前一天预约): `ahead` before it, in working days when so given."""
    if ahead is None:
        return None
    if ahead.unit == "working_days":
        return calendar.working_day_before(due, ahead.amount)
    if ahead.unit == "months":
        return _add_months(due, -ahead.amount)
    days = ahead.amount * (7 if ahead.unit == "weeks" else 1)
    return due - timedelta(days=days)


@dataclass(frozen=True)
class Session:
    """One reception session on a weekly cadence: held, or not held because of a holiday."""

    day: date
    not_held_for: str = ""  # the holiday's name when the office is closed that day

    @property
    def held(self) -> bool:
        return not self.not_held_for


def weekly_sessions(weekday: str, first: date, last: date, calendar: WorkCalendar) -> list[Session]:
    """Every `weekday` in [first, last]. A session that falls on a day the office is closed
    (a holiday) is not held and is not moved: a reception day is announced for its weekday,
    and the next one is the next week's. A make-up working day on another weekday holds none."""
    if weekday not in WEEKDAYS:
        raise ValueError(f"weekday must be one of {', '.join(WEEKDAYS)}, not {weekday!r}")
    day = first + timedelta(days=(WEEKDAYS.index(weekday) - first.weekday()) % 7)
    out = []
    while day <= last:
        closed = not calendar.is_working_day(day)
        out.append(Session(day, (calendar.holiday_name(day) or "weekend") if closed else ""))
        day += timedelta(weeks=1)
    return out


ROTATION_START = date(2000, 1, 3)  # a Monday: week 0 of every rotation


def host_in_turn(hosts: list[str] | tuple[str, ...], day: date) -> str:
    """Who receives on `day` when several take turns week by week (领导轮流接访): the week's
    number since Monday 3 January 2000, counted round the list. The same day always gives the
    same host, whoever asks and whenever, so the portal can publish it ahead."""
    if not hosts:
        raise ValueError("at least one host is needed")
    week = (day - ROTATION_START).days // 7
    return hosts[week % len(hosts)]
