from django.contrib import admin

from .models import Notification, OutboxMessage


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["created_at", "recipient", "kind", "text", "read_at"]
    list_filter = ["kind"]


@admin.register(OutboxMessage)
class OutboxMessageAdmin(admin.ModelAdmin):
    list_display = ["created_at", "channel", "address", "subject", "sent_at", "attempts"]
    list_filter = ["channel"]
    readonly_fields = ["key", "channel", "address", "subject", "body", "created_at", "sent_at"]
