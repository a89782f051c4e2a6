from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings

from closeloop.common.tasks import db_periodic_task, db_task

from .exports import export_job_run


@db_task()
def ledger_export_task(job_id: str) -> None:
    """Write a ledger export queued from the page (progress goes to the job's status file)."""
    export_job_run(job_id)


def at_seven_local(moment: datetime) -> bool:
    """07:00 in the centre's time zone. Huey runs with utc=True, so its crontab would mean
    07:00 UTC; this checks the local hour instead (and follows any DST)."""
    local = moment.replace(tzinfo=UTC).astimezone(ZoneInfo(settings.TIME_ZONE))
    return (local.hour, local.minute) == (7, 0)


@db_periodic_task(at_seven_local)
def monthly_report_task() -> str | None:
    """Daily at 07:00: on the first working day of a month (the pack's calendar), generate
    last month's report and tell the leaders — once (see reports.monthly)."""
    from django.utils import timezone

    from .monthly import monthly_report_auto

    report = monthly_report_auto(timezone.now())
    return report.month if report is not None else None
