"""Every staff page fits a 1280×800 screen, in Chinese and in English: nothing is wider than the
window, no menu item wraps onto a second line, and the approvals table keeps a ticket's number
on one line and its approve and reject buttons side by side."""

from collections import deque
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from closeloop.knowledge import services as kb
from closeloop.tickets import services
from closeloop.tickets.services import CustomerInput, TicketInput
from closeloop.workflow.statuses import Status
from tests.pages import page_links, path_kind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTH, HEIGHT = 1280, 800
PAGES_PER_ROLE = 40

# What does not fit, described by the page itself: a list of sentences naming the element.
PROBLEMS = """
(limit) => {
  const problems = [];
  const name = (el) => {
    let s = el.tagName.toLowerCase();
    if (el.id) s += "#" + el.id;
    if (el.classList.length) s += "." + [...el.classList].join(".");
    const text = (el.innerText || "").trim().replace(/\\s+/g, " ").slice(0, 40);
    return text ? `${s} "${text}"` : s;
  };
  // Lines a piece of text takes: its boxes grouped by where they sit vertically (a line
  // mixing Chinese and Latin fonts has boxes of different tops, on one line still).
  const lines = (el) => {
    const range = document.createRange();
    range.selectNodeContents(el);
    const boxes = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0)
      .sort((a, b) => a.top - b.top);
    let count = 0, bottom = -Infinity;
    for (const r of boxes) {
      if (r.top >= bottom - 2) { count += 1; bottom = r.bottom; } else { bottom = Math.max(bottom, r.bottom); }
    }
    return count;
  };
  // Taller than one line of its text (a flex item wraps inside a single box).
  const tall = (el) => {
    const css = getComputedStyle(el);
    const inner = el.getBoundingClientRect().height - parseFloat(css.paddingTop)
      - parseFloat(css.paddingBottom) - parseFloat(css.borderTopWidth) - parseFloat(css.borderBottomWidth);
    const line = parseFloat(css.lineHeight) || parseFloat(css.fontSize) * 1.5;
    return inner > line * 1.5;
  };
  const shown = (el) => el.getClientRects().length > 0;

  const width = document.documentElement.scrollWidth;
  if (width > limit) {
    // The innermost elements reaching past the window's edge.
    const past = (el) => el.getBoundingClientRect().right > limit + 0.5;
    const wide = [...document.body.querySelectorAll("*")]
      .filter((el) => past(el) && ![...el.children].some(past));
    problems.push(`the page is ${width}px wide, past ${limit}: ${wide.slice(0, 4).map(name).join("; ")}`);
  }
  document.querySelectorAll(".topbar nav a, .topbar nav summary").forEach((el) => {
    if (!shown(el)) return;  // inside a closed menu
    if (el.getClientRects().length > 1 || lines(el) > 1 || tall(el)) {
      problems.push(`menu item wraps: ${name(el)}`);
    }
  });
  document.querySelectorAll("table.approvals tbody tr[id]").forEach((row) => {
    const number = row.querySelector("td:first-child a");
    if (number && lines(number) > 1) problems.push(`ticket number wraps: ${name(number)}`);
    const buttons = [...row.querySelectorAll("form.decision button")];
    buttons.forEach((b) => { if (lines(b) > 1) problems.push(`button text wraps: ${name(b)}`); });
    const tops = new Set(buttons.map((b) => Math.round(b.getBoundingClientRect().top)));
    if (tops.size > 1) problems.push(`decision buttons stacked in ${name(row.querySelector("td:first-child"))}`);
  });
  return problems;
}
"""


def _complaint(centre: Any, subject: str) -> Any:
    return services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="complaint",
            channel="phone",
            subject=subject,
            description="办理发票业务时窗口人员态度生硬，要求说明情况。",
            customer=CustomerInput(name="张三", phone="13800138000"),
            respondent_department=centre.dept_a.code,
        ),
    )


def _dispatched(centre: Any, subject: str) -> str:
    t = _complaint(centre, subject)
    if t.status == Status.REGISTERED:  # this pack's registration may accept at once
        services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    return str(t.number)


def _in_progress(centre: Any, subject: str) -> str:
    number = _dispatched(centre, subject)
    services.ticket_assign(centre.liaison_a, number, handler=centre.handler_a.username)
    return number


