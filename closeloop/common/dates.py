"""The one range of dates closeloop accepts from anyone: in a ticket, an action, a filter.

Outside it, dates break things far from where they came in: a ticket received in the year 1
gets a number the API cannot address, Asia/Shanghai before 1901 has an offset in seconds
(+08:05:43) that no ISO date-time parser accepts, and a year past 9999 overflows. Nothing a
centre records happened before 1990, and nothing it plans reaches past 2199.
"""

from datetime import date, datetime, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

EARLIEST, LATEST = date(1990, 1, 1), date(2199, 12, 31)
MAX_UTC_OFFSET = timedelta(hours=14)  # the widest real time zone (UTC+14)


def date_problem(value: date | datetime) -> str | None:
    """Why `value` is refused (a sentence to show, naming the range), or None."""
    offset = value.utcoffset() if isinstance(value, datetime) else None
    if offset is not None and abs(offset) > MAX_UTC_OFFSET:
        return _("give a UTC offset of at most 14 hours")
    day = value.date() if isinstance(value, datetime) else value
    if not EARLIEST <= day <= LATEST:
        return _("must be between %(a)s and %(b)s") % {"a": EARLIEST, "b": LATEST}
    return None


def validate_date_range(value: date | datetime | None) -> None:
    """`date_problem` as a validator, for form, filter and serializer fields."""
    problem = date_problem(value) if value is not None else None
    if problem:
        raise ValidationError(problem, code="date_range")
