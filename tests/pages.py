"""Helpers for tests that walk the site's pages: which links a page offers, which of them
are pages of the same kind, and what in a page would need an inline script or style."""

import re
from html.parser import HTMLParser
from urllib.parse import urljoin, urlsplit

# Not pages: leaving, files to download, the API, static files.
NOT_PAGES = re.compile(
    r"^/(logout/|api/|i18n/|static/|media/|vendor/)|/download/|/attachments/|\.(pdf|xlsx|csv)$"
)
# Script types a browser does not run: data for the page's own scripts.
DATA_SCRIPTS = {"application/json", "application/ld+json"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href"}


def path_kind(path: str) -> str:
    """One page per kind: /tickets/20261122-000042/ and /tickets/20261122-000043/ are one."""
    return re.sub(r"\d+", "N", path)


class _Page(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "a" and "href" in values:
            self.links.append(values["href"])
        if tag == "script" and "src" not in values and values.get("type") not in DATA_SCRIPTS:
            self.problems.append(f"inline <script> at line {self.getpos()[0]}")
        if tag == "style":
            self.problems.append(f"<style> block at line {self.getpos()[0]}")
        for name, value in values.items():
            if name.startswith("on") or name.startswith(("hx-on", "data-hx-on")):
                self.problems.append(f"<{tag} {name}=…> (inline event handler)")
            elif name == "style":
                self.problems.append(f'<{tag} style="{value}">')
            elif name in URL_ATTRIBUTES and value.strip().lower().startswith("javascript:"):
                self.problems.append(f"<{tag} {name}={value!r}>")


def parse(html: str) -> _Page:
    page = _Page()
    page.feed(html)
    page.close()
    return page


def inline_code(html: str) -> list[str]:
    """Everything a Content-Security-Policy without 'unsafe-inline' would block."""
    return parse(html).problems


def page_links(html: str, base: str) -> list[str]:
    """Paths (with their query) of the same-site pages the page links to."""
    site = urlsplit(base).netloc
    out = []
    for href in parse(html).links:
        url = urlsplit(urljoin(base, href))
        if url.scheme not in ("http", "https") or url.netloc != site:
            continue
        if not url.path or NOT_PAGES.search(url.path):
            continue
        out.append(url.path + (f"?{url.query}" if url.query else ""))
    return out