@pytest.fixture
def site(centre: Any) -> dict[str, str]:
    """Tickets at the points where each role has something to do on them — registered,
    dispatched, a plan and an extension waiting for a decision — and an answered consultation
    and a knowledge article, so that the pages have something in them."""
    registered = _complaint(centre, "窗口人员态度差").number
    dispatched = _dispatched(centre, "叫号系统故障，排队两小时无人处理")
    planned = _in_progress(centre, "多次申请退税未到账")
    services.ticket_submit_plan(
        centre.handler_a, planned, plan="核实退税进度，三个工作日内电话回复纳税人并说明原因。"
    )
    extended = _in_progress(centre, "发票领用受限")
    services.ticket_extend(
        centre.handler_a,
        extended,
        until=timezone.now() + timedelta(days=10),
        reason="需要与税源管理部门现场核实。",
    )
    consultation = services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="consultation",
            channel="phone",
            subject="申报期限",
            customer=CustomerInput(name="纳税人", phone="13900000002"),
        ),
    )
    services.ticket_answer(centre.agent, consultation.number, reply="每月15日前申报。")
    article = kb.article_create(
        centre.agent,
        kb.ArticleInput(
            title="申报期限", question="何时申报？", answer="每月15日前。", public=True
        ),
    )
    kb.article_publish(centre.supervisor, article.pk)
    return {
        "registered": registered,
        "dispatched": dispatched,
        "planned": planned,
        "extended": extended,
    }


# The ticket pages each role sees first, where it has actions to take (or to read, for who
# only reads): then every kind of page its links reach.
TICKETS_OF = {
    "agent1": ["registered"],
    "liaison_a": ["dispatched"],
    "handler_a": ["extended"],
    "super1": ["registered", "planned", "extended"],
    "leader1": ["planned", "extended"],
    "inspector1": ["extended"],
    "admin1": ["extended"],
}


def _problems(person: Any, url: str) -> list[str]:
    page = person.page
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    # What htmx loads with the page (the intake's preview) is in place: no request running.
    page.wait_for_function("() => !document.querySelector('.htmx-request')")
    # Open what the person would open: the ticket's action boxes and the menu.
    page.evaluate(
        "() => document.querySelectorAll('#actions details, .topbar nav details')"
        ".forEach((d) => { d.open = true; })"
    )
    return [f"{url}: {p}" for p in page.evaluate(PROBLEMS, WIDTH)]


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("who", list(TICKETS_OF))
def test_staff_pages_fit_1280(
    site: dict[str, str], person_at: Any, live_server: Any, who: str, language: str
) -> None:
    person = person_at(viewport={"width": WIDTH, "height": HEIGHT})
    # As the site's language switch (/i18n/setlang/) leaves it: a cookie.
    person.context.add_cookies(
        [{"name": "django_language", "value": language, "url": live_server.url}]
    )
    person.login(who)
    assert person.page.evaluate("document.documentElement.lang") == language

    problems: list[str] = []
    actions = 0
    for key in TICKETS_OF[who]:
        problems += _problems(person, f"/tickets/{site[key]}/")
        actions += person.page.locator("#actions [data-action]").count()
    if who not in ("inspector1", "admin1"):
        assert actions, f"{who} was shown no ticket with actions"

    queue, seen = deque(["/"]), {path_kind("/tickets/N/")}
    while queue and len(seen) < PAGES_PER_ROLE:
        url = queue.popleft()
        kind = path_kind(url.split("?")[0])
        if kind in seen or url.startswith(("/admin/", "/portal/")):
            continue
        seen.add(kind)
        problems += _problems(person, url)
        queue.extend(page_links(person.page.content(), person.page.url))
    if who in ("super1", "leader1"):
        assert "/approvals/" in seen
    assert len(seen) > 3
    assert not problems, "\n".join(problems)


def test_more_menu_works_from_the_keyboard(centre: Any, person_at: Any) -> None:
    """The pages under "More" open without a mouse: Enter on "More", Tab to a page, Enter.
    Escape closes the menu and leaves the focus on "More"; so does a click elsewhere."""
    person = person_at("super1", viewport={"width": WIDTH, "height": HEIGHT})
    page = person.page
    page.goto("/dashboard/")
    more = page.locator("#nav-more")
    is_open = "d => d.open"
    page.locator("#nav-more summary").focus()
    page.keyboard.press("Enter")
    assert more.evaluate(is_open)
    page.keyboard.press("Escape")
    assert not more.evaluate(is_open)
    assert page.evaluate("document.activeElement.tagName") == "SUMMARY"
    page.keyboard.press("Enter")
    page.mouse.click(WIDTH - 40, HEIGHT - 40)  # on the page, away from the menu
    assert not more.evaluate(is_open)

    page.locator("#nav-more summary").focus()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.getAttribute('href')") == "/ledger/"
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert page.url.endswith("/ledger/")
    # On a page under "More", "More" is marked as holding it.
    assert "current" in (more.get_attribute("class") or "")
