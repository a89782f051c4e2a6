"""Input that used to make the server fail: each gets a clear 4xx in the API's one error shape
(`{"error": {"code", "message", "details"}}`) or a proper page, and changes nothing."""

import json
import socket
from typing import Any
from urllib.parse import urlsplit

import pytest
from django.test import Client, override_settings
from rest_framework.authtoken.models import Token

from closeloop.directory.roles import Role
from closeloop.tickets.models import Ticket
from tests.conftest import COMPLAINT, Centre, person

HUGE = "9223372036854775807"  # the largest 64-bit integer: an OFFSET past it overflowed


def assert_error(response: Any, status: int, code: str) -> dict:
    assert response.status_code == status, response.content[:300]
    assert response["Content-Type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"code", "message", "details"}
    assert error["code"] == code, error
    assert isinstance(error["details"], dict)
    return error


# --------------------------------------------------------------------------- paging


@pytest.mark.parametrize("page", [HUGE, "99999999999999999999", "1" * 5000])
def test_a_page_number_past_any_end_is_not_found(api: Any, centre: Centre, page: str) -> None:
    agent = api(centre.agent)
    agent.post("tickets", COMPLAINT)
    agent.client.raise_request_exception = False
    assert_error(agent.get("tickets", page=page), 404, "not_found")
    history = agent.get("customers", phone=COMPLAINT["customer"]["phone"], page=page)
    assert_error(history, 404, "not_found")


@pytest.mark.parametrize("size", ["-1", "0", "x", "2.5", "201", HUGE])
def test_page_size_is_a_whole_number_from_1_to_200(api: Any, centre: Centre, size: str) -> None:
    agent = api(centre.agent)
    agent.post("tickets", COMPLAINT)
    error = assert_error(agent.get("tickets", page_size=size), 400, "validation_error")
    assert "page_size" in error["details"]
    assert len(agent.get("tickets", page_size="200").json()["results"]) == 1


# --------------------------------------------------------------------------- JSON bodies


def test_json_nested_50000_deep_is_a_parse_error(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    agent.client.raise_request_exception = False
    deep = "[" * 50_000 + "]" * 50_000
    response = agent.client.post("/api/v1/tickets", deep, content_type="application/json")
    assert_error(response, 400, "parse_error")
    assert Ticket.objects.count() == 0


def test_json_nesting_is_limited_below_what_the_parser_survives(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    body = {**COMPLAINT, "customer": {"name": [[[[[[[[[[[[[[[[[[[[["x"]]]]]]]]]]]]]]]]]]]]]}}
    assert_error(agent.post("tickets", body), 400, "parse_error")
    # A ticket's own nesting (enclosures: object, list, object) is well within it.
    letter = {**COMPLAINT, "channel": "letter", "enclosures": [{"item": "信", "quantity": 1}]}
    assert agent.post("tickets", letter).status_code == 201


# --------------------------------------------------------------------------- body size


class Unreadable:
    """A request body that fails the test if anything reads it."""

    def read(self, *args: Any) -> bytes:
        raise AssertionError("the body was read")

    readline = read


def declared(length: int, content_type: str) -> dict[str, Any]:
    """WSGI environ for a request that declares `length` bytes nobody may read."""
    return {
        "content_type": content_type,  # DRF's test client sets CONTENT_TYPE from this
        "CONTENT_TYPE": content_type,  # Django's sets it only with a body of its own
        "CONTENT_LENGTH": str(length),
        "wsgi.input": Unreadable(),
    }


def test_an_api_body_over_the_limit_is_refused_unread(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    response = agent.client.generic(
        "POST", "/api/v1/tickets", **declared(150 * 1024 * 1024, "application/json")
    )
    error = assert_error(response, 413, "payload_too_large")
    assert error["details"] == {"limit_bytes": 2_621_440}
    assert Ticket.objects.count() == 0
    upload = agent.client.generic(
        "POST",
        "/api/v1/tickets/20260101-000001/attachments",
        **declared(500 * 1024 * 1024, "multipart/form-data; boundary=x"),
    )
    assert_error(upload, 413, "payload_too_large")


def test_a_page_body_over_the_limit_is_refused_unread(centre: Centre) -> None:
    client = Client()
    form = client.generic(
        "POST",
        "/portal/submit/",
        **declared(150 * 1024 * 1024, "application/x-www-form-urlencoded"),
    )
    assert form.status_code == 413
    assert form["Content-Type"].startswith("text/html")
    assert "Too large to accept" in form.content.decode()
    upload = client.generic(
        "POST", "/portal/submit/", **declared(500 * 1024 * 1024, "multipart/form-data; boundary=x")
    )
    assert upload.status_code == 413


@override_settings(DATA_UPLOAD_MAX_MEMORY_SIZE=1000, UPLOAD_MAX_BYTES=100_000)
def test_uploads_have_their_own_larger_limit(api: Any, centre: Centre) -> None:
    agent = api(centre.agent)
    number = agent.post("tickets", COMPLAINT).json()["number"]
    text = "情况说明".encode() * 1000  # 12,000 bytes: over the body limit, under the upload one
    from django.core.files.uploadedfile import SimpleUploadedFile

    response = agent.client.post(
        f"/api/v1/tickets/{number}/attachments",
        {"file": [SimpleUploadedFile("说明.txt", text, content_type="text/plain")]},
        format="multipart",
    )
    assert response.status_code == 200, response.json()
    too_big = {**COMPLAINT, "description": "x" * 2000}
    assert_error(agent.post("tickets", too_big), 413, "payload_too_large")


def test_the_limit_holds_on_a_real_connection(live_server: Any, transactional_db: Any) -> None:
    """Over a socket, only the headers and a few bytes are sent: the whole answer comes back
    without the rest of the body (a server that read it first would wait for it forever)."""
    agent = person("agent9", Role.AGENT)
    token = Token.objects.create(user=agent)  # a caller whose body would be parsed
    address = urlsplit(live_server.url)
    with socket.create_connection((address.hostname, address.port), timeout=60) as conn:
        conn.sendall(
            b"POST /api/v1/tickets HTTP/1.1\r\n"
            + f"Host: {address.hostname}\r\n".encode()
            + f"Authorization: Token {token.key}\r\n".encode()
            + b"Content-Type: application/json\r\n"
            + b"Content-Length: 157286400\r\n\r\n"
            + b'{"kind": '
        )
        answer = b""
        while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
            chunk = conn.recv(4096)
            assert chunk, answer
            answer += chunk
    head, body = answer.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 413"), head
    assert json.loads(body)["error"]["code"] == "payload_too_large"


# --------------------------------------------------------------------------- other URLs


@pytest.mark.parametrize(
    "path", ["/api/v1/nothing-here", "/api/v1/tickets/not-a-number", "/api/v2/tickets"]
)
def test_a_url_that_names_no_endpoint_answers_in_the_error_shape(
    api: Any, centre: Centre, path: str
) -> None:
    assert_error(api(centre.agent).client.get(path), 404, "not_found")


def test_a_request_django_refuses_answers_in_the_error_shape(api: Any, centre: Centre) -> None:
    response = api(centre.agent).client.get("/api/v1/tickets", HTTP_HOST="elsewhere.example")
    assert_error(response, 400, "bad_request")


def test_a_server_error_answers_in_the_error_shape(
    api: Any, centre: Centre, monkeypatch: Any
) -> None:
    def broken(*args: Any) -> Any:
        raise RuntimeError("a fault the API does not expect")

    monkeypatch.setattr("closeloop.tickets.selectors.ticket_list_for_user", broken)
    agent = api(centre.agent)
    agent.client.raise_request_exception = False
    error = assert_error(agent.get("tickets"), 500, "server_error")
    assert "fault" not in error["message"]  # nothing of the cause leaks
