"""Articles in the admin are read-only: they change through the services (review step)."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Article, ArticleVersion, KnowledgeUse


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Article)
class ArticleAdmin(ReadOnly):
    list_display = ("title", "status", "public", "version", "latest_version", "updated_at")
    list_filter = ("status", "public")
    search_fields = ("title", "question")


@admin.register(ArticleVersion)
class ArticleVersionAdmin(ReadOnly):
    list_display = ("article", "number", "edited_by", "edited_at")


@admin.register(KnowledgeUse)
class KnowledgeUseAdmin(ReadOnly):
    list_display = ("ticket", "article", "version", "actor", "at")
