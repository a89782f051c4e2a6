"""Time-limit arithmetic: from a start and a rule to a due moment, with its reasons.

Pure functions: the start and the calendar are passed in; nothing reads the clock or the
database. The conventions are documented, with worked examples, in docs/deadlines.md.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Final

from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop, ngettext

from closeloop.common.errors import ValidationFailed

from .calendar import DAY, WorkCalendar, is_weekend_ordinal, weekdays_before

UNITS: Final = ("minutes", "hours", "working_hours", "days", "working_days")
DAY_UNITS: Final = frozenset({"days", "working_days"})
END_OF_DAY: Final = time(23, 59, 59)

# Longer explanations stop being read; past these, details are summarised.
_MAX_HOLIDAY_LINES: Final = 6
_MAX_LISTED_WEEKEND_DAYS: Final = 4


@dataclass(frozen=True)
class TimeLimit:
    """A deadline rule: `amount` of `unit`, with the day-unit options.

    `count_start_day`, `end_time` and `roll_forward` only make sense for `days` and
    `working_days`; giving them with another unit is refused so a pack's typo is caught.
    """

    amount: int
    unit: str
    count_start_day: bool = False
    end_time: time | None = None
    roll_forward: bool = False

    def __post_init__(self) -> None:
        if self.unit not in UNITS:
            raise ValidationFailed(
                f"Unknown time-limit unit {self.unit!r}; expected one of {', '.join(UNITS)}.",
                code="invalid_time_limit",
                details={"field": "unit", "value": self.unit},
            )
        if isinstance(self.amount, bool) or not isinstance(self.amount, int):
            raise ValidationFailed(
                f"Time-limit amount must be a whole number, got {self.amount!r}.",
                code="invalid_time_limit",
                details={"field": "amount", "value": repr(self.amount)},
            )
        if self.amount <= 0:
            raise ValidationFailed(
                f"Time-limit amount must be positive, got {self.amount}.",
                code="invalid_time_limit",
                details={"field": "amount", "value": self.amount},
            )
        if self.unit not in DAY_UNITS:
            for name in ("count_start_day", "end_time", "roll_forward"):
                if getattr(self, name) not in (False, None):
                    raise ValidationFailed(
                        f"Option {name} applies only to days and working_days, not {self.unit}.",
                        code="invalid_time_limit",
                        details={"field": name, "unit": self.unit},
                    )
        if self.end_time is not None and (
            not isinstance(self.end_time, time) or self.end_time.tzinfo is not None
        ):
            raise ValidationFailed(
                "end_time must be a wall-clock time without a time zone.",
                code="invalid_time_limit",
                details={"field": "end_time"},
            )

    def describe(self) -> str:
        n = self.amount
        if self.unit == "minutes":
            return ngettext("%(n)d minute", "%(n)d minutes", n) % {"n": n}
        if self.unit == "hours":
            return ngettext("%(n)d hour", "%(n)d hours", n) % {"n": n}
        if self.unit == "working_hours":
            return ngettext("%(n)d working hour", "%(n)d working hours", n) % {"n": n}
        if self.unit == "days":
            return ngettext("%(n)d day", "%(n)d days", n) % {"n": n}
        return ngettext("%(n)d working day", "%(n)d working days", n) % {"n": n}


@dataclass(frozen=True)
class Deadline:
    """A computed due moment, whether it rests on provisional calendar data, and why."""

    due_at: datetime
    provisional: bool
    explanation: list[str] = field(default_factory=list)


# --- formatting ---------------------------------------------------------------------------


def _fmt_dt(value: datetime) -> str:
    return value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")


def _fmt_time(value: time) -> str:
    return value.strftime("%H:%M:%S" if value.second else "%H:%M")


def _fmt_range(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()} – {last.isoformat()}"


_WEEKDAY_NAMES: Final = (
    gettext_noop("Mon"),
    gettext_noop("Tue"),
    gettext_noop("Wed"),
    gettext_noop("Thu"),
    gettext_noop("Fri"),
    gettext_noop("Sat"),
    gettext_noop("Sun"),
)


def _weekday_name(day: date) -> str:
    return _(_WEEKDAY_NAMES[day.weekday()])


def _names_join(names: list[str]) -> str:
    return "、".join(dict.fromkeys(names))


# --- explanation of the days between ------------------------------------------------------


# Each part of the explanation gives its dated lines (sorted together later) and its summary.
_Lines = tuple[list[tuple[date, str]], list[str]]


def _holiday_lines(holidays: list[tuple[date, str]]) -> _Lines:
    """One line per holiday period (consecutive holidays together), past a few a sum."""
    dated: list[tuple[date, str]] = []
    summary: list[str] = []
    groups: list[tuple[date, date, list[str]]] = []
    for day, name in holidays:
        if groups and groups[-1][1] + DAY == day:
            groups[-1] = (groups[-1][0], day, [*groups[-1][2], name])
        else:
            groups.append((day, day, [name]))
    for start, end, names in groups[:_MAX_HOLIDAY_LINES]:
        dated.append(
            (
                start,
                _("Skipped %(days)s: %(name)s holiday")
                % {"days": _fmt_range(start, end), "name": _names_join(names)},
            )
        )
    if len(groups) > _MAX_HOLIDAY_LINES:
        rest = groups[_MAX_HOLIDAY_LINES:]
        count = sum((end - start).days + 1 for start, end, _names in rest)
        summary.append(
            ngettext(
                "Skipped %(count)d more holiday day in %(periods)d periods",
                "Skipped %(count)d more holiday days in %(periods)d periods",
                count,
            )
            % {"count": count, "periods": len(rest)}
        )
    return dated, summary


def _makeup_lines(makeups: list[tuple[date, str]]) -> _Lines:
    dated: list[tuple[date, str]] = [
        (
            day,
            _("Counted %(day)s (%(weekday)s): make-up working day for %(name)s")
            % {"day": day.isoformat(), "weekday": _weekday_name(day), "name": name},
        )
        for day, name in makeups[:_MAX_HOLIDAY_LINES]
    ]
    summary: list[str] = []
    if len(makeups) > _MAX_HOLIDAY_LINES:
        count = len(makeups) - _MAX_HOLIDAY_LINES
        summary.append(
            ngettext(
                "Counted %(count)d more make-up working day",
                "Counted %(count)d more make-up working days",
                count,
            )
            % {"count": count}
        )
    return dated, summary


def _weekend_lines(
    first: date,
    last: date,
    holidays: list[tuple[date, str]],
    makeups: list[tuple[date, str]],
) -> _Lines:
    """The plain weekend days: listed when a few in a short span, otherwise counted."""
    lo, hi = first.toordinal(), last.toordinal()
    weekend_days = (hi - lo + 1) - (weekdays_before(hi + 1) - weekdays_before(lo))
    weekend_days -= sum(1 for day, _n in holidays if is_weekend_ordinal(day.toordinal()))
    weekend_days -= sum(1 for day, _n in makeups if is_weekend_ordinal(day.toordinal()))
    if 0 < weekend_days <= _MAX_LISTED_WEEKEND_DAYS and hi - lo < 31:
        taken = {d for d, _n in holidays} | {d for d, _n in makeups}
        runs: list[tuple[date, date]] = []
        for ordinal in range(lo, hi + 1):
            day = date.fromordinal(ordinal)
            if not is_weekend_ordinal(ordinal) or day in taken:
                continue
            if runs and runs[-1][1] + DAY == day:
                runs[-1] = (runs[-1][0], day)
            else:
                runs.append((day, day))
        dated = [
            (start, _("Skipped %(days)s: weekend") % {"days": _fmt_range(start, end)})
            for start, end in runs
        ]
        return dated, []
    if weekend_days > 0:
        summary = ngettext(
            "Skipped %(count)d weekend day", "Skipped %(count)d weekend days", weekend_days
        ) % {"count": weekend_days}
        return [], [summary]
    return [], []


def _skipped_lines(cal: WorkCalendar, first: date, last: date) -> list[str]:
    """Lines for the non-working days skipped and make-up days counted in [first, last].

    `last` is the due day (a working day) so a make-up day that is itself the due day shows.
    Lines come in date order; past a few, holiday periods and make-up days are summed up.
    Uses the calendar's sorted holiday and make-up lists and a weekday formula, so a long
    span costs no more than its few holiday periods.
    """
    if last < first:
        return []
    holidays = cal.holidays_between(first, last)
    makeups = cal.makeup_days_between(first, last)
    dated: list[tuple[date, str]] = []
    summary: list[str] = []
    for part_dated, part_summary in (
        _holiday_lines(holidays),
        _makeup_lines(makeups),
        _weekend_lines(first, last, holidays, makeups),
    ):
        dated += part_dated
        summary += part_summary
    # A stable sort: on one day, the holiday line comes before the make-up and weekend lines.
    dated.sort(key=lambda item: item[0])
    return [line for _day, line in dated] + summary


def _provisional_lines(cal: WorkCalendar, first: date, last: date) -> list[str]:
    return [
        _("%(year)d has no official holiday notice: counted plain weekdays (provisional)")
        % {"year": year}
        for year in cal.uncovered_years(first, last)
    ]


def _non_working_reason(cal: WorkCalendar, day: date) -> str:
    name = cal.holiday_name(day)
    if name:
        return _("%(name)s holiday") % {"name": name}
    return _("weekend")


# --- the arithmetic -------------------------------------------------------------------------


def _at(cal: WorkCalendar, day: date, seconds: timedelta) -> datetime:
    """Wall-clock moment `seconds` after midnight of `day` in the calendar's zone."""
    return datetime.combine(day, time(0), tzinfo=cal.tz) + seconds


