from typing import Any

from django.contrib import admin
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from .models import Notification, NotificationPreference, OutboxMessage


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin[Notification]):
    list_display = ["created_at", "recipient", "kind", "text", "read_at"]
    list_filter = ["kind"]


@admin.register(NotificationPreference)
class NotificationPreferenceAdmin(admin.ModelAdmin[NotificationPreference]):
    """What each person chose on their preferences page (they change it there)."""

    list_display = ["user", "kind_group", "in_app", "email", "sms"]
    list_filter = ["kind_group"]
    search_fields = ["user__username"]


class OutboxStateFilter(admin.SimpleListFilter):
    title = _("state")
    parameter_name = "state"
    STATES = {
        "pending": Q(sent_at__isnull=True, failed_at__isnull=True),
        "sent": Q(sent_at__isnull=False),
        "failed": Q(failed_at__isnull=False, sent_at__isnull=True),
    }

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("pending", _("waiting to be sent")), ("sent", _("sent")), ("failed", _("failed"))]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[OutboxMessage]
    ) -> QuerySet[OutboxMessage]:
        state = self.STATES.get(self.value() or "")
        return queryset.filter(state) if state is not None else queryset


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin[OutboxMessage]):
    list_display = [
        "created_at",
        "channel",
        "address",
        "purpose",
        "subject",
        "state",
        "sent_at",
        "attempts",
        "next_attempt_at",
        "last_error",
    ]
    list_filter = [OutboxStateFilter, "channel", "purpose"]
    readonly_fields = [
        "key",
        "ticket",
        "purpose",
        "channel",
        "address",
        "subject",
        "body",
        "created_at",
        "sent_at",
        "attempts",
        "last_error",
        "next_attempt_at",
        "failed_at",
        "claimed_by",
        "claimed_until",
    ]

    @admin.display(description=_("state"))
    def state(self, message: OutboxMessage) -> str:
        if message.sent_at:
            return str(_("sent"))
        if message.failed_at:
            return str(_("failed"))
        if message.attempts:
            return str(_("retrying"))
        return str(_("waiting to be sent"))
