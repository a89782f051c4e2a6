"""Staff pages. Each view reads through the selectors, acts through the services, renders."""

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.forms import CharField
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from closeloop.care.receptions import reception_visit_of
from closeloop.common.errors import NotFound, ServiceError, StaleVersion, ValidationFailed
from closeloop.common.paging import page_number
from closeloop.directory.lockout import LoginForm
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.directory.selectors import duty_on
from closeloop.policy.fields import field_display, field_label
from closeloop.policy.services import pack_active
from closeloop.reports.reply_letter import reply_letter_for, reply_letter_pdf, reply_letter_state
from closeloop.sla.models import CaseFile, Deadline
from closeloop.tickets import selectors, services
from closeloop.tickets.choices import ExtensionState
from closeloop.tickets.messages import ticket_customer_messages
from closeloop.tickets.models import ExtensionRequest, Ticket
from closeloop.workflow.actions import ACTIONS
from closeloop.workflow.statuses import Status

from ..downloads import attachment_response
from . import actions, deadlines, queues
from .access import home_for, safe_next, staff_required, staff_user
from .dashboard import dashboard_figures
from .queues import within


class LoginView(auth_views.LoginView):
    template_name = "workbench/login.html"
    form_class = LoginForm
    redirect_authenticated_user = True
    next_page = "web:home"


class LogoutView(auth_views.LogoutView):
    next_page = "web:login"


def _user(request: HttpRequest) -> User:
    user = staff_user(request)
    assert user is not None  # staff_required let the request through
    return user


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


@staff_required()
def home(request: HttpRequest) -> HttpResponse:
    return redirect(home_for(_user(request)))


# --------------------------------------------------------------------------- queues


@staff_required()
def queue(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    available = queues.queues_for(user)
    name = request.GET.get("view") or queues.default_queue(user)
    if name not in available:
        name = available[0]
    pack = pack_active()
    form, qs = queues.queue_filter(user, name, request.GET, pack)
    page = page_number(request.GET.get("page")) or 1  # not a page number: the first
    tickets, has_next = queues.page_of(qs, page)
    selectors.identity_disclosures_record(tickets, user, "web:list")
    urgency_names = {level.code: level.name for level in pack.urgency.levels}
    rows = queues.queue_rows(tickets, user, urgency_names)
    past_end = page > 1 and not rows  # a stale link, or a made-up number
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "workbench/queue.html",
        {
            "queue": name,
            "queues": [(q, queues.QUEUES[q]) for q in available],
            "form": form,
            "rows": rows,
            "page": page,
            "has_next": has_next,
            "past_end": past_end,
            "query": query.urlencode(),
        },
        status=404 if past_end else 200,  # the list, empty, says so
    )


# --------------------------------------------------------------------------- ticket page

# What the history calls each event: an action's from its record, the others' here.
EVENT_LABELS: dict[str, Any] = {
    **{a.code: a.history_label for a in ACTIONS.values() if a.history_label is not None},
    "merged_in": gettext_lazy("Duplicate merged in"),
    "customer_update": gettext_lazy("Customer details updated"),
    "escalate": gettext_lazy("Escalated"),
    "case_file": gettext_lazy("Case file opened"),
    "warning": gettext_lazy("Deadline near"),
    "overdue": gettext_lazy("Deadline passed"),
    # Quality control's: a wrong answer found, and the customer told the right one.
    "correction": gettext_lazy("Correction required"),
    "correction_done": gettext_lazy("Correction made"),
}


def _ticket_context(
    request: HttpRequest,
    user: User,
    ticket: Ticket,
    *,
    bound: dict[str, Any] | None = None,
    open_action: str = "",
) -> dict[str, Any]:
    pack = pack_active()
    extensions = list(ticket.extensions.select_related("requested_by", "decided_by"))
    # At most one request is pending (a constraint): found among all of them, no extra query.
    pending = next((x for x in extensions if x.state == ExtensionState.PENDING), None)
    available = actions.actions_available(user, ticket, pending_extension=pending is not None)
    forms = []
    for action in available:
        form = (bound or {}).get(action) or actions.build_form(action, ticket, pack, user=user)
        spec = actions.SPECS[action]
        forms.append(
            {
                "action": action,
                "label": spec.label,
                "style": spec.style,
                "confirm": spec.confirm,
                "form": form,
                "open": action == open_action,
            }
        )
    selectors.identity_disclosures_record([ticket], user, "web:detail")
    events = list(ticket.events.select_related("actor").order_by("at", "id"))
    return {
        "ticket": ticket,
        "customer": selectors.customer_view(ticket, user),
        "events": events,
        "payload_names": selectors.event_payload_names(events),
        "enclosures": list(ticket.enclosures.all()),
        "attachments": list(ticket.attachments.select_related("uploaded_by")),
        "extensions": extensions,
        "pending_extension": pending,
        "deadlines": deadlines.deadlines_for_ticket(ticket),
        "case_files": list(ticket.case_files.select_related("department", "responsible")),
        "action_forms": forms,
        "event_labels": EVENT_LABELS,
        "urgency_names": {level.code: level.name for level in pack.urgency.levels},
        "return_visit": pack.return_visit,
        "may_reveal_phone": selectors.phone_reveal_refusal(ticket, user) is None,
        "fields": _fields_shown(pack, ticket, user),
        "reply_letter": reply_letter_state(ticket, events),
        "customer_messages": ticket_customer_messages(ticket),
        # 接待日: read only where the pack holds reception sessions.
        "reception_visit": reception_visit_of(ticket, pack)
        if pack.care and pack.care.receptions
        else None,
    }


