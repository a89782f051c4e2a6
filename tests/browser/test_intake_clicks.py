"""Register = accept: a phone report (涉税举报) from the first key to dispatched, counted in
clicks — before, on the 12366 pack without `accept_on_register` (save, 受理, open 派单, 派单),
and after, with it (save and dispatch to the department the rules chose, one action)."""

from pathlib import Path
from typing import Any

import pytest
import yaml

from closeloop.policy.services import pack_load
from closeloop.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# Every click a person makes (a real mouse press), kept across page loads of the tab.
COUNT_CLICKS = """
document.addEventListener("mousedown", (e) => {
  if (e.isTrusted) {
    sessionStorage.setItem("clicks", String(Number(sessionStorage.getItem("clicks") || 0) + 1));
  }
}, true);
"""
PHONE, SUBJECT = "13700001111", "举报某公司虚开增值税专用发票"


@pytest.fixture
def pack_name() -> str:
    return "tax-hotline-12366"


def clicks(page: Any) -> int:
    return int(page.evaluate("() => Number(sessionStorage.getItem('clicks') || 0)"))


def start_call(person_at: Any) -> Any:
    """The agent at intake, the phone field focused: the call starts with its first key."""
    agent = person_at("agent1")
    agent.context.add_init_script(COUNT_CLICKS)
    page = agent.page
    page.goto("/intake/")
    assert clicks(page) == 0
    # The phone field has the focus once the page has loaded (autofocus): no click needed.
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_phone'")
    page.keyboard.type(PHONE)
    page.click("input[name=kind][value=report]")
    page.click("#id_subject")
    page.keyboard.type(SUBJECT)
    return agent


def test_before_save_accept_and_dispatch_are_separate(
    centre: Any, person_at: Any, tmp_path: Path
) -> None:
    # The same pack without the option: registering is only registering.
    data = yaml.safe_load(Path("packs/tax-hotline-12366/pack.yaml").read_text(encoding="utf-8"))
    data.pop("accept_on_register", None)
    folder = tmp_path / "tax-hotline-12366"
    folder.mkdir()
    (folder / "pack.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    pack_load(str(folder))

    agent = start_call(person_at)
    page = agent.page
    page.wait_for_selector("[data-testid=preview]")
    assert page.locator("[data-testid=save-dispatch]").count() == 0
    page.click("[data-testid=save-open]")
    page.wait_for_selector("[data-testid=status]")
    agent.act("accept")
    # 派单 opens its form, the department the rules chose already selected, then sends.
    agent.act("dispatch")
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.department.code) == ("dispatched", "inspection")
    before = clicks(page)
    print(f"clicks from the first key to dispatched, before: {before}")
    assert before == 6  # kind, subject, save and open, accept, open dispatch, dispatch


def test_after_save_and_dispatch_is_one_action(centre: Any, person_at: Any) -> None:
    agent = start_call(person_at)
    page = agent.page
    button = page.wait_for_selector("[data-testid=save-dispatch]")
    assert "稽查局" in button.inner_text()
    agent.shot("intake-save-and-dispatch")
    button.click()
    page.wait_for_selector(".flash.success")
    ticket = Ticket.objects.get()
    assert (ticket.status, ticket.department.code) == ("dispatched", "inspection")
    assert list(ticket.events.values_list("action", flat=True)) == [
        "register",
        "accept",
        "dispatch",
    ]
    assert ticket.number in page.locator(".flash.success").inner_text()
    after = clicks(page)
    print(f"clicks from the first key to dispatched, after: {after}")
    assert after <= 3  # kind, subject, save and dispatch
