"""Issue 15, item 11: every page passes axe-core's WCAG 2 A and AA rules with no serious or
critical violation, and every page has a heading (<h1>).

axe-core runs in Chromium from the copy that the dev dependency `axe-playwright-python`
installs (nothing is fetched from the internet). Each role walks the links from `/`, one page
of each kind, as the CSP test does; a kind already checked for an earlier role is only read for
its links (to stay near two minutes), except the page the role lands on and its ticket page,
which show that role's menu and action forms. Also checked: the approvals page with a plan
waiting, the return visits with visits due, a declined case's cancelled clocks, the case file,
the 404 page with the bell open, the intake of a letter; the portal (home, submit with its
errors and once sent, check, the status page, the survey page, the knowledge pages) and the
login page.
"""

import re
from collections import deque
from importlib.resources import files
from typing import Any

import pytest
from django.utils import timezone

from closeloop.knowledge import services as kb
from closeloop.quality import services as qa
from closeloop.sla.models import Deadline
from closeloop.sla.sweep import case_file_open
from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from closeloop.tickets.services.survey import survey_invitation_issue
from tests.pages import page_links, path_kind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE_SOURCE = (files("axe_playwright_python") / "axe.min.js").read_text(encoding="utf-8")
AXE_OPTIONS = {
    "runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa"]},
    "resultTypes": ["violations"],
}
FAILING_IMPACTS = ("serious", "critical")
PAGES_PER_ROLE = 40
ROLES = ["agent1", "super1", "leader1", "inspector1", "admin1", "liaison_a", "handler_a"]
# Closed <details> hold the ticket's action forms and the filters: axe skips what is hidden, so
# they are opened to have their fields checked too. The bell's list (in the top bar) would
# cover the page: it is opened on the 404 page only, where it hides nothing to check.
OPEN_DETAILS = "sel => document.querySelectorAll(sel).forEach(d => { d.open = true; })"
# Playwright's evaluate goes through the DevTools protocol, which the page's
# Content-Security-Policy does not govern: the policy stays on for the page itself (and the
# `person_at` fixture still fails on anything it blocks), axe alone is let in.
RUN_AXE = "options => axe.run(document, options)"
# A <label for> names the first element with that id: on a page with one form per row, a
# repeated id makes a row's label fill another row's field. (axe's own duplicate-id rules leave
# this out: it is no longer a WCAG 2 failure by itself, but it still misleads a click.)
SHARED_LABEL_IDS = """() => [...new Set([...document.querySelectorAll('label[for]')]
  .map(l => l.htmlFor)
  .filter(id => document.querySelectorAll('#' + CSS.escape(id)).length > 1))]"""


def case(centre: Any, kind: str, subject: str, phone: str) -> Ticket:
    return services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind=kind,
            channel="phone",
            subject=subject,
            description="办理发票业务时窗口人员态度生硬。",
            customer=CustomerInput(name="张三", phone=phone),
            respondent_department=centre.dept_a.code,
        ),
    )


@pytest.fixture
def pack_name() -> str:
    return "tax-hotline-12366"  # plan approval, reports, quality inspection, the knowledge base


