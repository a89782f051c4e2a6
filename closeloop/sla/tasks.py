from django.utils import timezone
from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .digest import digest_due, digest_send
from .sweep import deadlines_sweep


@db_periodic_task(crontab(minute="*"))
def deadlines_sweep_task() -> int:
    """Every minute. No task lock (a killed worker would leave it held): the sweep is safe
    with several workers at once (SKIP LOCKED) and idempotent."""
    return deadlines_sweep().checked


@db_periodic_task(crontab(minute="*/15"))
def digest_task() -> int:
    """Every quarter of an hour; sends only in the digest's hour (`CLOSELOOP_DIGEST_HOUR`, in
    the pack's time zone), and once per person per day however often it runs then."""
    now = timezone.now()
    if not digest_due(now):
        return 0
    return digest_send(now).sent
