"""Files on a ticket (their checks and names) and notes."""

import mimetypes
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _

from closeloop.directory.models import User
from closeloop.notifications.services import notify

from .. import selectors
from ..models import Attachment, Ticket
from .write import _act, _invalid, _required_text


@dataclass
class FileInput:
    name: str
    content_type: str
    size: int
    read: Callable[[], bytes]


# What a file must start with to be the type it claims (a claim alone is not trusted).
_SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/pdf": (b"%PDF-",),
    "audio/mpeg": (b"ID3", b"\xff\xfb", b"\xff\xf3", b"\xff\xf2"),
    "audio/wav": (b"RIFF",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (b"PK\x03\x04",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (b"PK\x03\x04",),
}


# The extension a file of each accepted type is stored and downloaded with. A file is named
# for the type it was checked to be, never for what its name claims: an HTML page sent as
# text/plain becomes x.txt, which no browser or file server will run.
_EXTENSIONS: dict[str, tuple[str, ...]] = {
    "image/jpeg": (".jpg", ".jpeg"),
    "image/png": (".png",),
    "application/pdf": (".pdf",),
    "text/plain": (".txt",),
    "audio/mpeg": (".mp3",),
    "audio/wav": (".wav",),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": (".docx",),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": (".xlsx",),
}
# What a browser may render or run, whatever type a site configures as accepted.
_ACTIVE_EXTENSIONS = {".htm", ".html", ".shtml", ".xht", ".xhtml", ".svg", ".svgz", ".js", ".mjs"}
_ACTIVE_EXTENSIONS |= {".xml", ".xsl", ".xslt", ".swf", ".php", ".cgi"}


def attachment_filename(name: str, content_type: str) -> str:
    """`name` with the extension of `content_type`: kept when it is one of that type's,
    otherwise replaced (`x.html` as text/plain is `x.txt`; a type without a known, inert
    extension gets `.bin`)."""
    name = " ".join(name.replace("\\", "/").rsplit("/", 1)[-1].split()).strip(". ")
    stem, dot, ext = name.rpartition(".")
    if not dot or not stem:
        stem, ext = name, ""
    ext = f".{ext}".lower() if ext else ""
    allowed = _EXTENSIONS.get(content_type) or (mimetypes.guess_extension(content_type) or "",)
    if ext in allowed and ext not in _ACTIVE_EXTENSIONS:
        return f"{stem[:180]}{ext}"
    wanted = allowed[0] if allowed[0] and allowed[0] not in _ACTIVE_EXTENSIONS else ".bin"
    return f"{(stem or 'file')[:180]}{wanted}"


def _content_matches(content_type: str, head: bytes) -> bool:
    if content_type == "text/plain":
        try:
            head.decode("utf-8")
        except UnicodeDecodeError as exc:
            # A multibyte character cut at the end of the sample is still text.
            if exc.start < len(head) - 3:
                return False
        return b"\x00" not in head
    return head.startswith(_SIGNATURES.get(content_type, (b"\x00\x00never",)))


def ticket_attach(
    actor: User | None,
    number: str,
    *,
    files: list[FileInput],
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Attach files, within the count, size and type limits in settings. Without an actor:
    the customer's own files from the portal (see `ticket_attach_by_customer`)."""
    if not files:
        raise _invalid("file", _("attach at least one file"))
    allowed = settings.ATTACHMENT_CONTENT_TYPES
    contents: list[tuple[FileInput, bytes]] = []
    for f in files:
        if f.size > settings.ATTACHMENT_MAX_BYTES:
            raise _invalid(
                "file",
                _("%(name)s is larger than %(limit)s bytes")
                % {"name": f.name, "limit": settings.ATTACHMENT_MAX_BYTES},
            )
        if f.content_type not in allowed:
            raise _invalid(
                "file",
                _("%(name)s: type %(type)s is not accepted; accepted types: %(types)s")
                % {"name": f.name, "type": f.content_type, "types": ", ".join(allowed)},
            )
        data = f.read()
        if not _content_matches(f.content_type, data[:512]):
            raise _invalid(
                "file",
                _("%(name)s does not contain what its type %(type)s says")
                % {"name": f.name, "type": f.content_type},
            )
        contents.append((f, data))

    def apply(ticket: Ticket, now: datetime) -> tuple[None, dict[str, Any]]:
        present = Attachment.objects.filter(ticket=ticket).count()
        if present + len(files) > settings.ATTACHMENT_MAX_COUNT:
            raise _invalid(
                "file",
                _("a ticket holds at most %(limit)s attachments")
                % {"limit": settings.ATTACHMENT_MAX_COUNT},
            )
        saved = []
        for f, data in contents:
            filename = attachment_filename(f.name, f.content_type)
            attachment = Attachment(
                ticket=ticket,
                filename=filename,
                content_type=f.content_type,
                size=len(data),
                uploaded_by=actor,
            )
            attachment.file.save(filename[-100:], ContentFile(data), save=False)
            attachment.save()
            saved.append({"id": attachment.pk, "filename": attachment.filename, "size": len(data)})
        return None, {"attachments": saved}

    return _act(actor, number, "attach", version, now, apply, durable=True)


def ticket_attach_by_customer(
    number: str,
    *,
    phone: str = "",
    code: str = "",
    files: list[FileInput],
    now: datetime | None = None,
) -> Ticket:
    """The customer adds files to their own ticket on the portal, proven by phone or code."""
    selectors.ticket_for_customer(number, phone=phone, code=code)
    return ticket_attach(None, number, files=files, now=now)


def ticket_note(
    actor: User, number: str, *, text: str, version: int | None = None, now: datetime | None = None
) -> Ticket:
    text = _required_text(text, "text")

    def apply(ticket: Ticket, moment: datetime) -> tuple[None, dict[str, Any]]:
        _mentions_notify(ticket, actor, text, moment)
        return None, {"text": text}

    return _act(actor, number, "note", version, now, apply)


# "@wang" in a note: a username (letters, digits, _ . + -), at most this many per note.
MENTION = re.compile(r"(?<![\w@])@([\w.+-]+)")
MENTIONS_MAX = 20


def _mentions_notify(ticket: Ticket, actor: User, text: str, now: datetime) -> None:
    """Tell each active person a note names as @username (not the writer) who may see the
    ticket — in the note's own transaction. The note's text stays on the ticket: the
    notification names the ticket and the writer only."""
    names = list(dict.fromkeys(m.rstrip(".") for m in MENTION.findall(text)))[:MENTIONS_MAX]
    if not names:
        return
    people = [
        person
        for person in User.objects.filter(username__in=names, is_active=True).exclude(pk=actor.pk)
        if Ticket.objects.visible_to(person).filter(pk=ticket.pk).exists()
    ]
    if not people:
        return
    message = _("%(number)s %(subject)s: %(actor)s mentioned you in a note") % {
        "number": ticket.number,
        "subject": selectors.notice_subject(ticket),
        "actor": str(actor),
    }
    notify(
        people,
        kind="mention",
        text=message,
        ticket=ticket,
        key=f"mention:{ticket.pk}:{ticket.version + 1}",
        now=now,
    )
