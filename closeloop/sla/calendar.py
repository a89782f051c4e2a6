"""Working-day calendars: weekdays − public holidays + make-up working days (调休上班).

A `WorkCalendar` is immutable and carries everything the time arithmetic needs: its time
zone, its business hours and the official data of the years it covers. Days of a year
without official data follow plain weekdays and are *provisional*.

Counting is O(log n): the working days of the covered span are precomputed once as a
sorted list of ordinals, and days outside that span are counted with a closed weekday
formula, so adding N working days never walks day by day.
"""

from __future__ import annotations

import bisect
import csv
import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, time, timedelta
from pathlib import Path
from types import MappingProxyType
from typing import Any, Final
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from closeloop.common.errors import ValidationFailed

DEFAULT_TZ: Final = "Asia/Shanghai"

# Office hours of most Chinese government service centres.
DEFAULT_BUSINESS_HOURS: Final[tuple[tuple[time, time], ...]] = (
    (time(8, 30), time(12, 0)),
    (time(13, 30), time(17, 30)),
)

# `business_hours=ALWAYS_OPEN` is a 24×7 line: open every hour of every day, holidays too.
ALWAYS_OPEN: Final = None

DAY: Final = timedelta(days=1)

# chinese_calendar names its holidays in English; users read the Chinese names.
HOLIDAY_NAMES_ZH: Final[Mapping[str, str]] = MappingProxyType(
    {
        "New Year's Day": "元旦",
        "Spring Festival": "春节",
        "Tomb-sweeping Day": "清明节",
        "Labour Day": "劳动节",
        "Dragon Boat Festival": "端午节",
        "Mid-autumn Festival": "中秋节",
        "National Day": "国庆节",
        "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
    }
)


# --- weekday arithmetic on proleptic ordinals (ordinal 1 = 0001-01-01, a Monday) -----------


def weekdays_before(ordinal: int) -> int:
    """Number of Monday–Friday days in [1, ordinal)."""
    weeks, rest = divmod(ordinal - 1, 7)
    return 5 * weeks + min(rest, 5)


def weekday_at(index: int) -> int:
    """Ordinal of the weekday with 0-based index `index` counted from ordinal 1."""
    weeks, rest = divmod(index, 5)
    return 1 + 7 * weeks + rest


def is_weekend_ordinal(ordinal: int) -> bool:
    return (ordinal - 1) % 7 >= 5


# --- data --------------------------------------------------------------------------------


@dataclass(frozen=True)
class YearNotice:
    """One year's official holiday arrangement (国务院办公厅 notice).

    `holidays` maps each day off (weekend days inside a holiday period included) to the
    holiday's name; `makeup_days` maps each make-up working day to the holiday it pays for.
    An `example` notice is sample data and is refused as official unless asked for.
    """

    year: int
    holidays: Mapping[date, str]
    makeup_days: Mapping[date, str] = field(default_factory=dict)
    source: str = ""
    example: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "holidays", MappingProxyType(dict(sorted(self.holidays.items()))))
        object.__setattr__(
            self, "makeup_days", MappingProxyType(dict(sorted(self.makeup_days.items())))
        )


BusinessHours = tuple[tuple[time, time], ...] | None


def _time_seconds(value: time) -> int:
    return value.hour * 3600 + value.minute * 60 + value.second


def _business_hours_normalize(
    hours: Iterable[Sequence[time]] | None,
) -> tuple[tuple[time, time], ...] | None:
    """Check that ranges are ordered and disjoint; an end of 00:00 means midnight (24:00)."""
    if hours is None:
        return None
    ranges = tuple((r[0], r[1]) for r in hours)
    if not ranges:
        raise ValidationFailed("Business hours are empty; use ALWAYS_OPEN for a 24×7 line.")
    previous_end = 0
    for start, end in ranges:
        if not isinstance(start, time) or not isinstance(end, time):
            raise ValidationFailed(f"Business hours must be times, got {start!r}–{end!r}.")
        if start.tzinfo is not None or end.tzinfo is not None:
            raise ValidationFailed("Business hours are wall-clock times without a time zone.")
        start_s = _time_seconds(start)
        end_s = _time_seconds(end) or 86400
        if end_s <= start_s:
            raise ValidationFailed(f"Business hours range {start}–{end} ends before it starts.")
        if start_s < previous_end:
            raise ValidationFailed(
                f"Business hours range {start}–{end} overlaps or precedes the previous one."
            )
        previous_end = end_s
    return ranges


