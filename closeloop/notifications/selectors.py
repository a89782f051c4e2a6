"""What a person reads of their notifications: their own, and of those only the ones whose
ticket they may still see. Tickets sit above this app, so the caller gives the tickets the
person may see (`tickets.selectors.notifications_for_user` does); None means every ticket."""

from typing import Any

from django.db.models import Count, IntegerField, Q, QuerySet, Subquery

from closeloop.directory.models import User

from .models import Notification

# The bell says "99+" past this: an exact count of thousands would cost for nothing.
UNREAD_CAP = 99


def notifications_for(user: User, visible_tickets: QuerySet[Any] | None) -> QuerySet[Notification]:
    """`user`'s own notifications, newest first; of those on a ticket, only the ones whose
    ticket is in `visible_tickets` (a queryset of ticket ids; None: every ticket)."""
    mine = Notification.objects.filter(recipient=user)
    if visible_tickets is not None:
        mine = mine.filter(Q(ticket__isnull=True) | Q(ticket__in=visible_tickets))
    return mine.order_by("-created_at", "-id")


def unread_count(notifications: QuerySet[Notification], cap: int = UNREAD_CAP) -> int:
    """How many of `notifications` are unread, up to `cap + 1` (the `notification_unread`
    index: recipient and read_at)."""
    return notifications.filter(read_at__isnull=True).order_by()[: cap + 1].count()


def latest_with_unread(
    notifications: QuerySet[Notification], size: int
) -> tuple[list[Notification], int]:
    """The `size` newest of `notifications` (their tickets joined) and how many of all of them
    are unread — in one query, as the top bar of every page asks: each row carries the count
    (a scalar subquery on the `notification_unread` index), and no row means none at all."""
    unread = (
        notifications.filter(read_at__isnull=True)
        .order_by()
        .values("recipient")
        .annotate(n=Count("pk"))
        .values("n")[:1]
    )
    latest: list[Notification] = list(
        notifications.select_related("ticket").annotate(
            unread_total=Subquery(unread, output_field=IntegerField())
        )[:size]
    )
    count: int = getattr(latest[0], "unread_total", 0) or 0 if latest else 0
    return latest, count
