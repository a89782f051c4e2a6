"""The ledger (台账): every ticket the viewer may see, filtered and searched (see docs/ledger.md).

Reads only. Visibility and identity masking come from `tickets.selectors`, the search from
`tickets.search`; this module adds the ledger's filters.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from closeloop.common.dates import validate_date_range
from closeloop.common.errors import NotFound, ValidationFailed
from closeloop.directory.models import Department, User
from closeloop.directory.selectors import department_subtree_ids
from closeloop.policy.fields import field_value_parse
from closeloop.policy.models import Category
from closeloop.policy.schema import FIELD_TEXT_MAX, FieldSpec
from closeloop.policy.selectors import category_subtree_ids
from closeloop.sla.models import Deadline, DeadlineState
from closeloop.tickets import selectors
from closeloop.tickets.choices import (
    OPEN_STATUSES,
    Channel,
    Kind,
    Satisfaction,
    Severity,
    Status,
    Validity,
)
from closeloop.tickets.filter_fields import SearchField
from closeloop.tickets.filters import field_value_q
from closeloop.tickets.models import Ticket

# Counting stops here: an exact COUNT of a frequent word over a million tickets reads every
# match. The ledger page says "More than 1,000 tickets", the API sets `count_capped`.
COUNT_CAP = 1_000

ANY = ("", _("any"))
YES_NO = [ANY, ("yes", _("yes")), ("no", _("no"))]
DEADLINE_CHOICES = [
    ANY,
    ("warning", _("due soon")),
    ("overdue", _("overdue now")),
    ("met_late", _("met late")),
    ("late", _("overdue or met late")),
]
# Deadline filter → the Deadline states any of the ticket's deadlines must be in.
DEADLINE_STATES = {
    "warning": [DeadlineState.WARNING],
    "overdue": [DeadlineState.OVERDUE],
    "met_late": [DeadlineState.MET_LATE],
    "late": [DeadlineState.OVERDUE, DeadlineState.MET_LATE],
}
SORTS = {"new": ("-received_at", "-id"), "old": ("received_at", "id")}
# A filter on one of the pack's own fields is named `field.<code>` (`field.account_no=…`).
FIELD_FILTER = "field."

# The names of every filter, as used in URLs, the CLI and `ledger_for_user`.
FILTER_NAMES = (
    "from",
    "to",
    "q",
    "kind",
    "category",
    "channel",
    "department",
    "handler",
    "urgency",
    "severity",
    "crisis",
    "validity",
    "state",
    "deadline",
    "satisfaction",
    "reopened",
    "compensation",
    "sort",
)


# --------------------------------------------------------------------------- filters


def _urgency_choices() -> list[tuple[str, Any]]:
    from closeloop.policy.services import pack_active

    try:
        return [(level.code, level.name) for level in pack_active().urgency.levels]
    except NotFound:  # no pack loaded yet: the two built-in levels
        return [("normal", _("normal")), ("urgent", _("urgent"))]


def _pack_fields() -> list[FieldSpec]:
    from closeloop.policy.services import pack_active

    try:
        return list(pack_active().fields)
    except NotFound:
        return []


def field_filter_names() -> list[str]:
    """The filter names of the active pack's own fields."""
    return [FIELD_FILTER + spec.code for spec in _pack_fields()]


class PackFieldFilter(forms.CharField):
    """A filter on one of the pack's own fields: the value as it is stored (a plate number in
    upper case, a number in its plain form), compared exactly."""

    def __init__(self, spec: FieldSpec, **kwargs: Any) -> None:
        self.spec = spec
        super().__init__(label=spec.label, required=False, max_length=FIELD_TEXT_MAX, **kwargs)

    def clean(self, value: Any) -> str:
        text = super().clean(value)
        stored, problem = field_value_parse(self.spec, text)
        if problem:
            raise forms.ValidationError(problem)
        return stored


