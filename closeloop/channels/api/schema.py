"""The OpenAPI contract's error answers: the one error shape, on every operation."""

from typing import Any

from drf_spectacular import openapi
from rest_framework import serializers

ERRORS_DOC = {
    400: "Not valid: `validation_error` (`details` names each field or parameter and its "
    "problems), `parse_error` (the body is not JSON, or nests too deep), `bad_request` (a "
    "request refused before the API reads it, e.g. for its Host header).",
    401: "`not_authenticated` or `authentication_failed`: no valid token or session.",
    403: "`permission_denied`: not for the caller's role or scope (or a session request "
    "without its CSRF token).",
    404: "`not_found`: no such ticket, attachment or page, or one the caller may not see; or "
    "no policy pack is loaded.",
    409: "`stale_version` (`details.current_version`), `invalid_transition`, or `conflict` "
    "(the same Idempotency-Key with another body).",
    413: "`payload_too_large`: the body's Content-Length is over the limit "
    "(`details.limit_bytes`); the body was not read.",
    415: "`unsupported_media_type`: the body is not in a type this operation reads.",
}


class ErrorDetailSerializer(serializers.Serializer[Any]):
    code = serializers.CharField(help_text="Stable and machine-readable, e.g. `not_found`.")
    message = serializers.CharField(help_text="For people, in the request's language.")
    details = serializers.DictField(
        help_text="The fields at fault and their problems, or facts about the refusal; "
        "`{}` when there is nothing to add."
    )


class ErrorSerializer(serializers.Serializer[Any]):
    """Every error of this API: `{"error": {"code", "message", "details"}}`."""

    error = ErrorDetailSerializer()


class AutoSchema(openapi.AutoSchema):
    """drf-spectacular's, adding the error answers each operation can give."""

    def error_statuses(self) -> list[int]:
        # Any operation may be refused for its input or its caller, or find nothing; only
        # what changes a ticket meets a version or a state, and only a body can be too large
        # or of the wrong type.
        statuses = [400, 401, 403, 404]
        if self.method in ("POST", "PUT", "PATCH"):
            statuses += [409, 413, 415]
        return statuses

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses = super()._get_response_bodies(direction)
        for status in self.error_statuses():
            answer = self._get_response_for_code(ErrorSerializer, str(status), ["application/json"])
            answer["description"] = ERRORS_DOC[status]
            responses.setdefault(str(status), answer)
        return responses