def _tz_resolve(tz: ZoneInfo | str) -> ZoneInfo:
    if isinstance(tz, ZoneInfo):
        return tz
    try:
        return ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValidationFailed(f"Unknown time zone {tz!r}.") from exc


@dataclass(frozen=True, eq=False)
class WorkCalendar:
    """Immutable calendar: time zone, business hours and official data per covered year."""

    years: Mapping[int, YearNotice] = field(default_factory=dict)
    business_hours: BusinessHours = DEFAULT_BUSINESS_HOURS
    tz: ZoneInfo = field(default_factory=lambda: ZoneInfo(DEFAULT_TZ))
    name: str = "china"

    # Precomputed in __post_init__; not part of the constructor.
    _holidays: dict[int, str] = field(init=False, repr=False)
    _makeups: dict[int, str] = field(init=False, repr=False)
    _holiday_ords: list[int] = field(init=False, repr=False)
    _makeup_ords: list[int] = field(init=False, repr=False)
    _span: tuple[int, int] | None = field(init=False, repr=False)
    _working: list[int] = field(init=False, repr=False)
    _before_span: int = field(init=False, repr=False)
    _after_span_shift: int = field(init=False, repr=False)
    _ranges_s: tuple[tuple[int, int], ...] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        put = functools.partial(object.__setattr__, self)
        put("tz", _tz_resolve(self.tz))
        put("business_hours", _business_hours_normalize(self.business_hours))
        for year, notice in self.years.items():
            if notice.year != year:
                raise ValidationFailed(f"Notice for {notice.year} filed under year {year}.")
        put("years", MappingProxyType(dict(sorted(self.years.items()))))

        holidays: dict[int, str] = {}
        makeups: dict[int, str] = {}
        for notice in self.years.values():
            holidays.update((d.toordinal(), n) for d, n in notice.holidays.items())
            makeups.update((d.toordinal(), n) for d, n in notice.makeup_days.items())
        put("_holidays", holidays)
        put("_makeups", makeups)
        put("_holiday_ords", sorted(holidays))
        put("_makeup_ords", sorted(makeups))

        if self.years:
            lo = date(min(self.years), 1, 1).toordinal()
            hi = date(max(self.years), 12, 31).toordinal()
            working = [o for o in range(lo, hi + 1) if self._is_working_ordinal(o)]
            put("_span", (lo, hi))
            put("_working", working)
            put("_before_span", weekdays_before(lo))
            # Past the span, the count is the weekday count shifted by the span's balance of
            # holidays taken on weekdays versus make-up weekends worked.
            put(
                "_after_span_shift",
                len(working) - (weekdays_before(hi + 1) - weekdays_before(lo)),
            )
        else:
            put("_span", None)
            put("_working", [])
            put("_before_span", 0)
            put("_after_span_shift", 0)

        if self.business_hours is None:
            put("_ranges_s", ((0, 86400),))
        else:
            put(
                "_ranges_s",
                tuple(
                    (_time_seconds(a), _time_seconds(b) or 86400) for a, b in self.business_hours
                ),
            )

    # --- years ---------------------------------------------------------------------------

    @property
    def covered_years(self) -> frozenset[int]:
        return frozenset(self.years)

    def is_covered(self, year: int) -> bool:
        return year in self.years

    def uncovered_years(self, first: date, last: date) -> list[int]:
        """Years between two days (inclusive) that have no official data."""
        return [y for y in range(first.year, last.year + 1) if y not in self.years]

    # --- days ----------------------------------------------------------------------------

    def _is_working_ordinal(self, ordinal: int) -> bool:
        if ordinal in self._makeups:
            return True
        return not is_weekend_ordinal(ordinal) and ordinal not in self._holidays

    def is_working_day(self, day: date) -> bool:
        return self._is_working_ordinal(day.toordinal())

    def holiday_name(self, day: date) -> str | None:
        return self._holidays.get(day.toordinal())

    def makeup_name(self, day: date) -> str | None:
        """The holiday a make-up working day pays for, or None if it is no make-up day."""
        return self._makeups.get(day.toordinal())

    def _working_before(self, ordinal: int) -> int:
        """Number of working days in [ordinal 1, ordinal): a monotone global index."""
        if self._span is None or ordinal <= self._span[0]:
            return weekdays_before(ordinal)
        if ordinal <= self._span[1] + 1:
            return self._before_span + bisect.bisect_left(self._working, ordinal)
        return weekdays_before(ordinal) + self._after_span_shift

    def _working_at(self, index: int) -> int:
        """Ordinal of the working day with global 0-based index `index`."""
        if index < self._before_span or self._span is None:
            return weekday_at(index)
        if index < self._before_span + len(self._working):
            return self._working[index - self._before_span]
        return weekday_at(index - self._after_span_shift)

    def working_days_count(self, first: date, last: date) -> int:
        """Working days in [first, last] (0 if last < first)."""
        if last < first:
            return 0
        return self._working_before(last.toordinal() + 1) - self._working_before(first.toordinal())

    def working_day_nth(self, day: date, n: int, *, include_day: bool = False) -> date:
        """The n-th working day after `day` (n ≥ 1); with include_day, `day` may be the first."""
        if n < 1:
            raise ValidationFailed(f"n must be at least 1, got {n}.")
        origin = day.toordinal() + (0 if include_day else 1)
        return date.fromordinal(self._working_at(self._working_before(origin) + n - 1))

    def working_day_on_or_after(self, day: date) -> date:
        return self.working_day_nth(day, 1, include_day=True)

    def working_day_before(self, day: date, n: int = 1) -> date:
        """The n-th working day before `day` (n ≥ 1): a booking one working day ahead."""
        if n < 1:
            raise ValidationFailed(f"n must be at least 1, got {n}.")
        return date.fromordinal(self._working_at(self._working_before(day.toordinal()) - n))

    def holidays_between(self, first: date, last: date) -> list[tuple[date, str]]:
        """Official holidays in [first, last], in order."""
        lo = bisect.bisect_left(self._holiday_ords, first.toordinal())
        hi = bisect.bisect_right(self._holiday_ords, last.toordinal())
        return [(date.fromordinal(o), self._holidays[o]) for o in self._holiday_ords[lo:hi]]

    def makeup_days_between(self, first: date, last: date) -> list[tuple[date, str]]:
        """Make-up working days in [first, last], in order."""
        lo = bisect.bisect_left(self._makeup_ords, first.toordinal())
        hi = bisect.bisect_right(self._makeup_ords, last.toordinal())
        return [(date.fromordinal(o), self._makeups[o]) for o in self._makeup_ords[lo:hi]]

    # --- hours ---------------------------------------------------------------------------

    @property
    def always_open(self) -> bool:
        return self.business_hours is None

    def open_ranges(self, day: date) -> tuple[tuple[int, int], ...]:
        """Open ranges of `day` in seconds since midnight (end may be 86400)."""
        if self.always_open or self.is_working_day(day):
            return self._ranges_s
        return ()

    @property
    def open_seconds_per_working_day(self) -> int:
        return sum(b - a for a, b in self._ranges_s)


