"""Every field a person fills has a label a screen reader reads (issue 15, item 11): a
`<label for>`, a wrapping `<label>`, or `aria-label`/`aria-labelledby`; the portal's phone
fields are `type=tel` (a phone's number pad)."""

from html.parser import HTMLParser
from typing import Any

import pytest
from django.test import Client

from closeloop.tickets import services
from tests.conftest import Centre
from tests.web.conftest import complaint


class Fields(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.labelled_ids: set[str] = set()
        self.in_label = 0
        self.fields: list[dict[str, Any]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "label":
            self.in_label += 1
            if a.get("for"):
                self.labelled_ids.add(str(a["for"]))
        if tag in ("input", "textarea", "select"):
            if a.get("type") in ("hidden", "submit", "button", "reset", "image"):
                return
            self.fields.append({**a, "_tag": tag, "_wrapped": self.in_label > 0})

    def handle_endtag(self, tag: str) -> None:
        if tag == "label" and self.in_label:
            self.in_label -= 1

    def unlabelled(self) -> list[str]:
        return [
            f"<{f['_tag']} name={f.get('name')!r} id={f.get('id')!r}>"
            for f in self.fields
            if not (
                f["_wrapped"]
                or f.get("aria-label")
                or f.get("aria-labelledby")
                or (f.get("id") and f["id"] in self.labelled_ids)
            )
        ]


def unlabelled(html: str) -> list[str]:
    parser = Fields()
    parser.feed(html)
    return parser.unlabelled()


def _answered(centre: Centre) -> str:
    number = services.ticket_register(actor=centre.agent, data=complaint()).number
    services.ticket_accept(centre.agent, number)
    services.ticket_dispatch(centre.agent, number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, number, handler=centre.handler_a.username)
    return number


@pytest.mark.parametrize("who", ["agent", "handler_a", "supervisor"])
def test_every_field_on_the_staff_pages_has_a_label(centre: Centre, login: Any, who: str) -> None:
    number = _answered(centre)
    # A return visit due, so that the return visits page shows its form.
    services.ticket_resolve(
        centre.handler_a, _answered(centre), reply="已向您道歉。", validity="valid"
    )
    client = login(getattr(centre, who))
    for path in ("/intake/", f"/tickets/{number}/", "/visits/", "/tickets/", "/ledger/"):
        response = client.get(path)
        if response.status_code == 403:
            continue
        assert response.status_code == 200, path
        missing = unlabelled(response.content.decode())
        assert missing == [], (path, missing)


def test_every_portal_field_has_a_label_and_phones_are_tel(db: Any, pack: Any) -> None:
    client = Client()
    for path in ("/portal/submit/", "/portal/check/"):
        html = client.get(path).content.decode()
        assert unlabelled(html) == [], path
        parser = Fields()
        parser.feed(html)
        phones = [f for f in parser.fields if f.get("name") == "phone"]
        assert phones and all(f.get("type") == "tel" for f in phones), (path, phones)
