"""Staff pages given input that used to make them fail: a clean 4xx page or a safe default."""

from typing import Any

import pytest

pytestmark = pytest.mark.django_db

HUGE = "9223372036854775807"  # the largest 64-bit integer: an OFFSET past it overflowed


# --------------------------------------------------------------------------- paging


@pytest.mark.parametrize("url", ["/ledger/", "/tickets/?view=all"])
@pytest.mark.parametrize("page", [HUGE, "99999999999999999999", "2"])
def test_a_page_past_the_last_is_a_404_page(
    centre: Any, login: Any, register: Any, url: str, page: str
) -> None:
    register()
    supervisor = login(centre.supervisor)
    response = supervisor.get(url, {"page": page})
    assert response.status_code == 404
    body = response.content.decode()
    assert "This page is past the end of the list." in body
    assert 'rel="first"' in body and 'rel="next"' not in body


@pytest.mark.parametrize("url", ["/ledger/", "/tickets/?view=all"])
@pytest.mark.parametrize("page", ["x", "0", "-1", "1.5", "１"])
def test_a_page_that_is_not_a_number_is_the_first(
    centre: Any, login: Any, register: Any, url: str, page: str
) -> None:
    ticket = register()
    response = login(centre.supervisor).get(url, {"page": page})
    assert response.status_code == 200
    assert ticket.number in response.content.decode()


# --------------------------------------------------------------------------- back / next


@pytest.mark.parametrize(
    ("back", "lands_on"),
    [
        ("/visits/", "/visits/"),
        ("javascript:alert(1)", "/"),
        ("https://evil.example/phish", "/"),
        ("//evil.example/phish", "/"),
        ("/\\evil.example/phish", "/"),
        ("http://testserver/visits/", "/"),  # only a path, even on this host
        ("/visits/\r\nSet-Cookie: x=1", "/"),
        ("", "/"),
    ],
)
def test_back_only_ever_leads_within_the_site(
    centre: Any, login: Any, register: Any, back: str, lands_on: str
) -> None:
    ticket = register()
    response = login(centre.agent).post(
        f"/tickets/{ticket.number}/row/close/",
        {"close-version": ticket.version, "back": back},
    )
    assert response.status_code == 302
    assert response["Location"] == lands_on


@pytest.mark.parametrize("target", ["https://evil.example/", "javascript:alert(1)", "//evil.x/"])
def test_login_next_only_ever_leads_within_the_site(centre: Any, client: Any, target: str) -> None:
    response = client.post(
        f"/login/?next={target}", {"username": "agent1", "password": "pw-agent1", "next": target}
    )
    assert response.status_code == 302
    assert response["Location"] == "/"


def test_logout_next_only_ever_leads_within_the_site(centre: Any, login: Any) -> None:
    response = login(centre.agent).post("/logout/?next=https://evil.example/")
    assert response.status_code == 302
    assert response["Location"] == "/login/"
