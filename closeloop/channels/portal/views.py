"""The public portal: submit a case, check its progress, rate the outcome. No login.

What the public sees of a ticket is chosen field by field in `public_view`: never internal
notes, the handler or department, nor anything about other customers.
"""

import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from closeloop.channels.web.intake import category_choices
from closeloop.common.errors import Gone, NotFound, ServiceError, ValidationFailed
from closeloop.policy.services import pack_active
from closeloop.tickets import messages, selectors, services
from closeloop.tickets.choices import Channel
from closeloop.tickets.models import Ticket
from closeloop.workflow.statuses import OPEN_STATUSES, Status

from .forms import CheckForm, RateForm, SubmitForm, SurveyForm
from .guard import rate_limit_hit

logger = logging.getLogger(__name__)

PROOF_KEY = "portal_proof"
SUBMITTED_KEY = "portal_submitted"
RATED_KEY = "portal_rated"

PUBLIC_STATUS = {
    Status.REGISTERED: gettext_lazy("received"),
    Status.ACCEPTED: gettext_lazy("accepted"),
    Status.DISPATCHED: gettext_lazy("being handled"),
    Status.IN_PROGRESS: gettext_lazy("being handled"),
    Status.PENDING_APPROVAL: gettext_lazy("being handled"),
    Status.SUSPENDED: gettext_lazy("waiting for information from you"),
    Status.RESOLVED: gettext_lazy("replied"),
    Status.CLOSED: gettext_lazy("closed"),
    Status.DECLINED: gettext_lazy("not accepted"),
    Status.MERGED: gettext_lazy("joined with an earlier case on the same matter"),
}