@pytest.fixture
def site(centre: Any) -> dict[str, str]:
    """A ticket in each state a role acts on, an answered consultation, a published article and
    a quality sample. Returns the numbers by what they are for."""
    # This pack's agents handle a service complaint themselves (the rules accept it, with no
    # dispatch); reports go to a department, whose plan a leader approves.
    new = case(centre, "complaint", "窗口人员态度差", "13800000001")
    dispatched = case(centre, "report", "某企业虚开发票", "13800000002")
    services.ticket_accept(centre.agent, dispatched.number)
    services.ticket_dispatch(centre.agent, dispatched.number, department=centre.dept_a.code)
    working = case(centre, "report", "某商户不开发票", "13800000003")
    services.ticket_accept(centre.agent, working.number)
    services.ticket_dispatch(centre.agent, working.number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, working.number, handler=centre.handler_a.username)
    planned = case(centre, "report", "某企业偷逃税款", "13800000004")
    services.ticket_accept(centre.agent, planned.number)
    services.ticket_dispatch(centre.agent, planned.number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, planned.number, handler=centre.handler_a.username)
    services.ticket_submit_plan(centre.handler_a, planned.number, plan="三日内核查。")
    resolved = case(centre, "complaint", "咨询电话无人接听", "13800000005")
    services.ticket_answer(centre.agent, resolved.number, reply="已增加接听人员。")
    # A second visit due: the return visits list one form per row.
    also = case(centre, "complaint", "办税服务厅无人引导", "13800000006")
    services.ticket_answer(centre.agent, also.number, reply="已安排引导人员。")
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
    qa.inspection_sample(qa.period_current(), seed=1)
    declined = case(centre, "complaint", "非本中心受理事项", "13800000007")
    services.ticket_decline(centre.agent, declined.number, reason="不属于受理范围。")
    # A late clock's case file (投诉处理档案), listed on the dashboard.
    late = Deadline.objects.filter(ticket=working).first()
    assert late is not None
    case_file_open(late, "逾期未办结", timezone.now())
    return {
        "new": new.number,
        "dispatched": dispatched.number,
        "working": working.number,
        "planned": planned.number,
        "resolved": resolved.number,
        "declined": declined.number,
    }


def check_page(
    person: Any, url: str, found: list[str], status: int = 200, details: str = "#main details"
) -> None:
    """Open `url`, run axe on it, add what fails to `found`."""
    page = person.page
    response = page.goto(url)
    page.wait_for_load_state("networkidle")  # htmx's `load` requests too
    assert response is not None and response.status == status, url
    check_current(person, found, details)


def check_current(person: Any, found: list[str], details: str = "#main details") -> None:
    page = person.page
    where = f"{person.who} {page.url.removeprefix(person.base_url)}"
    if page.locator("h1").count() == 0:
        found.append(f"{where}: no <h1>")
    for shared in page.evaluate(SHARED_LABEL_IDS):
        found.append(f"{where}: a <label for={shared}> names an id that several fields have")
    page.evaluate(OPEN_DETAILS, details)
    page.evaluate(AXE_SOURCE)
    results = page.evaluate(RUN_AXE, AXE_OPTIONS)
    for rule in results["violations"]:
        if rule["impact"] not in FAILING_IMPACTS:
            continue
        for node in rule["nodes"]:
            target = " ".join(map(str, node["target"]))
            why = "; ".join(check["message"] for check in node["any"] + node["all"])
            found.append(f"{where}: {rule['id']} ({rule['impact']}) at {target}: {why}")


def walk(
    person: Any,
    starts: list[str],
    found: list[str],
    done: set[str],
    prefix: str = "/",
) -> set[str]:
    """The given pages, then every kind of page reachable by links from them, under `prefix`.
    A kind of page in `done` (checked for another role) is only read for its links; the first
    page of the walk, where the role lands, is always checked. Returns the kinds checked."""
    queue, seen, checked = deque(starts), set(), set()
    while queue and len(seen) < PAGES_PER_ROLE:
        url = queue.popleft()
        kind = path_kind(url.split("?")[0])
        # The Django admin is Django's own, outside this project's templates.
        if kind in seen or not url.startswith(prefix) or url.startswith("/admin/"):
            continue
        seen.add(kind)
        if kind in done and url not in starts:
            response = person.context.request.get(url)
            html, base = response.text(), response.url
        else:
            check_page(person, url, found)
            html, base = person.page.content(), person.page.url
            checked.add(kind)
        # Where a redirect led counts as seen (`/` opens the role's own first page).
        seen.add(path_kind(base.removeprefix(person.base_url).split("?")[0]))
        queue.extend(page_links(html, base))
    done |= checked
    return seen


