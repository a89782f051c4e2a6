"""The portal's limits hold across web workers: `closeloop run --workers 3` as a real server,
with the embedded default cache (the database) and with Redis (CACHE_URL).

Each visitor comes from an address of its own on the loopback network (127.0.0.x), so the
tests do not spend each other's allowance.
"""

import contextlib
import http.client
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.parse
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.core import signing

from tests.cli.test_run import _descendants, _free_port

ROOT = Path(__file__).resolve().parents[2]
BOOT_TIMEOUT = 60.0
WORKERS = 3
CHECK_LIMIT, CHECK_WINDOW = 30, 600  # closeloop/channels/portal/guard.py DEFAULT_LIMITS
# Another database number than Huey's default (0), and a key prefix of this run alone.
CHALLENGE_SALT = "closeloop.portal.challenge"
REDIS_URL = os.environ.get("CLOSELOOP_TEST_REDIS_URL", "redis://127.0.0.1:6379/9")


def _env(data_dir: Path, **extra: str) -> dict[str, str]:
    drop = ("DATABASE_URL", "HUEY_REDIS_URL", "CACHE_URL", "CACHE_KEY_PREFIX", "SECRET_KEY")
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env.update(
        DJANGO_SETTINGS_MODULE="config.settings.dev",
        CLOSELOOP_DATA_DIR=str(data_dir),
        HUEY_IMMEDIATE="false",
        PYTHONUNBUFFERED="1",
        **extra,
    )
    return env


def _redis_answers() -> bool:
    url = urllib.parse.urlsplit(REDIS_URL)
    try:
        with socket.create_connection((url.hostname or "127.0.0.1", url.port or 6379), 2) as s:
            s.sendall(b"PING\r\n")
            return s.recv(16).startswith(b"+PONG")
    except OSError:
        return False