def _fields_shown(pack: Any, ticket: Ticket, user: User) -> list[dict[str, Any]]:
    """The pack's own fields on the ticket, in the pack's order (then any it no longer
    declares), as `user` may see them."""
    shown = selectors.fields_view(ticket, user)
    order = [spec.code for spec in pack.fields if spec.code in shown]
    order += [code for code in shown if code not in order]
    return [
        {
            "code": code,
            "label": field_label(pack, code),
            "value": field_display(pack, code, shown[code]),
            "masked": shown[code] == selectors.MASK and code in ticket.identity_fields,
        }
        for code in order
    ]


def _get_ticket(user: User, number: str) -> Ticket:
    try:
        return selectors.ticket_get_for_user(user, number)
    except NotFound:
        raise Http404(_("No such ticket, or it is not yours to see.")) from None


@staff_required()
def ticket_detail(request: HttpRequest, number: str) -> HttpResponse:
    user = _user(request)
    ticket = _get_ticket(user, number)
    return render(request, "workbench/ticket.html", _ticket_context(request, user, ticket))


def run_action(
    request: HttpRequest, user: User, ticket: Ticket, action: str
) -> tuple[int, Any, str, str]:
    """Validate the posted form and call the service.

    Returns (HTTP status, the bound form when it must be shown again, message level, message).
    """
    pack = pack_active()
    form = actions.build_form(action, ticket, pack, request.POST, request.FILES, user=user)
    if not form.is_valid():
        return 400, form, "error", _("Please correct the form below.")
    data = form.cleaned_data
    try:
        actions.SPECS[action].run(user, ticket.number, data, data["version"])
    except StaleVersion:
        return (
            409,
            None,
            "conflict",
            _(
                "Someone else changed this ticket while you were working on it. It is shown below "
                "as it stands now, and what you typed is kept: check it, then send it again if "
                "it still applies."
            ),
        )
    except ValidationFailed as error:
        for field, problems in (error.details or {}).items():
            target = field if field in form.fields else None
            for problem in problems if isinstance(problems, list) else [problems]:
                form.add_error(target, str(problem))
        if not form.errors:
            form.add_error(None, error.message)
        return 400, form, "error", error.message
    except ServiceError as error:
        return error.http_status, None, "error", error.message
    decided = actions.SPECS[action].decided(data.get("decision", ""))
    if decided is not None:
        return 200, None, "success", str(decided)
    return 200, None, "success", _("Done: %(action)s.") % {"action": actions.SPECS[action].label}


def _kept_after_conflict(
    request: HttpRequest, user: User, ticket: Ticket, action: str
) -> tuple[Any, list[tuple[str, str]]]:
    """After a conflict, what the person typed is not thrown away: their form again, filled
    in, against the ticket as it now stands (sending it is a new, informed decision); or,
    where the action is no longer theirs to take, their texts to copy."""
    form = actions.build_form(action, ticket, pack_active(), user=user)
    texts = [
        (str(field.label), value)
        for name, field in form.fields.items()
        if isinstance(field, CharField) and (value := request.POST.get(f"{action}-{name}", ""))
    ]
    if not actions.may_take(user, ticket, action):
        return None, texts
    data = request.POST.copy()
    data[f"{action}-version"] = str(ticket.version)
    return actions.build_form(action, ticket, pack_active(), data, None, user=user), []


