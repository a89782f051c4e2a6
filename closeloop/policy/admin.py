"""Packs are loaded with `closeloop pack load` (validated as a whole); here they are shown.
Categories come from the pack, and admins may rename them, re-route them or retire them."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Category, PolicyPack


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
