"""The notification centre: the bell's list (`templatetags.workbench.bell`), the page of past
notifications with its filters, mark read / all read, and the person's preferences."""

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from closeloop.common.errors import ServiceError, ValidationFailed
from closeloop.common.paging import page_number, page_rows
from closeloop.directory.models import User
from closeloop.notifications import services
from closeloop.notifications.filters import NotificationFilterSet
from closeloop.notifications.models import Notification
from closeloop.notifications.reasons import Group, reason_for
from closeloop.notifications.selectors import UNREAD_CAP, latest_with_unread, unread_count
from closeloop.tickets.selectors import notifications_for_user

from .access import safe_next, staff_required, staff_user

PAGE_SIZE = 25
BELL_SIZE = 10
CHANNELS = (
    ("in_app", gettext_lazy("in the app")),
    ("email", gettext_lazy("by email")),
    ("sms", gettext_lazy("by SMS")),
)


def _user(request: HttpRequest) -> User:
    user = staff_user(request)
    assert user is not None  # staff_required let the request through
    return user


def rows(notifications: list[Notification]) -> list[dict[str, Any]]:
    """What the bell and the page show of each notification."""
    return [
        {"n": n, "reason": reason_for(n.kind).label, "unread": n.read_at is None}
        for n in notifications
    ]


def bell_context(user: User) -> dict[str, Any]:
    """The bell: the unread count ("99+" past UNREAD_CAP) and the latest few, one query."""
    latest, count = latest_with_unread(notifications_for_user(user), BELL_SIZE)
    return {
        "unread": count,
        "unread_shown": f"{UNREAD_CAP}+" if count > UNREAD_CAP else str(count),
        "latest": rows(latest),
    }


@staff_required()
def notification_list(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    mine = notifications_for_user(user)
    filters = NotificationFilterSet(request.GET or None, queryset=mine)
    status = 200
    if filters.is_bound and not filters.is_valid():
        found: Any = mine.none()
        status = 400
    else:
        found = filters.qs if filters.is_bound else mine
    page = page_number(request.GET.get("page"))
    if page is None:
        page, status, found = 1, 400, mine.none()
        filters.form.add_error(None, _("give a page number from 1"))
    start = (page - 1) * PAGE_SIZE
    shown = page_rows(found.select_related("ticket"), start, start + PAGE_SIZE + 1)
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/notifications.html",
        {
            "filters": filters,
            "rows": rows(shown[:PAGE_SIZE]),
            "page": page,
            "has_next": len(shown) > PAGE_SIZE,
            "query": query.urlencode(),
            "unread": unread_count(mine),
        },
        status=status,
    )


@staff_required()
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Open what a notification is about, and mark it read (a link: it works from the bell,
    a phone's browser and a new tab alike; marking read is harmless to repeat)."""
    user = _user(request)
    try:
        notification = services.notification_mark_read(notifications_for_user(user), pk)
    except ServiceError as error:
        messages.error(request, error.message)
        return redirect("web:notifications")
    if notification.kind == "digest":  # the cases near their deadline: my queue, soonest first
        return HttpResponseRedirect(reverse("web:queue") + "?view=mine&ordering=next_due_at")
    if notification.kind == "box_overdue":
        return redirect("web:care-boxes")
    if notification.ticket is None:
        return redirect("web:notifications")
    return redirect("web:ticket", number=notification.ticket.number)


@staff_required()
@require_POST
def notification_read(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    try:
        services.notification_mark_read(notifications_for_user(user), pk)
    except ServiceError as error:
        messages.error(request, error.message)
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), "web:notifications"))


@staff_required()
@require_POST
def notifications_read_all(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    count = services.notifications_mark_all_read(notifications_for_user(user))
    if count:
        messages.success(request, _("%(count)d notifications marked read.") % {"count": count})
    return HttpResponseRedirect(safe_next(request, request.POST.get("next"), "web:notifications"))


@staff_required()
def preferences(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    table = services.preferences_table(user)
    errors: dict[str, list[str]] = {}
    status = 200
    if request.method == "POST":
        unknown = [
            key
            for key in request.POST
            if key not in ("csrfmiddlewaretoken",) and _split(key) is None
        ]
        choices = {
            group: services.Channels(
                in_app=f"{group}-in_app" in request.POST,
                email=f"{group}-email" in request.POST,
                sms=f"{group}-sms" in request.POST,
            )
            for group in Group.values
        }
        try:
            if unknown:
                raise ValidationFailed(
                    _("these choices cannot be saved"),
                    details={key: [_("unknown field")] for key in unknown[:10]},
                )
            services.preferences_save(user, choices)
        except ServiceError as error:
            errors = error.details or {"": [error.message]}
            table = choices
            status = 400
        else:
            messages.success(request, _("Your notification preferences are saved."))
            return redirect("web:notification-preferences")
    groups = [
        {
            "code": group,
            "label": label,
            "switches": [
                {
                    "name": f"{group}-{channel}",
                    "label": channel_label,
                    "on": getattr(table[group], channel),
                    "errors": errors.get(f"{group}-{channel}", []),
                }
                for channel, channel_label in CHANNELS
            ],
        }
        for group, label in Group.choices
    ]
    return render(
        request,
        "workbench/notification_preferences.html",
        {"groups": groups, "channels": CHANNELS, "errors": errors, "person": user},
        status=status,
    )


def _split(key: str) -> tuple[str, str] | None:
    group, _sep, channel = key.rpartition("-")
    if group in Group.values and channel in dict(CHANNELS):
        return group, channel
    return None


urlpatterns = [
    path("", notification_list, name="notifications"),
    path("read-all/", notifications_read_all, name="notifications-read-all"),
    path("preferences/", preferences, name="notification-preferences"),
    path("<int:pk>/", notification_open, name="notification-open"),
    path("<int:pk>/read/", notification_read, name="notification-read"),
]