@contextlib.contextmanager
def _database_of_its_own() -> Iterator[dict[str, str]]:
    """SQLite in the data directory; on a PostgreSQL run (DATABASE_URL) a database of its own
    beside the test database, dropped afterwards."""
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        yield {}
        return
    import psycopg

    parts = urllib.parse.urlsplit(url)
    name = f"{parts.path.lstrip('/') or 'closeloop'}_limits_{os.getpid()}"
    server_url = parts._replace(path="/postgres").geturl()
    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield {"DATABASE_URL": parts._replace(path=f"/{name}").geturl()}
    finally:
        with psycopg.connect(server_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@dataclass(frozen=True)
class Site:
    port: int
    data_dir: Path


@pytest.fixture(scope="module", params=["database", "redis"])
def server(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Site]:
    """A prepared installation of its own, served by three web workers.
    "database": the default cache, a table in the site's database; "redis": CACHE_URL."""
    with contextlib.ExitStack() as stack:
        extra = dict(stack.enter_context(_database_of_its_own()))
        if request.param == "redis":
            if not _redis_answers():
                pytest.fail(f"Redis does not answer at {REDIS_URL} (set CLOSELOOP_TEST_REDIS_URL)")
            extra.update(CACHE_URL=REDIS_URL, CACHE_KEY_PREFIX=f"cl-test-{uuid.uuid4().hex}")
        data_dir = tmp_path_factory.mktemp(f"closeloop-{request.param}")
        env = _env(data_dir, **extra)
        subprocess.run(
            [sys.executable, "-m", "closeloop.cli", "init"],
            env=env,
            cwd=ROOT,
            check=True,
            capture_output=True,
            timeout=180,
        )
        yield Site(stack.enter_context(_running(env)), data_dir)


@contextlib.contextmanager
def _running(env: dict[str, str], workers: int = WORKERS) -> Iterator[int]:
    port = _free_port()
    argv = ["run", "--port", str(port), "--workers", str(workers)]
    proc = subprocess.Popen(
        [sys.executable, "-m", "closeloop.cli", *argv],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + BOOT_TIMEOUT
        while not Visitor(port, "127.0.0.1").answers():
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the server did not answer in time"
            time.sleep(0.3)
        yield port
    finally:
        for pid in _descendants(proc.pid):
            os.kill(pid, signal.SIGKILL)
        proc.kill()
        proc.communicate(timeout=30)


@dataclass
class Visitor:
    """One person at one address, with their own cookies; English pages."""

    port: int
    address: str
    cookies: dict[str, str] = field(default_factory=dict)

    def request(
        self, method: str, path: str, form: dict[str, str] | None = None
    ) -> tuple[int, str]:
        conn = http.client.HTTPConnection(
            "127.0.0.1", self.port, timeout=60, source_address=(self.address, 0)
        )
        headers = {"Accept-Language": "en", "Connection": "close"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        body = None
        if form is not None:
            form = {"csrfmiddlewaretoken": self.cookies.get("csrftoken", ""), **form}
            body = urllib.parse.urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            headers["Referer"] = f"http://127.0.0.1:{self.port}{path}"
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode()
            for header in response.headers.get_all("Set-Cookie") or []:
                name, _, rest = header.partition("=")
                self.cookies[name.strip()] = rest.split(";", 1)[0]
            return response.status, text
        finally:
            conn.close()

    def answers(self) -> bool:
        try:
            return self.request("GET", "/portal/check/")[0] == 200
        except OSError:
            return False

    def challenge(self, path: str) -> dict[str, str]:
        """The form's challenge at `path`, answered."""
        status, page = self.request("GET", path)
        assert status == 200, page[:500]
        question = re.search(r'data-testid="challenge">([^<]*)<', page)
        token = re.search(r'name="token" value="([^"]+)"', page)
        assert question and token, page[:2000]
        a, b = map(int, re.findall(r"\d+", question.group(1)))
        return {"answer": str(a + b), "token": token.group(1)}


def _at_once(count: int, call: object) -> list[int]:
    """`call()` `count` times from six threads at once: sync workers each take one request at
    a time, so the requests spread over all of them."""
    assert callable(call)
    with ThreadPoolExecutor(max_workers=6) as pool:
        return list(pool.map(lambda _i: call(), range(count)))


def test_the_check_limit_holds_across_workers(server: Site) -> None:
    visitor = Visitor(server.port, "127.0.0.2")
    assert visitor.request("GET", "/portal/check/")[0] == 200  # the CSRF cookie; reading is free
    first_window = int(time.time() // CHECK_WINDOW)
    statuses = _at_once(
        WORKERS * CHECK_LIMIT, lambda: visitor.request("POST", "/portal/check/", {"number": "x"})[0]
    )
    windows = int(time.time() // CHECK_WINDOW) - first_window + 1

    accepted, refused = statuses.count(400), statuses.count(429)  # 400: looked up, not found
    assert accepted + refused == len(statuses), statuses
    # A fixed window: a run that crosses into the next one may spend that one's allowance too.
    assert accepted <= CHECK_LIMIT * windows
    if windows == 1:
        assert accepted == CHECK_LIMIT


def test_a_challenge_is_accepted_once(server: Site) -> None:
    customer = Visitor(server.port, "127.0.0.3")
    answered = customer.challenge("/portal/submit/")
    case = {"kind": "consultation", "subject": "发票申领", "description": "怎样申领发票？"}
    status, _page = customer.request(
        "POST", "/portal/submit/", {**case, "name": "王五", "phone": "13700007777", **answered}
    )
    assert status == 302
    page = customer.request("GET", "/portal/submitted/")[1]
    number = re.search(r'data-testid="number">([^<]+)<', page)
    code = re.search(r'data-testid="code">([^<]+)<', page)
    assert number and code

    replayer = Visitor(server.port, "127.0.0.4")
    form = {**replayer.challenge("/portal/check/"), "number": number.group(1)}
    form["code"] = code.group(1)
    statuses = _at_once(12, lambda: replayer.request("POST", "/portal/check/", form)[0])
    # 302: the challenge passed and the case was shown; 400: the spent token was refused.
    assert sorted(statuses) == [302] + [400] * 11


def test_the_workers_sign_with_the_installation_key(server: Site) -> None:
    """The key `init` made in the data directory, not one written in the code."""
    key = (server.data_dir / "secret_key").read_text().strip()
    token = Visitor(server.port, "127.0.0.5").challenge("/portal/check/")["token"]
    assert set(signing.loads(token, key=key, salt=CHALLENGE_SALT)) == {"n", "h"}
    with pytest.raises(signing.BadSignature):
        signing.loads(token, key="insecure-dev-key-change-me-in-production", salt=CHALLENGE_SALT)