# --- the built-in China calendar ----------------------------------------------------------


@functools.cache
def _china_years() -> Mapping[int, YearNotice]:
    from chinese_calendar import constants

    holidays: dict[int, dict[date, str]] = {}
    makeups: dict[int, dict[date, str]] = {}
    for day, name in constants.holidays.items():
        holidays.setdefault(day.year, {})[day] = HOLIDAY_NAMES_ZH.get(str(name), str(name))
    for day, name in constants.workdays.items():
        makeups.setdefault(day.year, {})[day] = HOLIDAY_NAMES_ZH.get(str(name), str(name))
    return MappingProxyType(
        {
            year: YearNotice(
                year=year,
                holidays=holidays[year],
                makeup_days=makeups.get(year, {}),
                source="chinesecalendar",
            )
            for year in sorted(holidays)
        }
    )


@functools.lru_cache(maxsize=32)
def _china_calendar_cached(business_hours: BusinessHours, tz: ZoneInfo) -> WorkCalendar:
    return WorkCalendar(years=_china_years(), business_hours=business_hours, tz=tz)


def china_calendar(
    business_hours: Iterable[Sequence[time]] | None = DEFAULT_BUSINESS_HOURS,
    tz: ZoneInfo | str = DEFAULT_TZ,
) -> WorkCalendar:
    """Mainland China's official calendar from `chinese_calendar` (2004–2026).

    Later years are provisional until `calendar_with_notice` adds them.
    `business_hours=ALWAYS_OPEN` gives a 24×7 line.
    """
    return _china_calendar_cached(_business_hours_normalize(business_hours), _tz_resolve(tz))


