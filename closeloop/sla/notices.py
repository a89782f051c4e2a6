"""The official calendar notices an administrator loads, and the working calendars built on
them (cached per plan calendar and per loaded set of notices)."""

from datetime import datetime, time
from typing import Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from closeloop.common.errors import ValidationFailed

from .calendar import ALWAYS_OPEN, WorkCalendar, YearNotice, calendar_with_notice, china_calendar
from .models import CalendarNotice

_calendar_cache: dict[tuple[Any, ...], WorkCalendar] = {}
NOTICES_VERSION_SQL = f"SELECT MAX(loaded_at), COUNT(*) FROM {CalendarNotice._meta.db_table}"  # noqa: S608 - our own table


def _notices_version() -> tuple[Any, ...]:
    """What identifies the loaded notices, as a cache key (SQLite gives the moment as text).

    Read on every action that touches deadlines: plain SQL, without the ORM's compiling.
    """
    with connection.cursor() as cursor:
        cursor.execute(NOTICES_VERSION_SQL)
        return tuple(cursor.fetchone())


def calendar_for(spec: dict[str, Any], version: tuple[Any, ...] | None = None) -> WorkCalendar:
    """The working calendar a ticket's plan names (business hours, time zone), with every
    official notice an administrator has loaded."""
    version = version if version is not None else _notices_version()
    hours = spec.get("business_hours", "24x7")
    key = (str(hours), spec.get("tz", "Asia/Shanghai"), version)
    cal = _calendar_cache.get(key)
    if cal is None:
        ranges = ALWAYS_OPEN if hours == "24x7" else [tuple(_hhmm(t) for t in r) for r in hours]
        cal = china_calendar(ranges, spec.get("tz", "Asia/Shanghai"))
        for notice in CalendarNotice.objects.order_by("year"):
            cal = calendar_with_notice(cal, _notice_from_row(notice))
        if len(_calendar_cache) > 64:
            _calendar_cache.clear()
        _calendar_cache[key] = cal
    return cal


def _hhmm(text: str) -> time:
    hours, minutes = text.split(":")
    return time(int(hours) % 24, int(minutes))


def _notice_from_row(row: CalendarNotice) -> YearNotice:
    data = row.data
    return YearNotice(
        year=row.year,
        holidays={datetime.fromisoformat(d).date(): n for d, n in data["holidays"].items()},
        makeup_days={datetime.fromisoformat(d).date(): n for d, n in data["makeup_days"].items()},
        source=row.source,
    )


def calendar_notice_store(notice: YearNotice, *, now: datetime | None = None) -> int:
    """Load (or replace) a year's official notice and recompute the running deadlines that
    rested on provisional data. Returns how many deadlines were recomputed."""
    # Imported here: the sweep reads its calendars from this module.
    from .sweep import deadlines_recompute_provisional

    now = now or timezone.now()
    if notice.example:
        raise ValidationFailed(
            _("the notice for %(year)s is marked as an example, not official data")
            % {"year": notice.year}
        )
    with transaction.atomic():
        CalendarNotice.objects.update_or_create(
            year=notice.year,
            defaults={
                "data": {
                    "holidays": {d.isoformat(): n for d, n in sorted(notice.holidays.items())},
                    "makeup_days": {
                        d.isoformat(): n for d, n in sorted(notice.makeup_days.items())
                    },
                },
                "source": notice.source[:300],
            },
        )
        return deadlines_recompute_provisional(now)


def calendar_status() -> dict[str, Any]:
    builtin = sorted(china_calendar().covered_years)
    loaded = list(CalendarNotice.objects.order_by("year").values("year", "source", "loaded_at"))
    return {
        "builtin": [builtin[0], builtin[-1]] if builtin else [],
        "loaded": loaded,
        "covered": sorted(set(builtin) | {row["year"] for row in loaded}),
    }
