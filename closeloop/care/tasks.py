from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from .services import box_openings_plan, box_openings_sweep


@db_periodic_task(crontab(minute="*/10"))
def care_task() -> int:
    """Every ten minutes: plan the boxes' openings (idempotent: the day's turn appears soon
    after midnight) and tell whoever answers for one past its day."""
    box_openings_plan()
    return box_openings_sweep()