@staff_required()
@require_POST
def ticket_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    user = _user(request)
    if action not in actions.SPECS:
        raise Http404
    ticket = _get_ticket(user, number)
    status, form, level, message = run_action(request, user, ticket, action)
    try:
        ticket = selectors.ticket_get_for_user(user, number)
    except NotFound:
        # Sent back or transferred away: done, and no longer this person's to see.
        messages.success(request, message)
        response = HttpResponse(status=204 if _is_htmx(request) else 303)
        target = reverse("web:queue")
        response["HX-Redirect" if _is_htmx(request) else "Location"] = target
        return response
    if not _is_htmx(request) and status == 200:
        messages.success(request, message)
        return redirect("web:ticket", number=number)
    kept: list[tuple[str, str]] = []
    if level == "conflict":
        form, kept = _kept_after_conflict(request, user, ticket, action)
    context = _ticket_context(
        request,
        user,
        ticket,
        bound={action: form} if form else None,
        open_action=action if form else "",
    )
    context.update(flash={"level": level, "text": message}, kept=kept)
    template = "workbench/_ticket.html" if _is_htmx(request) else "workbench/ticket.html"
    return render(request, template, context, status=status)


@staff_required()
@require_POST
@never_cache
def ticket_reveal_phone(request: HttpRequest, number: str) -> HttpResponse:
    """The handler of a confidential case reveals the customer's phone to call them: shown in
    this answer only, logged each time (the page stays masked otherwise)."""
    user = _user(request)
    ticket = _get_ticket(user, number)
    status, phone = 200, ""
    try:
        phone = selectors.ticket_phone_reveal(user, number, via="web:reveal_phone")
    except ServiceError as error:
        status, flash = error.http_status, {"level": "error", "text": error.message}
    else:
        flash = {"level": "success", "text": _("The phone is shown for your call; this is logged.")}
    context = _ticket_context(request, user, ticket)
    context.update(flash=flash, revealed_phone=phone)
    template = "workbench/_ticket.html" if _is_htmx(request) else "workbench/ticket.html"
    return render(request, template, context, status=status)


@staff_required()
def attachment_download(request: HttpRequest, number: str, pk: int) -> FileResponse:
    ticket = _get_ticket(_user(request), number)
    attachment = ticket.attachments.filter(pk=pk).first()
    if attachment is None:
        raise Http404
    return attachment_response(attachment)


