"""`closeloop run`: the web server and the background worker, started and stopped together."""

from __future__ import annotations

import argparse
import os
import signal
import socket
import subprocess
import sys
import time
from types import FrameType
from typing import Any

from .base import (
    DEFAULT_HOST,
    DEFAULT_PORT,
    START_TIMEOUT_SECONDS,
    STOP_GRACE_SECONDS,
    CommandError,
    _fail,
    _require_migrated,
    _site_url,
)


def _port_free(host: str, port: int) -> str | None:
    """None if we can listen on host:port, else the reason we cannot."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def _answers(host: str, port: int) -> bool:
    connect_host = "127.0.0.1" if host in ("0.0.0.0", "") else host.strip("[]")  # noqa: S104
    try:
        with socket.create_connection((connect_host, port), timeout=0.5):
            return True
    except OSError:
        return False


# Each child's polite stop signal: gunicorn drains requests on SIGTERM; Huey's consumer
# finishes running tasks on SIGINT (SIGTERM would abandon them mid-way).
STOP_SIGNALS = {"web server": signal.SIGTERM, "worker": signal.SIGINT}


def _child_setup() -> None:  # pragma: no cover - runs in the child between fork and exec
    # Its own process group keeps a terminal's Ctrl-C away from the children, so only we
    # decide how they stop; the parent-death signal stops them if we are killed outright.
    os.setpgrp()
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _stop_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for name, proc in children.items():
        if proc.poll() is None:
            proc.send_signal(STOP_SIGNALS.get(name, signal.SIGTERM))
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cmd_run(args: argparse.Namespace) -> int:
    _require_migrated()
    host, port = args.host, args.port
    if not 0 < port < 65536:
        raise CommandError(f"invalid port {port}")
    reason = _port_free(host, port)
    if reason:
        raise CommandError(f"cannot listen on {host}:{port}: {reason}")

    bind = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    workers = args.workers or os.cpu_count() or 1
    env = dict(os.environ)  # children inherit DJANGO_SETTINGS_MODULE set by main()
    commands = {
        "web server": [
            sys.executable,
            "-m",
            "gunicorn",
            # ASGI, so that an open page's event stream (channels/live) holds a connection,
            # not a worker; the pages themselves run as before, each request on a thread.
            "config.asgi:application",
            "--worker-class",
            "uvicorn_worker.UvicornWorker",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            # One control socket per user home: two sites on one machine would fight over it.
            "--no-control-socket",
        ],
        "worker": [sys.executable, "-m", "django", "run_huey"],
    }

    stop_requested: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop_requested.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            children[name] = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
                command, env=env, preexec_fn=_child_setup
            )
        announced = False
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not stop_requested:
            for name, proc in children.items():
                code = proc.poll()
                # A Ctrl-C reaches the children too; their exit is then expected.
                if code is not None and not stop_requested:
                    return _fail(f"the {name} stopped (exit code {code}); stopping the rest")
            if not announced:
                if _answers(host, port):
                    url = _site_url(host, port)
                    print(
                        f"closeloop is running at {url}  (admin: {url}admin/, "
                        f"API docs: {url}api/v1/docs; web pid {children['web server'].pid}, "
                        f"worker pid {children['worker'].pid}). Press Ctrl-C to stop.",
                        flush=True,
                    )
                    announced = True
                elif time.monotonic() > deadline:
                    return _fail(f"the web server did not answer on {bind} in time")
            time.sleep(0.2)
        print("closeloop: stopping…", file=sys.stderr, flush=True)
        return 0
    finally:
        _stop_children(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("run", help="run the web server and the background worker")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    p.add_argument(
        "--workers", type=int, default=0, help="web server processes (default: one per core)"
    )
    p.set_defaults(handler=cmd_run)
