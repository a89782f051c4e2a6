"""How a ticket's attachment leaves the site, the same from the API and the staff pages."""

from django.http import FileResponse

from closeloop.tickets.models import Attachment
from closeloop.tickets.services import attachment_filename


def attachment_response(attachment: Attachment) -> FileResponse:
    """Always a download, never shown in the browser, and never sniffed into another type;
    named for the type it was checked to be (files stored before that rule included)."""
    response = FileResponse(
        attachment.file.open("rb"),
        as_attachment=True,
        filename=attachment_filename(attachment.filename, attachment.content_type),
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response
