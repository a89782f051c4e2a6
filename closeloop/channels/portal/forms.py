from typing import Any, cast

from django import forms
from django.conf import settings
from django.http import QueryDict
from django.utils.translation import gettext_lazy as _

from closeloop.channels.web.forms import MultipleFileField, choices_of, set_choices
from closeloop.tickets.choices import Kind, Satisfaction

from .guard import challenge_new, challenge_passed

PUBLIC_KINDS = [Kind.COMPLAINT, Kind.CONSULTATION, Kind.REPORT, Kind.SUGGESTION]


# A phone's number pad, and the browser's autofill for phone numbers.
TEL = forms.TextInput(attrs={"type": "tel", "inputmode": "tel", "autocomplete": "tel"})


class ChallengeForm(forms.Form):
    """Adds the arithmetic question and a honeypot field that people never see."""

    answer = forms.CharField(label=_("Answer"), max_length=10)
    token = forms.CharField(widget=forms.HiddenInput)
    website = forms.CharField(
        required=False, widget=forms.TextInput(attrs={"tabindex": "-1", "autocomplete": "off"})
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.challenge = challenge_new()
        if self.is_bound:
            self.data = cast(QueryDict, self.data).copy()
        # A new question on every render: a used or wrong token is never offered again.
        self.initial["token"] = self.challenge.token
        self.fields["answer"].label = self.challenge.question

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("website"):
            raise forms.ValidationError(_("Please leave the last field empty."))
        token, answer = cleaned.get("token", ""), cleaned.get("answer", "")
        if token and answer and not challenge_passed(token, answer):
            self.add_error(
                "answer",
                _(
                    "That answer is not right, or the question expired. "
                    "Please answer the new question."
                ),
            )
        return cleaned

    def refresh_challenge(self) -> None:
        """Put the fresh question's token into the form shown again."""
        if self.is_bound:
            data = cast(QueryDict, self.data)
            data["token"] = self.challenge.token
            data["answer"] = ""


class SubmitForm(ChallengeForm):
    kind = forms.ChoiceField(label=_("What would you like to do?"), widget=forms.RadioSelect)
    category = forms.ChoiceField(label=_("Topic"), required=False)
    subject = forms.CharField(label=_("Subject"), max_length=settings.TICKET_SUBJECT_MAX)
    description = forms.CharField(
        label=_("Details"),
        max_length=settings.TICKET_TEXT_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    anonymous = forms.BooleanField(label=_("Report anonymously (reports only)"), required=False)
    name = forms.CharField(label=_("Your name"), max_length=100, required=False)
    phone = forms.RegexField(
        label=_("Your phone"),
        regex=r"^\+?[0-9][0-9 -]{2,28}[0-9]$",
        max_length=30,
        required=False,
        widget=TEL,
    )
    email = forms.EmailField(label=_("Email"), required=False)
    attachments = MultipleFileField(label=_("Attachments"), required=False)

    field_order = [
        "kind",
        "category",
        "subject",
        "description",
        "anonymous",
        "name",
        "phone",
        "email",
        "attachments",
        "answer",
        "token",
        "website",
    ]

    def __init__(
        self, *args: Any, pack: Any, categories: list[tuple[str, str]], **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        kinds = [k for k in PUBLIC_KINDS if k in pack.kinds]
        set_choices(self, "kind", choices_of(kinds, Kind))
        if kinds:
            self.fields["kind"].initial = kinds[0]
        set_choices(self, "category", [("", "—"), *categories])
        if Kind.REPORT not in kinds:
            del self.fields["anonymous"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        anonymous = cleaned.get("anonymous")
        if anonymous and cleaned.get("kind") != Kind.REPORT:
            self.add_error("anonymous", _("Only reports can be made anonymously."))
        if not anonymous and not cleaned.get("phone"):
            self.add_error(
                "phone",
                _("Give a phone number so that we can reach you and you can check the progress."),
            )
        files = cleaned.get("attachments") or []
        if len(files) > settings.ATTACHMENT_MAX_COUNT:
            self.add_error(
                "attachments", _("At most %(n)s files.") % {"n": settings.ATTACHMENT_MAX_COUNT}
            )
        for f in files:
            if f.size > settings.ATTACHMENT_MAX_BYTES:
                self.add_error("attachments", _("%(name)s is too large.") % {"name": f.name})
            elif f.content_type not in settings.ATTACHMENT_CONTENT_TYPES:
                self.add_error(
                    "attachments",
                    _("%(name)s: this type of file is not accepted.") % {"name": f.name},
                )
        return cleaned


class CheckForm(ChallengeForm):
    number = forms.CharField(label=_("Ticket number"), max_length=20)
    phone = forms.CharField(
        label=_("Phone given with the case"), max_length=30, required=False, widget=TEL
    )
    code = forms.CharField(label=_("or the query code"), max_length=12, required=False)

    field_order = ["number", "phone", "code", "answer", "token", "website"]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if not cleaned.get("phone") and not cleaned.get("code"):
            self.add_error("phone", _("Give the phone number or the query code."))
        return cleaned


class RateForm(forms.Form):
    satisfaction = forms.ChoiceField(
        label=_("How satisfied are you with the outcome?"),
        choices=Satisfaction.choices,
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Anything to add?"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class SurveyForm(RateForm):
    """The rating through a survey link: the link's token travels in the form, so the address
    the form posts to (and any log of it) never holds it."""

    token = forms.CharField(widget=forms.HiddenInput, max_length=100)
