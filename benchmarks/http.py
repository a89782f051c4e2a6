"""A real server and a loopback client for the HTTP measurements.

The server is gunicorn with one sync worker per core, as `closeloop run` starts it. The
client is plain `http.client` in threads: cheap enough (well under the server's CPU per
request) not to be what is measured. Every loop is bounded by a count and a time limit, and
the only address ever used is 127.0.0.1.
"""

from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _children(pid: int) -> list[int]:
    try:
        text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(p) for p in text.split()]


def cpu_seconds(pid: int) -> float:
    """User + system CPU of one process, from /proc (clock ticks)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def database_cpu_seconds() -> float | None:
    """CPU of the PostgreSQL server on this machine: every live `postgres` process, plus what
    the postmaster collected from children that ended. None without one (SQLite, or a server
    elsewhere)."""
    total, found = 0.0, False
    tick = os.sysconf("SC_CLK_TCK")
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if (entry / "comm").read_text().strip() != "postgres":
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        found = True
        total += (int(fields[11]) + int(fields[12])) / tick
        if fields[1] == "1" or not _is_postgres(int(fields[1])):  # the postmaster
            total += (int(fields[13]) + int(fields[14])) / tick
    return total if found else None


def _is_postgres(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == "postgres"
    except OSError:
        return False


def peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


class Server:
    """gunicorn on 127.0.0.1 with the bench environment; stopped on exit, always."""

    def __init__(self, env: dict[str, str], workers: int, *, asgi: bool = False) -> None:
        self.port = free_port()
        self.workers = workers
        # As `closeloop run` serves it (ASGI, uvicorn workers), or WSGI sync workers.
        self.app = (
            ["config.asgi:application", "--worker-class", "uvicorn_worker.UvicornWorker"]
            if asgi
            else ["config.wsgi:application"]
        )
        self.env = env
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> Server:
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            *self.app,
            "--bind",
            f"{HOST}:{self.port}",
            "--workers",
            str(self.workers),
            "--timeout",
            "120",
            "--no-control-socket",
            "--log-level",
            "warning",
        ]
        self.proc = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
            command, env=self.env, stdout=subprocess.DEVNULL, stderr=sys.stderr
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"gunicorn stopped with exit code {self.proc.returncode}")
            if len(self.worker_pids()) >= self.workers and _answers(self.port):
                return self
            time.sleep(0.2)
        self.stop()
        raise RuntimeError("gunicorn did not answer within 60 s")

    def worker_pids(self) -> list[int]:
        return _children(self.proc.pid) if self.proc else []

    def workers_cpu(self) -> float:
        return sum(cpu_seconds(pid) for pid in self.worker_pids())

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def _answers(port: int) -> bool:
    try:
        with socket.create_connection((HOST, port), timeout=0.5):
            return True
    except OSError:
        return False


@dataclass
class Response:
    status: int
    body: bytes
    ms: float
    headers: dict[str, str] = field(default_factory=dict)

    def json(self) -> Any:
        return json.loads(self.body)


def request(
    port: int,
    method: str,
    path: str,
    *,
    body: Any = None,
    headers: dict[str, str] | None = None,
    raw: bytes | None = None,
) -> Response:
    """One request on a fresh connection (gunicorn's sync workers close it anyway)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=120)
    all_headers = {"Accept": "application/json", **(headers or {})}
    payload = raw
    if body is not None:
        payload = json.dumps(body, ensure_ascii=False).encode()
        all_headers["Content-Type"] = "application/json"
    start = time.perf_counter()
    try:
        target = quote(path, safe="/?&=%-_.~:+,")  # Chinese search words travel encoded
        conn.request(method, target, body=payload, headers=all_headers)
        resp = conn.getresponse()
        data = resp.read()
        ms = (time.perf_counter() - start) * 1000
        merged: dict[str, str] = {}
        for key, value in resp.getheaders():  # several Set-Cookie headers are kept, joined
            merged[key.lower()] = (
                f"{merged[key.lower()]}, {value}" if key.lower() in merged else value
            )
        return Response(resp.status, data, ms, merged)
    finally:
        conn.close()


@dataclass
class LoadResult:
    latencies_ms: list[float]
    errors: int
    seconds: float
    statuses: dict[int, int]


def load(
    port: int,
    make: Any,
    *,
    total: int,
    concurrency: int,
    max_seconds: float,
) -> LoadResult:
    """`total` requests from `concurrency` threads; `make(i)` gives (method, path, body, headers).

    Stops early, never late: at `max_seconds` every thread finishes its current request.
    """
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: dict[int, int] = {}
    errors = 0
    counter = iter(range(total))
    stop_at = time.monotonic() + max_seconds

    def worker() -> None:
        nonlocal errors
        while time.monotonic() < stop_at:
            with lock:
                i = next(counter, None)
            if i is None:
                return
            method, path, body, headers = make(i)
            try:
                resp = request(port, method, path, body=body, headers=headers)
            except OSError:
                with lock:
                    errors += 1
                continue
            with lock:
                latencies.append(resp.ms)
                statuses[resp.status] = statuses.get(resp.status, 0) + 1
                if resp.status >= 400:
                    errors += 1

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(concurrency)]
    start = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max_seconds + 130)
    return LoadResult(latencies, errors, time.perf_counter() - start, statuses)


def login_session(port: int, username: str, password: str) -> dict[str, str] | None:
    """Cookie headers for a staff HTML session, through the real login form."""
    import re

    first = request(port, "GET", "/login/", headers={"Accept": "text/html"})
    if first.status != 200:
        return None
    cookie = first.headers.get("set-cookie", "")
    match = re.search(r"csrftoken=([^;]+)", cookie)
    token = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', first.body)
    if not match or not token:
        return None
    form = f"username={username}&password={password}&csrfmiddlewaretoken={token.group(1).decode()}"
    resp = request(
        port,
        "POST",
        "/login/",
        raw=form.encode(),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={match.group(1)}",
            "Referer": f"http://{HOST}:{port}/login/",
            "Accept": "text/html",
        },
    )
    session = re.search(r"sessionid=([^;]+)", resp.headers.get("set-cookie", ""))
    if resp.status not in (302, 303) or not session:
        return None
    return {
        "Cookie": f"csrftoken={match.group(1)}; sessionid={session.group(1)}",
        "Accept": "text/html",
    }
