"""Under the Content-Security-Policy every page still works: the staff pages of each role, the
portal, the admin, the API reference and the error pages come with the policy, and Chromium
blocks nothing on them (the `person_at` fixture fails the test on any violation)."""

from collections import deque
from typing import Any

import pytest

from closeloop.directory.models import User
from closeloop.knowledge import services as kb
from closeloop.knowledge.models import Article
from closeloop.policy.models import Category
from closeloop.quality import services as qa
from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.pages import page_links, path_kind

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "每月15日前申报，逾期可在电子税务局补报。"
PAGES_PER_ROLE = 40


@pytest.fixture
def pack_name() -> str:
    return "tax-hotline-12366"  # quality inspection, reports, the knowledge base


@pytest.fixture
def site(centre: Any) -> Any:
    """A report with a department, an answered consultation, a published article, a quality
    sample, and an admin who may open the Django admin."""
    report = services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="report",
            channel="phone",
            subject="某企业虚开发票",
            description="举报某企业长期虚开增值税发票。",
            customer=CustomerInput(name="赵六", phone="13600006666"),
            respondent_department=centre.dept_a.code,
        ),
    )
    services.ticket_accept(centre.agent, report.number)
    services.ticket_dispatch(centre.agent, report.number, department=centre.dept_a.code)
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
        kb.ArticleInput(title="申报期限", question="何时申报？", answer=ANSWER, public=True),
    )
    kb.article_publish(centre.supervisor, article.pk)
    qa.inspection_sample(qa.period_current(), seed=1)
    centre.admin.is_staff = centre.admin.is_superuser = True
    centre.admin.save()
    return centre


def open_page(person: Any, url: str, status: int = 200) -> Any:
    response = person.page.goto(url)
    person.page.wait_for_load_state("networkidle")  # htmx's `load` requests too
    assert response is not None and response.status == status, url
    policy = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in policy and "style-src 'self'" in policy, (url, policy)
    return response


def visit_all(person: Any, start: str, prefix: str = "/", skip: tuple[str, ...] = ()) -> int:
    """Every kind of page reachable by links from `start`, under `prefix`."""
    queue, seen = deque([start]), set()
    while queue and len(seen) < PAGES_PER_ROLE:
        url = queue.popleft()
        kind = path_kind(url.split("?")[0])
        if kind in seen or not url.startswith(prefix) or any(s in url for s in skip):
            continue
        seen.add(kind)
        open_page(person, url)
        queue.extend(page_links(person.page.content(), person.page.url))
    return len(seen)


@pytest.mark.parametrize(
    "who", ["agent1", "super1", "leader1", "inspector1", "admin1", "liaison_a", "handler_a"]
)
def test_staff_pages_under_the_policy(site: Any, person_at: Any, who: str) -> None:
    person = person_at(who)
    assert visit_all(person, "/", skip=("/admin/",)) > 3


def test_intake_conveniences_work_under_the_policy(site: Any, person_at: Any) -> None:
    """The intake page's htmx fragments and its buttons run from files, not inline code."""
    person = person_at("agent1")
    open_page(person, "/intake/")
    page = person.page
    earlier = Ticket.objects.get(kind="consultation").number
    page.fill("#id_phone", "13900000002")
    page.wait_for_selector(f"#history :text('{earlier}')")
    page.fill("#id_subject", "申报期限")
    # The answer button stands beside the folded article: no need to unfold it first.
    suggestion = page.locator("#knowledge-suggestions li").first
    suggestion.locator("button.use-article").click()
    assert page.input_value("[name=answer]") == ANSWER
    article = Article.objects.get(title="申报期限")
    assert page.input_value("#id_article") == str(article.pk)
    # workbench.js ran: this pack has no letters, so it hid the enclosed items.
    assert page.locator("#enclosures").is_hidden()


def test_admin_under_the_policy(site: Any, person_at: Any) -> None:
    person = person_at("admin1")
    open_page(person, "/admin/")
    user = User.objects.get(username="handler_a")
    open_page(person, f"/admin/directory/user/{user.pk}/change/")
    # The admin's own scripts ran: the two-box selector for groups is built by JavaScript.
    person.page.wait_for_selector("#id_groups_from")
    category = Category.objects.order_by("code").first()
    assert category is not None
    open_page(person, f"/admin/policy/category/{category.pk}/change/")
    open_page(person, "/admin/directory/user/?is_active__exact=1")
    open_page(person, "/admin/directory/user/add/")
    open_page(person, "/admin/sla/calendarnotice/upload/")


def test_portal_under_the_policy(site: Any, person_at: Any) -> None:
    assert visit_all(person_at(), "/portal/", prefix="/portal/") > 3


def test_api_reference_under_the_policy(site: Any, person_at: Any) -> None:
    person = person_at()
    open_page(person, "/api/v1/docs")
    assert person.page.locator(".opblock").first.is_visible()
    assert person.page.locator(".opblock").count() > 25


def test_error_pages_under_the_policy(site: Any, person_at: Any) -> None:
    person = person_at("handler_a")
    open_page(person, "/no-such-page/", status=404)
    open_page(person, "/tickets/20000101-999999/", status=404)
    open_page(person, "/intake/", status=403)
    # A form sent without its CSRF token: Django's refusal page.
    visitor = person_at()
    open_page(visitor, "/login/")
    visitor.page.evaluate("document.querySelector('[name=csrfmiddlewaretoken]').remove()")
    visitor.page.fill("#id_username", "handler_a")
    visitor.page.fill("#id_password", "pw-handler_a")
    with visitor.page.expect_navigation() as navigation:
        visitor.page.click("button[type=submit]")
    response = navigation.value
    assert response.status == 403
    assert "style-src 'self'" in response.headers.get("content-security-policy", "")
