"""`closeloop run` as a real process: web server and worker start, answer, and stop together."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT = 60.0
STOP_TIMEOUT = 30.0


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "HUEY_REDIS_URL")}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        CLOSELOOP_DATA_DIR=str(data_dir),
        HUEY_IMMEDIATE="false",
        PYTHONUNBUFFERED="1",
    )
    return env


def _closeloop(*args: str) -> list[str]:
    return [sys.executable, "-m", "closeloop.cli", *args]


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated embedded database of its own, apart from the test database."""
    path = tmp_path_factory.mktemp("closeloop-data")
    subprocess.run(
        [sys.executable, "-m", "django", "migrate", "--verbosity", "0"],
        env=_env(path),
        cwd=ROOT,
        check=True,
        timeout=180,
    )
    return path


def _descendants(pid: int) -> set[int]:
    found: set[int] = set()
    todo = [pid]
    while todo:
        parent = todo.pop()
        try:
            children = Path(f"/proc/{parent}/task/{parent}/children").read_text().split()
        except OSError:
            continue
        for child in map(int, children):
            found.add(child)
            todo.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def _wait_until_gone(pids: set[int]) -> set[int]:
    deadline = time.monotonic() + STOP_TIMEOUT
    while time.monotonic() < deadline:
        alive = {pid for pid in pids if _alive(pid)}
        if not alive:
            return set()
        time.sleep(0.2)
    return {pid for pid in pids if _alive(pid)}


@pytest.fixture
def server(data_dir: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    port = _free_port()
    proc = subprocess.Popen(
        _closeloop("run", "--port", str(port), "--workers", "1"),
        env=_env(data_dir),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield proc, port
    finally:
        if proc.poll() is None:
            for pid in _descendants(proc.pid):
                os.kill(pid, signal.SIGKILL)
            proc.kill()
        proc.communicate(timeout=STOP_TIMEOUT)


def _wait_for_schema(proc: subprocess.Popen[str], port: int) -> None:
    url = f"http://127.0.0.1:{port}/api/v1/schema"
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            pass
        time.sleep(0.3)
    pytest.fail(f"{url} did not answer 200 within {BOOT_TIMEOUT}s")


def _children_by_role(proc: subprocess.Popen[str]) -> tuple[set[int], int]:
    """All processes under `closeloop run`, and the pid of its worker child."""
    deadline = time.monotonic() + BOOT_TIMEOUT
    while time.monotonic() < deadline:
        direct = set(
            map(int, Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split())
        )
        for pid in direct:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
            if b"run_huey" in cmdline and len(direct) == 2:
                return _descendants(proc.pid), pid
        time.sleep(0.2)
    pytest.fail("closeloop run did not start its two children")


def test_run_serves_and_stops_both_children_on_sigterm(
    server: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = server
    _wait_for_schema(proc, port)
    everyone, _worker = _children_by_role(proc)
    assert len(everyone) >= 3  # gunicorn master, its worker, the huey consumer

    proc.send_signal(signal.SIGTERM)
    out, err = proc.communicate(timeout=STOP_TIMEOUT)
    assert proc.returncode == 0, err
    assert f"closeloop is running at http://127.0.0.1:{port}/" in out
    assert _wait_until_gone(everyone) == set()


def test_run_stops_the_web_server_when_the_worker_dies(
    server: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = server
    _wait_for_schema(proc, port)
    everyone, worker = _children_by_role(proc)

    os.kill(worker, signal.SIGKILL)
    _out, err = proc.communicate(timeout=STOP_TIMEOUT)
    assert proc.returncode == 1
    assert "closeloop: error: the worker stopped (exit code -9); stopping the rest" in err
    assert _wait_until_gone(everyone) == set()


def test_children_follow_when_run_is_killed_outright(
    server: tuple[subprocess.Popen[str], int],
) -> None:
    proc, port = server
    _wait_for_schema(proc, port)
    everyone, _worker = _children_by_role(proc)

    proc.kill()
    proc.communicate(timeout=STOP_TIMEOUT)
    assert _wait_until_gone(everyone) == set()


def test_run_refuses_a_busy_port(data_dir: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            _closeloop("run", "--port", str(port)),
            env=_env(data_dir),
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        f"closeloop: error: cannot listen on 127.0.0.1:{port}: Address already in use"
    )


def test_commands_refuse_an_unprepared_database(tmp_path: Path) -> None:
    result = subprocess.run(
        _closeloop("token", "someone"),
        env=_env(tmp_path / "empty"),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "closeloop: error: the database is not set up (or not up to date): run 'closeloop init'"
    )
