"""Attachments: count, size and type limits from settings; content must match the type."""

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings

from closeloop.tickets.models import Attachment
from tests.conftest import COMPLAINT, Centre

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%...\n"


def a_file(name: str, data: bytes, content_type: str) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type=content_type)


def upload(client: Any, number: str, *files: SimpleUploadedFile, **extra: Any) -> Any:
    return client.client.post(
        f"/api/v1/tickets/{number}/attachments", {"file": list(files), **extra}, format="multipart"
    )


@pytest.fixture
def number(api: Any, centre: Centre) -> str:
    return api(centre.agent).post("tickets", COMPLAINT).json()["number"]


def test_upload_list_and_download(api: Any, centre: Centre, number: str) -> None:
    agent = api(centre.agent)
    response = upload(
        agent,
        number,
        SimpleUploadedFile("现场照片.png", PNG, content_type="image/png"),
        SimpleUploadedFile("说明.txt", "情况说明".encode(), content_type="text/plain"),
    )
    assert response.status_code == 200, response.json()
    attachments = response.json()["attachments"]
    assert [(a["filename"], a["size"]) for a in attachments] == [
        ("现场照片.png", len(PNG)),
        ("说明.txt", len("情况说明".encode())),
    ]
    assert response.json()["events"][-1]["action"] == "attach"
    download = agent.client.get(f"/api/v1/tickets/{number}/attachments/{attachments[0]['id']}")
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PNG
    # Someone who cannot see the ticket cannot fetch its files either.
    outsider = api(centre.handler_b).client.get(
        f"/api/v1/tickets/{number}/attachments/{attachments[0]['id']}"
    )
    assert outsider.status_code == 404


@pytest.mark.parametrize(
    ("file", "message"),
    [
        (a_file("a.exe", b"MZ\x90\x00", "application/x-msdownload"), "not accepted"),
        (a_file("fake.png", b"MZ\x90\x00 not a png", "image/png"), "does not contain"),
        (a_file("fake.pdf", PNG, "application/pdf"), "does not contain"),
        (a_file("bin.txt", b"a\x00b", "text/plain"), "does not contain"),
    ],
)  # fmt: skip
def test_wrong_type_is_refused(
    api: Any, centre: Centre, number: str, file: SimpleUploadedFile, message: str
) -> None:
    response = upload(api(centre.agent), number, file)
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]
    assert not Attachment.objects.exists()


@override_settings(ATTACHMENT_MAX_BYTES=100)
def test_oversize_is_refused(api: Any, centre: Centre, number: str) -> None:
    big = SimpleUploadedFile("big.pdf", PDF + b"x" * 200, content_type="application/pdf")
    response = upload(api(centre.agent), number, big)
    assert response.status_code == 400
    assert "larger than 100 bytes" in response.json()["error"]["message"]


@override_settings(ATTACHMENT_MAX_COUNT=2)
def test_too_many_attachments_are_refused(api: Any, centre: Centre, number: str) -> None:
    agent = api(centre.agent)

    def pdfs(n: int) -> list[SimpleUploadedFile]:
        return [a_file(f"{i}.pdf", PDF, "application/pdf") for i in range(n)]

    assert upload(agent, number, *pdfs(3)).status_code == 400
    assert upload(agent, number, *pdfs(2)).status_code == 200
    again = upload(agent, number, SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf"))
    assert again.status_code == 400
    assert "at most 2 attachments" in again.json()["error"]["message"]
    assert Attachment.objects.count() == 2


def test_upload_without_a_file_or_with_unknown_fields(
    api: Any, centre: Centre, number: str
) -> None:
    agent = api(centre.agent)
    assert upload(agent, number).status_code == 400
    pdf = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    assert upload(agent, number, pdf, colour="red").status_code == 400


def test_department_staff_cannot_attach_outside_their_department(
    api: Any, centre: Centre, number: str
) -> None:
    pdf = SimpleUploadedFile("x.pdf", PDF, content_type="application/pdf")
    assert upload(api(centre.handler_a), number, pdf).status_code == 404


@pytest.mark.parametrize(
    ("file", "stored_as"),
    [
        (a_file("x.html", b"<html><script>alert(1)</script></html>", "text/plain"), "x.txt"),
        (a_file("page.htm", b"<!doctype html><p>hi</p>", "text/plain"), "page.txt"),
        (a_file("evil.svg", PNG, "image/png"), "evil.png"),
        (a_file("run.js", PDF, "application/pdf"), "run.pdf"),
        (a_file("说明", "情况说明".encode(), "text/plain"), "说明.txt"),
        (a_file("photo.JPEG", b"\xff\xd8\xff\xe0 jpeg", "image/jpeg"), "photo.jpeg"),
    ],
)  # fmt: skip
def test_a_file_is_named_for_the_type_it_was_checked_to_be(
    api: Any, centre: Centre, number: str, file: SimpleUploadedFile, stored_as: str
) -> None:
    """An HTML page sent as text/plain is kept as text: its name, its stored file and its
    download say .txt, and the download is never shown in the browser or sniffed."""
    agent = api(centre.agent)
    response = upload(agent, number, file)
    assert response.status_code == 200, response.json()
    attachment = response.json()["attachments"][0]
    assert attachment["filename"] == stored_as
    extension = stored_as.rsplit(".", 1)[-1]
    assert Attachment.objects.get(pk=attachment["id"]).file.name.rsplit(".", 1)[-1] == extension
    download = agent.client.get(f"/api/v1/tickets/{number}/attachments/{attachment['id']}")
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Disposition"].rstrip('"').endswith(f".{extension}")
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == file.content_type


def test_a_page_download_is_an_attachment_named_for_its_type(
    api: Any, centre: Centre, number: str
) -> None:
    from django.test import Client

    html = a_file("x.html", b"<html><script>alert(1)</script></html>", "text/plain")
    attachment = upload(api(centre.agent), number, html).json()["attachments"][0]
    page = Client()
    page.force_login(centre.agent)
    download = page.get(f"/tickets/{number}/attachments/{attachment['id']}/")
    assert download.status_code == 200
    assert download["Content-Disposition"] == 'attachment; filename="x.txt"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download["Content-Type"] == "text/plain"