def _day_end(cal: WorkCalendar, day: date, end_time: time | None) -> tuple[datetime, str]:
    """The moment a day-unit limit ends on `day`, and how to say so."""
    if end_time is not None:
        return datetime.combine(day, end_time, tzinfo=cal.tz), ""
    closing = cal.open_ranges(day)[-1][1] if not cal.always_open else 86400
    if closing >= 86400:
        return datetime.combine(day, END_OF_DAY, tzinfo=cal.tz), _("end of day")
    return _at(cal, day, timedelta(seconds=closing)), _("end of business hours")


def _due_line(due: datetime, note: str) -> str:
    if note:
        return _("Due %(due)s (%(note)s)") % {"due": _fmt_dt(due), "note": note}
    return _("Due %(due)s") % {"due": _fmt_dt(due)}


def _rule_line(limit: TimeLimit, local_start: datetime) -> str:
    if limit.unit in ("minutes", "hours"):
        qualifier = _("elapsed time")
    elif limit.unit == "working_hours":
        qualifier = _("business hours on working days")
    elif limit.count_start_day:
        qualifier = _("start day counts")
    else:
        qualifier = _("start day not counted")
    line = _("%(limit)s from %(start)s (%(qualifier)s)") % {
        "limit": limit.describe(),
        "start": _fmt_dt(local_start),
        "qualifier": qualifier,
    }
    if limit.end_time is not None:
        line += _(", ending at %(time)s") % {"time": _fmt_time(limit.end_time)}
    return line