class LedgerFilterForm(forms.Form):
    """Validates the ledger's filters. The same form serves the page, the export and the CLI,
    so a bad value gets the same message, naming its field, everywhere."""

    # "from" is a Python keyword: the fields are added in __init__.
    q = SearchField(label=_("Search"))
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    category = forms.ChoiceField(label=_("Category"), required=False)
    channel = forms.ChoiceField(label=_("Channel"), required=False)
    department = forms.ChoiceField(label=_("Department"), required=False)
    handler = forms.CharField(label=_("Handler (username)"), required=False, max_length=150)
    urgency = forms.ChoiceField(label=_("Urgency"), required=False)
    severity = forms.ChoiceField(
        label=_("Severity"), required=False, choices=[ANY, *Severity.choices]
    )
    crisis = forms.ChoiceField(label=_("Crisis"), required=False, choices=YES_NO)
    validity = forms.ChoiceField(
        label=_("Validity"),
        required=False,
        choices=[ANY, *Validity.choices, ("none", _("not decided"))],
    )
    state = forms.ChoiceField(label=_("Status"), required=False)
    deadline = forms.ChoiceField(label=_("Deadline"), required=False, choices=DEADLINE_CHOICES)
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"),
        required=False,
        choices=[ANY, *Satisfaction.choices, ("none", _("not visited"))],
    )
    reopened = forms.ChoiceField(label=_("Reopened"), required=False, choices=YES_NO)
    compensation = forms.ChoiceField(label=_("Compensation"), required=False, choices=YES_NO)
    sort = forms.ChoiceField(
        label=_("Sort"),
        required=False,
        choices=[("new", _("newest first")), ("old", _("oldest first"))],
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        date_input = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
        period = {
            "from": forms.DateField(
                label=_("Received from"),
                required=False,
                widget=date_input,
                validators=[validate_date_range],
            ),
            "to": forms.DateField(
                label=_("Received to"),
                required=False,
                widget=date_input,
                validators=[validate_date_range],
            ),
        }
        self.fields = {**period, **self.fields}
        self._set("kind", [ANY, *Kind.choices])
        self._set("channel", [ANY, *Channel.choices])
        self._set("urgency", [ANY, *_urgency_choices()])
        self._set("state", [ANY, ("open", _("all open")), *Status.choices])
        self._set(
            "category",
            [ANY, *Category.objects.order_by("code").values_list("code", "name")],
        )
        self._set(
            "department",
            [ANY, *Department.objects.order_by("code").values_list("code", "name")],
        )
        for spec in _pack_fields():
            widget: forms.Widget | None = None
            if spec.type == "choice":
                choices = [ANY, *((c.code, c.name) for c in spec.choices)]
                widget = forms.Select(choices=choices)
            elif spec.type == "date":
                widget = forms.DateInput(attrs={"type": "date"})
            self.fields[FIELD_FILTER + spec.code] = PackFieldFilter(spec, widget=widget)

    def _set(self, name: str, choices: Any) -> None:
        field = self.fields[name]
        assert isinstance(field, forms.ChoiceField)
        field.choices = choices

    def clean_handler(self) -> User | None:
        username = self.cleaned_data.get("handler", "").strip()
        if not username:
            return None
        user = User.objects.filter(username=username).first()
        if user is None:
            raise forms.ValidationError(_("No such person: %(name)s"), params={"name": username})
        return user

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("from"), data.get("to")
        if first and last and last < first:
            self.add_error("to", _("must not be before from"))
        return data


def ledger_filters_clean(data: Mapping[str, Any]) -> dict[str, Any]:
    """Validate raw filters (strings, as from a URL or the CLI); ValidationFailed names every
    bad field. Unknown names are refused too, so a typo never silently widens an export."""
    unknown = sorted(set(data) - set(FILTER_NAMES) - set(field_filter_names()))
    if unknown:
        raise ValidationFailed(
            f"{unknown[0]}: {_('unknown filter')}",
            details={name: [str(_("unknown filter"))] for name in unknown},
        )
    form = LedgerFilterForm({k: v for k, v in data.items() if v is not None})
    if not form.is_valid():
        details = {name: [str(m) for m in msgs] for name, msgs in form.errors.items()}
        first = next(iter(details.items()))
        raise ValidationFailed(f"{first[0]}: {first[1][0]}", details=details)
    return form.cleaned_data


def filters_of(data: Mapping[str, Any]) -> dict[str, str]:
    """The ledger filters among request parameters (others, like `page`, are left out)."""
    getter = getattr(data, "get", None)
    assert getter is not None
    names = [*FILTER_NAMES, *field_filter_names()]
    return {name: str(getter(name)) for name in names if getter(name) not in (None, "")}


# --------------------------------------------------------------------------- the ledger


def ledger_for_user(user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Ticket]:
    """Every ticket `user` may see, filtered by raw values (strings, validated here)."""
    return ledger_filtered(user, ledger_filters_clean(filters or {}))


def ledger_filtered(user: User, f: Mapping[str, Any]) -> QuerySet[Ticket]:
    """The same, from the cleaned data of a valid `LedgerFilterForm`."""
    qs = (
        selectors.ticket_list_for_user(user)
        .prefetch_related(None)
        .select_related("category", "department", "handler", "customer")
    )
    zone = timezone.get_current_timezone()
    if f.get("from"):
        qs = qs.filter(received_at__gte=datetime.combine(f["from"], time(0), tzinfo=zone))
    if f.get("to"):
        end = datetime.combine(f["to"] + timedelta(days=1), time(0), tzinfo=zone)
        qs = qs.filter(received_at__lt=end)
    for name in ("kind", "channel", "urgency", "severity"):
        if f.get(name):
            qs = qs.filter(**{name: f[name]})
    if f.get("category"):
        qs = qs.filter(category_id__in=category_subtree_ids(f["category"]))
    if f.get("department"):
        department = Department.objects.get(code=f["department"])
        qs = qs.filter(department_id__in=department_subtree_ids(department.pk))
    if f.get("handler"):
        qs = qs.filter(handler=f["handler"])
    if f.get("crisis"):
        qs = qs.filter(crisis=f["crisis"] == "yes")
    if f.get("validity"):
        qs = qs.filter(validity="" if f["validity"] == "none" else f["validity"])
    if f.get("state") == "open":
        qs = qs.filter(status__literal_in=OPEN_STATUSES)
    elif f.get("state"):
        qs = qs.filter(status=f["state"])
    if f.get("deadline"):
        states = DEADLINE_STATES[f["deadline"]]
        qs = qs.filter(Exists(Deadline.objects.filter(ticket=OuterRef("pk"), state__in=states)))
    if f.get("satisfaction"):
        value = f["satisfaction"]
        qs = qs.filter(satisfaction="" if value == "none" else value)
    if f.get("reopened"):
        qs = qs.filter(reopen_count__gt=0) if f["reopened"] == "yes" else qs.filter(reopen_count=0)
    if f.get("compensation"):
        given = Q(compensation_amount__gt=0) | ~Q(compensation_kind="")
        qs = qs.filter(given) if f["compensation"] == "yes" else qs.exclude(given)
    for name, value in f.items():
        if name.startswith(FIELD_FILTER) and value:
            qs = qs.filter(field_value_q(user, name.removeprefix(FIELD_FILTER), value))
    if f.get("q"):
        qs = qs.search(user, f["q"])
    return qs.order_by(*SORTS.get(f.get("sort") or "new", SORTS["new"]))


def ledger_count_capped(qs: QuerySet[Ticket], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many tickets, counting at most `cap`; True when there are more."""
    # Only the ids: the page's joins (category, department, customer…) would be read for
    # every row counted (260 of 360 ms for a frequent word at a million tickets).
    n = qs.order_by().select_related(None).prefetch_related(None).values("pk")[: cap + 1].count()
    return min(n, cap), n > cap
