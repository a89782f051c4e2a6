"""SMS gateways. The real one is outside the machine; the default prints to the log."""

import logging
from typing import Protocol

from django.conf import settings
from django.utils.module_loading import import_string

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


def sms_backend() -> SmsBackend:
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend
