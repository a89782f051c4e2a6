"""Inspections in the admin are read-only: they change through the services."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import Inspection


@admin.register(Inspection)
class InspectionAdmin(admin.ModelAdmin):
    list_display = ("period", "ticket", "agent", "inspector", "total", "passed", "wrong_answer")
    list_filter = ("period", "passed", "wrong_answer")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
