"""SMS gateways. The real one is outside the machine; the default prints to the log."""

import json
import logging
import urllib.error
import urllib.request
from typing import Protocol

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils.module_loading import import_string

from .models import stable_id

logger = logging.getLogger("closeloop.sms")


class SmsBackend(Protocol):
    def send(self, *, to: str, text: str, key: str) -> None:
        """Send one message; `key` lets a gateway drop a duplicate of a retried message."""


class ConsoleBackend:
    def send(self, *, to: str, text: str, key: str) -> None:
        logger.warning("SMS to %s [%s]: %s", to, key, text)


class MemoryBackend:
    """Keeps messages in memory, for tests (like Django's locmem email backend)."""

    outbox: list[dict[str, str]] = []

    def send(self, *, to: str, text: str, key: str) -> None:
        MemoryBackend.outbox.append({"to": to, "text": text, "key": key})


class SmsError(Exception):
    """The gateway did not take the message; the outbox records this and retries later."""


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    # A gateway that redirects is misconfigured; following it would resend the body elsewhere.
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


class HttpBackend:
    """An SMS gateway over HTTP (the contract is in docs/security.md):

    `POST SMS_GATEWAY_URL` with the JSON body `{"to", "text", "request_id"}`, the header
    `Authorization: Bearer SMS_GATEWAY_TOKEN` when a token is set, and the same request id in
    `Idempotency-Key`. Any 2xx answer means the gateway took the message; anything else, no
    answer within `SMS_GATEWAY_TIMEOUT` seconds, or no connection raises `SmsError`.
    `request_id` is derived from the outbox key, so a retry of the same message carries the
    same id and the gateway can drop the repeat.
    """

    def __init__(self) -> None:
        if not settings.SMS_GATEWAY_URL.startswith(("http://", "https://")):
            raise ImproperlyConfigured("SMS_GATEWAY_URL must be an http:// or https:// URL")
        self.url = settings.SMS_GATEWAY_URL
        self.token = settings.SMS_GATEWAY_TOKEN
        self.timeout = settings.SMS_GATEWAY_TIMEOUT
        self.opener = urllib.request.build_opener(_NoRedirect)

    def send(self, *, to: str, text: str, key: str) -> None:
        request_id = stable_id(key)
        headers = {"Content-Type": "application/json", "Idempotency-Key": request_id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        body = json.dumps({"to": to, "text": text, "request_id": request_id}).encode()
        # The scheme was checked in __init__: http or https only.
        request = urllib.request.Request(self.url, body, headers, method="POST")  # noqa: S310
        try:
            with self.opener.open(request, timeout=self.timeout) as response:
                status = response.status
                response.read()
        except urllib.error.HTTPError as exc:
            detail = exc.read(200).decode(errors="replace")
            raise SmsError(f"gateway answered {exc.code}: {detail}".strip()) from exc
        except (OSError, ValueError) as exc:  # refused, unreachable, timed out, bad URL
            raise SmsError(f"no answer from the gateway: {exc}") from exc
        if not 200 <= status < 300:
            raise SmsError(f"gateway answered {status}")


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend
