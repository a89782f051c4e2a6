"""The outside world of the outbox, as real local servers: an SMS gateway (a threaded HTTP
server on 127.0.0.1 that records what it got and can be made slow, failing or stuck) and a
mail server (aiosmtpd). The code under test reaches them through its real adapters."""

import email.policy
import json
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller


class SmsGatewayStub:
    """Answers `status` after `delay` seconds. `hold_at=n` keeps the n-th request waiting
    (recorded, unanswered) until `release` is set: a send provably in flight."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.status = 200
        self.delay = 0.0
        self.hold_at: int | None = None
        self.holding = threading.Event()
        self.release = threading.Event()
        self._lock = threading.Lock()
        stub = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                with stub._lock:
                    stub.received.append({"body": body, "headers": dict(self.headers)})
                    count = len(stub.received)
                if count == stub.hold_at:
                    stub.holding.set()
                    stub.release.wait(timeout=120)
                time.sleep(stub.delay)
                answer = b'{"ok": true}' if 200 <= stub.status < 300 else b"busy, try later"
                try:
                    self.send_response(stub.status)
                    if 300 <= stub.status < 400:
                        self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                    self.send_header("Content-Length", str(len(answer)))
                    self.end_headers()
                    self.wfile.write(answer)
                except OSError:
                    pass  # the sender gave up (timeout) or was killed meanwhile

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/sms"
        self._thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def request_ids(self) -> list[str]:
        with self._lock:
            return [r["body"]["request_id"] for r in self.received]

    def by_recipient(self) -> dict[str, list[str]]:
        """Phone number → the request ids of every copy that reached the gateway."""
        copies: dict[str, list[str]] = {}
        with self._lock:
            for r in self.received:
                copies.setdefault(r["body"]["to"], []).append(r["body"]["request_id"])
        return copies

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class MailServer:
    """aiosmtpd on 127.0.0.1, on a free port; `refuse=n` answers the next n messages with a
    temporary failure (451) after reading them, as a busy server does."""

    def __init__(self) -> None:
        self.received: list[dict[str, str]] = []
        self.refuse = 0
        server = self

        class Handler:
            async def handle_DATA(self, smtp: Any, session: Any, envelope: Any) -> str:
                message = message_from_bytes(envelope.content, policy=email.policy.default)
                body = message.get_body(preferencelist=("plain",))
                server.received.append(
                    {
                        "to": str(message["To"]),
                        "message_id": str(message["Message-ID"]),
                        "subject": str(message["Subject"]),
                        "body": body.get_content() if body is not None else "",
                    }
                )
                if server.refuse:
                    server.refuse -= 1
                    return "451 4.3.0 Try again later"
                return "250 OK"

        class FreePortController(Controller):
            def _trigger_server(self) -> None:
                self.port = self.server.sockets[0].getsockname()[1]
                super()._trigger_server()

        self.controller = FreePortController(Handler(), hostname="127.0.0.1", port=0)
        self.controller.start()
        self.port: int = self.controller.port

    def by_recipient(self) -> dict[str, list[str]]:
        copies: dict[str, list[str]] = {}
        for m in self.received:
            copies.setdefault(m["to"], []).append(m["message_id"])
        return copies

    def close(self) -> None:
        self.controller.stop()


@pytest.fixture
def sms_gateway() -> Iterator[SmsGatewayStub]:
    stub = SmsGatewayStub()
    yield stub
    stub.close()


@pytest.fixture
def mail_server() -> Iterator[MailServer]:
    server = MailServer()
    yield server
    server.close()


@pytest.fixture
def gateways(settings: Any, sms_gateway: SmsGatewayStub, mail_server: MailServer) -> None:
    """Deliver through the real adapters: Django's SMTP backend and the HTTP SMS gateway."""
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = mail_server.port
    settings.SMS_BACKEND = "closeloop.notifications.sms.HttpBackend"
    settings.SMS_GATEWAY_URL = sms_gateway.url
    settings.SMS_GATEWAY_TIMEOUT = 5.0