def _elapsed(start: datetime, limit: TimeLimit, cal: WorkCalendar, explain: bool) -> Deadline:
    delta = (
        timedelta(minutes=limit.amount)
        if limit.unit == "minutes"
        else timedelta(hours=limit.amount)
    )
    # UTC arithmetic: elapsed time must not stretch or shrink across a zone's clock change.
    due = (start.astimezone(UTC) + delta).astimezone(cal.tz)
    lines = []
    if explain:
        lines = [_rule_line(limit, start.astimezone(cal.tz)), _due_line(due, "")]
    return Deadline(due_at=due, provisional=False, explanation=lines)


def _open_walk(ranges: tuple[tuple[int, int], ...], after: timedelta, need: timedelta) -> timedelta:
    """The time of day at which `need` of open time after `after` has been used up."""
    for a, b in ranges:
        begin = max(timedelta(seconds=a), after)
        end = timedelta(seconds=b)
        if begin >= end:
            continue
        if need <= end - begin:
            return begin + need
        need -= end - begin
    raise AssertionError("need exceeds the day's open time")


def _open_after(ranges: tuple[tuple[int, int], ...], after: timedelta) -> timedelta:
    total = timedelta(0)
    for a, b in ranges:
        begin = max(timedelta(seconds=a), after)
        end = timedelta(seconds=b)
        if begin < end:
            total += end - begin
    return total


def _working_hours(start: datetime, limit: TimeLimit, cal: WorkCalendar, explain: bool) -> Deadline:
    local = start.astimezone(cal.tz)
    if cal.always_open:
        # A 24×7 line is open every hour of every day: working hours are elapsed hours.
        due = (start.astimezone(UTC) + timedelta(hours=limit.amount)).astimezone(cal.tz)
        lines = []
        if explain:
            lines = [
                _rule_line(limit, local),
                _("Open 24×7: every hour counts"),
                _due_line(due, ""),
            ]
        return Deadline(due_at=due, provisional=False, explanation=lines)

    day = local.date()
    since_midnight = local.replace(tzinfo=None) - datetime.combine(day, time(0))
    today = cal.open_ranges(day)
    left_today = _open_after(today, since_midnight)
    need = timedelta(hours=limit.amount)
    per_day = timedelta(seconds=cal.open_seconds_per_working_day)

    if need <= left_today:
        due_day = day
        due = _at(cal, day, _open_walk(today, since_midnight, need))
    else:
        remaining = need - left_today
        # Whole working days first, so the last day keeps between 1µs and a full day.
        full_days = (remaining - timedelta(microseconds=1)) // per_day
        last = remaining - full_days * per_day
        due_day = cal.working_day_nth(day, full_days + 1)
        due = _at(cal, due_day, _open_walk(cal.open_ranges(due_day), timedelta(0), last))
    provisional = bool(cal.uncovered_years(day, due_day))
    if not explain:
        return Deadline(due_at=due, provisional=provisional)

    lines = [_rule_line(limit, local)]
    inside = any(timedelta(seconds=a) <= since_midnight < timedelta(seconds=b) for a, b in today)
    if not inside:
        if left_today:
            opening = min(
                timedelta(seconds=a) for a, _b in today if timedelta(seconds=a) > since_midnight
            )
            first_open = _at(cal, day, opening)
        else:
            next_day = cal.working_day_nth(day, 1)
            first_open = _at(cal, next_day, timedelta(seconds=cal.open_ranges(next_day)[0][0]))
        lines.append(
            _("Outside business hours: counting starts %(at)s") % {"at": _fmt_dt(first_open)}
        )
    skip_from = day if not cal.is_working_day(day) else day + DAY
    lines += _skipped_lines(cal, skip_from, due_day)
    lines += _provisional_lines(cal, day, due_day)
    lines.append(_due_line(due, ""))
    return Deadline(due_at=due, provisional=provisional, explanation=lines)


def _start_counts(cal: WorkCalendar, limit: TimeLimit, local: datetime) -> bool:
    """Whether the start day counts as day one.

    A start day whose end time has already passed at the start cannot hold a deadline, so
    it does not count even when the rule says it should.
    """
    if not limit.count_start_day:
        return False
    day = local.date()
    if limit.unit == "working_days":
        if not cal.is_working_day(day):
            return False
        end, _note = _day_end(cal, day, limit.end_time)
    else:
        end = datetime.combine(day, limit.end_time or END_OF_DAY, tzinfo=cal.tz)
    return end > local


def _start_not_counted_line(cal: WorkCalendar, limit: TimeLimit, day: date) -> str:
    if limit.unit == "working_days" and not cal.is_working_day(day):
        return _("Start day %(day)s is not a working day (%(reason)s): not counted") % {
            "day": day.isoformat(),
            "reason": _non_working_reason(cal, day),
        }
    return _("Start came after the end of the start day's time: start day not counted")


def _working_days(start: datetime, limit: TimeLimit, cal: WorkCalendar, explain: bool) -> Deadline:
    local = start.astimezone(cal.tz)
    day = local.date()
    counted = _start_counts(cal, limit, local)
    due_day = cal.working_day_nth(day, limit.amount, include_day=counted)
    due, note = _day_end(cal, due_day, limit.end_time)
    first = day if counted else day + DAY
    # A rule that counts the start day looked the day up, even if it then did not count it.
    consulted = day if limit.count_start_day else first
    provisional = bool(cal.uncovered_years(consulted, due_day))
    if not explain:
        return Deadline(due_at=due, provisional=provisional)

    lines = [_rule_line(limit, local)]
    if limit.count_start_day and not counted:
        lines.append(_start_not_counted_line(cal, limit, day))
    lines += _skipped_lines(cal, first, due_day)
    lines += _provisional_lines(cal, consulted, due_day)
    lines.append(_due_line(due, note))
    return Deadline(due_at=due, provisional=provisional, explanation=lines)


