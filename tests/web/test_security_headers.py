"""Every page answers with the Content-Security-Policy — staff pages for each role, the portal,
the admin, the API reference, error pages — and no page carries code the policy would block
(inline scripts, event-handler attributes, style blocks or attributes, javascript: URLs)."""

from collections import deque
from typing import Any

import pytest
from django.http import HttpRequest
from django.test import Client
from django.urls import include, path

from closeloop.knowledge import services as kb
from closeloop.quality import services as qa
from closeloop.tickets import services
from tests.pages import inline_code, page_links, path_kind
from tests.web.conftest import complaint

pytestmark = pytest.mark.django_db

POLICY = {
    "default-src": ["'self'"],
    "script-src": ["'self'"],
    "style-src": ["'self'"],
    "img-src": ["'self'", "data:"],
    "object-src": ["'none'"],
    "base-uri": ["'self'"],
    "frame-ancestors": ["'none'"],
    "form-action": ["'self'"],
}
PAGES_PER_CRAWL = 80


def boom(request: HttpRequest) -> Any:
    raise RuntimeError("a bug in a view")


# pytest.mark.urls: the site's own URLs plus one view that fails, for the 500 page.
urlpatterns = [path("boom/", boom), path("", include("config.urls"))]


def policy_of(response: Any) -> dict[str, list[str]]:
    header = response.headers.get("Content-Security-Policy", "")
    directives = [d.split() for d in header.split(";") if d.strip()]
    return {d[0]: d[1:] for d in directives}


def problems_of(url: str, response: Any) -> list[str]:
    out = []
    if policy_of(response) != POLICY:
        got = response.headers.get("Content-Security-Policy")
        out.append(f"{url} ({response.status_code}): Content-Security-Policy is {got!r}")
    if "text/html" in response.headers.get("Content-Type", ""):
        out += [f"{url}: {p}" for p in inline_code(response.content.decode())]
    return out


def crawl(client: Client, start: str, prefix: str = "/", skip: tuple[str, ...] = ()) -> list[str]:
    """Follow the links from `start` (one page of each kind, under `prefix`); check each."""
    queue, seen, problems, visited = deque([start]), set(), [], 0
    while queue and visited < PAGES_PER_CRAWL:
        url = queue.popleft()
        kind = path_kind(url.split("?")[0])
        if kind in seen or not url.startswith(prefix) or any(s in url for s in skip):
            continue
        seen.add(kind)
        response = client.get(url, follow=True)
        visited += 1
        if response.status_code != 200:
            problems.append(f"{url}: {response.status_code}")
        problems += problems_of(url, response)
        if "text/html" in response.headers.get("Content-Type", ""):
            base = "http://testserver" + response.request["PATH_INFO"]
            queue.extend(page_links(response.content.decode(), base))
    assert visited > 2, f"the crawl from {start} found nothing"
    return problems


@pytest.fixture
def pack_name() -> str:
    return "tax-hotline-12366"  # quality inspection, reports, the knowledge base


@pytest.fixture
def site(centre: Any) -> Any:
    """Tickets in several states, a published article, a quality sample, an admin."""
    report = complaint(kind="report", subject="某企业虚开发票", description="举报虚开发票。")
    report.respondent_department = centre.dept_a.code
    t = services.ticket_register(actor=centre.agent, data=report)
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username)
    c = services.ticket_register(
        actor=centre.agent, data=complaint(kind="consultation", subject="申报期限")
    )
    services.ticket_answer(centre.agent, c.number, reply="每月15日前申报。")
    article = kb.article_create(
        centre.agent,
        kb.ArticleInput(title="申报期限", question="何时申报？", answer="15日前。", public=True),
    )
    kb.article_publish(centre.supervisor, article.pk)
    qa.inspection_sample(qa.period_current(), seed=1)
    centre.admin.is_staff = centre.admin.is_superuser = True
    centre.admin.save()
    return centre


@pytest.mark.parametrize(
    "who", ["agent", "supervisor", "leader", "inspector", "admin", "liaison_a", "handler_a"]
)
def test_every_staff_page_has_the_policy(site: Any, who: str) -> None:
    client = Client()
    client.force_login(getattr(site, who))
    assert crawl(client, "/", skip=("/admin/",)) == []


def test_page_fragments_carry_no_inline_code(site: Any) -> None:
    """The pieces htmx swaps into a page are held to the same rule as whole pages."""
    client = Client()
    client.force_login(site.agent)
    suggestions = client.get("/knowledge/suggest/", {"subject": "申报期限"})
    assert "use-article" in suggestions.content.decode()  # the article is offered
    history = client.get("/intake/history/", {"phone": "13800138000"})
    preview = client.post("/intake/preview/", {"kind": "complaint", "subject": "态度差"})
    for name, response in {"suggest": suggestions, "history": history, "preview": preview}.items():
        assert response.status_code == 200, name
        assert inline_code(response.content.decode()) == [], name


def test_every_admin_page_has_the_policy(site: Any) -> None:
    client = Client()
    client.force_login(site.admin)
    assert crawl(client, "/admin/", prefix="/admin/", skip=("/admin/r/", "/logout/")) == []


def test_every_portal_page_and_the_login_page_have_the_policy(site: Any) -> None:
    assert crawl(Client(), "/portal/", prefix="/portal/") == []
    response = Client().get("/login/")
    assert response.status_code == 200 and problems_of("/login/", response) == []


def test_api_reference_has_the_policy(site: Any) -> None:
    client = Client()
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    assert problems_of("/api/v1/docs", docs) == []


@pytest.mark.urls(__name__)
def test_error_pages_have_the_policy(site: Any) -> None:
    staff = Client(raise_request_exception=False)
    staff.force_login(site.handler_a)
    csrf_checked = Client(enforce_csrf_checks=True)
    answers = {
        "404 (no such page)": Client().get("/no-such-page/"),
        "404 (no such ticket)": staff.get("/tickets/20000101-999999/"),
        "403 (not for this role)": staff.get("/intake/"),
        "403 (no CSRF token)": csrf_checked.post("/login/", {"username": "x", "password": "y"}),
        "400 (unknown host)": Client().get("/login/", HTTP_HOST="evil.example.org"),
        "500": staff.get("/boom/"),
    }
    codes = {name: r.status_code for name, r in answers.items()}
    assert codes == {name: int(name[:3]) for name in answers}
    assert [p for name, r in answers.items() for p in problems_of(name, r)] == []
