from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .sweep import deadlines_sweep


@db_periodic_task(crontab(minute="*"))
def deadlines_sweep_task() -> int:
    """Every minute. No task lock (a killed worker would leave it held): the sweep is safe
    with several workers at once (SKIP LOCKED) and idempotent."""
    return deadlines_sweep().checked
