"""Quality inspection pages: the month's sample, the score form, corrections outstanding.

Inspectors and supervisors draw and score samples; agents see their own scores and record
the re-contact that corrects a wrong answer. Rules live in `closeloop.quality.services`.
"""

import secrets
from typing import Any

from django import forms
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from closeloop.common.errors import NotFound, ServiceError, ValidationFailed
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.policy.schema import Quality
from closeloop.quality import services as qa
from closeloop.quality.models import Inspection
from closeloop.tickets import selectors

from .access import staff_required, staff_user

INSPECTORS = qa.INSPECTOR_ROLES


def _user(request: HttpRequest) -> User:
    user = staff_user(request)
    assert user is not None  # staff_required let the request through
    return user


def _period(request: HttpRequest) -> str:
    period = request.GET.get("period") or request.POST.get("period") or qa.period_current()
    try:
        return qa.period_parse(period).label
    except ValidationFailed:
        return qa.period_current()


def _previous(period: str) -> str:
    year, month = (int(x) for x in period.split("-"))
    return f"{year - 1}-12" if month == 1 else f"{year}-{month - 1:02d}"


def _rules_or_none() -> Quality | None:
    try:
        return qa.quality_rules()
    except ValidationFailed:
        return None


@staff_required(Role.INSPECTOR, Role.SUPERVISOR, Role.AGENT)
def quality_home(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    period = _period(request)
    inspects = user.has_role(*INSPECTORS)
    inspections = qa.inspections_for_period(period)
    corrections = qa.corrections_outstanding()
    if not inspects:
        inspections = inspections.filter(agent=user)
        corrections = corrections.filter(agent=user)
    return render(
        request,
        "workbench/quality.html",
        {
            "period": period,
            "previous": _previous(period),
            "rules": _rules_or_none(),
            "inspects": inspects,
            "inspections": list(inspections),
            "corrections": list(corrections),
            "summary": qa.quality_summary(period) if inspects else [],
        },
    )


@require_POST
@staff_required(*INSPECTORS)
def quality_sample(request: HttpRequest) -> HttpResponse:
    period = _period(request)
    seed = secrets.randbelow(10**9)  # kept on each inspection, so a draw can be replayed
    try:
        created = qa.inspection_sample(period, seed=seed)
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(n)s tickets drawn for %(period)s.") % {"n": len(created), "period": period},
        )
    return redirect(f"{reverse('web:quality')}?period={period}")


class ScoreForm(forms.Form):
    comment = forms.CharField(
        label=gettext_lazy("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    wrong_answer = forms.BooleanField(
        label=gettext_lazy("The answer was wrong: the agent must re-contact the customer"),
        required=False,
    )

    def __init__(self, *args: Any, rules: Quality, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for criterion in reversed(rules.criteria):
            field = forms.IntegerField(
                label=f"{criterion.name} (0–{criterion.max_points})",
                min_value=0,
                max_value=criterion.max_points,
            )
            self.fields = {f"score_{criterion.code}": field, **self.fields}

    def scores(self) -> dict[str, int]:
        return {
            name.removeprefix("score_"): value
            for name, value in self.cleaned_data.items()
            if name.startswith("score_")
        }


@staff_required(*INSPECTORS)
def quality_score(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    rules = _rules_or_none()
    if rules is None:
        raise Http404
    try:
        ticket = selectors.ticket_get_for_user(user, number)
    except NotFound:
        raise Http404 from None
    inspection = Inspection.objects.filter(ticket=ticket).first()
    form = ScoreForm(request.POST or None, rules=rules)
    if request.method == "POST" and form.is_valid():
        try:
            qa.inspection_score(
                user,
                ticket.number,
                form.scores(),
                form.cleaned_data["comment"],
                form.cleaned_data["wrong_answer"],
            )
        except ValidationFailed as error:
            for field, problems in (error.details or {}).items():
                target = f"score_{field}" if f"score_{field}" in form.fields else field
                for problem in problems if isinstance(problems, list) else [problems]:
                    form.add_error(target if target in form.fields else None, str(problem))
            if not form.errors:
                form.add_error(None, error.message)
        except ServiceError as error:
            form.add_error(None, error.message)
        else:
            messages.success(request, _("Scored %(number)s.") % {"number": ticket.number})
            period = inspection.period if inspection else qa.period_of(ticket.received_at)
            return redirect(f"{reverse('web:quality')}?period={period}")
    return render(
        request,
        "workbench/quality_score.html",
        {
            "ticket": ticket,
            "inspection": inspection,
            "form": form,
            "rules": rules,
            "events": ticket.events.filter(action__in=("answer", "resolve", "correction"))
            .select_related("actor")
            .order_by("at"),
        },
        status=400 if request.method == "POST" else 200,
    )


@require_POST
@staff_required(Role.AGENT, Role.SUPERVISOR)
def quality_correction_done(request: HttpRequest, number: str) -> HttpResponse:
    try:
        qa.correction_done(_user(request), number, request.POST.get("note", ""))
    except NotFound:
        raise Http404 from None
    except ServiceError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Correction recorded for %(number)s.") % {"number": number})
    return redirect("web:quality")


# Included under /quality/ by web/urls.py; names live in the `web` namespace.
urlpatterns = [
    path("", quality_home, name="quality"),
    path("sample/", quality_sample, name="quality-sample"),
    path("score/<str:number>/", quality_score, name="quality-score"),
    path("correction/<str:number>/", quality_correction_done, name="quality-correction"),
]
