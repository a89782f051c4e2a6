"""The knowledge base (知识库): articles, their immutable versions, and their use in answers."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from closeloop.common.models import AppendOnlyModel, TimeStampedModel


class ArticleStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    PUBLISHED = "published", _("published")
    RETIRED = "retired", _("retired")


class Article(TimeStampedModel):
    """What agents and the public read. The content fields hold version `version`: the
    published one once the article is published (a revision waits in `ArticleVersion` until
    a reviewer publishes it), the latest draft before that."""

    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"))
    category = models.ForeignKey(
        "policy.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="articles",
    )
    # Comma-separated, so that a plain substring search finds tags on every database.
    tags = models.CharField(_("tags"), max_length=300, blank=True)
    public = models.BooleanField(_("public"), default=False)
    status = models.CharField(
        _("status"), max_length=20, choices=ArticleStatus.choices, default=ArticleStatus.DRAFT
    )
    version = models.PositiveIntegerField(_("version"), default=1)
    latest_version = models.PositiveIntegerField(_("latest version"), default=1)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The hard question this article was drafted from (seed 001); one article per ticket.
    source_ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("drafted from"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="knowledge_article",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)
    retired_reason = models.CharField(_("reason for retiring"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status", "public"], name="article_status_public")]

    def __str__(self) -> str:
        return self.title

    @property
    def tag_list(self) -> list[str]:
        return [t for t in self.tags.split(",") if t]

    @property
    def review_pending(self) -> bool:
        """A draft, or a published article with a revision nobody has reviewed yet."""
        return self.status == ArticleStatus.DRAFT or (
            self.status == ArticleStatus.PUBLISHED and self.latest_version > self.version
        )


class ArticleVersion(AppendOnlyModel):
    """One saved state of an article. Append-only: never updated, never deleted."""

    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveIntegerField(_("version"))
    title = models.CharField(_("title"), max_length=200)
    question = models.TextField(_("question"))
    answer = models.TextField(_("answer"))
    category = models.ForeignKey(
        "policy.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    tags = models.CharField(_("tags"), max_length=300, blank=True)
    public = models.BooleanField(_("public"), default=False)
    note = models.CharField(_("note"), max_length=500, blank=True)
    edited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("edited by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    edited_at = models.DateTimeField(_("edited at"))

    class Meta:
        verbose_name = _("article version")
        verbose_name_plural = _("article versions")
        ordering = ["article", "number"]
        constraints = [
            models.UniqueConstraint(fields=["article", "number"], name="article_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.article_id} v{self.number}"


class KnowledgeUse(models.Model):
    """A ticket answered with an article: what the report counts as a knowledge-base answer."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="knowledge_uses",
    )
    article = models.ForeignKey(
        Article, verbose_name=_("article"), on_delete=models.PROTECT, related_name="uses"
    )
    version = models.PositiveIntegerField(_("version"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("knowledge use")
        verbose_name_plural = _("knowledge uses")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["at"], name="knowledge_use_at")]

    def __str__(self) -> str:
        return f"{self.ticket_id} ← {self.article_id} v{self.version}"
