"""Report pages: the indicators of any period, and the monthly report (月度通报) with its
downloads. Figures come from `reports.indicators` through `reports.monthly`; this module
parses requests and renders."""

from datetime import date, timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from closeloop.common.dates import validate_date_range
from closeloop.common.errors import ServiceError
from closeloop.policy.services import pack_active
from closeloop.reports import display, monthly
from closeloop.reports.charts import to_svg
from closeloop.reports.indicators import GROUPS, indicators, period_of, satisfied_values
from closeloop.reports.monthly import Month

from .access import staff_required, staff_user

READERS = monthly.READER_ROLES
GROUP_LABELS = {
    "department": gettext_lazy("Department"),
    "category": gettext_lazy("Category"),
    "kind": gettext_lazy("Kind"),
    "channel": gettext_lazy("Channel"),
    "agent": gettext_lazy("Agent"),
}


def _user(request: HttpRequest) -> Any:
    user = staff_user(request)
    assert user is not None  # staff_required let the request through
    return user


def _svgs(pictures: list[Any]) -> list[str]:
    # to_svg escapes every text it writes.
    return [mark_safe(to_svg(chart)) for chart in pictures]  # noqa: S308


def _last_month(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


# --------------------------------------------------------------------------- indicators


class PeriodForm(forms.Form):
    # ISO dates whatever the language: a date input shows nothing for "2026/11/01" (zh-hans's
    # own format), and the page would open with its period blank.
    start = forms.DateField(
        label=pgettext_lazy("period", "From"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_date_range],
    )
    end = forms.DateField(
        label=pgettext_lazy("period", "To"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        validators=[validate_date_range],
    )
    group_by = forms.ChoiceField(
        label=gettext_lazy("Group by"),
        required=False,
        choices=[("", gettext_lazy("no grouping")), *GROUP_LABELS.items()],
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        start, end = data.get("start"), data.get("end")
        if start and end and end < start:
            self.add_error("end", _("must not be before the start"))
        elif start and end and (end - start).days > 3660:
            self.add_error("end", _("at most ten years at a time"))
        return data


@staff_required(*READERS)
def indicators_page(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    first, last = _last_month(timezone.localdate())
    form = PeriodForm(request.GET or {"start": first, "end": last, "group_by": "department"})
    context: dict[str, Any] = {"form": form, "group_labels": GROUP_LABELS}
    if not form.is_valid():
        return render(request, "workbench/reports.html", context, status=400)
    data = form.cleaned_data
    group_by = data["group_by"] if data["group_by"] in GROUPS else None
    result = indicators(
        user,
        period_of(data["start"], data["end"]),
        group_by=group_by,
        satisfied_values=satisfied_values(),
    )
    shown = display.indicators_display(result)
    previous = result["previous"]
    context.update(
        {
            "shown": shown,
            "charts": _svgs(shown["charts"]),
            "group_by": group_by,
            "group_label": GROUP_LABELS.get(group_by or "", ""),
            "start": data["start"],
            "end": data["end"],
            "previous_start": timezone.localdate(previous["from"]),
            "previous_end": timezone.localdate(previous["to"]) - timedelta(days=1),
        }
    )
    return render(request, "workbench/reports.html", context)


# --------------------------------------------------------------------------- monthly report


class TypicalCaseForm(forms.Form):
    number = forms.CharField(label=gettext_lazy("Ticket number"), max_length=20, required=False)
    comment = forms.CharField(
        label=pgettext_lazy("monthly report", "Comment"),
        max_length=monthly.COMMENT_MAX,
        required=False,
        widget=forms.TextInput,
    )


TypicalCaseFormSet = forms.formset_factory(
    TypicalCaseForm, extra=3, max_num=monthly.TYPICAL_CASES_MAX, validate_max=True
)


class ActionsForm(forms.Form):
    corrective_actions = forms.CharField(
        label=gettext_lazy("Corrective actions"),
        required=False,
        max_length=monthly.CORRECTIVE_ACTIONS_MAX,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


def _month_or_error(request: HttpRequest, text: str) -> Month | HttpResponse:
    try:
        month = Month.parse(text)
    except ServiceError as exc:
        return render(request, "workbench/reports_error.html", {"message": exc.message}, status=400)
    return month


@staff_required(*READERS)
def monthly_index(request: HttpRequest) -> HttpResponse:
    text = request.GET.get("month", "")
    if text:
        parsed = _month_or_error(request, text)
        if isinstance(parsed, HttpResponse):
            return parsed
        return redirect("web:reports-monthly", month=str(parsed))
    current = monthly.month_current(timezone.now())
    stored = {r.month: r for r in monthly.monthly_reports_recent()}
    months = [str(current.shift(-back)) for back in range(1, 13)]
    rows = [{"month": m, "report": stored.get(m)} for m in months]
    rows += [{"month": m, "report": r} for m, r in stored.items() if m not in months]
    return render(
        request,
        "workbench/reports_monthly_index.html",
        {"rows": rows, "current": str(current), "last": str(current.shift(-1))},
    )


def _monthly_context(request: HttpRequest, month: Month) -> dict[str, Any]:
    user = _user(request)
    now = timezone.now()
    data = monthly.monthly_report_data(user, month, now=now)
    shown = display.monthly_display(data)
    report = data["report"]
    month_over = month < monthly.month_current(now)
    editable = (
        user.has_role(*monthly.EDITOR_ROLES)
        and month_over
        and not (report is not None and report.is_published)
    )
    return {
        "shown": shown,
        "report": report,
        "charts": _svgs(display.monthly_charts(shown["figures"])),
        "editable": editable,
        "month_over": month_over,
        "previous_month": str(month.shift(-1)),
        "next_month": str(month.shift(1)) if month_over else None,
        "cases_form": TypicalCaseFormSet(
            initial=[{"number": c["number"], "comment": c["comment"]} for c in shown["typical"]],
            prefix="cases",
        ),
        "actions_form": ActionsForm(initial={"corrective_actions": shown["corrective_actions"]}),
    }


@staff_required(*READERS)
def monthly_page(request: HttpRequest, month: str) -> HttpResponse:
    parsed = _month_or_error(request, month)
    if isinstance(parsed, HttpResponse):
        return parsed
    if request.method == "POST":
        return _monthly_post(request, parsed)
    try:
        context = _monthly_context(request, parsed)
    except ServiceError as exc:
        return render(request, "workbench/reports_error.html", {"message": exc.message}, status=400)
    return render(request, "workbench/reports_monthly.html", context)


def _monthly_post(request: HttpRequest, month: Month) -> HttpResponse:
    user = _user(request)
    now = timezone.now()
    action = request.POST.get("action", "save")
    cases = TypicalCaseFormSet(request.POST, prefix="cases")
    actions = ActionsForm(request.POST)
    try:
        if action == "refresh":
            monthly.monthly_report_generate(month, user=user, now=now, by=user)
            messages.success(request, _("The figures were computed again."))
        elif not (cases.is_valid() and actions.is_valid()):
            messages.error(request, _("Please correct the marked fields."))
            return _monthly_again(request, month, cases, actions, 400)
        else:
            monthly.monthly_report_update(
                month,
                user=user,
                typical_cases=[
                    (form.cleaned_data.get("number", ""), form.cleaned_data.get("comment", ""))
                    for form in cases.forms
                    if form.cleaned_data
                ],
                corrective_actions=actions.cleaned_data["corrective_actions"],
                now=now,
            )
            if action == "publish":
                monthly.monthly_report_publish(month, user=user, now=now)
                messages.success(request, _("The report is published; the leaders were told."))
            else:
                messages.success(request, _("The draft is saved."))
    except ServiceError as exc:
        messages.error(request, exc.message)
        return _monthly_again(request, month, cases, actions, exc.http_status)
    return redirect("web:reports-monthly", month=str(month))


def _monthly_again(
    request: HttpRequest, month: Month, cases: Any, actions: ActionsForm, status: int
) -> HttpResponse:
    """The page again with what the person typed, and why it was refused."""
    try:
        context = _monthly_context(request, month)
    except ServiceError as exc:
        return render(request, "workbench/reports_error.html", {"message": exc.message}, status=400)
    context.update({"cases_form": cases, "actions_form": actions})
    return render(request, "workbench/reports_monthly.html", context, status=status)


def _download(request: HttpRequest, month: str, kind: str) -> HttpResponse:
    parsed = _month_or_error(request, month)
    if isinstance(parsed, HttpResponse):
        return parsed
    try:
        data = monthly.monthly_report_data(_user(request), parsed, now=timezone.now())
    except ServiceError as exc:
        return render(request, "workbench/reports_error.html", {"message": exc.message}, status=400)
    shown = display.monthly_display(data)
    organisation = pack_active().title
    if kind == "pdf":
        from closeloop.reports.monthly_pdf import monthly_pdf

        body, content_type = monthly_pdf(shown, organisation=organisation), "application/pdf"
    else:
        from closeloop.reports.xlsx import monthly_xlsx

        body = monthly_xlsx(shown, organisation=organisation)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="monthly-report-{parsed}.{kind}"'
    return response


@staff_required(*READERS)
def monthly_pdf_download(request: HttpRequest, month: str) -> HttpResponse:
    return _download(request, month, "pdf")


@staff_required(*READERS)
def monthly_xlsx_download(request: HttpRequest, month: str) -> HttpResponse:
    return _download(request, month, "xlsx")


# Included under reports/ by web/urls.py, in the web namespace.
urlpatterns = [
    path("", indicators_page, name="reports"),
    path("monthly/", monthly_index, name="reports-monthly-index"),
    path("monthly/<str:month>/", monthly_page, name="reports-monthly"),
    path("monthly/<str:month>/report.pdf", monthly_pdf_download, name="reports-monthly-pdf"),
    path("monthly/<str:month>/report.xlsx", monthly_xlsx_download, name="reports-monthly-xlsx"),
]