def test_staff_pages_have_no_serious_violation(site: dict[str, str], person_at: Any) -> None:
    # The ticket each role acts on first, so that its page shows that role's action forms.
    ticket_of = {
        "agent1": site["new"],
        "super1": site["new"],
        "leader1": site["planned"],
        "liaison_a": site["dispatched"],
        "handler_a": site["working"],
    }
    found: list[str] = []
    done: set[str] = set()
    seen: dict[str, set[str]] = {}
    for who in ROLES:
        person = person_at(who)
        person.who = who
        starts = [f"/tickets/{ticket_of[who]}/", "/"] if who in ticket_of else ["/"]
        seen[who] = walk(person, starts, found, done)
        assert len(seen[who]) > 3, (who, seen[who])
        if who == "agent1":
            # Cases replied to and declined: their clocks met or cancelled, with their badges.
            check_page(person, f"/tickets/{site['resolved']}/", found)
            check_page(person, f"/tickets/{site['declined']}/", found)
            assert person.page.locator(".dl-cancelled").count() > 0
        check_page(person, "/no-such-page/", found, status=404, details="details")
        person.page.goto("about:blank")  # let go of the live page's connection
    # The pages whose forms show only with a case waiting were among them, with their forms.
    assert {"/intake/", "/visits/", "/tickets/N-N/"} <= seen["agent1"]
    assert "/approvals/" in seen["leader1"]
    assert {"/reports/", "/quality/", "/knowledge/new/", "/dashboard/", "/case-files/N/"} <= done
    assert found == [], "\n".join(["accessibility problems:", *found])


def answer_challenge(page: Any) -> None:
    a, b = map(int, re.findall(r"\d+", page.locator("[data-testid=challenge]").inner_text()))
    page.fill("#id_answer", str(a + b))


def test_portal_and_login_have_no_serious_violation(site: dict[str, str], person_at: Any) -> None:
    found: list[str] = []
    visitor = person_at()
    visitor.who = "visitor"
    check_page(visitor, "/login/", found)
    assert len(walk(visitor, ["/portal/"], found, set(), prefix="/portal/")) > 3
    page = visitor.page
    # A submission: first with nothing filled in (the form with its errors), then in full.
    page.goto("/portal/submit/")
    page.locator("#id_subject").evaluate("field => field.form.noValidate = true")
    page.click("button[type=submit]")
    page.wait_for_selector(".errorlist")
    check_current(visitor, found)
    page.check("input[name=kind][value=complaint]")
    page.fill("#id_subject", "办税大厅排队时间过长")
    page.fill("#id_description", "上午在办税大厅等候两个小时,无人引导。")
    page.fill("#id_name", "王五")
    page.fill("#id_phone", "13700007777")
    answer_challenge(page)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=number]")
    check_current(visitor, found)
    # The status page, reached as a customer does: number, phone and the sum asked.
    page.goto("/portal/check/")
    page.fill("#id_number", site["resolved"])
    page.fill("#id_phone", "13800000005")
    answer_challenge(page)
    page.click("button[type=submit]")
    page.wait_for_selector("[data-testid=reply]")
    check_current(visitor, found)
    ticket = Ticket.objects.get(number=site["resolved"])
    token = survey_invitation_issue(ticket, now=timezone.now())
    check_page(visitor, f"/portal/survey/{token}/", found)
    assert page.locator("[data-testid=survey-form]").count() == 1
    check_page(visitor, "/portal/no-such-page/", found, status=404)
    assert found == [], "\n".join(["accessibility problems:", *found])


@pytest.mark.parametrize("pack_name", ["letters-and-visits"])
def test_intake_of_a_letter_has_no_serious_violation(centre: Any, person_at: Any) -> None:
    """The intake page as a letter is typed in: the enclosed items show, and each kind's own
    fields in turn."""
    found: list[str] = []
    agent = person_at("agent1")
    agent.who = "agent1"
    page = agent.page
    check_page(agent, "/intake/", found)
    page.select_option("#id_channel", "letter")
    assert page.locator("#enclosures").is_visible()
    kinds = page.locator("#intake [name=kind]").evaluate_all("boxes => boxes.map(b => b.value)")
    assert len(kinds) > 1
    for kind in kinds:
        page.check(f"#intake [name=kind][value={kind}]")
        check_current(agent, found)
    assert found == [], "\n".join(["accessibility problems:", *dict.fromkeys(found)])
