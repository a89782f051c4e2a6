"""The return-visit survey (回访): a one-time link to the portal's rating page.

When a case is replied to (it becomes resolved) and the pack wants a return visit for its kind,
the customer is sent a link by SMS and email (`survey_offer`, inside the action's transaction).
The link carries a random token; only its SHA-256 is stored (`SurveyInvitation.token_hash`). It
works once, until it expires (`SURVEY_DAYS` in the settings), and only while it is the ticket's
latest: a new round (a reopen, then a new reply) issues a new one, which supersedes the old.
Rating through the link is `visits.ticket_return_visit_by_survey` — the same return visit as
the portal's other rating form.
"""

import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.urls import reverse

from closeloop.policy.services import pack_active

from ..messages import customer_message_queue
from ..models import SurveyInvitation, Ticket


def survey_invitation_issue(ticket: Ticket, *, now: datetime) -> str:
    """Issue a new invitation for `ticket` and return its raw token (never stored). Any earlier
    unused invitation of the ticket stops working: each round has its own."""
    SurveyInvitation.objects.filter(
        ticket=ticket, used_at__isnull=True, superseded_at__isnull=True
    ).update(superseded_at=now)
    token = secrets.token_urlsafe(32)
    SurveyInvitation.objects.create(
        ticket=ticket,
        token_hash=SurveyInvitation.token_hash_of(token),
        created_at=now,
        expires_at=now + timedelta(days=settings.SURVEY_DAYS),
    )
    return token


def survey_url(token: str) -> str:
    """The link's absolute address, on the site as customers reach it (`SITE_URL`)."""
    return settings.SITE_URL + reverse("portal:survey", kwargs={"token": token})


def survey_due(ticket: Ticket) -> bool:
    """Does this ticket's customer get a survey link? Where the pack wants a return visit for
    its kind, the customer gave a phone or an address, and they may be written to: never an
    anonymous reporter, never a report or confidential case (the outbox, which admins read,
    would hold the protected phone beside the case; the portal's query code serves them)."""
    return_visit = pack_active().return_visit
    if return_visit is None or ticket.kind not in return_visit.kinds:
        return False
    customer = ticket.customer
    if ticket.anonymous or ticket.identity_protected or customer is None or customer.protected:
        return False
    # A customer who opted out of non-essential messages is not asked.
    return bool(customer.phone or customer.email) and not customer.messages_opt_out


def survey_offer(ticket: Ticket, now: datetime) -> bool:
    """Inside the action's transaction, when the ticket has been replied to: issue the
    invitation and queue the pack's survey message with its link (SMS and email, sent after
    commit; quiet hours as the pack says). Returns whether one was queued."""
    if not survey_due(ticket):
        return False
    token = survey_invitation_issue(ticket, now=now)
    extra = {"survey_link": survey_url(token)}
    return customer_message_queue(ticket, "survey", now=now, extra=extra) > 0
