"""The knowledge base: from a dispatched hard question to a published article, versions,
review, retire, Chinese search, public vs staff, and answers that use an article."""

from typing import Any

import pytest

from closeloop.common.errors import (
    InvalidTransition,
    NotAllowed,
    NotFound,
    ServiceError,
    ValidationFailed,
)
from closeloop.knowledge import services as kb
from closeloop.knowledge.models import Article, ArticleStatus, ArticleVersion, KnowledgeUse
from closeloop.tickets import services
from closeloop.tickets.services import TicketInput

from .conftest import hard_question, published


def test_dispatched_consultation_becomes_a_draft_once(hotline):
    ticket = hard_question(hotline)
    # Resolving it queued the draft (tasks run inline in tests).
    article = Article.objects.get(source_ticket=ticket)
    assert article.status == ArticleStatus.DRAFT and article.public is False
    assert article.title == "红字发票怎么开具"
    assert article.question.startswith("购买方已抵扣")
    assert article.answer == ticket.reply
    assert article.category is not None and article.category.code == "invoice"
    assert article.source_ticket_id == ticket.pk
    assert article.created_by == hotline["handler"]  # who answered the hard question
    assert [v.number for v in article.versions.all()] == [1]
    assert ticket.number in article.versions.get().note
    # Once per ticket, whether the hook or the sweep calls again.
    assert kb.article_draft_from_ticket(ticket) is None
    assert kb.article_draft_sweep() == 0
    assert Article.objects.count() == 1


def test_the_sweep_drafts_what_the_hook_missed(hotline):
    ticket = hard_question(hotline)
    Article.objects.filter(source_ticket=ticket).delete()  # as if the queued task was lost
    assert kb.article_draft_sweep() == 1
    assert kb.article_draft_sweep() == 0


def test_answer_on_the_spot_is_not_a_hard_question(hotline):
    agent = hotline["agent"]
    t = services.ticket_register(
        actor=agent,
        data=TicketInput(
            kind="consultation", channel="phone", subject="申报期限", category="declaration"
        ),
    )
    t = services.ticket_answer(agent, t.number, reply="每月15日前申报。")
    assert kb.article_draft_from_ticket(t) is None


def test_open_ticket_and_protected_ticket_give_no_draft(hotline):
    agent = hotline["agent"]
    t = services.ticket_register(
        actor=agent,
        data=TicketInput(
            kind="consultation", channel="phone", subject="发票丢失", category="invoice"
        ),
    )
    services.ticket_accept(agent, t.number)
    t = services.ticket_dispatch(agent, t.number)
    assert kb.article_draft_from_ticket(t) is None  # not answered yet
    report = services.ticket_register(
        actor=agent,
        data=TicketInput(
            kind="report", channel="phone", subject="虚开发票", category="false-invoice"
        ),
    )
    assert kb.article_draft_from_ticket(report) is None  # not a kind the pack turns into knowledge


