from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from closeloop.tickets.models import Ticket

from .services import article_draft_from_ticket, article_draft_sweep


@db_task()
def article_draft_task(ticket_pk: int) -> bool:
    """Queued when a ticket is resolved: a hard question answered by a department becomes a
    draft article. In the worker, so it can never fail the resolution itself."""
    ticket = Ticket.objects.unscoped().filter(pk=ticket_pk).first()
    return ticket is not None and article_draft_from_ticket(ticket) is not None


@db_periodic_task(crontab(minute="*/15"))
def article_draft_sweep_task() -> int:
    """Every 15 minutes: draft articles from answered hard questions the queued task missed
    (idempotent: one article per ticket)."""
    return article_draft_sweep()
