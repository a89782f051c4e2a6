"""Articles in the admin are read-only: they change through the services (review step)."""

from django.contrib import admin

from closeloop.common.admin import ReadOnlyAdmin

from .models import Article, ArticleVersion, KnowledgeUse


@admin.register(Article)
class ArticleAdmin(ReadOnlyAdmin):
    list_display = ("title", "status", "public", "version", "latest_version", "updated_at")
    list_filter = ("status", "public")
    search_fields = ("title", "question")


@admin.register(ArticleVersion)
class ArticleVersionAdmin(ReadOnlyAdmin):
    list_display = ("article", "number", "edited_by", "edited_at")


@admin.register(KnowledgeUse)
class KnowledgeUseAdmin(ReadOnlyAdmin):
    list_display = ("ticket", "article", "version", "actor", "at")
