"""Forms of the workbench: they shape input for the services and never decide anything."""

from collections.abc import Sequence
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from closeloop.policy.schema import FIELD_TEXT_MAX
from closeloop.tickets.choices import (
    Channel,
    CustomerType,
    EnclosureDisposition,
    Kind,
    ReplyMethod,
    Satisfaction,
    Validity,
)

DATETIME_LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M:%S"]


def _textarea(rows: int = 3, **attrs: Any) -> forms.Textarea:
    return forms.Textarea(attrs={"rows": rows, **attrs})


def set_choices(form: forms.Form, name: str, choices: Any) -> None:
    cast(forms.ChoiceField, form.fields[name]).choices = choices


def choices_of(values: Sequence[str], labels: Any) -> list[tuple[str, str]]:
    """(value, label) pairs for the values a pack uses, labelled from a TextChoices."""
    names = dict(labels.choices)
    return [(v, names.get(v, v)) for v in values]


# --------------------------------------------------------------------------- intake


def builtin_field_kinds(pack: Any) -> dict[str, list[str]]:
    """The intake fields that belong to some kinds only (被投诉部门, 经济损失, 现场投诉 are a
    complaint's), by field name: intake shows them for those kinds and leaves out what was
    typed in them for another kind. Economic loss goes with the kinds the pack grades by it."""
    complaint: list[str] = [Kind.COMPLAINT] if Kind.COMPLAINT in pack.kinds else []
    return {
        "on_site": complaint,
        "respondent_department": complaint,
        "respondent_staff": complaint,
        "economic_loss": [str(k) for k in pack.severity_kinds] or complaint,
    }


