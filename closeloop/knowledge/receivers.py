"""What the knowledge base does when something happens to a ticket (`tickets.signals`)."""

from typing import Any

from closeloop.tickets.models import Ticket

from . import tasks


def article_draft_on_resolve(
    sender: type[Ticket], *, ticket: Ticket, action: str, **_: Any
) -> None:
    """A hard question answered by a department becomes a draft article (seed 001), in the
    worker. `action_done` comes after the resolution has committed, so a resolution rolled
    back queues nothing."""
    if action == "resolve":
        tasks.article_draft_task(ticket.pk)