def calendar_with_notice(
    cal: WorkCalendar, notice: YearNotice, *, allow_example: bool = False
) -> WorkCalendar:
    """A new calendar with `notice`'s year added, or replaced if the calendar had it."""
    if notice.example and not allow_example:
        raise ValidationFailed(
            f"The notice for {notice.year} is marked as an example, not official data.",
            details={"year": notice.year},
        )
    return replace(cal, years={**cal.years, notice.year: notice})


# --- reading a notice file -----------------------------------------------------------------

_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_YEAR_MIN, _YEAR_MAX = 1949, 2200


class _Problems:
    """Collects every problem of a file so one run reports them all."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.items: list[dict[str, Any]] = []

    def add(self, line: int | None, fieldname: str, problem: str) -> None:
        self.items.append(
            {"file": str(self.path), "line": line, "field": fieldname, "problem": problem}
        )

    def raise_if_any(self) -> None:
        if not self.items:
            return
        shown = [
            f"{p['file']}"
            + (f":{p['line']}" if p["line"] else "")
            + f": {p['field']}: {p['problem']}"
            for p in self.items
        ]
        raise ValidationFailed(
            "\n".join(shown), code="invalid_calendar_notice", details={"errors": self.items}
        )


@dataclass
class _Entry:
    kind: str  # "holiday" | "makeup"
    line: int
    fieldname: str
    start: str
    end: str
    name: str


def _date_parse(text: str, entry: _Entry, problems: _Problems, fieldname: str) -> date | None:
    text = text.strip()
    if not _DATE_RE.match(text):
        problems.add(entry.line, fieldname, f"bad date {text!r}, expected YYYY-MM-DD")
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        problems.add(entry.line, fieldname, f"{text!r} is not a real date")
        return None


def _year_parse(problems: _Problems, year_text: str | None, year_line: int | None) -> int | None:
    if year_text is None or not year_text.strip():
        problems.add(year_line, "year", "missing")
        return None
    if not year_text.strip().isdigit() or not _YEAR_MIN <= int(year_text) <= _YEAR_MAX:
        problems.add(
            year_line, "year", f"{year_text!r} is not a year between {_YEAR_MIN} and {_YEAR_MAX}"
        )
        return None
    return int(year_text)


def _entry_range(entry: _Entry, problems: _Problems) -> tuple[date, date] | None:
    """The first and last day of one entry, or None (with the problem noted) when unusable."""
    if not entry.name.strip() and entry.kind == "holiday":
        problems.add(entry.line, f"{entry.fieldname}.name", "a holiday needs a name")
    start = _date_parse(entry.start, entry, problems, f"{entry.fieldname}.date")
    end = start
    if entry.end.strip():
        end = _date_parse(entry.end, entry, problems, f"{entry.fieldname}.to")
    if start is None or end is None:
        return None
    if end < start:
        problems.add(
            entry.line, f"{entry.fieldname}.to", f"range ends {end} before it starts {start}"
        )
        return None
    if (end - start).days > 31:
        problems.add(
            entry.line, f"{entry.fieldname}.to", f"range {start}..{end} is longer than 31 days"
        )
        return None
    return start, end


@dataclass
class _Days:
    """The days read so far, each with the line that listed it, for the duplicate messages."""

    holidays: dict[date, str] = field(default_factory=dict)
    holiday_lines: dict[date, int] = field(default_factory=dict)
    makeups: dict[date, str] = field(default_factory=dict)
    makeup_lines: dict[date, int] = field(default_factory=dict)


def _day_add(days: _Days, day: date, entry: _Entry, year: int | None, problems: _Problems) -> None:
    fieldname = f"{entry.fieldname}.date"
    if year is not None and day.year != year:
        problems.add(entry.line, fieldname, f"{day} is outside the year {year}")
    elif entry.kind == "holiday":
        if day in days.holidays:
            problems.add(
                entry.line,
                fieldname,
                f"duplicate holiday {day} (already listed on line {days.holiday_lines[day]})",
            )
        else:
            days.holidays[day] = entry.name.strip()
            days.holiday_lines[day] = entry.line
    elif day.weekday() < 5:
        problems.add(
            entry.line,
            fieldname,
            f"make-up working day {day} is a {day.strftime('%A')}, not a weekend day",
        )
    elif day in days.makeups:
        problems.add(
            entry.line,
            fieldname,
            f"duplicate make-up working day {day} (already on line {days.makeup_lines[day]})",
        )
    else:
        days.makeups[day] = entry.name.strip()
        days.makeup_lines[day] = entry.line


def _notice_build(
    path: Path,
    problems: _Problems,
    year_text: str | None,
    year_line: int | None,
    entries: list[_Entry],
    source: str,
    example: bool,
) -> YearNotice:
    year = _year_parse(problems, year_text, year_line)
    days = _Days()
    for entry in entries:
        if entry.kind == "skip":
            continue
        span = _entry_range(entry, problems)
        if span is None:
            continue
        day, end = span
        while day <= end:
            _day_add(days, day, entry, year, problems)
            day += DAY
    for day in sorted(set(days.holidays) & set(days.makeups)):
        problems.add(
            days.makeup_lines[day],
            "makeup_days.date",
            f"{day} is both a holiday (line {days.holiday_lines[day]}) and a make-up working day",
        )
    problems.raise_if_any()
    assert year is not None
    return YearNotice(
        year=year,
        holidays=days.holidays,
        makeup_days=days.makeups,
        source=source,
        example=example,
    )


def _yaml_scalar(node: yaml.Node | None) -> str:
    if isinstance(node, yaml.ScalarNode):
        return str(node.value)
    return ""


def _notice_parse_yaml(path: Path, text: str, problems: _Problems) -> YearNotice:
    # Composed nodes (not safe_load) keep line numbers and leave dates as raw strings.
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problems.add(mark.line + 1 if mark else None, "(file)", f"not valid YAML: {exc}")
        problems.raise_if_any()
        raise AssertionError("unreachable") from exc
    if not isinstance(root, yaml.MappingNode):
        problems.add(1, "(file)", "expected a mapping with year, holidays and makeup_days")
        problems.raise_if_any()
    assert isinstance(root, yaml.MappingNode)

    year_text: str | None = None
    year_line: int | None = None
    source = ""
    example = False
    entries: list[_Entry] = []
    allowed_top = {"year", "source", "example", "holidays", "makeup_days"}
    for key_node, value_node in root.value:
        key = _yaml_scalar(key_node)
        line = key_node.start_mark.line + 1
        if key not in allowed_top:
            problems.add(
                line, key, f"unknown key; expected one of {', '.join(sorted(allowed_top))}"
            )
        elif key == "year":
            year_text, year_line = _yaml_scalar(value_node), line
        elif key == "source":
            source = _yaml_scalar(value_node)
        elif key == "example":
            example = _yaml_scalar(value_node).lower() in {"true", "yes", "1"}
        else:
            kind = "holiday" if key == "holidays" else "makeup"
            if isinstance(value_node, yaml.ScalarNode) and value_node.value in ("", "null", "~"):
                continue
            if not isinstance(value_node, yaml.SequenceNode):
                problems.add(line, key, "expected a list")
                continue
            for i, item in enumerate(value_node.value):
                entries.append(_yaml_entry(item, kind, f"{key}[{i}]", problems))
    return _notice_build(path, problems, year_text, year_line, entries, source, example)


def _yaml_entry(item: yaml.Node, kind: str, where: str, problems: _Problems) -> _Entry:
    line = item.start_mark.line + 1
    entry = _Entry(kind=kind, line=line, fieldname=where, start="", end="", name="")
    if not isinstance(item, yaml.MappingNode):
        problems.add(line, where, "expected a mapping such as {date: 2027-01-01, name: 元旦}")
        entry.start = "-"  # reported above; keep the date check quiet
        entry.kind = "skip"
        return entry
    allowed = {"name", "date", "from", "to"} if kind == "holiday" else {"name", "date", "for"}
    values: dict[str, str] = {}
    for key_node, value_node in item.value:
        key = _yaml_scalar(key_node)
        if key not in allowed:
            problems.add(
                key_node.start_mark.line + 1,
                f"{where}.{key}",
                f"unknown key; expected {', '.join(sorted(allowed))}",
            )
            continue
        values[key] = _yaml_scalar(value_node)
    entry.name = values.get("name", values.get("for", ""))
    if "date" in values and "from" in values:
        problems.add(line, where, "give either date or from/to, not both")
    entry.start = values.get("date") or values.get("from", "")
    entry.end = values.get("to", "")
    if not entry.start:
        problems.add(line, f"{where}.date", "missing (give date, or from and to)")
        entry.kind = "skip"
    elif "from" in values and not entry.end:
        problems.add(line, f"{where}.to", "missing end of range")
        entry.kind = "skip"
    return entry


_CSV_COLUMNS: Final = ["kind", "date", "to", "name"]


def _notice_parse_csv(path: Path, text: str, problems: _Problems) -> YearNotice:
    lines = text.splitlines()
    # Comment lines are kept out of the CSV reader but still counted for line numbers.
    numbered = [
        (i + 1, ln) for i, ln in enumerate(lines) if ln.strip() and not ln.lstrip().startswith("#")
    ]
    if not numbered:
        problems.add(None, "(file)", "empty file")
        problems.raise_if_any()
    header_line, header = numbered[0]
    columns = [c.strip().lower() for c in next(csv.reader([header]))]
    if columns[: len(_CSV_COLUMNS)] != _CSV_COLUMNS or len(columns) > len(_CSV_COLUMNS):
        problems.add(
            header_line,
            "(header)",
            f"expected columns {','.join(_CSV_COLUMNS)}, got {','.join(columns)}",
        )
        problems.raise_if_any()
    year_text: str | None = None
    year_line: int | None = None
    source = ""
    example = False
    entries: list[_Entry] = []
    for line_no, raw in numbered[1:]:
        row = next(csv.reader([raw]))
        row += [""] * (len(_CSV_COLUMNS) - len(row))
        if len(row) > len(_CSV_COLUMNS):
            problems.add(line_no, "(row)", f"expected {len(_CSV_COLUMNS)} columns, got {len(row)}")
            continue
        kind, start, end, name = (c.strip() for c in row)
        kind = kind.lower()
        if kind == "year":
            year_text, year_line = start, line_no
        elif kind == "source":
            source = name
        elif kind == "example":
            example = start.lower() in {"true", "yes", "1"}
        elif kind in {"holiday", "makeup"}:
            fieldname = "holiday" if kind == "holiday" else "makeup"
            if kind == "makeup" and end:
                problems.add(line_no, "makeup.to", "a make-up working day is one date, not a range")
                continue
            entries.append(_Entry(kind, line_no, fieldname, start, end, name))
        else:
            problems.add(
                line_no,
                "kind",
                f"unknown kind {kind!r}; expected year, source, example, holiday or makeup",
            )
    return _notice_build(path, problems, year_text, year_line, entries, source, example)


def notice_parse(path: str | Path) -> YearNotice:
    """Read one year's holiday notice from a `.yaml`/`.yml` or `.csv` file.

    Every problem is reported at once in a `ValidationFailed` whose details list
    `{file, line, field, problem}`; see docs/deadlines.md for both formats.
    """
    path = Path(path)
    problems = _Problems(path)
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        problems.add(None, "(file)", f"cannot read: {exc}")
        problems.raise_if_any()
        raise AssertionError("unreachable") from exc
    suffix = path.suffix.lower()
    if suffix in {".yaml", ".yml"}:
        return _notice_parse_yaml(path, text, problems)
    if suffix == ".csv":
        return _notice_parse_csv(path, text, problems)
    problems.add(None, "(file)", f"unknown format {suffix!r}; expected .yaml, .yml or .csv")
    problems.raise_if_any()
    raise AssertionError("unreachable")
