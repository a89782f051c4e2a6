"""One set of filters on tickets, one name each, for every way in: the API's ticket list, the
ledger page with its exports and the `closeloop export ledger` command, and the queues. The
same name finds the same tickets everywhere (docs/ledger.md, *Filters*).

The names are the API's. Names the ledger and the queues used before keep working as
deprecated aliases (`ALIASES`), validated as they always were, so a bookmarked link or a
script gets the same answer and a bad value the same message, under the name it gave.

Who uses them decides how strict they are about what does not exist: the ledger (`strict`)
refuses an unknown category, department, urgency level or an empty period, so a typo never
quietly changes an export; the API has always answered those with no tickets, and still does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any

import django_filters
from django import forms
from django.db import connection
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.forms.utils import ErrorDict
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from closeloop.directory.models import Department, User
from closeloop.directory.selectors import department_subtree_ids
from closeloop.policy.models import Category
from closeloop.policy.selectors import category_subtree_ids

from .choices import Channel, Kind, Satisfaction, Severity, Validity
from .filter_fields import (
    ALIASES,
    ANY,
    DEADLINE_CHOICES,
    DEADLINE_HISTORY,
    ORDERING_CHOICES,
    ORDERINGS,
    STATUS_CHOICES,
    YES_NO,
    DateOrMomentFilter,
    PackFieldFilter,
    SearchFilter,
    TicketFilterForm,
    UserFilter,
    YesNoField,
    YesNoFilter,
    given_values,
    multiple_choice,
    pack_fields,
    period_end,
    period_start,
    query_dict,
    urgency_choices,
)
from .models import Ticket
from .querysets import identity_hidden_q, open_q
from .search import MIN_TRIGRAM, fts_ensure

# A filter on one of the pack's own fields is named `field.<code>` (`field.account_no=…`).
FIELD_FILTER = "field."


class TicketFilterSet(django_filters.FilterSet):
    """Every filter on tickets. `user` is whose search and field filters apply (the request's
    by default); `strict` is the ledger's checking (see the module's note); `only` keeps a
    page's own filters (the queues'); `order` is the order of a page's fields."""

    status = multiple_choice(
        STATUS_CHOICES,
        method="filter_status",
        label=_("Status"),
        help_text="Tickets in any of these statuses; `open` is every status from registered to "
        "suspended.",
    )
    kind = multiple_choice(
        Kind.choices,
        method="filter_in",
        label=_("Kind"),
        help_text="Tickets of any of these kinds.",
    )
    category = django_filters.CharFilter(
        method="filter_category",
        label=_("Category"),
        help_text="A category's code: tickets in it or any category below it.",
    )
    department = django_filters.CharFilter(
        method="filter_department",
        label=_("Department"),
        help_text="A department's code: the tickets it holds now, that department only "
        "(`department_tree` adds the departments below it).",
    )
    urgency = django_filters.CharFilter(
        method="filter_in",
        label=_("Urgency"),
        help_text="Tickets of this urgency (a level of the pack).",
    )
    severity = django_filters.ChoiceFilter(
        choices=Severity.choices,
        empty_label=_("any"),
        label=_("Severity"),
        help_text="Tickets of this severity.",
    )
    crisis = YesNoFilter(
        choices=YES_NO,
        method="filter_crisis",
        label=_("Crisis"),
        help_text="Carries the crisis flag, or not (`yes` and `no` are accepted too).",
    )
    received_from = DateOrMomentFilter(
        method="filter_received_from",
        label=_("Received from"),
        help_text="Received at or after: a date-time, or a day (`YYYY-MM-DD`, from its start "
        "in the centre's time zone).",
    )
    received_to = DateOrMomentFilter(
        method="filter_received_to",
        label=_("Received to"),
        help_text="Received before a date-time, or on or before a day (`YYYY-MM-DD`: that day "
        "included).",
    )
    deadline_state = multiple_choice(
        DEADLINE_CHOICES,
        method="filter_deadline_state",
        label=_("Deadline"),
        help_text="The ticket's deadline state now (`on_track`, `warning`, `overdue`: its worst "
        "running deadline), or its history: `met_late`, a deadline met late; `late`, a deadline "
        "missed (overdue, or met late).",
    )
    q = SearchFilter(
        method="filter_q",
        label=_("Search"),
        help_text="Words (at most 5, 100 characters in all, one of two characters or more) "
        "that every ticket listed contains in its number, subject, description, reply, notes "
        "or progress reports, or its customer's name or phone where you may see them. "
        "Substrings: 发票 finds 虚开增值税专用发票.",
    )
    ordering = django_filters.ChoiceFilter(
        choices=ORDERING_CHOICES,
        empty_label=None,
        method="filter_ordering",
        label=_("Sort"),
        help_text="The order (newest first unless given). Ties go by registration, in the "
        "direction of the last column: `next_due_at,-received_at` is the queues' order.",
    )
    channel = multiple_choice(
        Channel.choices,
        method="filter_in",
        label=_("Channel"),
        help_text="Tickets that came by any of these channels.",
    )
    department_tree = django_filters.CharFilter(
        method="filter_department_tree",
        label=_("Department and those below"),
        help_text="A department's code: the tickets it or any department below it holds now.",
    )
    handler = UserFilter(
        method="filter_handler",
        label=_("Handler (username)"),
        help_text="A username: the tickets that person holds now.",
    )
    validity = django_filters.ChoiceFilter(
        choices=[*Validity.choices, ("none", _("not decided"))],
        empty_label=_("any"),
        method="filter_none_or_value",
        label=_("Validity"),
        help_text="Found valid or invalid, or `none`: not decided yet.",
    )
    satisfaction = django_filters.ChoiceFilter(
        choices=[*Satisfaction.choices, ("none", _("not visited"))],
        empty_label=_("any"),
        method="filter_none_or_value",
        label=_("Satisfaction"),
        help_text="The return visit's result, or `none`: not visited (a reopen clears it).",
    )
    reopened = YesNoFilter(
        choices=YES_NO,
        method="filter_reopened",
        label=_("Reopened"),
        help_text="Reopened at least once, or never.",
    )
    compensation = YesNoFilter(
        choices=YES_NO,
        method="filter_compensation",
        label=_("Compensation"),
        help_text="Given compensation (an amount above 0 or a kind), or not.",
    )

    class Meta:
        model = Ticket
        fields: list[str] = []
        form = TicketFilterForm

    def __init__(
        self,
        data: Mapping[str, Any] | None = None,
        queryset: QuerySet[Ticket] | None = None,
        *,
        request: Any = None,
        prefix: str | None = None,
        user: User | None = None,
        strict: bool = False,
        only: Sequence[str] | None = None,
        order: Sequence[str] | None = None,
    ) -> None:
        given = query_dict(data) if data is not None else None
        super().__init__(given, queryset, request=request, prefix=prefix)
        viewer = user if user is not None else getattr(request, "user", None)
        assert isinstance(viewer, User)
        self.user = viewer
        self.strict = strict
        self.order = order
        # The pack's fields: on the ledger's page always (it shows them), elsewhere when asked.
        asked = any(name.startswith(FIELD_FILTER) for name in given or ())
        for spec in pack_fields() if only is None and (strict or asked) else []:
            self._add(
                FIELD_FILTER + spec.code,
                PackFieldFilter(spec=spec, label=spec.label, method="filter_field"),
            )
        for name in set(self.filters) - set(only or self.filters):
            del self.filters[name]
        self.old_names: dict[str, str] = {}
        self.old_errors: dict[str, list[str]] = {}
        if given is not None:
            self._take_old_names(given)

    def _add(self, name: str, filter_: django_filters.Filter) -> None:
        filter_.field_name = name.removeprefix(FIELD_FILTER)
        filter_.model = Ticket
        filter_.parent = self
        self.filters[name] = filter_

    def _take_old_names(self, data: QueryDict) -> None:
        for name in ("crisis", "reopened", "compensation"):  # the ledger's yes and no
            if name in data:
                data.setlist(name, [YesNoField.SAYINGS.get(v, v) for v in data.getlist(name)])
        for old, alias in ALIASES.items():
            raw = data.get(old)
            data.pop(old, None)
            if not raw or alias.new not in self.filters or given_values(data.getlist(alias.new)):
                continue  # nothing given, not a filter here, or the new name says otherwise
            self.old_names[alias.new] = old
            try:
                value = alias.field().clean(raw)
            except forms.ValidationError as error:
                self.old_errors[alias.new] = list(error.messages)
                data.setlist(alias.new, [raw])  # shown in its field on a page
                continue
            data.setlist(alias.new, [alias.convert(value)])

    @classmethod
    def names(cls) -> set[str]:
        """Every name a filter may be given by: the filters, the pack's fields, the old names."""
        return {
            *cls.base_filters,
            *(FIELD_FILTER + spec.code for spec in pack_fields()),
            *ALIASES,
        }

    # ----------------------------------------------------------------------- the form

    @property
    def form(self) -> TicketFilterForm:
        if not hasattr(self, "_form"):
            form = super().form
            assert isinstance(form, TicketFilterForm)
            form.old_names, form.old_errors = self.old_names, self.old_errors
            form.check_period = self.strict
            if self.strict:
                self._strict_fields(form)
            if self.order:
                form.order_fields(self.order)
        return self._form

    def _strict_fields(self, form: TicketFilterForm) -> None:
        """The codes that exist as lists to choose from (a page shows them, and anything else
        is refused), and "any" as the first choice of every list."""
        departments = [ANY, *Department.objects.order_by("code").values_list("code", "name")]
        lists = {
            "category": [ANY, *Category.objects.order_by("code").values_list("code", "name")],
            "department": departments,
            "department_tree": departments,
            "urgency": [ANY, *urgency_choices()],
        }
        for name, choices in lists.items():
            if name in form.fields:
                label = form.fields[name].label
                form.fields[name] = forms.ChoiceField(label=label, required=False, choices=choices)
        for name, field in form.fields.items():
            choices = list(getattr(field, "choices", None) or [])
            if name != "ordering" and choices and "" not in dict(choices):
                field.choices = [ANY, *choices]  # type: ignore[attr-defined]

    @property
    def errors(self) -> ErrorDict:
        """The problems under the names they were given by (`from`, not `received_from`)."""
        old = set(self.old_names.values())
        given = ErrorDict()
        for name, errors in self.form.errors.items():
            if name not in old:
                given[self.old_names.get(name, name)] = errors
        return given

    # ----------------------------------------------------------------------- the filters

    def filter_in(self, qs: QuerySet[Ticket], name: str, value: list[str] | str) -> Any:
        values = given_values([value] if isinstance(value, str) else value)
        q = Q()
        for v in values:
            q |= Q(**{name: v})
        return qs.filter(q) if values else qs

    def filter_status(self, qs: QuerySet[Ticket], name: str, value: list[str]) -> Any:
        values = given_values(value)
        q = Q()
        for v in values:
            q |= open_q() if v == "open" else Q(status=v)
        return qs.filter(q) if values else qs

    def filter_deadline_state(self, qs: QuerySet[Ticket], name: str, value: list[str]) -> Any:
        values = given_values(value)
        q = Q()
        for v in values:
            if v not in DEADLINE_HISTORY:
                q |= Q(deadline_state=v)
        history = {s for v in values for s in DEADLINE_HISTORY.get(v, [])}
        if history:
            # Through the ticket's own relation to its deadlines (`Deadline.ticket`): tickets
            # sit below the deadline engine and do not import it.
            missed = Ticket.objects.filter(pk=OuterRef("pk"), deadlines__state__in=sorted(history))
            q |= Q(Exists(missed))
        return qs.filter(q) if values else qs

    def filter_category(self, qs: QuerySet[Ticket], name: str, value: str) -> Any:
        """A category matches itself and every category below it."""
        return qs.filter(category_id__in=category_subtree_ids(value))

    def filter_department(self, qs: QuerySet[Ticket], name: str, value: str) -> Any:
        # By id rather than by a join on the code: knowing the id when it plans, the database
        # reads the (department, status, received_at) index instead of intersecting the whole
        # department's tickets with the statuses (100+ ms for a department inbox at 1M).
        pk = Department.objects.filter(code=value).values_list("pk", flat=True).first()
        return qs.filter(department_id=pk) if pk is not None else qs.none()

    def filter_department_tree(self, qs: QuerySet[Ticket], name: str, value: str) -> Any:
        pk = Department.objects.filter(code=value).values_list("pk", flat=True).first()
        if pk is None:
            return qs.none()
        return qs.filter(department_id__in=department_subtree_ids(pk))

    def filter_crisis(self, qs: QuerySet[Ticket], name: str, value: bool) -> Any:
        return qs.filter(crisis=value)

    def filter_received_from(self, qs: QuerySet[Ticket], name: str, value: date) -> Any:
        return qs.filter(received_at__gte=period_start(value))

    def filter_received_to(self, qs: QuerySet[Ticket], name: str, value: date) -> Any:
        return qs.filter(received_at__lt=period_end(value))

    def filter_q(self, qs: Any, name: str, value: str) -> Any:
        return qs.search(self.user, value) if value.strip() else qs

    def filter_ordering(self, qs: QuerySet[Ticket], name: str, value: str) -> Any:
        return qs.order_by(*ORDERINGS[value])

    def filter_handler(self, qs: QuerySet[Ticket], name: str, value: User) -> Any:
        return qs.filter(handler=value)

    def filter_none_or_value(self, qs: QuerySet[Ticket], name: str, value: str) -> Any:
        return qs.filter(**{name: "" if value == "none" else value})

    def filter_reopened(self, qs: QuerySet[Ticket], name: str, value: bool) -> Any:
        return qs.filter(reopen_count__gt=0) if value else qs.filter(reopen_count=0)

    def filter_compensation(self, qs: QuerySet[Ticket], name: str, value: bool) -> Any:
        given = Q(compensation_amount__gt=0) | ~Q(compensation_kind="")
        return qs.filter(given) if value else qs.exclude(given)

    def filter_field(self, qs: QuerySet[Ticket], name: str, value: str) -> Any:
        return qs.filter(field_value_q(self.user, name, value))


def field_value_q(user: User, code: str, value: str) -> Q:
    """Tickets whose pack field `code` holds exactly `value` (as stored: see
    `policy.fields`). An identifying field matches only on tickets whose identity `user` may
    see, as the customer's phone does in the search: a masked value is never found."""
    if connection.vendor == "postgresql":
        # `@>`, which the jsonb_path_ops indexes of reports/0005 serve.
        plain, identifying = (
            Q(fields__contains={code: value}),
            Q(identity_fields__contains={code: value}),
        )
    else:
        plain = Q(**{f"fields__{code}": value})
        identifying = Q(**{f"identity_fields__{code}": value})
    match = plain | (identifying & ~identity_hidden_q(user))
    if connection.vendor == "sqlite" and len(value) >= MIN_TRIGRAM:
        # The FTS table narrows the candidates first; the JSON of each ticket is not indexed.
        fts_ensure()
        phrase = '"' + value.replace('"', '""') + '"'
        candidates = RawSQL(
            "SELECT rowid FROM ledger_fts WHERE ledger_fts MATCH %s",
            [f"{{fields identity}} : {phrase}"],
        )
        match &= Q(pk__in=candidates)
    return match