@staff_required()
@never_cache
def reply_letter_download(request: HttpRequest, number: str) -> HttpResponse:
    """The reply letter (复信) as a PDF to print and post, for whoever may see the ticket; the
    writer's name and address are on it only where this person may see the identity."""
    user = _user(request)
    _get_ticket(user, number)  # 404 for a ticket this person may not see
    try:
        letter = reply_letter_for(user, number)
    except NotFound:
        raise Http404 from None
    except ServiceError as error:
        return render(
            request,
            "workbench/reply_letter_error.html",
            {"message": error.message, "number": number},
            status=error.http_status,
        )
    response = HttpResponse(reply_letter_pdf(letter), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="reply-letter-{number}.pdf"'
    return response


@staff_required()
def case_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The 投诉处理档案 as a page to print: who must answer, which clock was missed, and what
    has happened since. Only for whoever may see its ticket."""
    user = _user(request)
    case = (
        CaseFile.objects.select_related("deadline", "department", "responsible", "ticket")
        .filter(pk=pk)
        .first()
    )
    if case is None:
        raise Http404
    ticket = _get_ticket(user, case.ticket.number)
    selectors.identity_disclosures_record([ticket], user, "web:case_file")
    events = list(
        ticket.events.select_related("actor")
        .filter(at__gte=ticket.received_at)
        .order_by("at", "id")
    )
    return render(
        request,
        "workbench/case_file.html",
        {
            "case": case,
            "ticket": ticket,
            "customer": selectors.customer_view(ticket, user),
            "events": events,
            "payload_names": selectors.event_payload_names(events),
            "event_labels": EVENT_LABELS,
        },
    )


# --------------------------------------------------------------------------- supervisor


@staff_required(Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.INSPECTOR)
def dashboard(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    context = dashboard_figures(user)
    context["event_labels"] = EVENT_LABELS
    # Inspectors and admins read the requests here but may not open the approvals page.
    context["may_decide"] = user.has_role(Role.LEADER, Role.SUPERVISOR)
    context["on_duty"] = duty_on(timezone.localdate())
    return render(request, "workbench/dashboard.html", context)


# --------------------------------------------------------------------------- leader


def _approval_rows(user: User) -> dict[str, Any]:
    """Plans for leaders, extension requests for leaders and supervisors: a supervisor's page
    does not read the plans it would not show."""
    may_plan = user.has_role(Role.LEADER) and services.approval_rule("plan").refusal(user) is None
    may_extend = (
        user.has_role(Role.LEADER, Role.SUPERVISOR)
        and services.approval_rule("extension").refusal(user) is None
    )
    plans: list[Ticket] = []
    extensions: list[ExtensionRequest] = []
    if may_plan:
        visible = selectors.ticket_list_for_user(user).prefetch_related(None)
        plans = list(
            visible.filter(status=Status.PENDING_APPROVAL).order_by("received_at", "id")[:100]
        )
    if may_extend:
        pending = ExtensionRequest.objects.filter(state=ExtensionState.PENDING)
        extensions = list(
            within(pending, user)
            .select_related("ticket", "requested_by")
            .order_by("requested_at")[:100]
        )
        _attach_deadlines(extensions)
    return {
        "plans": plans,
        "extensions": extensions,
        "may_plan": may_plan,
        "may_extend": may_extend,
    }


def _attach_deadlines(extensions: list[ExtensionRequest]) -> None:
    """Give each request the running deadline it would move (`x.deadline`), so the page says
    which stage is extended, its current due moment and who holds it: one query."""
    wanted = {(x.ticket_id, x.milestone) for x in extensions}
    found: dict[tuple[int, str], Deadline] = {}
    rows = (
        Deadline.objects.filter(
            ticket_id__in={t for t, _m in wanted},
            milestone__in={m for _t, m in wanted},
            closed_at__isnull=True,
        )
        .select_related("department", "handler")
        .order_by("due_at", "id")
    )
    for deadline in rows:
        found.setdefault((deadline.ticket_id, deadline.milestone), deadline)
    for x in extensions:
        x.deadline = found.get((x.ticket_id, x.milestone))  # type: ignore[attr-defined]


@staff_required(Role.LEADER, Role.SUPERVISOR)
def approvals(request: HttpRequest) -> HttpResponse:
    return render(request, "workbench/approvals.html", _approval_rows(_user(request)))


@staff_required()
@require_POST
def row_act(request: HttpRequest, number: str, action: str) -> HttpResponse:
    """An action taken from a list (approvals, return visits): answers with the row only."""
    user = _user(request)
    if action not in ("approve_plan", "approve_extension", "visit", "close"):
        raise Http404
    ticket = _get_ticket(user, number)
    status, form, level, message = run_action(request, user, ticket, action)
    if not _is_htmx(request):
        getattr(messages, "success" if status == 200 else "error")(request, message)
        return redirect(safe_next(request, request.POST.get("back")))
    ticket = selectors.ticket_after_action(ticket)
    context = {
        "ticket": ticket,
        "flash": {"level": level, "text": message},
        "form": form,
        "action": action,
        "done": status == 200,
    }
    if action in ("visit", "close"):
        context.update(_visit_row(user, ticket, pack_active()))
        template = "workbench/_visit_row.html"
    else:
        template = "workbench/_decided_row.html"
    return render(request, template, context, status=status)


# --------------------------------------------------------------------------- return visits


def _visit_row(user: User, ticket: Ticket, pack: Any) -> dict[str, Any]:
    # A visit counts for the latest resolution only: after a reopen the customer is asked again.
    visited = bool(
        ticket.visited_at and ticket.resolved_at and ticket.visited_at >= ticket.resolved_at
    )
    visit_form = close_form = None
    if actions.may_take(user, ticket, "visit") and not visited:
        # One form per row: ids unique per ticket, so each label names its own row's field.
        visit_form = actions.build_form("visit", ticket, pack, auto_id=f"id_{ticket.number}-%s")
    if actions.may_take(user, ticket, "close") and visited:
        close_form = actions.build_form("close", ticket, pack)
    return {
        "customer": selectors.customer_view(ticket, user),
        "visit_form": visit_form,
        "close_form": close_form,
    }


@staff_required(Role.AGENT, Role.SUPERVISOR)
def visits(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    pack = pack_active()
    rv = pack.return_visit
    qs = (
        selectors.ticket_list_for_user(user)
        .prefetch_related(None)
        .filter(status=Status.RESOLVED)
        .order_by("resolved_at", "id")
    )
    if rv is not None and rv.kinds:
        qs = qs.filter(kind__in=rv.kinds, anonymous=False, customer__isnull=False)
    tickets = list(qs[:100])
    selectors.identity_disclosures_record(tickets, user, "web:list")
    rows = [{"ticket": t, **_visit_row(user, t, pack)} for t in tickets]
    return render(
        request,
        "workbench/visits.html",
        {"rows": rows, "script": rv.script if rv else [], "return_visit": rv},
    )


def no_pack(request: HttpRequest, error: Exception) -> HttpResponse:
    return render(request, "workbench/no_pack.html", {"message": str(error)}, status=503)


def ticket_link(ticket: Ticket) -> str:
    return format_html(
        '<a href="{}">{}</a>', reverse("web:ticket", args=[ticket.number]), ticket.number
    )
