"""Monthly reports in the admin: to look at, and to delete a draft that should be generated
again. Editing goes through the report page, whose services check who may do what."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from .models import MonthlyReport


@admin.register(MonthlyReport)
class MonthlyReportAdmin(admin.ModelAdmin[MonthlyReport]):
    list_display = ("month", "state", "generated_at", "notified_at", "published_at", "published_by")
    list_filter = ("state",)
    readonly_fields = (
        "month",
        "state",
        "generated_at",
        "generated_by",
        "notified_at",
        "published_at",
        "published_by",
        "typical_cases",
        "corrective_actions",
        "figures",
    )

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        # A published report is what the meeting saw: it stays.
        return obj is None or not obj.is_published
