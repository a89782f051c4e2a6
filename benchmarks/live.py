"""What open pages cost while they wait: N event streams (/live/events/) held on one ASGI web
worker, first idle, then with one change a second, at the bench's size of ledger.

Measured: the worker's CPU (and PostgreSQL's, on a local server) per minute and as a share of
one core, the events delivered, and how long after a change's commit each page heard of it.
Not included: the page's own refetch after a hint (one page view, measured by read.html_*)."""

from __future__ import annotations

import selectors
import socket
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from closeloop.workflow.statuses import OPEN_STATUSES

from .http import HOST, Server, database_cpu_seconds, login_session
from .report import Reporter, latency

PASSWORD = "closeloop-demo"  # noqa: S105 - the packs' demo password, bench db only


@dataclass
class Listener:
    """Reads every stream on one thread; notes when each change event arrives."""

    socks: list[socket.socket] = field(default_factory=list)
    arrivals: list[float] = field(default_factory=list)
    hellos: int = 0
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self) -> None:
        sel = selectors.DefaultSelector()
        for s in self.socks:
            s.setblocking(False)
            sel.register(s, selectors.EVENT_READ)
        while not self.stop.is_set():
            for key, _ in sel.select(timeout=0.2):
                try:
                    data = key.fileobj.recv(65536)  # type: ignore[union-attr]
                except BlockingIOError:
                    continue
                now = time.monotonic()
                if not data:
                    sel.unregister(key.fileobj)
                    continue
                self.hellos += data.count(b"event: hello")
                self.arrivals += [now] * data.count(b"event: change")
        sel.close()


def _open(port: int, cookie: str, watch: str) -> socket.socket:
    sock = socket.create_connection((HOST, port), timeout=30)
    sock.sendall(
        f"GET /live/events/?watch={watch} HTTP/1.1\r\nHost: {HOST}\r\nCookie: {cookie}\r\n"
        "Accept: text/event-stream\r\n\r\n".encode()
    )
    return sock


def phase_live(rep: Reporter, people: Any, env: dict[str, str], pages: int, seconds: float) -> None:
    with Server(env, 1, asgi=True) as server:
        cookies = {}
        for role, user in (
            ("agent", people.agent),
            ("liaison", people.liaison),
            ("supervisor", people.supervisor),
        ):
            session = login_session(server.port, user.username, PASSWORD)
            if session is None:
                rep.emit("live.watch", skipped=True, note=f"could not log in as the demo {role}")
                return
            cookies[role] = session["Cookie"]
        # A centre's open pages: supervisors' dashboards (all), liaisons' inboxes (their
        # department), agents' own queues (theirs).
        mix = [("supervisor", "all"), ("liaison", "dept"), ("liaison", "dept"), ("agent", "user")]
        listener = Listener()
        for i in range(pages):
            role, watch = mix[i % len(mix)]
            listener.socks.append(_open(server.port, cookies[role], watch))
        thread = threading.Thread(target=listener.run, daemon=True)
        thread.start()
        settle = time.monotonic() + 30
        while listener.hellos < pages and time.monotonic() < settle:
            time.sleep(0.2)
        time.sleep(2)  # every hub has read its starting point

        idle = _window(server, seconds / 2, lambda: None)
        ticket = (
            Ticket.objects.unscoped()
            .filter(department=people.department, status__in=OPEN_STATUSES)
            .order_by("-pk")
            .first()
        )
        commits: list[float] = []

        def change() -> None:
            if ticket is not None:
                services.ticket_note(people.liaison, ticket.number, text="bench: live")
                commits.append(time.monotonic())

        before = len(listener.arrivals)
        busy = _window(server, seconds, change)
        time.sleep(2)  # the last change's events
        listener.stop.set()
        thread.join(5)
        for s in listener.socks:
            s.close()
        arrivals = listener.arrivals[before:]
        delays = [
            (a - max(c for c in commits if c <= a)) * 1000
            for a in arrivals
            if any(c <= a for c in commits)
        ]
        for name, window, extra in (
            ("live.watch_idle", idle, {}),
            (
                "live.watch_1_change_per_s",
                busy,
                {
                    "changes": len(commits),
                    "events_delivered": len(arrivals),
                    "delivery": latency(delays),
                },
            ),
        ):
            rep.emit(
                name,
                what=f"{pages} open pages each holding GET /live/events/ on one ASGI worker "
                f"(gunicorn + uvicorn), {window['seconds']:.0f} s",
                pages=pages,
                streams_open=listener.hellos,
                worker_cpu_s_per_min=round(window["cpu"] * 60 / window["seconds"], 2),
                share_of_one_core=round(window["cpu"] / window["seconds"], 4),
                db_server_cpu_s_per_min=(
                    round(window["db"] * 60 / window["seconds"], 2)
                    if window["db"] is not None
                    else None
                ),
                valid=listener.hellos == pages,
                **extra,
            )


def _db_cpu() -> float | None:
    # Only when the bench database is PostgreSQL on this machine; SQLite works in the worker.
    local = connection.settings_dict.get("HOST") in ("", "localhost", "127.0.0.1", "::1")
    return database_cpu_seconds() if connection.vendor == "postgresql" and local else None


def _window(server: Server, seconds: float, each_second: Any) -> dict[str, Any]:
    cpu0, db0, t0 = server.workers_cpu(), _db_cpu(), time.monotonic()
    tick = t0
    while time.monotonic() - t0 < seconds:
        each_second()
        tick += 1
        time.sleep(max(0.0, tick - time.monotonic()))
    elapsed = time.monotonic() - t0
    db1 = _db_cpu()
    return {
        "seconds": elapsed,
        "cpu": server.workers_cpu() - cpu0,
        "db": db1 - db0 if db0 is not None and db1 is not None else None,
    }
