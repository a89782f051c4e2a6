"""Request bodies refused by their declared size, before any of them is read."""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

from closeloop.channels.api.errors import error_json, is_api


def body_limit(request: HttpRequest) -> int | None:
    """The largest body this request may declare: file uploads (multipart) have their own,
    larger limit; anything else is read into memory whole (a JSON body, a form)."""
    if request.content_type == "multipart/form-data":
        return settings.UPLOAD_MAX_BYTES
    return settings.DATA_UPLOAD_MAX_MEMORY_SIZE


class BodySizeLimitMiddleware:
    """Answers 413 to a request whose Content-Length is over its limit, without reading it.

    Django checks DATA_UPLOAD_MAX_MEMORY_SIZE only when a form is parsed or `request.body`
    is read; DRF's JSON parser reads the request stream itself, whole, so a 150 MB JSON body
    was read into memory before anything refused it. A body without a Content-Length is not
    read at all (Django reads at most the declared length).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        limit = body_limit(request)
        try:
            length = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            length = 0  # as Django reads it: no body
        if limit is not None and length > limit:
            return too_large(request, limit)
        return self.get_response(request)


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    if is_api(request):
        message = _("The request body is larger than %(limit)s.") % {"limit": filesizeformat(limit)}
        return error_json("payload_too_large", message, {"limit_bytes": limit}, 413)
    return render(request, "request_too_large.html", {"limit": limit}, status=413)
