"""Knowledge-base services: the only code that writes articles.

An article is written as a draft (`article_create`, `article_revise`), reviewed and published
by someone else (`article_publish`: a supervisor or an inspector who did not write it), and
retired when it no longer holds (`article_retire`). Every save is an immutable
`ArticleVersion`. A hard consultation that was dispatched and answered becomes a draft
(`article_draft_from_ticket`, seed 001). `ticket_answer_with_article` answers a ticket on the
spot from an article and records the use, which the monthly report counts.
"""

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Case, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext as _

from closeloop.common.errors import (
    InvalidTransition,
    NotAllowed,
    NotFound,
    ServiceError,
    ValidationFailed,
)
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.policy.models import Category
from closeloop.tickets.models import Ticket
from closeloop.workflow.statuses import Status

from .models import Article, ArticleStatus, ArticleVersion, KnowledgeUse

REVIEWER_ROLES = (Role.SUPERVISOR, Role.INSPECTOR)
TITLE_MAX = 200
TAGS_MAX = 300


@dataclass
class ArticleInput:
    title: str
    question: str
    answer: str
    category: str | None = None  # a category code
    tags: list[str] = field(default_factory=list)
    public: bool = False


# --------------------------------------------------------------------------- checks


def _invalid(field_name: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, details={field_name: [message]})


def _text(value: str, field_name: str, limit: int) -> str:
    text = (value or "").strip()
    if not text:
        raise _invalid(field_name, _("%(field)s is required") % {"field": field_name})
    if len(text) > limit:
        raise _invalid(
            field_name,
            _("%(field)s is longer than %(limit)s characters")
            % {"field": field_name, "limit": limit},
        )
    return text


def _tags(values: Iterable[str] | str) -> str:
    if isinstance(values, str):
        values = re.split(r"[,,、\s]+", values)
    seen: list[str] = []
    for value in values:
        tag = value.strip().replace(",", "")
        if tag and tag not in seen:
            seen.append(tag)
    joined = ",".join(seen)
    if len(joined) > TAGS_MAX:
        raise _invalid("tags", _("too many tags"))
    return joined


def _category(code: str | None) -> Category | None:
    if not code:
        return None
    category = Category.objects.filter(code=code, is_active=True).first()
    if category is None:
        raise _invalid("category", _("unknown category '%(code)s'") % {"code": code})
    return category


def _clean(data: ArticleInput) -> dict[str, Any]:
    return {
        "title": _text(data.title, "title", TITLE_MAX),
        "question": _text(data.question, "question", settings.TICKET_TEXT_MAX),
        "answer": _text(data.answer, "answer", settings.TICKET_TEXT_MAX),
        "category": _category(data.category),
        "tags": _tags(data.tags),
        "public": bool(data.public),
    }


def _require_staff(actor: User) -> None:
    if not actor.is_active or not actor.role_set:
        raise NotAllowed(_("you may not edit the knowledge base"))


def _locked(article_id: int) -> Article:
    article = Article.objects.select_for_update().filter(pk=article_id).first()
    if article is None:
        raise NotFound(
            _("article %(id)s not found") % {"id": article_id}, details={"id": article_id}
        )
    return article


def _snapshot(
    article: Article, number: int, content: dict[str, Any], actor: User | None, now: datetime,
    note: str,
) -> ArticleVersion:  # fmt: skip
    return ArticleVersion.objects.create(
        article=article, number=number, edited_by=actor, edited_at=now, note=note[:500], **content
    )


# --------------------------------------------------------------------------- writing


def article_create(
    actor: User | None,
    data: ArticleInput,
    *,
    note: str = "",
    source_ticket: Ticket | None = None,
    now: datetime | None = None,
) -> Article:
    """A new draft (version 1). `actor` None: drafted by the system."""
    if actor is not None:
        _require_staff(actor)
    content = _clean(data)
    now = now or timezone.now()
    with transaction.atomic():
        article = Article.objects.create(
            **content,
            status=ArticleStatus.DRAFT,
            version=1,
            latest_version=1,
            created_by=actor,
            source_ticket=source_ticket,
        )
        _snapshot(article, 1, content, actor, now, note)
    return article


