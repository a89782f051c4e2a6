"""Packs are loaded with `closeloop pack load` (validated as a whole); here they are shown.
Categories come from the pack, and admins may rename them, re-route them or retire them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Category, MessageTemplate, PolicyPack


@admin.register(PolicyPack)
class PolicyPackAdmin(admin.ModelAdmin[PolicyPack]):
    list_display = ["name", "title", "version", "is_active", "loaded_at"]
    list_filter = ["is_active"]
    readonly_fields = ["name", "title", "version", "digest", "is_active", "loaded_at", "data"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin[Category]):
    list_display = ["code", "name", "parent", "department", "is_active"]
    list_filter = ["is_active", "department"]
    list_select_related = ["parent", "department"]
    search_fields = ["code", "name"]
    readonly_fields = ["code"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # categories come from the pack, by code

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False  # tickets refer to them; retire one instead (active: off)


@admin.register(MessageTemplate)
class MessageTemplateAdmin(admin.ModelAdmin[MessageTemplate]):
    """The pack's customer messages, editable: the placeholders are checked on save
    (`MessageTemplate.clean`); an edit stands until the pack's own text changes."""

    list_display = ["purpose", "kind", "sms", "at_night", "pack", "updated_at"]
    list_filter = ["purpose", "pack"]
    readonly_fields = ["pack", "purpose", "kind", "updated_at"]
    fields = ["pack", "purpose", "kind", "sms", "subject", "body", "at_night", "updated_at"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # the pack names the purposes and kinds

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