class IntakeForm(forms.Form):
    phone = forms.CharField(label=_("Caller's phone"), max_length=30, required=False)
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    customer_type = forms.ChoiceField(
        label=_("Customer type"), choices=CustomerType.choices, initial=CustomerType.INDIVIDUAL
    )
    organisation = forms.CharField(label=_("Organisation"), max_length=200, required=False)
    email = forms.EmailField(label=_("Email"), required=False)
    kind = forms.ChoiceField(label=_("Kind"), widget=forms.RadioSelect)
    channel = forms.ChoiceField(label=_("Channel"))
    category = forms.ChoiceField(label=_("Category"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=settings.TICKET_SUBJECT_MAX)
    description = forms.CharField(
        label=_("Description"),
        max_length=settings.TICKET_TEXT_MAX,
        required=False,
        widget=_textarea(4),
    )
    urgency = forms.ChoiceField(label=_("Urgency"), required=False)
    on_site = forms.BooleanField(label=_("On-site complaint"), required=False)
    people_count = forms.IntegerField(
        label=_("People"), min_value=1, max_value=100_000, initial=1, required=False
    )
    economic_loss = forms.DecimalField(
        label=_("Economic loss (yuan)"),
        min_value=Decimal(0),
        max_value=Decimal(settings.ECONOMIC_LOSS_MAX),
        max_digits=14,
        decimal_places=2,
        required=False,
    )
    respondent_department = forms.ChoiceField(label=_("Respondent department"), required=False)
    respondent_staff = forms.CharField(label=_("Respondent staff"), max_length=100, required=False)
    location_address = forms.CharField(label=_("Location"), max_length=300, required=False)
    anonymous = forms.BooleanField(label=_("Anonymous"), required=False)
    confidential = forms.BooleanField(label=_("Confidential"), required=False)
    answer = forms.CharField(
        label=_("Answer on the spot"),
        help_text=_("Fill in to reply now and finish the case during the call."),
        max_length=settings.TICKET_TEXT_MAX,
        required=False,
        widget=_textarea(3),
    )
    intake_key = forms.CharField(widget=forms.HiddenInput, max_length=64, required=False)

    def __init__(
        self,
        *args: Any,
        pack: Any,
        categories: list[tuple[str, str]],
        departments: list[tuple[str, str]],
        receptions: list[tuple[str, str]] | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "kind", choices_of(pack.kinds, Kind))
        set_choices(self, "channel", choices_of(pack.channels, Channel))
        set_choices(self, "category", [("", "—"), *categories])
        set_choices(
            self,
            "urgency",
            [("", _("as the rules say"))]
            + [(level.code, level.name) for level in pack.urgency.levels],
        )
        set_choices(self, "respondent_department", [("", "—"), *departments])
        if Channel.PHONE in pack.channels:
            self.fields["channel"].initial = Channel.PHONE
        if pack.kinds:
            # The pack lists its kinds most frequent first: 12366 takes consultations.
            self.fields["kind"].initial = pack.kinds[0]
        self.kind_fields = builtin_field_kinds(pack)
        if receptions:  # today's reception sessions (接待日), for a visit received at one
            self.fields["reception"] = forms.ChoiceField(
                label=_("Received at the reception session"),
                choices=[("", _("no, an ordinary visit")), *receptions],
                required=False,
            )
        # The pack's own fields, as plain inputs: the service checks each value against the
        # pack (`policy.fields`), and its refusals come back on these fields.
        self.pack_fields = list(pack.fields)
        for spec in self.pack_fields:
            self.fields[PACK_FIELD + spec.code] = _pack_field(spec)

    def recorded_for_kind(self) -> dict[str, Any]:
        """The cleaned values, without what the chosen kind does not record."""
        cd = dict(self.cleaned_data)
        for name, kinds in self.kind_fields.items():
            if kinds and cd.get("kind") not in kinds:
                cd[name] = self.fields[name].to_python(None)
        return cd

    def pack_field_rows(self) -> list[tuple[Any, Any]]:
        """(bound field, its declaration) in the pack's order, for the template."""
        return [(self[PACK_FIELD + spec.code], spec) for spec in self.pack_fields]

    def pack_field_values(self, kind: str) -> dict[str, str]:
        """The values given for fields the pack records for `kind` (a field hidden for the
        chosen kind may still hold what was typed before the kind changed)."""
        return {
            spec.code: value
            for spec in self.pack_fields
            if spec.applies_to(kind) and (value := self.cleaned_data.get(PACK_FIELD + spec.code))
        }


PACK_FIELD = "field_"  # the intake form's name for a pack field: field_<code>


def _pack_field(spec: Any) -> forms.Field:
    field: forms.Field
    if spec.type == "choice":
        field = forms.ChoiceField(
            choices=[("", "—"), *((c.code, c.name) for c in spec.choices)], required=False
        )
    else:
        attrs = {"autocomplete": "off"}
        if spec.type == "number":
            attrs["inputmode"] = "decimal"
        elif spec.type == "date":
            attrs["type"] = "date"
        field = forms.CharField(
            max_length=spec.max_length or FIELD_TEXT_MAX,
            required=False,
            widget=forms.TextInput(attrs=attrs),
        )
    field.label = spec.label
    field.help_text = spec.help
    return field


class EnclosureForm(forms.Form):
    item = forms.CharField(label=_("Item"), max_length=100, required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=10_000, initial=1)
    disposition = forms.ChoiceField(
        label=_("Disposition"),
        choices=[
            (EnclosureDisposition.KEEP, EnclosureDisposition.KEEP.label),
            (EnclosureDisposition.RETURN, EnclosureDisposition.RETURN.label),
        ],
    )


EnclosureFormSet = forms.formset_factory(EnclosureForm, extra=3, max_num=50)


# --------------------------------------------------------------------------- actions


class VersionedForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


def _reason(label: Any = None, required: bool = True) -> forms.CharField:
    return forms.CharField(
        label=label or _("Reason"), max_length=5000, required=required, widget=_textarea(2)
    )


class EmptyForm(VersionedForm):
    pass


class ReasonForm(VersionedForm):
    reason = _reason()


class ReplyForm(VersionedForm):
    reply = forms.CharField(
        label=_("Reply"), max_length=settings.TICKET_TEXT_MAX, widget=_textarea(3)
    )


class CustomerReplyForm(VersionedForm):
    reply = forms.CharField(
        label=_("What the customer was told"),
        max_length=settings.TICKET_TEXT_MAX,
        widget=_textarea(3),
    )
    method = forms.ChoiceField(label=_("How"), choices=ReplyMethod.choices)


class DepartmentForm(VersionedForm):
    department = forms.ChoiceField(label=_("Department"))

    def __init__(
        self,
        *args: Any,
        departments: list[tuple[str, str]] = (),  # type: ignore[assignment]
        initial_department: str = "",
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "department", list(departments))
        if initial_department:
            self.fields["department"].initial = initial_department


class AssignForm(VersionedForm):
    handler = forms.ChoiceField(label=_("Handler"))

    def __init__(
        self,
        *args: Any,
        handlers: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "handler", list(handlers))


class NoteForm(VersionedForm):
    note = _reason(_("Note"))


class OptionalNoteForm(VersionedForm):
    note = _reason(_("Note"), required=False)


class TextForm(VersionedForm):
    text = _reason(_("Note"))


class PlanForm(VersionedForm):
    plan = forms.CharField(
        label=_("Handling plan"), max_length=settings.TICKET_TEXT_MAX, widget=_textarea(3)
    )


class CommentForm(VersionedForm):
    comment = _reason(_("Comment"), required=False)


class RequiredCommentForm(VersionedForm):
    comment = _reason(_("Comment"))


class ResolveForm(VersionedForm):
    reply = forms.CharField(
        label=_("Reply to the customer"), max_length=settings.TICKET_TEXT_MAX, widget=_textarea(3)
    )
    validity = forms.ChoiceField(
        label=_("Validity"), required=False, choices=[("", "—"), *Validity.choices]
    )
    cause = forms.CharField(label=_("Cause"), max_length=5000, required=False, widget=_textarea(2))
    compensation_kind = forms.ChoiceField(label=_("Compensation"), required=False)
    compensation_amount = forms.DecimalField(
        label=_("Amount (yuan)"),
        required=False,
        min_value=Decimal(0),
        max_digits=14,
        decimal_places=2,
    )
    compensation_note = forms.CharField(
        label=_("Compensation note"), max_length=500, required=False
    )

    def __init__(
        self,
        *args: Any,
        compensation_kinds: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if compensation_kinds:
            set_choices(self, "compensation_kind", [("", "—"), *compensation_kinds])
        else:
            for name in ("compensation_kind", "compensation_amount", "compensation_note"):
                del self.fields[name]


class VisitForm(VersionedForm):
    satisfaction = forms.ChoiceField(
        label=_("Satisfaction"), choices=Satisfaction.choices, widget=forms.RadioSelect
    )
    comment = _reason(_("What the customer said"), required=False)


class MergeForm(VersionedForm):
    """The original is picked from the likely ones found at registration, or typed."""

    original = forms.ChoiceField(
        label=_("Likely original"), widget=forms.RadioSelect, required=False
    )
    into = forms.CharField(label=_("Original ticket number"), max_length=20, required=False)

    def __init__(self, *args: Any, candidates: list[Any] | tuple[Any, ...] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        if candidates:
            set_choices(
                self,
                "original",
                [
                    (
                        t.number,
                        f"{t.number} · {t.subject[:40]} · {t.get_status_display()} · "
                        f"{timezone.localtime(t.received_at):%m-%d}",
                    )
                    for t in candidates
                ],
            )
            self.fields["into"].label = _("or type the original's number")
        else:
            del self.fields["original"]

    def clean(self) -> dict[str, Any]:
        cd = super().clean() or {}
        number = (cd.get("into") or "").strip() or cd.get("original") or ""
        if not number:
            self.add_error("into", _("Pick the original, or type its number."))
        cd["into"] = number
        return cd


class SuperviseForm(VersionedForm):
    note = _reason(_("Supervision order"))
    due_at = forms.DateTimeField(
        label=_("Due by"), required=False, widget=DATETIME_LOCAL, input_formats=DATETIME_FORMATS
    )


class ExtendForm(VersionedForm):
    milestone = forms.ChoiceField(label=_("Deadline to extend"), required=False)
    until = forms.DateTimeField(
        label=_("New deadline"), widget=DATETIME_LOCAL, input_formats=DATETIME_FORMATS
    )
    reason = _reason()

    def __init__(
        self,
        *args: Any,
        milestones: list[tuple[str, str]] = (),  # type: ignore[assignment]
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        # Blank: the deadline the requester answers for (the service picks it).
        set_choices(self, "milestone", [("", _("the one I answer for")), *milestones])


class DecisionForm(VersionedForm):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = _reason(_("Comment"), required=False)


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; cleans to a list."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        if isinstance(data, list | tuple):
            return [super(MultipleFileField, self).clean(d, initial) for d in data]
        if not data:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        return [super().clean(data, initial)]


class AttachForm(VersionedForm):
    attachments = MultipleFileField(label=_("Files"))
