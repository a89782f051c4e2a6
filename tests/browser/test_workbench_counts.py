"""What the core flows cost the people who do them, in clicks and keys: the figures in
docs/workbench.md ("What a flow costs"), written to test-artifacts/workbench-counts.json on
every run, and held to the bounds below so a change that adds a step fails here.

- clicks: real mouse presses on the page (the browser's own trusted events), plus one for each
  choice made in a drop-down list (a list is opened and a line picked; Playwright picks the
  line without a mouse press);
- keys: key presses that are not text — Enter, Tab, Ctrl+Enter and the like. The text itself
  (the phone number, the subject, the reply) is the same whatever the page, and not counted.

Each person starts on the page their work opens on (intake; the ticket, opened from the bell or
a queue, one click not counted here; the return-visit queue). Where a page already does a step
(a default kind, an action the rules take at saving), the flow skips it, as a person would."""

import json
from typing import Any

import pytest

from closeloop.knowledge.services import ArticleInput, article_create, article_publish
from closeloop.tickets.models import Ticket

from .conftest import ARTIFACTS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

COUNT = """
(() => {
  const bump = (name) => sessionStorage.setItem(name, String(Number(sessionStorage.getItem(name) || 0) + 1));
  document.addEventListener("mousedown", (e) => { if (e.isTrusted) bump("clicks"); }, true);
  document.addEventListener("keydown", (e) => {
    if (!e.isTrusted || ["Shift", "Control", "Alt", "Meta"].includes(e.key)) return;
    if (e.key.length > 1 || e.ctrlKey || e.metaKey) bump("keys");
  }, true);
})();
"""
ANSWER = "由购买方在电子税务局填开信息表,销售方凭信息表开具红字发票。"


class Counted:
    """One person's browser with its counts (kept across the pages of the tab)."""

    def __init__(self, person: Any) -> None:
        self.person = person
        self.page = person.page
        self.picks = 0

    def act_choosing(self, action: str, fill: dict[str, str] | None = None, **choices: str) -> None:
        """An action on the ticket page: its form opened, `fill` written, a choice from a
        list for each of `choices`, sent."""
        self.person.act(action, fill=fill, select=choices)
        self.picks += len(choices)

    def counts(self) -> dict[str, int]:
        got = self.page.evaluate(
            "() => Object.fromEntries(['clicks', 'keys'].map("
            "k => [k, Number(sessionStorage.getItem(k) || 0)]))"
        )
        got["clicks"] += self.picks
        return got


def counted(person_at: Any, username: str) -> Counted:
    person = person_at(username)
    person.context.add_init_script(COUNT)
    return Counted(person)


def total(*people: Counted) -> dict[str, int]:
    result = {"clicks": 0, "keys": 0}
    for p in people:
        for k, v in p.counts().items():
            result[k] += v
    return result


def record(flow: str, counts: dict[str, int]) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "workbench-counts.json"
    data = json.loads(path.read_text()) if path.exists() else {}
    data[flow] = counts
    path.write_text(json.dumps(data, indent=2, sort_keys=True))
    print(f"{flow}: {counts}")


def start(page: Any) -> None:
    """Open intake as a person does: its phone field has the focus once the page has loaded
    (autofocus), and the call starts with its first key, no click."""
    page.goto("/intake/")
    page.wait_for_function("document.activeElement && document.activeElement.id === 'id_phone'")


def type_into(page: Any, selector: str, text: str) -> None:
    """Click into a field, unless it has the focus already, and type."""
    if not page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
        page.click(selector)
    page.keyboard.type(text)


def choose_kind(page: Any, kind: str) -> None:
    if not page.is_checked(f"input[name=kind][value={kind}]"):
        page.click(f"input[name=kind][value={kind}]")


@pytest.fixture
def pack_name(request: Any) -> str:
    return getattr(request, "param", "tax-hotline-12366")


