"""The agent answers a caller from the knowledge base (issue: the knowledge panel). The rules
panel and the knowledge panel each show their own content whichever reply arrives first; the
answer button is one click away; the answer is recorded as coming from the article, and the
report counts it."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from closeloop.knowledge.models import KnowledgeUse
from closeloop.knowledge.services import ArticleInput, article_create, article_publish
from closeloop.reports.indicators import Period, indicators
from closeloop.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

ANSWER = "由购买方在电子税务局填开信息表,销售方凭信息表开具红字发票。"


@pytest.fixture
def pack_name() -> str:
    return "tax-hotline-12366"


@pytest.fixture
def article(centre: Any) -> Any:
    draft = article_create(
        centre.supervisor,
        ArticleInput(
            title="红字发票怎么开具",
            question="已抵扣的专用发票如何开具红字发票?",
            answer=ANSWER,
            category="invoice",
        ),
    )
    return article_publish(centre.inspector, draft.pk)


def slow(page: Any, path: str, seconds: float) -> None:
    """Hold the replies of one panel's address, so the other panel's reply arrives first."""

    def hold(route: Any) -> None:
        page.wait_for_timeout(seconds * 1000)
        route.continue_()

    page.route(f"**{path}**", hold)


def panels(page: Any) -> None:
    """Each panel shows its own content, and only its own."""
    page.wait_for_selector("#knowledge-suggestions [data-testid=suggestions]")
    page.wait_for_selector("#preview [data-testid=preview]")
    assert page.locator("#preview [data-testid=suggestions]").count() == 0
    assert page.locator("#knowledge-suggestions [data-testid=preview]").count() == 0
    assert "红字发票怎么开具" in page.locator("#knowledge-suggestions").inner_text()


@pytest.mark.parametrize("held", ["/knowledge/suggest/", "/intake/preview/"])
def test_both_panels_keep_their_own_content_whichever_reply_comes_first(
    centre: Any, article: Any, person_at: Any, held: str
) -> None:
    agent = person_at("agent1")
    page = agent.page
    page.goto("/intake/")
    slow(page, held, 1.5)
    page.fill("#id_phone", "13700002222")
    page.locator("#id_subject").press_sequentially("红字发票怎么开")
    page.select_option("#id_category", "invoice")
    panels(page)
    # Typing on after both arrived changes neither panel's place.
    page.locator("#id_subject").press_sequentially("具")
    page.wait_for_timeout(2500)
    panels(page)


def test_an_answer_from_an_article_is_one_click_and_counted(
    centre: Any, article: Any, person_at: Any
) -> None:
    agent = person_at("agent1")
    page = agent.page
    page.goto("/intake/")
    page.fill("#id_phone", "13700003333")
    if not page.is_checked("input[name=kind][value=consultation]"):
        page.check("input[name=kind][value=consultation]")
    page.locator("#id_subject").press_sequentially("红字发票怎么开具")
    button = page.wait_for_selector("#knowledge-suggestions button.use-article")
    button.click()  # without unfolding the article first
    assert page.input_value("#id_answer") == ANSWER
    assert page.get_attribute("#knowledge-suggestions button.use-article", "aria-pressed") == "true"
    page.locator("#id_answer").press("Control+Enter")
    page.wait_for_selector(".flash.success")

    ticket = Ticket.objects.get()
    assert ticket.status == "resolved" and ticket.answered_on_the_spot
    assert ticket.reply == ANSWER
    assert KnowledgeUse.objects.filter(ticket=ticket, article=article).count() == 1
    now = timezone.now()
    report = indicators(centre.supervisor, Period(now - timedelta(days=1), now + timedelta(days=1)))
    assert report["totals"]["answered_from_knowledge"] == 1
    assert report["totals"]["answered_on_the_spot"] == 1
