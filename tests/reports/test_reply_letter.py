"""The printable reply letter (复信, issue 14): for cases that came in or were answered by letter,
once replied to; the writer's name and address only for who may see the identity; a ticket the
viewer may not see is 404; one without a reply says so."""

import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from closeloop.common.errors import InvalidTransition, NotFound
from closeloop.directory.models import User
from closeloop.reports import pdf
from closeloop.reports.pdf import pdf_styles
from closeloop.reports.reply_letter import (
    reply_letter_for,
    reply_letter_pdf,
    reply_letter_story,
    reply_letter_text,
)
from closeloop.tickets import services
from closeloop.tickets.models import IdentityDisclosure, Ticket
from tests.conftest import demo_people

NAME, ADDRESS = "李四", "某县某镇幸福村3组12号"
REPLY = "经核查,村务公开栏已按规定每季度更新。\n下一步将加强督促检查。"


@pytest.fixture
def people(db: Any) -> dict[str, User]:
    return demo_people("letters-and-visits")


def letter(people: dict[str, User], kind: str = "help", channel: str = "letter") -> Ticket:
    agent = people["agent"]
    t = services.ticket_register(
        actor=agent,
        data=services.TicketInput(
            kind=kind,
            channel=channel,
            subject="村务公开不及时",
            description="村务公开栏半年未更新",
            category="openness",
            customer=services.CustomerInput(name=NAME, phone="13600001111", address=ADDRESS),
        ),
    )
    if t.status == "registered":
        services.ticket_accept(agent, t.number)
    return t


def resolved(people: dict[str, User], **kwargs: Any) -> Ticket:
    t = letter(people, **kwargs)
    services.ticket_dispatch(people["agent"], t.number, department="township")
    services.ticket_assign(people["liaison"], t.number, handler="handler")
    return services.ticket_resolve(people["handler"], t.number, reply=REPLY, validity="valid")


def text_of(user: User, number: str) -> str:
    found = reply_letter_for(user, number)
    return reply_letter_text(reply_letter_story(found, pdf_styles(pdf.pdf_font())))


def test_the_letter_holds_the_number_the_reply_and_the_writer(people: dict[str, User]) -> None:
    t = resolved(people)
    text = text_of(people["agent"], t.number)
    assert t.number in text
    assert "村务公开栏已按规定每季度更新" in text and "下一步将加强督促检查" in text
    assert NAME in text and ADDRESS in text
    assert "信访办公室" in text  # the office
    assert "乡镇人民政府" in text  # the department that handled it
    assert "13600001111" not in text  # a letter names no phone
    assert reply_letter_pdf(reply_letter_for(people["agent"], t.number)).startswith(b"%PDF-")


def test_the_pdf_text_holds_the_number_and_the_reply(
    people: dict[str, User], tmp_path: Path
) -> None:
    """Read back from the PDF itself where poppler's pdftotext is installed
    (scripts/ensure-browser.sh installs it)."""
    from django.utils import translation

    pdftotext = shutil.which("pdftotext")
    if pdftotext is None:
        pytest.skip("pdftotext is not installed: the story test above checks the text")
    t = resolved(people)
    with translation.override("zh-hans"):
        path = tmp_path / "letter.pdf"
        path.write_bytes(reply_letter_pdf(reply_letter_for(people["agent"], t.number)))
    text = subprocess.run(
        [pdftotext, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout.replace(" ", "")
    for expected in (t.number, "村务公开栏已按规定每季度更新", "复信", "信访办公室", NAME, ADDRESS):
        assert expected in text


def test_a_later_reply_by_letter_is_what_the_letter_says(people: dict[str, User]) -> None:
    t = resolved(people)
    services.ticket_reply(
        people["agent"], t.number, reply="已书面答复:公开栏已更新。", method="letter"
    )
    assert "已书面答复" in text_of(people["agent"], t.number)


def test_a_protected_writer_is_left_off_for_who_may_not_see_them(
    people: dict[str, User],
) -> None:
    """Reports are confidential in this pack: the department's handler gets the letter without
    the writer's name and address; the centre's agent gets them, and that is logged."""
    t = resolved(people, kind="report")
    assert t.identity_protected
    handler_text = text_of(people["handler"], t.number)
    assert NAME not in handler_text and ADDRESS not in handler_text
    assert "***" not in handler_text and REPLY.splitlines()[0] in handler_text
    assert not IdentityDisclosure.objects.filter(ticket=t, user=people["handler"]).exists()
    agent_text = text_of(people["agent"], t.number)
    assert NAME in agent_text and ADDRESS in agent_text
    assert IdentityDisclosure.objects.filter(
        ticket=t, user=people["agent"], via="web:reply_letter"
    ).exists()


def test_refusals(people: dict[str, User]) -> None:
    waiting = letter(people)
    with pytest.raises(InvalidTransition) as no_reply:
        reply_letter_for(people["agent"], waiting.number)
    assert no_reply.value.details == {"letter": "no_reply"}
    by_phone = resolved(people, channel="phone")
    with pytest.raises(InvalidTransition) as not_letter:
        reply_letter_for(people["agent"], by_phone.number)
    assert not_letter.value.details == {"letter": "not_a_letter"}
    with pytest.raises(NotFound):
        reply_letter_for(people["handler-agri"], resolved(people).number)


def login(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_download_on_the_ticket_page(people: dict[str, User]) -> None:
    t = resolved(people)
    client = login(people["agent"])
    page = client.get(f"/tickets/{t.number}/").content.decode()
    assert f'href="/tickets/{t.number}/reply-letter.pdf"' in page
    download = client.get(f"/tickets/{t.number}/reply-letter.pdf")
    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download.content.startswith(b"%PDF-")
    assert f"reply-letter-{t.number}.pdf" in download["Content-Disposition"]
    # The handler of the case may download it too.
    assert login(people["handler"]).get(f"/tickets/{t.number}/reply-letter.pdf").status_code == 200


def test_who_may_not_see_the_ticket_gets_404(people: dict[str, User]) -> None:
    t = resolved(people)
    outsider = login(people["handler-agri"])
    assert outsider.get(f"/tickets/{t.number}/reply-letter.pdf").status_code == 404
    assert (
        login(people["agent"]).get("/tickets/20990101-999999/reply-letter.pdf").status_code == 404
    )
    assert Client().get(f"/tickets/{t.number}/reply-letter.pdf").status_code == 302  # to log in


def test_a_letter_without_a_reply_says_so(people: dict[str, User]) -> None:
    t = letter(people)
    client = login(people["agent"])
    page = client.get(f"/tickets/{t.number}/").content.decode()
    assert 'data-testid="reply-letter-pending"' in page and "reply-letter.pdf" not in page
    refused = client.get(f"/tickets/{t.number}/reply-letter.pdf")
    assert refused.status_code == 409
    assert 'data-testid="reply-letter-error"' in refused.content.decode()


def test_no_letter_for_a_case_that_is_not_one(people: dict[str, User]) -> None:
    t = resolved(people, channel="phone")
    client = login(people["agent"])
    assert 'id="reply-letter"' not in client.get(f"/tickets/{t.number}/").content.decode()
    assert client.get(f"/tickets/{t.number}/reply-letter.pdf").status_code == 409
    # Answered by letter: then it is one.
    services.ticket_reply(people["agent"], t.number, reply="书面告知", method="letter")
    assert 'data-testid="reply-letter"' in client.get(f"/tickets/{t.number}/").content.decode()
