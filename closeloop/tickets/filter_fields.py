"""What the ticket filters (`filters.TicketFilterSet`) accept: their values, fields and
widgets, the old names they answer to, and the form that checks them — so a bad value gets the
same message wherever it is given."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import django_filters
from django import forms
from django.db.models import F
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_filters.fields import IsoDateTimeField
from drf_spectacular.utils import extend_schema_field

from closeloop.common.dates import validate_date_range
from closeloop.common.errors import NotFound
from closeloop.directory.models import User
from closeloop.policy.fields import field_value_parse
from closeloop.policy.schema import FIELD_TEXT_MAX, FieldSpec
from closeloop.workflow.deadlines import DeadlineState
from closeloop.workflow.statuses import Status

from .search import MAX_LENGTH, MAX_TERMS, MIN_BIGRAM

ANY = ("", _("any"))
DAY = re.compile(r"\d{4}-\d{2}-\d{2}")

STATUS_CHOICES = [("open", _("all open")), *Status.choices]
# The ticket's deadline state now (its worst running deadline, kept on the ticket), and two
# words for its history: a deadline met late, or missed at all (the indicators' `overdue`).
DEADLINE_CHOICES = [
    ("on_track", _("on track")),
    ("warning", _("due soon")),
    ("overdue", _("overdue now")),
    ("met_late", _("met late")),
    ("late", _("overdue or met late")),
]

# Deadline states that are the ticket's history rather than its state now.
DEADLINE_HISTORY = {
    "met_late": [DeadlineState.MET_LATE],
    "late": [DeadlineState.OVERDUE, DeadlineState.MET_LATE],
}


def given_values(values: Iterable[str]) -> list[str]:
    """The values chosen, each once, in order (a page's "any" is no value)."""
    return list(dict.fromkeys(v for v in values if v))


# The orders a list can take; ties go by id, in the direction of the last column. The
# queues' nearest-deadline order is the one their indexes hold (`ticket_due_order`,
# `ticket_active_department_due`): nearest first, then newest.
NEAREST_DUE = F("next_due_at").asc(nulls_last=True)
ORDERINGS: dict[str, tuple[Any, ...]] = {
    "-received_at": ("-received_at", "-id"),
    "received_at": ("received_at", "id"),
    "next_due_at,-received_at": (NEAREST_DUE, "-received_at", "-id"),
    "next_due_at": (NEAREST_DUE, "id"),
}
ORDERING_CHOICES = [
    ("-received_at", _("newest first")),
    ("received_at", _("oldest first")),
    ("next_due_at,-received_at", _("nearest deadline")),
    ("next_due_at", _("nearest deadline, then earliest registered")),
]


@dataclass(frozen=True)
class Alias:
    """An old name of a filter: checked by the field it had, then given to the new name."""

    new: str
    field: Callable[[], forms.Field]
    convert: Callable[[Any], Any] = str


# The queues' and the ledger's words for an order.
SORTS = {"new": "-received_at", "old": "received_at", "due": "next_due_at,-received_at"}


def _old_day() -> forms.DateField:
    return forms.DateField(validators=[validate_date_range])


# Deprecated names → the filter they are now. The ledger's `to` is a day, included, as a day
# given to `received_to` is. (The ledger's `department` included the departments below:
# that is `department_tree` now, as `department` kept the API's meaning.)
ALIASES = {
    "from": Alias("received_from", _old_day, date.isoformat),
    "to": Alias("received_to", _old_day, date.isoformat),
    "state": Alias("status", lambda: forms.ChoiceField(choices=STATUS_CHOICES)),
    "deadline": Alias("deadline_state", lambda: forms.ChoiceField(choices=DEADLINE_CHOICES[1:])),
    "sort": Alias("ordering", lambda: forms.ChoiceField(choices=list(SORTS.items())), SORTS.get),
}


def period_start(value: date | datetime) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, time(0), tzinfo=timezone.get_current_timezone())


def period_end(value: date | datetime) -> datetime:
    """The first moment after a period ending at `value` (a day: the day after it)."""
    if isinstance(value, datetime):
        return value
    return period_start(value + timedelta(days=1))


class SelectOne(forms.Select):
    """One `<select>` on a page for a filter that takes several values in a URL
    (`?status=registered&status=dispatched`)."""

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        getlist = getattr(data, "getlist", None)
        if getlist is not None:
            return getlist(name)
        value = data.get(name)
        return [value] if isinstance(value, str) else value


class TickedTrue(forms.CheckboxInput):
    """A checkbox that sends `true` when ticked, and nothing otherwise."""

    def __init__(self) -> None:
        super().__init__(check_test=lambda value: value in (True, "true", "yes", "on"))

    def format_value(self, value: Any) -> str:
        return "true"

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return data.get(name)


