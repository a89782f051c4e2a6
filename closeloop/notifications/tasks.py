from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .services import outbox_deliver


@db_task()
def outbox_deliver_task() -> int:
    return outbox_deliver()


@db_periodic_task(crontab(minute="*"))
def outbox_retry_task() -> int:
    """Picks up whatever an earlier delivery could not send."""
    return outbox_deliver()