def limited(purpose: str) -> Callable[..., Any]:
    """Count POSTs per client address; past the limit answer 429 with a page that says why."""

    def decorate(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if request.method == "POST":
                wait = rate_limit_hit(request, purpose)
                if wait:
                    response = render(
                        request, "portal/limited.html", {"minutes": (wait + 59) // 60}, status=429
                    )
                    response["Retry-After"] = str(wait)
                    return response
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def public_view(ticket: Ticket) -> dict[str, Any]:
    replied = ticket.status in (Status.RESOLVED, Status.CLOSED)
    return {
        "number": ticket.number,
        "status": ticket.status,
        "status_label": PUBLIC_STATUS.get(Status(ticket.status), ticket.status),
        "kind": ticket.get_kind_display(),
        "category": ticket.category.name if ticket.category else "",
        "subject": ticket.subject,
        "received_at": ticket.received_at,
        "resolved_at": ticket.resolved_at if replied else None,
        "closed_at": ticket.closed_at,
        "reply": ticket.reply if replied else "",
        "referral": ticket.referral if ticket.status == Status.DECLINED else "",
        "satisfaction": ticket.get_satisfaction_display() if ticket.satisfaction else "",
        "may_rate": ticket.status == Status.RESOLVED and not _visited(ticket),
        "reopened_notice": services.reopened_notice(ticket) if _reopened_by_visit(ticket) else "",
    }


def _reopened_by_visit(ticket: Ticket) -> bool:
    """Open again because the customer was dissatisfied, and not yet answered again."""
    if ticket.status not in OPEN_STATUSES:
        return False
    latest = ticket.events.filter(action__in=("visit", "resolve", "answer", "reopen")).last()
    return latest is not None and latest.action == "visit" and bool(latest.payload.get("reopened"))


def _visited(ticket: Ticket) -> bool:
    return bool(
        ticket.visited_at and ticket.resolved_at and ticket.visited_at >= ticket.resolved_at
    )


def home(request: HttpRequest) -> HttpResponse:
    pack = pack_active()
    receives = bool(pack.care and pack.care.receptions)
    return render(request, "portal/home.html", {"pack": pack, "receives": receives})


@require_http_methods(["GET", "POST"])
@limited("submit")
def submit(request: HttpRequest) -> HttpResponse:
    pack = pack_active()
    categories = category_choices()
    if request.method != "POST":
        form = SubmitForm(pack=pack, categories=categories)
        return render(request, "portal/submit.html", {"form": form, "pack": pack})
    form = SubmitForm(request.POST, request.FILES, pack=pack, categories=categories)
    if form.is_valid():
        cd = form.cleaned_data
        anonymous = bool(cd.get("anonymous"))
        data = services.TicketInput(
            kind=cd["kind"],
            channel=Channel.WEB,
            subject=cd["subject"],
            description=cd["description"],
            category=cd["category"] or None,
            anonymous=anonymous,
            customer=None
            if anonymous
            else services.CustomerInput(name=cd["name"], phone=cd["phone"], email=cd["email"]),
        )
        try:
            ticket = services.ticket_register_public(data=data)
        except ValidationFailed as error:
            for field, problems in (error.details or {}).items():
                target = field if field in form.fields else None
                for problem in problems if isinstance(problems, list) else [problems]:
                    form.add_error(target, str(problem))
        else:
            attach_error = ""
            if cd["attachments"]:
                try:
                    _attach(ticket, cd["attachments"])
                except ServiceError as error:
                    attach_error = error.message
            request.session[SUBMITTED_KEY] = {
                "number": ticket.number,
                "code": ticket.public_code,
                "attach_error": attach_error,
            }
            request.session[PROOF_KEY] = {"number": ticket.number, "code": ticket.public_code}
            return redirect("portal:submitted")
    form.refresh_challenge()
    return render(request, "portal/submit.html", {"form": form, "pack": pack}, status=400)


def _attach(ticket: Ticket, uploads: list[Any]) -> None:
    files = [
        services.FileInput(name=f.name, content_type=f.content_type or "", size=f.size, read=f.read)
        for f in uploads
    ]
    # The customer who just created the ticket, proven by the code the service gave them.
    services.ticket_attach_by_customer(ticket.number, code=ticket.public_code, files=files)


def submitted(request: HttpRequest) -> HttpResponse:
    info = request.session.get(SUBMITTED_KEY)
    if not info:
        return redirect("portal:home")
    return render(request, "portal/submitted.html", info)


@require_http_methods(["GET", "POST"])
@limited("check")
def check(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return render(request, "portal/check.html", {"form": CheckForm()})
    form = CheckForm(request.POST)
    if form.is_valid():
        cd = form.cleaned_data
        number = cd["number"].strip()
        try:
            selectors.ticket_for_customer(number, phone=cd["phone"], code=cd["code"])
        except NotFound:
            form.add_error(
                None, _("We found no case with that number and phone or code. Please check them.")
            )
        else:
            request.session[PROOF_KEY] = {
                "number": number,
                "phone": cd["phone"].strip(),
                "code": cd["code"].strip(),
            }
            return redirect("portal:status")
    form.refresh_challenge()
    return render(request, "portal/check.html", {"form": form}, status=400)


def _proven_ticket(request: HttpRequest) -> tuple[Ticket, dict[str, str]]:
    proof = request.session.get(PROOF_KEY)
    if not proof:
        raise Http404
    try:
        ticket = selectors.ticket_for_customer(
            proof["number"], phone=proof.get("phone", ""), code=proof.get("code", "")
        )
    except NotFound:
        raise Http404 from None
    return ticket, proof


def status(request: HttpRequest) -> HttpResponse:
    try:
        ticket, _proof = _proven_ticket(request)
    except Http404:
        return redirect("portal:check")
    # Said once, right after the rating: the status below says what happens next.
    rated = request.session.pop(RATED_KEY, "") == ticket.number
    return render(
        request,
        "portal/status.html",
        {"t": public_view(ticket), "rate_form": RateForm(), "rated": rated},
    )


@require_POST
@limited("rate")
def rate(request: HttpRequest) -> HttpResponse:
    try:
        ticket, proof = _proven_ticket(request)
    except Http404:
        return redirect("portal:check")
    form = RateForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.ticket_return_visit_by_customer(
                ticket.number,
                phone=proof.get("phone", ""),
                code=proof.get("code", ""),
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except ServiceError as err:
            error = err.message
        else:
            request.session[RATED_KEY] = ticket.number
            return redirect("portal:status")
    ticket.refresh_from_db()
    return render(
        request,
        "portal/status.html",
        {"t": public_view(ticket), "rate_form": form, "error": error},
        status=400,
    )


# --------------------------------------------------------------------------- the survey link

TOKEN_MAX = 100


def _token_shown(token: str) -> str:
    """The token as a log may show it: its first characters only."""
    return f"{token[:6]}…"


def _survey_refused(
    request: HttpRequest, token: str, message: str, status: int, reason: str
) -> HttpResponse:
    """A link that opens nothing: a page that says why, and nothing changes. Django would log
    the request's path (which holds the token) for a 4xx answer; this logs a shortened token."""
    logger.info("survey link refused (%s): %s", reason, _token_shown(token))
    response = render(request, "portal/survey_refused.html", {"message": message}, status=status)
    response._has_been_logged = True  # type: ignore[attr-defined]  # Django's own flag
    return response


def _survey_invitation(request: HttpRequest, token: str) -> Any:
    """The invitation the token opens, or the refusal page to answer with."""
    invitation = selectors.survey_invitation_find(token) if len(token) <= TOKEN_MAX else None
    if invitation is None:
        message = _("This survey link is not valid. Please check that it was copied whole.")
        return _survey_refused(request, token, message, 404, "unknown")
    spent = invitation.spent(timezone.now())
    if spent:
        return _survey_refused(request, token, str(services.SURVEY_SPENT[spent]), 410, spent)
    if not public_view(invitation.ticket)["may_rate"]:
        message = _("This case is no longer waiting for your rating.")
        return _survey_refused(request, token, message, 410, "not rateable")
    return invitation


def _survey_page(
    request: HttpRequest, ticket: Ticket, form: SurveyForm, error: str = "", status: int = 200
) -> HttpResponse:
    response = render(
        request,
        "portal/survey.html",
        {"t": public_view(ticket), "form": form, "error": error},
        status=status,
    )
    response._has_been_logged = True  # type: ignore[attr-defined]  # the path holds the token
    # The token never leaves in a Referer to another site ("no-referrer" would also send
    # "Origin: null" with the form, which the CSRF check refuses).
    response["Referrer-Policy"] = "same-origin"
    return response


@require_http_methods(["GET"])
def survey(request: HttpRequest, token: str) -> HttpResponse:
    """The page a survey link opens: the case as the public sees it, and the rating form."""
    found = _survey_invitation(request, token)
    if isinstance(found, HttpResponse):
        return found
    return _survey_page(request, found.ticket, SurveyForm(initial={"token": token}))


@require_POST
@limited("survey")
def survey_rate(request: HttpRequest) -> HttpResponse:
    """The rating sent from the survey page: the return visit, and the link is spent."""
    token = str(request.POST.get("token", ""))
    found = _survey_invitation(request, token)
    if isinstance(found, HttpResponse):
        return found
    form = SurveyForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            ticket = services.survey_invitation_redeem(
                token,
                satisfaction=form.cleaned_data["satisfaction"],
                comment=form.cleaned_data["comment"],
            )
        except (NotFound, Gone) as err:  # spent by a rating sent at the same moment
            return _survey_refused(request, token, err.message, err.http_status, err.code)
        except ServiceError as err:
            error = err.message
        else:
            # The status page says what happens next (closed, or reopened and by when); the
            # link proved the case, as the number and code would have.
            request.session[PROOF_KEY] = {"number": ticket.number, "code": ticket.public_code}
            request.session[RATED_KEY] = ticket.number
            return redirect("portal:status")
    return _survey_page(request, found.ticket, form, error, status=400)


@require_http_methods(["GET", "POST"])
@limited("opt_out")
def messages_opt_out(request: HttpRequest, token: str) -> HttpResponse:
    """The link in every email to a customer: no more non-essential messages (the survey).
    A GET asks (mail scanners open links); the POST records it. A link that is not valid or
    has expired says so and changes nothing."""
    try:
        messages.opt_out_token_check(token)
        if request.method == "POST":
            messages.customer_messages_opt_out(token)
            return render(request, "portal/opt_out.html", {"done": True})
    except ValidationFailed as err:
        return render(request, "portal/opt_out.html", {"error": err.message}, status=400)
    return render(request, "portal/opt_out.html", {"token": token})
