"""Errors raised by services; each interface turns them into its own form (HTTP, CLI, page)."""

from typing import Any


class ServiceError(Exception):
    """A refusal with a stable code, a human message and optional details."""

    code = "error"
    http_status = 400

    def __init__(self, message: str, *, code: str | None = None, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.details = details or {}


class ValidationFailed(ServiceError):
    code = "validation_error"
    http_status = 400


class NotAllowed(ServiceError):
    code = "permission_denied"
    http_status = 403


class NotFound(ServiceError):
    code = "not_found"
    http_status = 404


class InvalidTransition(ServiceError):
    code = "invalid_transition"
    http_status = 409


class StaleVersion(ServiceError):
    code = "stale_version"
    http_status = 409


class Conflict(ServiceError):
    code = "conflict"
    http_status = 409


class Gone(ServiceError):
    """What was asked for existed but is no longer usable (a used or expired one-time link)."""

    code = "gone"
    http_status = 410