def article_revise(
    actor: User, article_id: int, data: ArticleInput, *, note: str = "", now: datetime | None = None
) -> Article:
    """Save a new version. A draft changes at once; a published article keeps showing its
    published text until a reviewer publishes the revision."""
    _require_staff(actor)
    content = _clean(data)
    now = now or timezone.now()
    with transaction.atomic():
        article = _locked(article_id)
        if article.status == ArticleStatus.RETIRED:
            raise InvalidTransition(
                _("a retired article is not edited; write a new one"),
                details={"status": article.status},
            )
        number = article.latest_version + 1
        _snapshot(article, number, content, actor, now, note)
        article.latest_version = number
        if article.status == ArticleStatus.DRAFT:
            for name, value in content.items():
                setattr(article, name, value)
            article.version = number
        article.save()
    return article


def _authors(article: Article) -> set[int]:
    """Who wrote what is waiting for review: the versions after the published one."""
    since = article.version if article.status == ArticleStatus.PUBLISHED else 0
    ids = set(
        article.versions.filter(number__gt=since, edited_by__isnull=False).values_list(
            "edited_by_id", flat=True
        )
    )
    if article.status == ArticleStatus.DRAFT and article.created_by_id:
        ids.add(article.created_by_id)
    return ids


def article_may_review(actor: User, article: Article) -> bool:
    return (
        actor.is_active
        and actor.has_role(*REVIEWER_ROLES)
        and article.review_pending
        and actor.pk not in _authors(article)
    )


def article_publish(actor: User, article_id: int, *, now: datetime | None = None) -> Article:
    """The review step: a supervisor or an inspector who did not write the pending text
    publishes the latest version."""
    now = now or timezone.now()
    with transaction.atomic():
        article = _locked(article_id)
        if not actor.is_active or not actor.has_role(*REVIEWER_ROLES):
            raise NotAllowed(_("only a supervisor or an inspector publishes articles"))
        if not article.review_pending:
            raise InvalidTransition(
                _("nothing to publish: the article is %(status)s and has no new version")
                % {"status": ArticleStatus(article.status).label},
                details={"status": article.status},
            )
        if actor.pk in _authors(article):
            raise NotAllowed(_("someone other than its author must review an article"))
        latest = article.versions.get(number=article.latest_version)
        for name in ("title", "question", "answer", "category_id", "tags", "public"):
            setattr(article, name, getattr(latest, name))
        article.version = latest.number
        article.status = ArticleStatus.PUBLISHED
        article.published_at = now
        article.published_by = actor
        article.save()
    return article


def article_retire(
    actor: User, article_id: int, *, reason: str, now: datetime | None = None
) -> Article:
    """Take an article out of use (it no longer holds); it stays readable to staff."""
    reason = _text(reason, "reason", 500)
    now = now or timezone.now()
    with transaction.atomic():
        article = _locked(article_id)
        if not actor.is_active or not actor.has_role(*REVIEWER_ROLES):
            raise NotAllowed(_("only a supervisor or an inspector retires articles"))
        if article.status == ArticleStatus.RETIRED:
            raise InvalidTransition(
                _("the article is already retired"), details={"status": article.status}
            )
        article.status = ArticleStatus.RETIRED
        article.retired_at = now
        article.retired_reason = reason
        article.save()
    return article


# --------------------------------------------------------------------------- from tickets


def _dispatched(ticket: Ticket) -> bool:
    return ticket.events.filter(action__in=("dispatch", "transfer")).exists()


