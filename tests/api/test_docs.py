"""The API reference is served by the site itself: Swagger UI from the installed package, no
CDN, so it works on an intranet and runs only the code that was installed."""

import re
from urllib.parse import urlsplit

from django.test import Client

from tests.pages import inline_code

# Absolute (http://, https://) and protocol-relative (//host) addresses.
ABSOLUTE_URL = re.compile(r"""(?:https?:)?//[^\s"'<>)]+""")


def assets_of(html: str) -> list[str]:
    """Every URL the page loads: scripts, stylesheets, icons."""
    found = re.findall(r"""<(?:script|link)\b[^>]*\b(?:src|href)="([^"]+)\"""", html)
    return [u.replace("&amp;", "&") for u in found]


def test_docs_load_nothing_from_elsewhere(client: Client) -> None:
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    html = response.content.decode()
    assert ABSOLUTE_URL.findall(html) == []  # no CDN, no other site
    assets = assets_of(html)
    assert any("swagger-ui-bundle" in a for a in assets), assets
    assert any(a.endswith(".css") for a in assets), assets
    for url in assets:
        assert not urlsplit(url).netloc, url
        asset = client.get(url)
        assert asset.status_code == 200, url
        body = b"".join(asset.streaming_content) if asset.streaming else asset.content
        assert body, url


def test_docs_start_up_script_is_a_file(client: Client) -> None:
    """A policy without 'unsafe-inline' runs only scripts loaded from files."""
    html = client.get("/api/v1/docs").content.decode()
    assert inline_code(html) == []
    start = [a for a in assets_of(html) if "script" in a and "swagger-ui" not in a]
    assert len(start) == 1, assets_of(html)
    script = client.get(start[0])
    assert script.status_code == 200
    assert script["Content-Type"].startswith(("application/javascript", "text/javascript"))
    code = script.content.decode()
    assert "SwaggerUIBundle(" in code
    assert re.findall(r"https?://\S+", code) == []
