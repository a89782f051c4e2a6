"""Messages to customers: the pack's texts (`customer_messages`, editable as
`policy.MessageTemplate`) filled in for one ticket and queued in the outbox by SMS and email.

An action names what the customer is told (`Action.tells_customer`); the write path calls
`customer_message_queue` inside the action's transaction, so a message leaves after commit or
never. Never to anonymous reporters (their query code on the portal is their channel), never
on reports and confidential cases (the outbox, which admins read, would hold a protected
identity next to the case; the portal tells them instead), never with the customer's own
identity in the text. Inside the pack's quiet hours a message is held until they end, unless
its text may leave at night. A customer may decline the non-essential ones (the survey).
"""

import string
from datetime import datetime, time
from typing import Any

from django.conf import settings
from django.core import signing
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from closeloop.common.errors import ValidationFailed
from closeloop.notifications.models import OutboxMessage
from closeloop.notifications.quiet import quiet_hours_end
from closeloop.notifications.services import notify_customer
from closeloop.policy.schema import PackSpec
from closeloop.policy.selectors import message_template_for
from closeloop.policy.services import pack_active

from . import selectors
from .choices import Kind
from .models import Customer, Ticket

# What a customer is always told of their case: opting out stops only the others.
ESSENTIAL = frozenset({"receipt", "accepted", "refused", "reply"})
PURPOSE_LABELS = {
    "receipt": gettext_lazy("Receipt"),
    "accepted": gettext_lazy("Accepted"),
    "refused": gettext_lazy("Not accepted"),
    "reply": gettext_lazy("Reply"),
    "survey": gettext_lazy("Survey"),
    "reopened": gettext_lazy("Reopened"),
}
# An SMS longer than this is cut: the reply's text is shortened to fit, the email has it all.
SMS_LIMIT = 300
OPT_OUT_SALT = "closeloop.tickets.messages-opt-out"
OPT_OUT_MAX_AGE = 365 * 24 * 3600  # a link in an email kept for a year still works


def customer_message_queue(
    ticket: Ticket, purpose: str, *, now: datetime, extra: dict[str, str] | None = None
) -> int:
    """Queue the pack's `purpose` message about `ticket` to its customer (SMS to the phone,
    email to the address, each where given); return how many were queued (0: none is due).

    Call inside the transaction of the change; delivery starts after commit. `extra` fills
    placeholders the ticket cannot (`reply_text` of this reply, `survey_link`)."""
    customer = ticket.customer
    if (
        customer is None
        or ticket.anonymous
        or ticket.identity_protected
        or customer.protected
        or not (customer.phone or customer.email)
    ):
        return 0
    if purpose not in ESSENTIAL and customer.messages_opt_out:
        return 0
    pack = pack_active()
    template = message_template_for(pack.name, purpose, ticket.kind)
    if template is None:
        return 0
    # In the centre's language, whatever the language of the person whose action sent it.
    with translation.override(settings.LANGUAGE_CODE):
        values = _values(ticket, purpose, pack, extra or {})
        sms = _sms(template.sms, values)
        subject = _render(template.subject, values) or sms.splitlines()[0]
        body = _render(template.body, values) if template.body else _render(template.sms, values)
        if customer.email:
            body += "\n\n-- \n" + _(
                "If you do not want surveys and other non-essential messages, open: %(link)s"
            ) % {"link": opt_out_link(customer)}
    quiet = pack.customer_messages.quiet_hours if pack.customer_messages else None
    hold = None
    if quiet is not None and not template.at_night:
        hold = quiet_hours_end(
            now,
            time.fromisoformat(quiet.start),
            time.fromisoformat(quiet.end),
            timezone.get_default_timezone(),
        )
    return notify_customer(
        phone=customer.phone,
        email=customer.email,
        subject=subject,
        text=sms,
        email_text=body,
        key=f"customer:{ticket.pk}:{purpose}:{ticket.version}",
        now=now,
        ticket=ticket,
        purpose=purpose,
        not_before=hold,
    )


def _values(ticket: Ticket, purpose: str, pack: PackSpec, extra: dict[str, str]) -> dict[str, str]:
    due = selectors.ticket_reply_due(ticket) if purpose in ("receipt", "accepted") else None
    return {
        "number": ticket.number,
        "query_code": ticket.public_code,
        "centre": pack.title,
        "kind": str(Kind(ticket.kind).label),
        "subject": ticket.subject[:30],
        "reply_by": (
            timezone.localtime(due).strftime("%Y-%m-%d %H:%M")
            if due is not None
            else _("the time limit")
        ),
        "reason": ticket.decline_reason,
        "referral": ticket.referral,  # the referral's text, as registration kept it
        "reply_text": ticket.reply,
        "survey_link": "",
        **extra,
    }


