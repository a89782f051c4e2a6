"""Knowledge-base pages: staff search/read/write/review, intake suggestions, the portal."""

from typing import Any

from django.test import Client

from closeloop.knowledge import services as kb
from closeloop.knowledge.models import Article, ArticleStatus

from .conftest import hard_question, published


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_staff_search_and_read(hotline):
    article = published(hotline, "红字发票开具流程", "在电子税务局开具。", tags=["发票"])
    published(hotline, "个税汇算", "3月至6月。")
    client = login(hotline["handler"])
    page = client.get("/knowledge/", {"q": "红字"})
    assert page.status_code == 200
    body = page.content.decode()
    assert "红字发票开具流程" in body and "个税汇算" not in body
    page = client.get(f"/knowledge/{article.pk}/")
    assert page.status_code == 200 and "在电子税务局开具。" in page.content.decode()
    assert client.get("/knowledge/99999/").status_code == 404
    assert Client().get("/knowledge/").status_code == 302  # staff only


def test_write_review_publish_through_the_pages(hotline):
    agent = login(hotline["agent"])
    page = agent.post(
        "/knowledge/new/",
        {"title": "", "question": "q", "answer": "a"},
    )
    assert page.status_code == 400
    page = agent.post(
        "/knowledge/new/",
        {
            "title": "发票遗失怎么办",
            "question": "增值税发票遗失如何处理?",
            "answer": "凭记账联复印件和销售方证明入账。",
            "category": "invoice",
            "tags": "发票 遗失",
            "public": "on",
        },
    )
    article = Article.objects.get()
    assert page.status_code == 302 and page["Location"] == f"/knowledge/{article.pk}/"
    assert article.status == ArticleStatus.DRAFT and article.tags == "发票,遗失"
    # The author is offered no publish button, and a publish is refused anyway.
    assert 'data-testid="publish"' not in agent.get(f"/knowledge/{article.pk}/").content.decode()
    assert agent.post(f"/knowledge/{article.pk}/publish/").status_code == 403

    inspector = login(hotline["inspector"])
    queue = inspector.get("/knowledge/review/").content.decode()
    assert "发票遗失怎么办" in queue
    detail = inspector.get(f"/knowledge/{article.pk}/").content.decode()
    assert 'data-testid="publish"' in detail
    assert inspector.post(f"/knowledge/{article.pk}/publish/").status_code == 302
    article.refresh_from_db()
    assert (
        article.status == ArticleStatus.PUBLISHED and article.published_by == hotline["inspector"]
    )

    # Edit → a pending version; the page shows it awaiting review.
    form = agent.get(f"/knowledge/{article.pk}/edit/")
    assert form.status_code == 200 and "凭记账联复印件" in form.content.decode()
    agent.post(
        f"/knowledge/{article.pk}/edit/",
        {
            "title": "发票遗失怎么办",
            "question": "增值税发票遗失如何处理?",
            "answer": "取得销售方加盖发票专用章的记账联复印件入账。",
            "category": "invoice",
            "public": "on",
            "note": "政策更新",
        },
    )
    article.refresh_from_db()
    assert (article.version, article.latest_version) == (1, 2)
    assert 'id="pending"' in inspector.get(f"/knowledge/{article.pk}/").content.decode()

    # Retire needs a reason.
    supervisor = login(hotline["supervisor"])
    supervisor.post(f"/knowledge/{article.pk}/retire/", {"reason": ""})
    article.refresh_from_db()
    assert article.status == ArticleStatus.PUBLISHED
    supervisor.post(f"/knowledge/{article.pk}/retire/", {"reason": "政策废止"})
    article.refresh_from_db()
    assert article.status == ArticleStatus.RETIRED


def test_draft_from_ticket_is_in_the_review_queue(hotline):
    ticket = hard_question(hotline)
    # drafted when it was resolved
    page = login(hotline["supervisor"]).get("/knowledge/review/").content.decode()
    assert ticket.number in page and "红字发票怎么开具" in page


def test_intake_suggests_articles_for_the_subject(hotline):
    published(hotline, "开具红字发票", "在电子税务局开具红字发票。", category="invoice")
    agent = login(hotline["agent"])
    intake = agent.get("/intake/").content.decode()
    assert 'id="knowledge-suggestions"' in intake and 'name="article"' in intake
    page = agent.get("/knowledge/suggest/", {"subject": "红字发票怎么开", "category": "invoice"})
    body = page.content.decode()
    assert page.status_code == 200 and "开具红字发票" in body
    assert 'data-answer="在电子税务局开具红字发票。"' in body
    assert (
        "No article matches"
        in agent.get("/knowledge/suggest/", {"subject": "天气"}).content.decode()
    )
    # Not for departments' staff: suggestions belong to intake.
    assert (
        login(hotline["handler"]).get("/knowledge/suggest/", {"subject": "红字"}).status_code == 403
    )


def test_portal_shows_published_public_articles_only(hotline):
    public = published(hotline, "发票领用怎么办理", "在电子税务局申领。", public=True)
    internal = published(hotline, "内部口径:发票领用", "仅供座席参考。")
    draft = kb.article_create(
        hotline["agent"], kb.ArticleInput("发票领用草稿", "q", "a", public=True)
    )
    client = Client()
    body = client.get("/portal/knowledge/", {"q": "发票领用"}).content.decode()
    assert "发票领用怎么办理" in body
    assert "内部口径" not in body and "草稿" not in body
    assert client.get(f"/portal/knowledge/{public.pk}/").status_code == 200
    for hidden in (internal, draft):
        assert client.get(f"/portal/knowledge/{hidden.pk}/").status_code == 404
    kb.article_retire(hotline["supervisor"], public.pk, reason="废止")
    assert client.get(f"/portal/knowledge/{public.pk}/").status_code == 404
    assert "Questions and answers" in client.get("/portal/").content.decode()
