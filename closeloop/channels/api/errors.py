"""One JSON error shape for the whole API: {"error": {"code", "message", "details"}}.

`details` is always an object: the fields at fault and their problems, or facts about the
refusal (the current version, a limit); `{}` when there is nothing to add. Answers made
outside DRF's views — a URL that names no endpoint, a body refused for its size, a server
error — take the same shape (`error_json`, and the handlers in `config/urls.py`).
"""

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views import defaults
from rest_framework import exceptions, status
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.views import exception_handler as drf_exception_handler

from closeloop.common.errors import ServiceError

API_PREFIX = "/api/"


def _body(code: str, message: str, details: Any) -> dict[str, Any]:
    if isinstance(details, list):  # a ValidationError not tied to a field
        details = {api_settings.NON_FIELD_ERRORS_KEY: details}
    return {"error": {"code": code, "message": message, "details": details or {}}}


def error_response(code: str, message: str, details: Any, http_status: int) -> Response:
    return Response(_body(code, message, details), status=http_status)


def error_json(code: str, message: str, details: Any, http_status: int) -> JsonResponse:
    """The same answer where DRF is not at work (middleware, URL resolution)."""
    # Written as DRF's renderer writes: compact, and UTF-8 rather than \u escapes.
    dumps = {"separators": (",", ":"), "ensure_ascii": False}
    return JsonResponse(_body(code, message, details), status=http_status, json_dumps_params=dumps)


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX)


# Django's error views, answering in the error shape under /api/ and with a page elsewhere.


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return error_json("bad_request", _("The request is not valid."), {}, 400)
    return defaults.bad_request(request, exception)


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    if is_api(request):
        return error_json("not_found", str(exceptions.NotFound.default_detail), {}, 404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api(request):
        message = str(exceptions.APIException.default_detail)
        return error_json("server_error", message, {}, 500)
    return defaults.server_error(request)


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    if isinstance(exc, ServiceError):
        return error_response(exc.code, exc.message, exc.details, exc.http_status)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        return error_response(
            "validation_error", "The request is not valid.", exc.detail, status.HTTP_400_BAD_REQUEST
        )
    if isinstance(exc, exceptions.APIException):
        detail = exc.detail
        message = str(detail) if not isinstance(detail, (dict, list)) else exc.default_detail
        code = exc.get_codes() if isinstance(exc.get_codes(), str) else exc.default_code
        return error_response(str(code), str(message), {}, response.status_code)
    return response
