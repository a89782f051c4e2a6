"""The filters of the notifications page and `GET /api/v1/notifications/`: unread only, the
reason (kind), a period and a ticket number. Bad values are refused with the field's message
(the form's errors), never answered with another list."""

from datetime import datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from closeloop.common.dates import validate_date_range

from .models import Notification
from .reasons import FALLBACK, REASONS

UNREAD_CHOICES = [("", _("all")), ("true", _("unread only")), ("false", _("read only"))]


def kind_choices() -> list[tuple[str, Any]]:
    return [(kind, reason.label) for kind, reason in REASONS.items()] + [("other", FALLBACK.label)]


class NotificationFilterSet(django_filters.FilterSet):
    unread = django_filters.ChoiceFilter(
        label=_("Unread"), choices=UNREAD_CHOICES[1:], empty_label=UNREAD_CHOICES[0][1],
        method="filter_unread",
    )  # fmt: skip
    kind = django_filters.ChoiceFilter(
        label=_("Reason"), choices=kind_choices, empty_label=_("any"), method="filter_kind"
    )
    since = django_filters.DateFilter(
        label=_("From"), method="filter_since", validators=[validate_date_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    until = django_filters.DateFilter(
        label=_("To"), method="filter_until", validators=[validate_date_range],
        widget=forms.DateInput(attrs={"type": "date"}),
    )  # fmt: skip
    number = django_filters.CharFilter(
        label=_("Ticket number"), method="filter_number", max_length=40
    )

    class Meta:
        model = Notification
        fields: list[str] = []

    def filter_unread(
        self, qs: QuerySet[Notification], name: str, value: str
    ) -> QuerySet[Notification]:
        if value == "true":
            return qs.filter(read_at__isnull=True)
        if value == "false":
            return qs.filter(read_at__isnull=False)
        return qs

    def filter_kind(
        self, qs: QuerySet[Notification], name: str, value: str
    ) -> QuerySet[Notification]:
        if value == "other":
            return qs.exclude(kind__in=list(REASONS))
        return qs.filter(kind=value) if value else qs

    def filter_since(
        self, qs: QuerySet[Notification], name: str, value: Any
    ) -> QuerySet[Notification]:
        start = timezone.make_aware(datetime.combine(value, time.min))
        return qs.filter(created_at__gte=start)

    def filter_until(
        self, qs: QuerySet[Notification], name: str, value: Any
    ) -> QuerySet[Notification]:
        end = timezone.make_aware(datetime.combine(value + timedelta(days=1), time.min))
        return qs.filter(created_at__lt=end)

    def filter_number(
        self, qs: QuerySet[Notification], name: str, value: str
    ) -> QuerySet[Notification]:
        value = value.strip()
        return qs.filter(ticket__number=value) if value else qs

    def is_valid(self) -> bool:
        if not super().is_valid():
            return False
        since, until = self.form.cleaned_data.get("since"), self.form.cleaned_data.get("until")
        if since and until and since > until:
            self.form.add_error("until", _("the end of the period is before its start"))
            return False
        return True