def _render(text: str, values: dict[str, str]) -> str:
    """`text` with its placeholders filled in. Only plain names are filled (no attribute,
    index or format spec: the templates are checked for that when saved); a text whose
    braces do not pair up is sent as written."""
    try:
        parts = list(string.Formatter().parse(text))
    except ValueError:
        return text
    return "".join(
        literal + (values.get(name, "") if name is not None else "")
        for literal, name, _spec, _conversion in parts
    )


def _sms(text: str, values: dict[str, str]) -> str:
    """The SMS, shortened to `SMS_LIMIT`: the reply's text gives way first, with an ellipsis."""
    sms = _render(text, values)
    if len(sms) <= SMS_LIMIT:
        return sms
    reply = values.get("reply_text", "")
    if reply and "{reply_text}" in text:
        room = max(SMS_LIMIT - (len(sms) - len(reply)) - 1, 0)
        sms = _render(text, {**values, "reply_text": reply[:room] + "…"})
    return sms if len(sms) <= SMS_LIMIT else sms[: SMS_LIMIT - 1] + "…"


def opt_out_token(customer: Customer) -> str:
    return signing.dumps({"customer": customer.pk}, salt=OPT_OUT_SALT, compress=True)


def opt_out_link(customer: Customer) -> str:
    path = reverse("portal:messages-opt-out", args=[opt_out_token(customer)])
    return settings.SITE_URL.rstrip("/") + path


def opt_out_token_check(token: str) -> int:
    """The customer an opt-out link is for; ValidationFailed when the link is not ours, was
    altered or is older than a year."""
    try:
        data: Any = signing.loads(token, salt=OPT_OUT_SALT, max_age=OPT_OUT_MAX_AGE)
    except signing.BadSignature:  # SignatureExpired is one
        data = None
    pk = data.get("customer") if isinstance(data, dict) else None
    if not isinstance(pk, int) or not Customer.objects.filter(pk=pk).exists():
        raise ValidationFailed(_("this link is not valid or has expired; nothing was changed"))
    return pk


def customer_messages_opt_out(token: str) -> Customer:
    """Record that the customer whose link this is wants no non-essential messages (the
    survey); what is essential to their case is still sent. A bad link changes nothing."""
    pk = opt_out_token_check(token)
    with transaction.atomic():
        customer = Customer.objects.select_for_update().get(pk=pk)
        if not customer.messages_opt_out:
            customer.messages_opt_out = True
            customer.save(update_fields=["messages_opt_out", "updated_at"])
    return customer


# --- what the ticket shows ----------------------------------------------------------------


def address_masked(channel: str, address: str) -> str:
    """138****1234 for a phone, a***@x.cn for an email address."""
    if channel == OutboxMessage.Channel.EMAIL:
        local, _at, domain = address.partition("@")
        return f"{local[:1]}***@{domain}"
    if len(address) >= 8:
        return f"{address[:3]}****{address[-4:]}"
    return "****"


def ticket_customer_messages(ticket: Ticket) -> list[dict[str, Any]]:
    """The messages to the customer about `ticket`, newest first, for whoever may see the
    ticket: purpose, channel, the address masked and the state (queued, held until, sent,
    failed with the error)."""
    rows = OutboxMessage.objects.filter(ticket=ticket).order_by("-created_at", "-id")
    return [
        {
            "purpose": row.purpose,
            "purpose_label": str(PURPOSE_LABELS.get(row.purpose, row.purpose)),
            "channel": row.channel,
            "channel_label": str(OutboxMessage.Channel(row.channel).label),
            "address": address_masked(row.channel, row.address),
            "created_at": row.created_at,
            "state": _state(row),
            "sent_at": row.sent_at,
            "held_until": row.next_attempt_at if _state(row) == "held" else None,
            "error": row.last_error if row.failed_at else "",
        }
        for row in rows
    ]


def _state(row: OutboxMessage) -> str:
    if row.sent_at:
        return "sent"
    if row.failed_at:
        return "failed"
    if row.next_attempt_at and not row.attempts:
        return "held"
    if row.attempts:
        return "retrying"
    return "queued"