def test_a_phone_consultation_answered_from_the_knowledge_base(centre: Any, person_at: Any) -> None:
    draft = article_create(
        centre.supervisor,
        ArticleInput(title="红字发票怎么开具", question="如何开具红字发票?", answer=ANSWER),
    )
    article_publish(centre.inspector, draft.pk)
    agent = counted(person_at, "agent1")
    page = agent.page
    start(page)
    type_into(page, "#id_phone", "13700004444")
    choose_kind(page, "consultation")
    type_into(page, "#id_subject", "红字发票怎么开具")
    button = page.locator("#knowledge-suggestions button.use-article").first
    page.wait_for_selector("#knowledge-suggestions [data-testid=suggestions]")
    if not button.is_visible():  # folded inside the suggestion: unfold it first
        page.click("#knowledge-suggestions summary")
    button.click()
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(".flash.success")
    assert Ticket.objects.get().answered_on_the_spot
    counts = agent.counts()
    record("consultation_answered_from_knowledge", counts)
    assert counts["clicks"] <= 2 and counts["keys"] <= 1  # subject, answer with this; Ctrl+Enter


def test_a_phone_report_registered_and_dispatched(centre: Any, person_at: Any) -> None:
    agent = counted(person_at, "agent1")
    page = agent.page
    start(page)
    type_into(page, "#id_phone", "13700005555")
    choose_kind(page, "report")
    type_into(page, "#id_subject", "举报某公司虚开增值税专用发票")
    page.wait_for_selector("[data-testid=preview]")
    if page.locator("[data-testid=save-dispatch]").count():
        page.click("[data-testid=save-dispatch]")
        page.wait_for_selector(".flash.success")
    else:
        page.click("[data-testid=save-open]")
        page.wait_for_selector("[data-testid=status]")
        agent.person.act("accept")
        agent.person.act("dispatch")
    assert Ticket.objects.get().status == "dispatched"
    counts = agent.counts()
    record("report_registered_and_dispatched", counts)
    assert counts["clicks"] <= 3 and counts["keys"] == 0  # kind, subject, save and dispatch


@pytest.mark.parametrize("pack_name", ["tax-service-outsourcing"], indirect=True)
def test_the_whole_loop_with_one_reopen(centre: Any, person_at: Any) -> None:
    """A complaint by phone to closed, through every role, with one dissatisfied visit."""
    agent = counted(person_at, "agent1")
    page = agent.page
    start(page)
    type_into(page, "#id_phone", "13900006666")
    choose_kind(page, "complaint")
    type_into(page, "#id_subject", "窗口人员态度恶劣")
    page.wait_for_selector("[data-testid=preview]")
    if page.locator("[data-testid=save-dispatch]").count():
        page.click("[data-testid=save-dispatch]")
        page.wait_for_selector(".flash.success")
        number = Ticket.objects.get().number
    else:
        page.keyboard.press("Control+Shift+Enter")
        page.wait_for_selector("[data-testid=status]")
        number = Ticket.objects.get().number
        agent.person.act("accept")
        agent.act_choosing("dispatch", department=centre.dept_a.code)
    assert Ticket.objects.get(number=number).status == "dispatched"

    liaison = counted(person_at, "liaison_a")
    liaison.person.open_ticket(number)
    liaison.act_choosing("assign", handler=centre.handler_a.username)

    handler = counted(person_at, "handler_a")
    handler.person.open_ticket(number)
    handler.person.act("submit_plan", fill={"plan": "向客户当面道歉,对窗口人员进行批评教育。"})

    leader = counted(person_at, "leader1")
    leader.page.goto("/approvals/")
    leader.page.click(f"#plan-{number} button[value=approve]")
    leader.page.wait_for_selector(f"#plan-{number} [data-testid=decided]")

    handler.person.open_ticket(number)
    handler.act_choosing("resolve", {"reply": "已向您道歉并处理相关人员。"}, validity="valid")
    assert Ticket.objects.get(number=number).status == "resolved"

    for result, done in (("dissatisfied", "in_progress"), ("satisfied", None)):
        agent.page.goto("/visits/")
        row = agent.page.locator(f"#visit-{number}")
        row.locator(f"input[value={result}]").click()
        if result == "dissatisfied":
            row.locator("textarea").click()
            agent.page.keyboard.type("道歉不诚恳。")
        row.locator("button[type=submit]").click()
        agent.page.wait_for_selector(
            f"#visit-{number} [data-testid=visit-flash], #visit-{number} .s-closed"
        )
        if done:
            assert Ticket.objects.get(number=number).status == done
            handler.person.open_ticket(number)
            handler.act_choosing("resolve", {"reply": "负责人再次上门致歉。"}, validity="valid")
    assert Ticket.objects.get(number=number).status == "closed"
    counts = total(agent, liaison, handler, leader)
    record("whole_loop_with_one_reopen", counts)
    assert counts["clicks"] <= 30 and counts["keys"] <= 2
