"""Background work, run by the Huey consumer that `closeloop run` starts beside the web server.

Where tasks go: each app keeps its own in `<app>/tasks.py` (the consumer imports every
installed app's `tasks` module at start); this module is for work that belongs to no one
domain. A task stays thin like any interface: it calls a service and nothing else.

How they are declared: with `db_task` / `db_periodic_task` from here, never Huey's bare
decorators, because those close stale database connections around each run — a consumer
lives for days and PostgreSQL drops idle connections.

Periodic tasks (the deadline sweep, the notification outbox) must be idempotent and safe
with several consumers at once: Huey schedules one run per consumer, so with two
consumers a sweep can run twice in the same minute.
"""

from huey import crontab
from huey.contrib.djhuey import HUEY, db_periodic_task, db_task

__all__ = ["HUEY", "crontab", "db_periodic_task", "db_task"]