def test_review_publish_versions_and_retire(hotline):
    ticket = hard_question(hotline)
    draft = Article.objects.get(source_ticket=ticket)  # drafted when it was resolved
    handler, agent = hotline["handler"], hotline["agent"]
    supervisor, inspector = hotline["supervisor"], hotline["inspector"]

    # The agent edits the draft (personal details out, public on): a new version at once.
    draft = kb.article_revise(
        agent,
        draft.pk,
        kb.ArticleInput(
            title="已抵扣专用发票如何开具红字发票",
            question="购买方已抵扣的增值税专用发票,如何开具红字发票?",
            answer=draft.answer,
            category="invoice",
            tags=["红字发票", "专用发票"],
            public=True,
        ),
        note="去掉个人信息",
    )
    assert (draft.version, draft.latest_version, draft.status) == (2, 2, ArticleStatus.DRAFT)
    assert draft.tags == "红字发票,专用发票"

    # Review: authors may not publish; a handler is no reviewer; a supervisor is.
    with pytest.raises(NotAllowed):
        kb.article_publish(agent, draft.pk)
    with pytest.raises(NotAllowed):
        kb.article_publish(handler, draft.pk)
    article = kb.article_publish(supervisor, draft.pk)
    assert (article.status, article.version, article.published_by) == (
        ArticleStatus.PUBLISHED,
        2,
        supervisor,
    )
    assert not article.review_pending
    with pytest.raises(InvalidTransition):
        kb.article_publish(inspector, article.pk)  # nothing new to publish

    # A revision of a published article waits for review; readers keep the published text.
    article = kb.article_revise(
        supervisor,
        article.pk,
        kb.ArticleInput(
            title=article.title,
            question=article.question,
            answer="2026年起在电子税务局直接开具红字发票,无需信息表。",
            category="invoice",
            public=True,
        ),
    )
    assert (article.version, article.latest_version) == (2, 3)
    assert article.answer.startswith("由购买方")
    assert article.review_pending
    assert list(kb.article_review_queue()) == [article]
    with pytest.raises(NotAllowed):
        kb.article_publish(supervisor, article.pk)  # wrote the revision
    article = kb.article_publish(inspector, article.pk)
    assert article.version == 3 and article.answer.startswith("2026年起")
    assert list(kb.article_review_queue()) == []

    # Every version is kept, unchanged and unchangeable.
    versions = list(ArticleVersion.objects.filter(article=article).order_by("number"))
    assert [v.number for v in versions] == [1, 2, 3]
    assert versions[0].title == "红字发票怎么开具"
    with pytest.raises(RuntimeError):
        versions[0].save()
    with pytest.raises(RuntimeError):
        versions[0].delete()

    # Retire: out of search and the portal, still readable by staff; no more edits.
    with pytest.raises(NotAllowed):
        kb.article_retire(agent, article.pk, reason="政策变化")
    with pytest.raises(ValidationFailed):
        kb.article_retire(supervisor, article.pk, reason=" ")
    article = kb.article_retire(supervisor, article.pk, reason="政策变化")
    assert article.status == ArticleStatus.RETIRED
    assert list(kb.article_search("红字")) == []
    assert list(kb.article_search("红字", statuses=[ArticleStatus.RETIRED])) == [article]
    with pytest.raises(NotFound):
        kb.article_get(article.pk, public_only=True)
    assert kb.article_get(article.pk) == article
    with pytest.raises(InvalidTransition):
        kb.article_revise(agent, article.pk, kb.ArticleInput("t", "q", "a"))
    with pytest.raises(InvalidTransition):
        kb.article_retire(inspector, article.pk, reason="again")


def test_input_is_checked(hotline):
    agent = hotline["agent"]
    with pytest.raises(ValidationFailed) as caught:
        kb.article_create(agent, kb.ArticleInput(title=" ", question="q", answer="a"))
    assert "title" in caught.value.details
    with pytest.raises(ValidationFailed) as caught:
        kb.article_create(agent, kb.ArticleInput("t", "q", "a", category="no-such"))
    assert "category" in caught.value.details
    with pytest.raises(ValidationFailed):
        kb.article_create(agent, kb.ArticleInput("标" * 201, "q", "a"))


def test_search_finds_chinese_substrings_title_hits_first(hotline):
    in_answer = published(
        hotline, "增值税申报表填写", "附表二填写进项税额,红字发票对应的进项转出。"
    )
    in_title = published(hotline, "红字发票开具流程", "在电子税务局开具。", tags=["发票"])
    published(hotline, "个人所得税汇算", "每年3月1日至6月30日办理。")
    assert list(kb.article_search("红字")) == [in_title, in_answer]
    assert list(kb.article_search("字发")) == [in_title, in_answer]  # any substring
    assert list(kb.article_search("红字 流程")) == [in_title]  # every word must match
    assert list(kb.article_search("汇算")) != []
    assert list(kb.article_search("不存在的词")) == []
    assert list(kb.article_search("红字", category="invoice")) == []
    assert len(kb.article_search("")) == 3


