"""The API reference works on a network that reaches nothing but this site."""

from typing import Any
from urllib.parse import urlsplit

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_api_reference_renders_offline(person_at: Any) -> None:
    reader = person_at()
    elsewhere: list[str] = []

    def only_this_site(route: Any) -> None:
        if urlsplit(route.request.url).hostname in ("localhost", "127.0.0.1"):
            route.continue_()
        else:
            elsewhere.append(route.request.url)
            route.abort()

    reader.context.route("**/*", only_this_site)
    page = reader.page
    page.goto("/api/v1/docs")
    page.wait_for_selector(".opblock")
    assert page.locator(".opblock").count() > 25  # every operation, as in the schema
    assert "/api/v1/tickets" in page.locator("#swagger-ui").inner_text()
    assert elsewhere == []