def _days(start: datetime, limit: TimeLimit, cal: WorkCalendar, explain: bool) -> Deadline:
    local = start.astimezone(cal.tz)
    day = local.date()
    counted = _start_counts(cal, limit, local)
    last = day + timedelta(days=limit.amount - (1 if counted else 0))
    due_day = cal.working_day_on_or_after(last) if limit.roll_forward else last
    # Only the days checked for rolling depend on the calendar.
    provisional = limit.roll_forward and bool(cal.uncovered_years(last, due_day))
    due = datetime.combine(due_day, limit.end_time or END_OF_DAY, tzinfo=cal.tz)
    if not explain:
        return Deadline(due_at=due, provisional=provisional)

    lines = [_rule_line(limit, local)]
    if limit.count_start_day and not counted:
        lines.append(_start_not_counted_line(cal, limit, day))
    lines.append(
        _("Day %(n)d is %(day)s (%(weekday)s)")
        % {"n": limit.amount, "day": last.isoformat(), "weekday": _weekday_name(last)}
    )
    if due_day != last:
        reasons = _names_join(
            [
                _non_working_reason(cal, last + timedelta(days=i))
                for i in range((due_day - last).days)
            ]
        )
        lines.append(
            _("Rolled forward off %(days)s (%(reasons)s) to the next working day %(next)s")
            % {
                "days": _fmt_range(last, due_day - DAY),
                "reasons": reasons,
                "next": due_day.isoformat(),
            }
        )
    if limit.roll_forward:
        lines += _provisional_lines(cal, last, due_day)
    lines.append(_due_line(due, "" if limit.end_time else _("end of day")))
    return Deadline(due_at=due, provisional=provisional, explanation=lines)


def _aware_check(value: datetime, name: str) -> None:
    if not isinstance(value, datetime):
        raise ValidationFailed(f"{name} must be a datetime, got {type(value).__name__}.")
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValidationFailed(
            f"{name} must be timezone-aware, got naive {value.isoformat()}.",
            code="naive_datetime",
            details={"field": name},
        )


def deadline_compute(
    start: datetime, limit: TimeLimit, calendar: WorkCalendar, *, explain: bool = True
) -> Deadline:
    """When a time limit that starts at `start` falls due, under `calendar`.

    The result is aware in the calendar's time zone; see docs/deadlines.md. Bulk
    recomputation (e.g. after loading a new year) may pass `explain=False` to skip
    building the explanation, which costs far more than the arithmetic.
    """
    _aware_check(start, "start")
    if limit.unit in ("minutes", "hours"):
        return _elapsed(start, limit, calendar, explain)
    if limit.unit == "working_hours":
        return _working_hours(start, limit, calendar, explain)
    if limit.unit == "days":
        return _days(start, limit, calendar, explain)
    return _working_days(start, limit, calendar, explain)


def next_daily_due(
    after: datetime,
    end_time: time,
    calendar: WorkCalendar,
    *,
    min_lead: timedelta = timedelta(0),
) -> Deadline:
    """The next "by `end_time` every working day" moment strictly after `after + min_lead`.

    For recurring milestones such as a daily progress report: a report due at 17:00 is
    due at 17:00 of the first working day whose 17:00 is still ahead; `min_lead` keeps a
    milestone started at 16:55 from falling due five minutes later.
    """
    _aware_check(after, "after")
    if min_lead < timedelta(0):
        raise ValidationFailed("min_lead must not be negative.")
    local = (after + min_lead).astimezone(calendar.tz)
    day = local.date()
    due_day = calendar.working_day_on_or_after(day)
    if datetime.combine(due_day, end_time, tzinfo=calendar.tz) <= local:
        due_day = calendar.working_day_nth(due_day, 1)
    due = datetime.combine(due_day, end_time, tzinfo=calendar.tz)

    lines = [
        _("Every working day by %(time)s, next after %(after)s")
        % {"time": _fmt_time(end_time), "after": _fmt_dt(local)}
    ]
    lines += _skipped_lines(calendar, day, due_day)
    lines += _provisional_lines(calendar, day, due_day)
    lines.append(_due_line(due, ""))
    return Deadline(
        due_at=due, provisional=bool(calendar.uncovered_years(day, due_day)), explanation=lines
    )
