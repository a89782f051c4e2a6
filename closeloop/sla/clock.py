"""Pure arithmetic for a clock that stops and starts again (suspension, 挂起).

A suspended deadline resumes with the time that remained when it stopped, measured in its
own kind of time: elapsed time for minutes and hours, open business time for working hours,
calendar days for days, working days for working days (keeping the due time of day).
"""

from datetime import date, datetime, time, timedelta

from .calendar import WorkCalendar


def _local(moment: datetime, cal: WorkCalendar) -> datetime:
    return moment.astimezone(cal.tz)


def _at(day: date, seconds: int, cal: WorkCalendar) -> datetime:
    return datetime.combine(day, time(0), tzinfo=cal.tz) + timedelta(seconds=seconds)


def _seconds_of_day(moment: datetime) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def open_seconds_between(start: datetime, end: datetime, cal: WorkCalendar) -> int:
    """Business seconds in [start, end). Walks the days between: suspensions are short."""
    if end <= start:
        return 0
    if cal.always_open:
        return int((end - start).total_seconds())
    first, last = _local(start, cal), _local(end, cal)
    total = 0
    day = first.date()
    while day <= last.date():
        lo = _seconds_of_day(first) if day == first.date() else 0
        hi = _seconds_of_day(last) if day == last.date() else 86400
        for open_from, open_to in cal.open_ranges(day):
            total += max(0, min(hi, open_to) - max(lo, open_from))
        day += timedelta(days=1)
    return total


def open_seconds_add(start: datetime, seconds: int, cal: WorkCalendar) -> datetime:
    """The moment `seconds` of business time after `start`."""
    if cal.always_open:
        return start + timedelta(seconds=seconds)
    local = _local(start, cal)
    day, position, left = local.date(), _seconds_of_day(local), seconds
    while True:
        for open_from, open_to in cal.open_ranges(day):
            begin = max(position, open_from)
            if begin >= open_to:
                continue
            if left <= open_to - begin:
                return _at(day, begin + left, cal)
            left -= open_to - begin
        day, position = day + timedelta(days=1), 0


def shift_after_pause(
    due: datetime, paused_at: datetime, resumed_at: datetime, unit: str, cal: WorkCalendar
) -> datetime:
    """Where a deadline due at `due` falls when its clock stopped at `paused_at` and started
    again at `resumed_at`."""
    if due <= paused_at or resumed_at <= paused_at:
        return due
    elapsed_shift = due + (resumed_at - paused_at)
    if unit not in ("working_hours", "days", "working_days"):  # elapsed time, or a fixed moment
        return elapsed_shift
    if unit == "working_hours":
        remaining = open_seconds_between(paused_at, due, cal)
        return open_seconds_add(resumed_at, remaining, cal)
    due_local, paused_local, resumed_local = (_local(m, cal) for m in (due, paused_at, resumed_at))
    due_seconds = _seconds_of_day(due_local)
    if unit == "days":
        remaining_days = (due_local.date() - paused_local.date()).days
        moved = _at(resumed_local.date() + timedelta(days=remaining_days), due_seconds, cal)
    else:  # working_days
        remaining_days = cal.working_days_count(
            paused_local.date() + timedelta(days=1), due_local.date()
        )
        if remaining_days:
            day = cal.working_day_nth(resumed_local.date(), remaining_days)
        else:
            day = cal.working_day_on_or_after(resumed_local.date())
        moved = _at(day, due_seconds, cal)
    # Never less time than remained: a pause cannot shorten a deadline.
    return moved if moved - resumed_at >= due - paused_at - timedelta(days=1) else elapsed_shift