def test_public_and_staff_visibility(hotline):
    internal = published(hotline, "内部口径:发票领用", "仅供座席参考。")
    public = published(hotline, "发票领用怎么办理", "在电子税务局申领。", public=True)
    draft = kb.article_create(
        hotline["agent"], kb.ArticleInput("发票领用草稿", "q", "a", public=True)
    )
    assert set(kb.article_search("发票领用")) == {internal, public}
    assert list(kb.article_search("发票领用", public_only=True)) == [public]
    assert set(kb.article_search("发票领用", statuses=["draft"])) == {draft}
    assert kb.article_get(public.pk, public_only=True) == public
    for hidden in (internal, draft):
        with pytest.raises(NotFound):
            kb.article_get(hidden.pk, public_only=True)


def test_suggestions_for_an_intake_subject(hotline):
    red = published(hotline, "开具红字发票", "在电子税务局开具。", category="invoice")
    published(hotline, "发票认证", "勾选确认。", category="invoice")
    published(hotline, "个税汇算清缴", "3月至6月。")
    kb.article_create(hotline["agent"], kb.ArticleInput("红字发票草稿", "红字发票", "a"))
    # Words in another order, filler words, punctuation: still found; drafts never.
    suggestions = kb.article_suggest("请问红字发票怎么开?")
    assert suggestions[0] == red
    assert all(a.status == ArticleStatus.PUBLISHED for a in suggestions)
    assert kb.article_suggest("汇算") != []
    assert kb.article_suggest("怎么") == []
    assert kb.article_suggest("") == []
    assert kb.article_suggest("天气预报") == []


def test_answer_with_an_article_records_the_use(hotline):
    agent = hotline["agent"]
    article = published(hotline, "申报期限", "每月1日至15日申报,遇节假日顺延。", public=True)
    t = services.ticket_register(
        actor=agent,
        data=TicketInput(kind="consultation", channel="phone", subject="什么时候申报"),
    )
    t = kb.ticket_answer_with_article(agent, t.number, article.pk)
    assert t.status == "resolved" and t.answered_on_the_spot
    assert t.reply == article.answer
    use = KnowledgeUse.objects.get()
    assert (use.ticket, use.article, use.version, use.actor) == (t, article, 1, agent)
    assert kb.knowledge_answer_count(use.at.replace(year=2000), use.at.replace(year=3000)) == 1


def test_answer_with_an_unpublished_article_is_refused_and_nothing_changes(hotline):
    agent = hotline["agent"]
    draft = kb.article_create(agent, kb.ArticleInput("t", "q", "a"))
    t = services.ticket_register(
        actor=agent, data=TicketInput(kind="consultation", channel="phone", subject="问题")
    )
    with pytest.raises(ValidationFailed):
        kb.ticket_answer_with_article(agent, t.number, draft.pk)
    t.refresh_from_db()
    assert t.status == "registered" and not KnowledgeUse.objects.exists()


def test_answer_with_an_adapted_reply_and_a_refused_answer(hotline: Any):
    agent, handler = hotline["agent"], hotline["handler"]
    article = published(hotline, "申报期限", "每月1日至15日申报。")
    t = services.ticket_register(
        actor=agent, data=TicketInput(kind="consultation", channel="phone", subject="问题")
    )
    with pytest.raises(ServiceError):  # not a handler's to answer on the spot
        kb.ticket_answer_with_article(handler, t.number, article.pk)  # not the agent's to answer
    assert not KnowledgeUse.objects.exists()
    t = kb.ticket_answer_with_article(agent, t.number, article.pk, reply="本月请在15日前申报。")
    assert t.reply == "本月请在15日前申报。"
    assert KnowledgeUse.objects.count() == 1
