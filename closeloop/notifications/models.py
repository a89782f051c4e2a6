import hashlib

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .reasons import Group


class Notification(models.Model):
    """An in-app message to a member of staff."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    kind = models.CharField(_("kind"), max_length=40)
    text = models.CharField(_("text"), max_length=500)
    created_at = models.DateTimeField(_("created at"))
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["recipient", "read_at"], name="notification_unread"),
            # The bell's latest ten and the notifications page, newest first.
            models.Index(fields=["recipient", "-created_at", "-id"], name="notification_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.recipient_id}: {self.text[:40]}"


class NotificationPreference(models.Model):
    """How a person wants to hear of one group of notifications (`reasons.Group`): in the
    app, by email, by SMS. No row: the defaults (in the app; email and SMS as the person's
    `notify_by_email` / `notify_by_sms` say)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        related_name="notification_preferences",
    )
    kind_group = models.CharField(_("kind of notification"), max_length=20, choices=Group.choices)
    in_app = models.BooleanField(_("in the app"), default=True)
    email = models.BooleanField(_("by email"), default=True)
    sms = models.BooleanField(_("by SMS"), default=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind_group"], name="notification_preference_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.user_id}: {self.kind_group}"


class OutboxMessage(models.Model):
    """An email or SMS waiting to leave. Written in the same transaction as the change that
    caused it, so a crash loses none; `key` is unique, so a retry never queues it twice.

    A worker claims a few rows in one short transaction (`claimed_by`, `claimed_until`),
    sends them outside any transaction and marks each one sent on its own: a crash repeats at
    most the message in flight, and its claims come back once the lease has run out. A failed
    send waits until `next_attempt_at`; after the last attempt the message is `failed_at`."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("email")
        SMS = "sms", _("SMS")

    key = models.CharField(_("key"), max_length=200, unique=True)
    channel = models.CharField(_("channel"), max_length=10, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=254)
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    body = models.TextField(_("body"))
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    # Unset means "at once"; a failed send sets it to the end of its backoff.
    next_attempt_at = models.DateTimeField(_("next attempt at"), null=True, blank=True)
    failed_at = models.DateTimeField(_("failed at"), null=True, blank=True)
    claimed_by = models.CharField(_("claimed by"), max_length=100, blank=True)
    claimed_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    # A message to a customer: the case it is about and why it was sent (receipt, reply …),
    # shown on the ticket. Empty for staff messages.
    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    purpose = models.CharField(_("purpose"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("outbox message")
        verbose_name_plural = _("outbox")
        ordering = ["created_at", "id"]
        indexes = [
            # Only the rows still to send: the table keeps every message ever sent.
            models.Index(
                fields=["created_at", "id"],
                name="outbox_pending",
                condition=models.Q(sent_at__isnull=True, failed_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel} → {self.address}"

    @property
    def stable_id(self) -> str:
        return stable_id(self.key)


def stable_id(key: str) -> str:
    """The idempotency id a gateway sees for a message: the same on every attempt, and
    without the internal ids the key is made of."""
    return hashlib.sha256(key.encode()).hexdigest()[:32]
