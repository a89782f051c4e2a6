"""Real-browser tests: Playwright driving Debian's Chromium against pytest-django's live server.

Chromium cannot be downloaded by Playwright here; `scripts/ensure-browser.sh` installs Debian's
package. CLOSELOOP_CHROMIUM names another binary.
"""

import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache

# Playwright's sync API keeps an event loop in the main thread; Django's ORM, called by the
# test between browser steps, would take that for an async context and refuse.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
PASSWORD_OF = "pw-{}"  # tests/conftest.py's `person` sets this password
# Chromium reports what the Content-Security-Policy blocks on the console; the event catches
# the rest (a blocked style attribute, a script evaluated from a string).
REPORT_CSP_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (e) => console.error(
  `CSP violation: ${e.violatedDirective} blocked ${e.blockedURI || "inline code"} ` +
  `at ${e.sourceFile || document.location.href}:${e.lineNumber}`));
"""


def _chromium() -> str:
    exe = os.environ.get("CLOSELOOP_CHROMIUM") or shutil.which("chromium") or "/usr/bin/chromium"
    if not Path(exe).exists():
        pytest.fail(
            "Chromium is missing: run scripts/ensure-browser.sh (as root it installs Debian's "
            "chromium and fonts-wqy-microhei), or set CLOSELOOP_CHROMIUM to a Chromium binary."
        )
    return exe


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the Python package `playwright` is missing: install the dev dependencies")

    # launch() gives the browser a new, empty profile directory of its own.
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=_chromium(), args=CHROMIUM_ARGS, headless=True)
        yield b
        b.close()


@pytest.fixture(autouse=True)
def _clear_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


class Person:
    """One person at their own browser (own cookies), logged in to the workbench."""

    def __init__(
        self,
        browser: Any,
        base_url: str,
        username: str | None = None,
        viewport: dict[str, int] | None = None,
    ) -> None:
        self.base_url = base_url
        self.context = browser.new_context(
            base_url=base_url,
            viewport=viewport or {"width": 1280, "height": 800},
            locale="zh-CN",
            timezone_id="Asia/Shanghai",
        )
        self.context.set_default_timeout(15_000)
        self.context.add_init_script(REPORT_CSP_VIOLATIONS)
        self.page = self.context.new_page()
        self.console: list[str] = []
        self.page.on("console", lambda m: self.console.append(f"{m.type}: {m.text}"))
        self.page.on("pageerror", lambda e: self.console.append(f"pageerror: {e}"))
        if username:
            self.login(username)

    def login(self, username: str) -> None:
        page = self.page
        page.goto("/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", PASSWORD_OF.format(username))
        page.click("button[type=submit]")
        page.wait_for_selector(".topbar .who")

    def open_ticket(self, number: str) -> Any:
        self.page.goto(f"/tickets/{number}/")
        return self.page

    def act(
        self,
        action: str,
        fill: dict[str, str] | None = None,
        select: dict[str, str] | None = None,
        check: list[str] | None = None,
        button: str | None = None,
    ) -> None:
        """Open an action on the ticket page, fill its form, submit, wait for the swap."""
        page = self.page
        version = page.get_attribute("#ticket", "data-version")
        box = page.locator(f"#actions [data-action={action}]")
        if box.evaluate("el => el.tagName") == "DETAILS":
            box.locator("summary").click()
        for name, value in (fill or {}).items():
            box.locator(f"[name='{action}-{name}']").fill(value)
        for name, value in (select or {}).items():
            box.locator(f"select[name='{action}-{name}']").select_option(value)
        for value in check or []:
            box.locator(f"input[value='{value}']").check()
        with page.expect_response(lambda r: f"/act/{action}/" in r.url):
            if button:
                box.locator(f"button[value='{button}']").click()
            else:
                box.locator("button[type=submit]").first.click()
        page.wait_for_function(
            "v => document.querySelector('#ticket') && "
            "(document.querySelector('#ticket').dataset.version !== v || "
            "document.querySelector('[data-testid=flash]'))",
            arg=version,
        )

    def status(self) -> str:
        return self.page.locator("[data-testid=status]").inner_text().strip()

    def shot(self, name: str) -> Path:
        ARTIFACTS.mkdir(exist_ok=True)
        path = ARTIFACTS / f"{name}.png"
        self.page.screenshot(path=str(path), full_page=True)
        return path

    def csp_violations(self) -> list[str]:
        return [
            line
            for line in self.console
            if "Content Security Policy" in line or "CSP violation" in line
        ]

    def close(self) -> None:
        self.context.close()


@pytest.fixture
def person_at(browser: Any, live_server: Any) -> Iterator[Any]:
    people: list[Person] = []

    def make(username: str | None = None, **kwargs: Any) -> Person:
        p = Person(browser, live_server.url, username, **kwargs)
        people.append(p)
        return p

    yield make
    violations = []
    for i, p in enumerate(people):
        if p.console:
            print(f"browser console of person {i}:", *p.console, sep="\n  ")
        violations += p.csp_violations()
        p.close()
    # Every browser test also proves that its pages work under the policy.
    assert violations == [], "the Content-Security-Policy blocked something"
