"""The suggestion box page: the boxes, their openings due, and the form that records one
with what was found (docs/care.md). Rules live in `closeloop.care.services`."""

from typing import Any
from zoneinfo import ZoneInfo

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from closeloop.care import selectors
from closeloop.care.services import BoxItem, box_opening_record
from closeloop.common.errors import ServiceError, ValidationFailed
from closeloop.directory.models import User
from closeloop.policy.services import pack_active
from closeloop.tickets.choices import Kind

from .access import staff_required, staff_user
from .forms import choices_of, set_choices


class ItemForm(forms.Form):
    """One thing found in the box; a row left blank is no item."""

    subject = forms.CharField(label=gettext_lazy("What it says"), max_length=200, required=False)
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False)
    description = forms.CharField(
        label=gettext_lazy("Details"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    name = forms.CharField(label=gettext_lazy("Signed by"), max_length=100, required=False)
    phone = forms.CharField(label=gettext_lazy("Phone"), max_length=30, required=False)

    def __init__(self, *args: Any, kinds: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        set_choices(self, "kind", [("", _("as the box says")), *kinds])


ItemFormSet = forms.formset_factory(ItemForm, extra=3, max_num=50, validate_max=True)


def cadence_text(amount: int, unit: str) -> str:
    """ "Opened every 5 days", in the reader's language (the unit's code is never shown)."""
    texts = {
        "days": ngettext("Opened every day", "Opened every %(n)s days", amount),
        "weeks": ngettext("Opened every week", "Opened every %(n)s weeks", amount),
        "months": ngettext("Opened every month", "Opened every %(n)s months", amount),
        "working_days": ngettext(
            "Opened every working day", "Opened every %(n)s working days", amount
        ),
    }
    return texts[unit] % {"n": amount}


def _user(request: HttpRequest) -> User:
    user = staff_user(request)
    assert user is not None
    if not selectors.boxes_may_read(user):
        raise PermissionDenied
    return user


def _items(opening_id: int, data: Any = None) -> Any:
    """The rows of one opening's form (its own prefix: the page lists several openings)."""
    kinds = choices_of(pack_active().kinds, Kind)
    return ItemFormSet(data, prefix=f"o{opening_id}", form_kwargs={"kinds": kinds})


def _page(
    request: HttpRequest, user: User, *, bound: dict[int, Any] | None = None, status: int = 200
) -> HttpResponse:
    pack = pack_active()
    tz = ZoneInfo(pack.timezone)
    today = timezone.localtime(timezone.now(), tz).date()
    boxes = selectors.boxes_for_user(user)
    specs = {b.code: b for b in (pack.care.suggestion_boxes if pack.care else [])}
    rows = []
    for view in boxes:
        spec = specs.get(view.box.code)
        waiting = [
            {
                "opening": o,
                "state": selectors.opening_state(o, today),
                "items": (bound or {}).get(o.pk) or _items(o.pk),
            }
            for o in view.waiting
        ]
        rows.append(
            {
                "view": view,
                "spec": spec,
                "cadence": cadence_text(spec.every.amount, spec.every.unit) if spec else "",
                "waiting": waiting,
            }
        )
    return render(
        request,
        "workbench/care_boxes.html",
        {"rows": rows, "today": today, "declared": bool(specs)},
        status=status,
    )


@staff_required()
def boxes(request: HttpRequest) -> HttpResponse:
    return _page(request, _user(request))


@staff_required()
@require_POST
def opening_record(request: HttpRequest, pk: int) -> HttpResponse:
    user = _user(request)
    items = _items(pk, request.POST)
    note = request.POST.get("note", "")
    if not items.is_valid():
        messages.error(request, _("Please correct the items below."))
        return _page(request, user, bound={pk: items}, status=400)
    found = [
        BoxItem(
            subject=f["subject"],
            description=f["description"],
            kind=f["kind"],
            name=f["name"],
            phone=f["phone"],
        )
        for f in items.cleaned_data
        if f and any(f.get(k) for k in ("subject", "description", "name", "phone"))
    ]
    try:
        opening = box_opening_record(user, pk, items=found, note=note)
    except ValidationFailed as error:
        for key, problems in (error.details or {}).items():
            index, _sep, name = key.partition("].")
            if index.startswith("items[") and name:
                row = [f for f in items.forms if f.cleaned_data and any(f.cleaned_data.values())]
                i = int(index[len("items[") :])
                if i < len(row):
                    for problem in problems:
                        row[i].add_error(name if name in row[i].fields else None, str(problem))
        messages.error(request, error.message)
        return _page(request, user, bound={pk: items}, status=400)
    except ServiceError as error:
        messages.error(request, error.message)
        return _page(request, user, status=error.http_status)
    numbers = [t.number for t in opening.tickets.order_by("id")]
    if numbers:
        links = format_html_join(
            "、", '<a href="{}">{}</a>', ((reverse("web:ticket", args=[n]), n) for n in numbers)
        )
        messages.success(request, format_html(_("Opening recorded; registered: {}."), links))
    else:
        messages.success(request, _("Opening recorded: the box was empty."))
    return redirect("web:care-boxes")


urlpatterns = [
    path("boxes/", boxes, name="care-boxes"),
    path("boxes/openings/<int:pk>/record/", opening_record, name="care-box-record"),
]
