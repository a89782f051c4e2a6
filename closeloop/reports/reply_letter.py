"""The printable reply letter (复信): the written answer to a letter, as an A4 PDF the office can
post. Made for tickets that came in by letter or were replied to by letter, once they have a
reply: the office's name, the writer's name and postal address (only where the viewer may see
the identity: a report's or confidential case's writer is left blank for the others), the
date, the ticket number, the reply and the department that handled it. Reads only; the font
and styles are the reports' (`pdf`).
"""

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.translation import gettext as _
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer

from closeloop.common.errors import InvalidTransition
from closeloop.directory.models import User
from closeloop.policy.services import pack_active
from closeloop.tickets import selectors
from closeloop.tickets.choices import Channel, ReplyMethod
from closeloop.tickets.models import Ticket, TicketEvent

from .pdf import MARGIN, pdf_font, pdf_styles

# The events that carry what the customer was answered, latest first wins.
REPLY_ACTIONS = ("resolve", "answer", "reply")


@dataclass(frozen=True)
class ReplyLetter:
    office: str
    number: str
    writer_name: str
    writer_address: str
    received: date
    subject: str
    reply: str
    department: str
    dated: date


def reply_letter_state(ticket: Ticket, events: Sequence[TicketEvent]) -> str:
    """ "" where no reply letter is made (the case neither came in nor was answered by letter),
    "no_reply" for a letter not yet replied to, "ready" otherwise. `events`: the ticket's
    events, oldest first (the ticket page has them already)."""
    by_letter = any(
        e.action == "reply" and e.payload.get("method") == ReplyMethod.LETTER for e in events
    )
    if ticket.channel != Channel.LETTER and not by_letter:
        return ""
    return "ready" if _latest_reply(ticket, events) else "no_reply"


def _latest_reply(ticket: Ticket, events: Sequence[TicketEvent]) -> str:
    """What the writer was answered last: the latest resolution, answer or recorded reply."""
    for event in reversed(events):
        text = (
            str(event.payload.get("reply") or "").strip() if event.action in REPLY_ACTIONS else ""
        )
        if text:
            return text
    return (ticket.reply or "").strip()


def reply_letter_for(user: User, number: str, *, now: datetime | None = None) -> ReplyLetter:
    """The letter for ticket `number` as `user` may see it. A ticket they may not see is
    NotFound (the same as none); one that is not a letter, or has no reply yet, is refused."""
    ticket = selectors.ticket_get_for_user(user, number)
    events = list(ticket.events.filter(action__in=REPLY_ACTIONS).order_by("at", "id"))
    state = reply_letter_state(ticket, events)
    if not state:
        raise InvalidTransition(
            _("a reply letter is made for cases that came in or are answered by letter"),
            details={"letter": "not_a_letter"},
        )
    reply = _latest_reply(ticket, events)
    if state != "ready":
        raise InvalidTransition(
            _("this case has no reply yet: the reply letter can be made once it is replied to"),
            details={"letter": "no_reply"},
        )
    customer = selectors.customer_view(ticket, user)
    shown = customer is not None and not customer["masked"]
    if shown:
        selectors.identity_disclosures_record([ticket], user, "web:reply_letter")
    pack = pack_active()
    office = pack.departments[0].name if pack.departments else pack.title
    return ReplyLetter(
        office=office,
        number=ticket.number,
        writer_name=str(customer["name"]) if shown and customer else "",
        writer_address=str(customer["address"]) if shown and customer else "",
        received=timezone.localdate(ticket.received_at),
        subject=ticket.subject,
        reply=reply,
        department=ticket.department.name if ticket.department else office,
        dated=timezone.localdate(now or timezone.now()),
    )


def _day(value: date) -> str:
    return _("%(y)s-%(m)s-%(d)s") % {"y": value.year, "m": value.month, "d": value.day}


def reply_letter_story(letter: ReplyLetter, styles: dict[str, ParagraphStyle]) -> list[Flowable]:
    """The letter's flowables, top to bottom."""
    body = ParagraphStyle("letter", parent=styles["body"], fontSize=12, leading=21)
    indented = ParagraphStyle("letter_indent", parent=body, firstLineIndent=24)
    centred = ParagraphStyle("letter_title", parent=styles["title"], alignment=TA_CENTER)
    right = ParagraphStyle("letter_right", parent=body, alignment=TA_RIGHT)

    def para(text: str, style: ParagraphStyle) -> Paragraph:
        return Paragraph(escape(text).replace("\n", "<br/>"), style)

    story: list[Flowable] = [
        para(letter.office, centred),
        para(_("Reply letter"), centred),
        para(_("No. %(number)s") % {"number": letter.number}, right),
        Spacer(1, 8),
    ]
    if letter.writer_address:
        story.append(para(_("To: %(address)s") % {"address": letter.writer_address}, body))
    salutation = letter.writer_name or _("the writer")
    story += [
        para(_("Dear %(name)s:") % {"name": salutation}, body),
        para(
            _(
                "We received your letter of %(day)s about “%(subject)s”. It has been handled, "
                "and our reply is as follows."
            )
            % {"day": _day(letter.received), "subject": letter.subject},
            indented,
        ),
    ]
    story += [para(part, indented) for part in letter.reply.splitlines() if part.strip()]
    story += [
        para(
            _(
                "If you have questions about this reply, please quote the number %(number)s "
                "when you contact us."
            )
            % {"number": letter.number},
            indented,
        ),
        Spacer(1, 24),
        para(_("Handled by: %(department)s") % {"department": letter.department}, right),
        para(letter.office, right),
        para(_day(letter.dated), right),
    ]
    return story


def reply_letter_pdf(letter: ReplyLetter) -> bytes:
    """The letter as A4 PDF bytes."""
    font = pdf_font()
    buffer = io.BytesIO()
    title = _("Reply letter %(number)s") % {"number": letter.number}
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN * 1.5,
        rightMargin=MARGIN * 1.5,
        topMargin=MARGIN * 1.5,
        bottomMargin=MARGIN * 1.5,
        title=title,
        author=letter.office,
        subject=title,
        creator="closeloop",
    )
    doc.build(reply_letter_story(letter, pdf_styles(font)))
    return buffer.getvalue()


def reply_letter_text(story: list[Any]) -> str:
    """The story's text, line by line (what the PDF prints): for checks and previews."""
    return "\n".join(f.getPlainText() for f in story if isinstance(f, Paragraph))