def article_draft_from_ticket(ticket: Ticket, *, now: datetime | None = None) -> Article | None:
    """A hard consultation that was dispatched and answered becomes a draft article, once
    per ticket (seed 001: 《疑难问题转办单》 is new knowledge). None when the ticket does
    not qualify or already has its article.

    Never from a protected ticket (reports, confidential): its text may identify the person.
    The draft is not public; the reviewer edits out anything personal before publishing.
    """
    from closeloop.policy.services import pack_active

    try:
        rule = pack_active().knowledge
    except NotFound:
        return None
    if rule is None or ticket.kind not in rule.from_kinds:
        return None
    if ticket.identity_protected or ticket.answered_on_the_spot:
        return None
    if ticket.status not in (Status.RESOLVED, Status.CLOSED) or not ticket.reply.strip():
        return None
    if Article.objects.filter(source_ticket=ticket).exists() or not _dispatched(ticket):
        return None
    resolved = ticket.events.filter(action="resolve").order_by("-at", "-id").first()
    author = resolved.actor if resolved is not None else None
    data = ArticleInput(
        title=ticket.subject[:TITLE_MAX],
        question=ticket.description.strip() or ticket.subject,
        answer=ticket.reply,
        category=ticket.category.code if ticket.category_id and ticket.category else None,
    )
    note = _("drafted from ticket %(number)s") % {"number": ticket.number}
    try:
        with transaction.atomic():
            return article_create(author, data, note=note, source_ticket=ticket, now=now)
    except IntegrityError:
        return None  # drafted meanwhile by another path (the hook and the sweep)
    except ServiceError:
        # e.g. the category was retired since, or the resolver has left: the resolve that
        # called this must not fail over a draft, and the sweep tries again.
        return None


def article_draft_sweep(*, now: datetime | None = None, days: int = 7) -> int:
    """Draft articles from qualifying tickets resolved in the last `days` days that have
    none yet. Idempotent; catches tickets resolved before the resolve hook existed."""
    from closeloop.policy.services import pack_active

    now = now or timezone.now()
    try:
        rule = pack_active().knowledge
    except NotFound:
        return 0
    if rule is None or not rule.from_kinds:
        return 0
    candidates = (
        Ticket.objects.unscoped()
        .filter(
            kind__in=rule.from_kinds,
            status__in=(Status.RESOLVED, Status.CLOSED),
            resolved_at__gte=now - timedelta(days=days),
            knowledge_article__isnull=True,
            answered_on_the_spot=False,
        )
        .select_related("category")
    )
    return sum(1 for t in candidates if article_draft_from_ticket(t, now=now) is not None)


# --------------------------------------------------------------------------- answering


def ticket_answer_with_article(
    actor: User,
    number: str,
    article_id: int,
    *,
    reply: str | None = None,
    version: int | None = None,
    now: datetime | None = None,
) -> Ticket:
    """Answer on the spot from a published article (its answer, or `reply` as adapted by the
    agent) and record the use, in one transaction."""
    # Imported here: ticket services will call into this module (the resolve hook).
    from closeloop.tickets.services import ticket_answer

    now = now or timezone.now()
    with transaction.atomic():
        article = Article.objects.filter(pk=article_id, status=ArticleStatus.PUBLISHED).first()
        if article is None:
            raise _invalid("article", _("no published article %(id)s") % {"id": article_id})
        text = reply if reply and reply.strip() else article.answer
        ticket = ticket_answer(
            actor, number, reply=text, article=article.pk, version=version, now=now
        )
        KnowledgeUse.objects.create(
            ticket=ticket, article=article, version=article.version, actor=actor, at=now
        )
    return ticket


def knowledge_answer_count(start: datetime, end: datetime) -> int:
    """Tickets answered with a knowledge-base article in [start, end): for the report."""
    return (
        KnowledgeUse.objects.filter(at__gte=start, at__lt=end)
        .values("ticket_id")
        .distinct()
        .count()
    )


# --------------------------------------------------------------------------- reading


def article_get(article_id: int, *, public_only: bool = False) -> Article:
    """An article for reading; the public see published public articles only."""
    qs = Article.objects.select_related("category")
    if public_only:
        qs = qs.filter(status=ArticleStatus.PUBLISHED, public=True)
    article = qs.filter(pk=article_id).first()
    if article is None:
        raise NotFound(
            _("article %(id)s not found") % {"id": article_id}, details={"id": article_id}
        )
    return article


def _terms(text: str) -> list[str]:
    return [t for t in re.split(r"[\s,,。;;、??!!]+", text.strip()) if t][:10]


def _category_q(code: str) -> Q:
    # The category or its children: a search under 涉税咨询 finds 发票 articles too.
    return Q(category__code=code) | Q(category__parent__code=code)