class DateOrMomentField(IsoDateTimeField):
    """A day (`YYYY-MM-DD`: the whole day, in the centre's time zone) or an ISO date-time (that
    moment), within the dates closeloop accepts (`common.dates`)."""

    widget = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(validators=[validate_date_range], **kwargs)

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and DAY.fullmatch(value.strip()):
            try:
                return date.fromisoformat(value.strip())
            except ValueError:
                raise forms.ValidationError(
                    self.error_messages["invalid"], code="invalid"
                ) from None
        return super().to_python(value)


class YesNoField(forms.TypedChoiceField):
    """`true` or `false`. The ledger's `yes` and `no`, and a ticked box's `on`, say the same."""

    SAYINGS = {"yes": "true", "no": "false", "on": "true"}

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("choices", YES_NO)
        super().__init__(coerce=lambda value: value == "true", empty_value=None, **kwargs)

    def to_python(self, value: Any) -> Any:
        text = super().to_python(value)
        return self.SAYINGS.get(text, text)


YES_NO = [("true", _("yes")), ("false", _("no"))]


class UserField(forms.CharField):
    """A person, by username."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(max_length=150, **kwargs)

    def clean(self, value: Any) -> User | None:
        username = super().clean(value).strip()
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("No such person: %(name)s"), params={"name": username})
        return user


class SearchField(forms.CharField):
    """The search box: at most 100 characters and MAX_TERMS words, and a word of two
    characters or more (a search for one character alone would read the whole ledger)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", MAX_LENGTH)
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def validate(self, value: Any) -> None:
        super().validate(value)
        words = str(value or "").split()
        if len(words) > MAX_TERMS:
            raise forms.ValidationError(_("at most %(n)d words") % {"n": MAX_TERMS})
        if words and max(len(w) for w in words) < MIN_BIGRAM:
            raise forms.ValidationError(_("give at least one word of two characters or more"))


class PackFieldField(forms.CharField):
    """One of the pack's own fields: the value as it is stored (a plate number in upper case,
    a number in its plain form), compared exactly."""

    def __init__(self, spec: FieldSpec, **kwargs: Any) -> None:
        self.spec = spec
        if spec.type == "choice":
            kwargs["widget"] = forms.Select(
                choices=[ANY, *((c.code, c.name) for c in spec.choices)]
            )
        elif spec.type == "date":
            kwargs["widget"] = forms.DateInput(attrs={"type": "date"})
        kwargs["required"] = False
        super().__init__(max_length=FIELD_TEXT_MAX, **kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        stored, problem = field_value_parse(self.spec, text)
        if problem:
            raise forms.ValidationError(problem)
        return stored


@extend_schema_field(
    {
        "oneOf": [
            {"type": "string", "format": "date"},
            {"type": "string", "format": "date-time"},
        ]
    }
)
class DateOrMomentFilter(django_filters.Filter):
    field_class = DateOrMomentField


class SearchFilter(django_filters.CharFilter):
    field_class = SearchField


class YesNoFilter(django_filters.Filter):
    field_class = YesNoField


class UserFilter(django_filters.Filter):
    field_class = UserField


class PackFieldFilter(django_filters.Filter):
    field_class = PackFieldField


def multiple_choice(choices: Any, **kwargs: Any) -> django_filters.MultipleChoiceFilter:
    """Any of several values (`?kind=complaint&kind=report`); one `<select>` on a page."""
    return django_filters.MultipleChoiceFilter(choices=choices, widget=SelectOne, **kwargs)


class TicketFilterForm(forms.Form):
    """Checks the filters; answers under the name each value was given by (old or new)."""

    check_period = False
    old_names: dict[str, str]  # new name → the old one it was given by
    old_errors: dict[str, list[str]]  # new name → the messages the old field gave

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("received_from"), data.get("received_to")
        if self.check_period and first and last and period_end(last) <= period_start(first):
            self.add_error("received_to", _("must not be before from"))
        return data

    def full_clean(self) -> None:
        super().full_clean()
        if not self.is_bound:
            return
        errors = self.errors
        for name, messages in self.old_errors.items():
            errors[name] = self.error_class(messages)
            self.cleaned_data.pop(name, None)
        for name, old in self.old_names.items():
            if name in errors:
                errors[old] = errors[name]


def urgency_choices() -> list[tuple[str, Any]]:
    from closeloop.policy.services import pack_active

    try:
        return [(level.code, level.name) for level in pack_active().urgency.levels]
    except NotFound:  # no pack loaded yet: the two built-in levels
        return [("normal", _("normal")), ("urgent", _("urgent"))]


def pack_fields() -> list[FieldSpec]:
    """The active pack's own fields, each a filter `field.<code>`."""
    from closeloop.policy.services import pack_active

    try:
        return list(pack_active().fields)
    except NotFound:
        return []


def query_dict(data: Mapping[str, Any]) -> QueryDict:
    """A copy to read as a URL's parameters (several values under one name) and to change."""
    if isinstance(data, QueryDict):
        return data.copy()
    given = QueryDict(mutable=True)
    for name, value in data.items():
        if value is not None:
            given.setlist(name, list(value) if isinstance(value, list | tuple) else [value])
    return given
