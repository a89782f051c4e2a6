"""The ledger page (台账) and its exports. Reads through `reports.ledger` (the ticket filters,
checked strictly); exports run as background jobs (`reports.exports`) whose progress the
page polls. See docs/ledger.md."""

from django.http import FileResponse, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_GET, require_POST

from closeloop.common.errors import NotFound, ServiceError
from closeloop.common.paging import page_number
from closeloop.directory.models import User
from closeloop.reports import exports
from closeloop.reports.ledger import (
    COUNT_CAP,
    filters_of,
    ledger_count_capped,
    ledger_filterset,
)
from closeloop.tickets import selectors

from . import deadlines, queues
from .access import staff_required, staff_user


def _user(request: HttpRequest) -> User:
    user = staff_user(request)
    assert user is not None  # staff_required let the request through
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@staff_required()
@require_GET
def ledger(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    filters = ledger_filterset(user, request.GET)
    context: dict[str, object] = {"form": filters.form, "rows": [], "formats": exports.FORMATS}
    if not filters.is_valid():
        return render(request, "workbench/ledger.html", context, status=400)
    page = page_number(request.GET.get("page")) or 1  # not a page number: the first
    qs = filters.qs
    tickets, has_next = queues.page_of(qs, page)
    selectors.identity_disclosures_record(tickets, user, "web:ledger")
    count, more = ledger_count_capped(qs, COUNT_CAP)
    query = request.GET.copy()
    query.pop("page", None)
    context.update(
        rows=[
            {
                "ticket": t,
                "customer": selectors.customer_view(t, user),
                "deadline": deadlines.ticket_deadline(t),
            }
            for t in tickets
        ],
        page=page,
        has_next=has_next,
        past_end=page > 1 and not tickets,
        count=count,
        more=more,
        query=query.urlencode(),
        filters=[
            (name, value)
            for name, given in filters_of(request.GET).items()
            for value in (given if isinstance(given, list) else [given])
        ],
    )
    # A page past the last (a stale link, or a made-up number): the ledger, empty, says so.
    return render(
        request, "workbench/ledger.html", context, status=404 if context["past_end"] else 200
    )


@staff_required()
@require_POST
def export_start(request: HttpRequest) -> HttpResponseBase:
    user = _user(request)
    try:
        job = exports.export_job_start(
            user, filters_of(request.POST), request.POST.get("format", "")
        )
    except ServiceError as exc:
        return render(
            request,
            "workbench/ledger_export.html",
            {"error": exc.message},
            status=exc.http_status,
        )
    if not _is_htmx(request):
        return redirect("web:ledger-export", job=job)
    return _status(request, user, job)


@staff_required()
@require_GET
def export_status(request: HttpRequest, job: str) -> HttpResponse:
    return _status(request, _user(request), job)


def _status(request: HttpRequest, user: User, job: str) -> HttpResponse:
    try:
        status = exports.export_job_status(user, job)
    except NotFound:
        return render(request, "workbench/ledger_export.html", {"missing": True}, status=404)
    context = {
        "job": status,
        "poll": status["state"] in ("queued", "running"),
        "status_url": reverse("web:ledger-export", kwargs={"job": job}),
    }
    template = "workbench/ledger_export.html" if _is_htmx(request) else "workbench/ledger_job.html"
    return render(request, template, context)


@staff_required()
@require_GET
def export_download(request: HttpRequest, job: str) -> HttpResponseBase:
    try:
        path = exports.export_job_file(_user(request), job)
    except NotFound:
        return render(request, "workbench/ledger_export.html", {"missing": True}, status=404)
    # Streamed from disk in blocks, never read whole.
    return FileResponse(path.open("rb"), as_attachment=True, filename=path.name)


urlpatterns = [
    path("", ledger, name="ledger"),
    path("export/", export_start, name="ledger-export-start"),
    path("exports/<str:job>/", export_status, name="ledger-export"),
    path("exports/<str:job>/download/", export_download, name="ledger-export-download"),
]
