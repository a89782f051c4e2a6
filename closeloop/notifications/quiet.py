"""Quiet hours: when a message to a customer may leave. Pure (no database, no clock)."""

from datetime import datetime, time, timedelta, tzinfo


def quiet_hours_end(now: datetime, start: time, end: time, zone: tzinfo) -> datetime | None:
    """The moment the quiet hours around `now` end, or None when `now` is outside them.

    The hours run from `start` (included) to `end` (excluded) in local time (`zone`), over
    midnight when `end` is before `start` (21:00–08:00). A message at exactly `end` leaves at
    once; one at exactly `start` waits."""
    local = now.astimezone(zone)
    clock = local.time().replace(tzinfo=None)
    if start < end:
        inside = start <= clock < end
        end_day = local.date()
    else:
        inside = clock >= start or clock < end
        end_day = local.date() + timedelta(days=1) if clock >= start else local.date()
    if not inside:
        return None
    return datetime.combine(end_day, end, tzinfo=zone)