def article_search(
    text: str,
    *,
    public_only: bool = False,
    statuses: Iterable[str] | None = None,
    category: str | None = None,
) -> QuerySet[Article]:
    """Articles containing every word of `text` (a Chinese substring needs no segmentation)
    in the title, question, answer or tags; title hits first, then the newest.

    `icontains` scans, which is fine at knowledge-base size (thousands of articles).
    Default statuses: published only; staff pages may ask for drafts or retired ones.
    """
    qs = Article.objects.select_related("category")
    if public_only:
        qs = qs.filter(status=ArticleStatus.PUBLISHED, public=True)
    else:
        qs = qs.filter(status__in=list(statuses or [ArticleStatus.PUBLISHED]))
    if category:
        qs = qs.filter(_category_q(category))
    title_hits: Any = Value(0)
    for term in _terms(text):
        qs = qs.filter(
            Q(title__icontains=term)
            | Q(question__icontains=term)
            | Q(answer__icontains=term)
            | Q(tags__icontains=term)
        )
        title_hits = title_hits + Case(
            When(title__icontains=term, then=Value(1)),
            default=Value(0),
            output_field=IntegerField(),
        )
    return qs.annotate(title_hits=title_hits).order_by("-title_hits", "-updated_at", "-id")


# Words in almost every question; matching on them suggests nothing.
STOP_PAIRS = frozenset(
    {
        *("请问", "怎么", "如何", "什么", "可以", "是否", "问题", "咨询", "一下"),
        *("我们", "你们", "这个", "那个", "需要", "的话", "时候", "为什么"),
    }
)
CJK = re.compile(r"[\u3400-\u9fff]")


def _pieces(text: str) -> list[str]:
    """Search pieces of a subject: Latin words and digits whole, Chinese runs as character
    pairs (bigrams), so that 红字发票怎么开 finds an article titled 开具红字发票."""
    pieces: list[str] = []
    for term in _terms(text):
        for run in re.findall(r"[\u3400-\u9fff]+|[A-Za-z0-9]+", term):
            if CJK.match(run):
                pairs = [run[i : i + 2] for i in range(len(run) - 1)] or [run]
                pieces.extend(p for p in pairs if p not in STOP_PAIRS)
            elif len(run) >= 2:
                pieces.append(run.lower())
    return list(dict.fromkeys(pieces))[:30]


def article_suggest(
    text: str, *, category: str | None = None, public_only: bool = False, limit: int = 5
) -> list[Article]:
    """Published articles that look like answers to `text` (an intake subject), best first.

    Scored in Python on the candidates any piece matches: a piece in the title counts 3,
    in the tags 2, in the question 2, in the answer 1; the category typed counts 2.
    An article must share at least two pieces (or the only one) with the subject.
    """
    pieces = _pieces(text)
    if not pieces:
        return []
    any_piece = Q()
    for piece in pieces:
        any_piece |= Q(title__icontains=piece) | Q(question__icontains=piece)
        any_piece |= Q(tags__icontains=piece)
    qs = Article.objects.filter(any_piece, status=ArticleStatus.PUBLISHED).select_related(
        "category", "category__parent"
    )
    if public_only:
        qs = qs.filter(public=True)
    needed = min(2, len(pieces))
    scored: list[tuple[int, int, Article]] = []
    for article in qs.order_by("-updated_at")[:300]:
        title, question = article.title.lower(), article.question.lower()
        tags, answer = article.tags.lower(), article.answer.lower()
        hits = 0
        score = 0
        for piece in pieces:
            weight = (
                3 * (piece in title) + 2 * (piece in tags) + 2 * (piece in question)
                + (piece in answer)
            )  # fmt: skip
            if weight:
                hits += 1
                score += weight
        if hits < needed:
            continue
        if category and article.category is not None:
            parent = article.category.parent
            if category in (article.category.code, parent.code if parent else None):
                score += 2
        scored.append((score, article.pk, article))
    scored.sort(key=lambda row: (-row[0], -row[1]))
    return [article for _score, _pk, article in scored[:limit]]


def article_review_queue() -> QuerySet[Article]:
    """Drafts and published articles with an unreviewed revision, oldest first."""
    from django.db.models import F

    return (
        Article.objects.filter(
            Q(status=ArticleStatus.DRAFT)
            | Q(status=ArticleStatus.PUBLISHED, latest_version__gt=F("version"))
        )
        .select_related("category", "created_by", "source_ticket")
        .order_by("updated_at", "id")
    )
