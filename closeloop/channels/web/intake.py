"""Intake: register a case while the caller is on the line."""

import uuid
from collections.abc import Mapping
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _

from closeloop.care.receptions import reception_sessions, ticket_register_at_reception
from closeloop.common.errors import ServiceError, ValidationFailed
from closeloop.directory.roles import Role
from closeloop.directory.selectors import duty_on
from closeloop.knowledge.services import ticket_answer_with_article
from closeloop.policy.fields import field_display, field_value_parse
from closeloop.policy.models import Category
from closeloop.policy.services import pack_active
from closeloop.tickets import repeats, selectors, services
from closeloop.tickets.choices import Channel, CustomerType
from closeloop.tickets.models import Ticket
from closeloop.workflow.statuses import FINAL_STATUSES, Status

from .access import staff_required, staff_user
from .actions import department_choices
from .forms import PACK_FIELD, EnclosureFormSet, IntakeForm, builtin_field_kinds

# Fields the services name differently from the form.
FIELD_ALIASES = {"respondent": "respondent_department", "customer": "phone"}
REPEAT_WINDOW = timedelta(days=30)
HISTORY_SIZE = 10


def category_choices() -> list[tuple[str, str]]:
    """Active categories as an indented tree (one query)."""
    rows = list(
        Category.objects.filter(is_active=True).values_list("pk", "code", "name", "parent_id")
    )
    children: dict[int | None, list[tuple[int, str, str]]] = {}
    present = {pk for pk, *_rest in rows}
    for pk, code, name, parent in rows:
        children.setdefault(parent if parent in present else None, []).append((pk, code, name))
    out: list[tuple[str, str]] = []

    def walk(parent: int | None, depth: int) -> None:
        for pk, code, name in sorted(children.get(parent, []), key=lambda r: r[1]):
            out.append((code, "\u3000" * depth + name))
            walk(pk, depth + 1)

    walk(None, 0)
    return out


def _form(pack: Any, data: Any = None, **kwargs: Any) -> IntakeForm:
    return IntakeForm(
        data,
        pack=pack,
        categories=category_choices(),
        departments=department_choices(),
        receptions=_receptions_today(pack),
        **kwargs,
    )


def _receptions_today(pack: Any) -> list[tuple[str, str]]:
    """The reception sessions held today, to link a visit received at one."""
    if not (pack.care and pack.care.receptions):
        return []
    today = timezone.localtime(timezone.now(), ZoneInfo(pack.timezone)).date()
    return [
        (s.code, f"{s.name} · {s.start}–{s.end} · {s.host}")
        for s in reception_sessions(today, today, pack)
        if s.held
    ]


def _ticket_input(
    cd: dict[str, Any], enclosures: list[dict[str, Any]], fields: dict[str, str]
) -> services.TicketInput:
    customer = _customer_input(cd, anonymous=cd["anonymous"])
    return services.TicketInput(
        kind=cd["kind"],
        channel=cd["channel"],
        subject=cd["subject"],
        description=cd["description"],
        category=cd["category"] or None,
        customer=customer,
        anonymous=cd["anonymous"],
        confidential=cd["confidential"],
        on_site=cd["on_site"],
        people_count=cd["people_count"] or 1,
        economic_loss=cd["economic_loss"],
        respondent_department=cd["respondent_department"] or None,
        respondent_staff=cd["respondent_staff"],
        urgency=cd["urgency"] or None,
        location_address=cd["location_address"],
        enclosures=[
            services.EnclosureInput(
                item=e["item"], quantity=e.get("quantity") or 1, disposition=e["disposition"]
            )
            for e in enclosures
            if e.get("item")
        ],
        fields=fields,
    )


def _customer_input(values: Mapping[str, Any], *, anonymous: bool) -> services.CustomerInput | None:
    """The caller, where the agent typed who they are and the case is not anonymous (the
    registration and the preview alike)."""
    if anonymous or not any(values.get(f) for f in ("phone", "name", "organisation", "email")):
        return None
    return services.CustomerInput(
        name=values.get("name") or "",
        phone=values.get("phone") or "",
        email=values.get("email") or "",
        organisation=values.get("organisation") or "",
        type=values.get("customer_type") or CustomerType.INDIVIDUAL,
    )


def _files(request: HttpRequest) -> list[services.FileInput]:
    return [
        services.FileInput(
            name=f.name or "file", content_type=f.content_type or "", size=f.size or 0, read=f.read
        )
        for f in request.FILES.getlist("files")
    ]


def _show_errors(form: IntakeForm, error: ValidationFailed) -> None:
    details = dict(error.details or {})
    for code, problems in (details.pop("fields", None) or {}).items():
        target = PACK_FIELD + code if PACK_FIELD + code in form.fields else None
        for problem in problems:
            form.add_error(target, str(problem))
    for field, problems in details.items():
        name = FIELD_ALIASES.get(field, field)
        target = name if name in form.fields else None
        for problem in problems if isinstance(problems, list) else [problems]:
            form.add_error(target, str(problem))
    if not form.errors:
        form.add_error(None, error.message)


@staff_required(Role.AGENT, Role.SUPERVISOR)
def intake(request: HttpRequest) -> HttpResponse:
    user = staff_user(request)
    assert user is not None
    pack = pack_active()
    status = 200
    if request.method == "POST":
        form = _form(pack, request.POST)
        enclosures = EnclosureFormSet(request.POST, prefix="enc")
        if form.is_valid() and enclosures.is_valid():
            cd = form.recorded_for_kind()
            steps: dict[str, Any] = {
                "actor": user,
                "data": _ticket_input(
                    cd, enclosures.cleaned_data, form.pack_field_values(cd["kind"])
                ),
                "idempotency_key": f"web-intake-{cd['intake_key']}" if cd["intake_key"] else None,
                # Where the pack says so, the agent registering a call is taking it on.
                "accept": pack.accepts_on_register(cd["kind"], cd["channel"]),
                "dispatch": "dispatch" in request.POST,
            }
            try:
                if cd.get("reception") and cd["channel"] == Channel.VISIT:
                    ticket = ticket_register_at_reception(reception=cd["reception"], **steps)
                else:
                    ticket = services.ticket_register(**steps)
            except ValidationFailed as error:
                _show_errors(form, error)
            except ServiceError as error:
                form.add_error(None, error.message)
            else:
                return _after_register(request, user, ticket, cd)
        status = 400
    else:
        form = _form(pack, initial={"intake_key": uuid.uuid4().hex})
        enclosures = EnclosureFormSet(prefix="enc")
    return render(
        request,
        "workbench/intake.html",
        {
            "form": form,
            "enclosures": enclosures,
            "letter_channels": [Channel.LETTER, Channel.VISIT],
            "pack": pack,
            "on_duty": duty_on(timezone.localdate()),
        },
        status=status,
    )


def _after_register(
    request: HttpRequest, user: Any, ticket: Ticket, cd: dict[str, Any]
) -> HttpResponse:
    """Attach files and answer on the spot; the ticket stands even if one of these fails."""
    link = format_html(
        '<a href="{}">{}</a>', reverse("web:ticket", args=[ticket.number]), ticket.number
    )
    try:
        files = _files(request)
        if files:
            services.ticket_attach(user, ticket.number, files=files)
        article = request.POST.get("article", "").strip()
        if article.isdigit():
            ticket_answer_with_article(user, ticket.number, int(article), reply=cd["answer"])
        elif cd["answer"].strip():
            services.ticket_answer(user, ticket.number, reply=cd["answer"])
    except ServiceError as error:
        messages.error(request, format_html(_("Saved as {}, but: {}"), link, error.message))
        return redirect("web:ticket", number=ticket.number)
    if ticket.status == Status.DISPATCHED and ticket.department is not None:
        messages.success(
            request,
            format_html(_("Saved as {}, accepted and dispatched to {}."), link, ticket.department),
        )
    elif ticket.status == Status.ACCEPTED:
        messages.success(request, format_html(_("Saved and accepted as {}."), link))
    else:
        messages.success(request, format_html(_("Saved as {}."), link))
    if "open" in request.POST:
        return redirect("web:ticket", number=ticket.number)
    return redirect("web:intake")


@staff_required(Role.AGENT, Role.SUPERVISOR)
def intake_history(request: HttpRequest) -> HttpResponse:
    """The caller's earlier cases, and a warning when this looks like a repeat."""
    user = staff_user(request)
    assert user is not None
    pack = pack_active()
    phone = request.GET.get("phone", "").strip()
    keys = _key_values(request, pack)
    phone = phone if len(phone) >= 5 else ""
    tickets: list[Ticket] = []
    repeated: list[Ticket] = []
    if phone or keys:
        tickets = list(
            selectors.customer_history_for_user(user, phone, keys).prefetch_related(None)[
                :HISTORY_SIZE
            ]
        )
        selectors.identity_disclosures_record(tickets, user, "web:intake")
        text = f"{request.GET.get('subject', '')} {request.GET.get('description', '')}".strip()
        if text:  # the rule registration applies (same caller, similar text)
            similar = {
                c.number
                for c in repeats.repeat_candidates(
                    text=text, received_at=timezone.now(), phone=phone
                )
            }
            repeated = [t for t in tickets if t.number in similar]
        else:  # before the matter is typed: the same category or kind
            repeated = repeat_candidates(
                tickets, request.GET.get("kind", ""), request.GET.get("category", "")
            )
    return render(
        request,
        "workbench/_history.html",
        {
            "phone": phone,
            "keys": bool(keys),
            "tickets": tickets,
            "repeats": repeated,
            # Each earlier case's key fields (户号, plate number…) as this person may see them.
            "ticket_keys": {t.pk: _keys_shown(pack, t, user) for t in tickets},
        },
    )


def _key_values(request: HttpRequest, pack: Any) -> dict[str, str]:
    """The pack's key fields typed so far (`key: true`), in the form they are stored."""
    values: dict[str, str] = {}
    for spec in pack.fields:
        raw = request.GET.get(PACK_FIELD + spec.code, "")
        if spec.key and raw.strip():
            stored, problem = field_value_parse(spec, raw)
            if stored and not problem:
                values[spec.code] = stored
    return values


def _keys_shown(pack: Any, ticket: Ticket, user: Any) -> list[tuple[str, str]]:
    shown = selectors.fields_view(ticket, user)
    return [
        (spec.label, field_display(pack, spec.code, shown[spec.code]))
        for spec in pack.fields
        if spec.key and shown.get(spec.code)
    ]


def repeat_candidates(tickets: list[Ticket], kind: str, category: str) -> list[Ticket]:
    """Earlier tickets on the same matter: same category (or same kind when no category is
    chosen yet), still open or from the last 30 days. A hint for the agent, never a block."""
    since = timezone.now() - REPEAT_WINDOW
    out = []
    for t in tickets:
        same = (
            (t.category is not None and t.category.code == category)
            if category
            else (t.kind == kind)
        )
        recent = t.status not in FINAL_STATUSES or t.received_at >= since
        if same and recent:
            out.append(t)
    return out


def _decimal(value: str) -> Decimal | None:
    try:
        return Decimal(value) if value.strip() else None
    except InvalidOperation:
        return None


@staff_required(Role.AGENT, Role.SUPERVISOR)
def intake_preview(request: HttpRequest) -> HttpResponse:
    """What the pack will decide for the case as typed so far (nothing is saved)."""
    pack = pack_active()
    data = request.POST if request.method == "POST" else request.GET
    anonymous = bool(data.get("anonymous"))
    try:
        people = max(1, int(data.get("people_count") or 1))
    except ValueError:
        people = 1
    kind = data.get("kind") or (pack.kinds[0] if pack.kinds else "")
    kind_fields = builtin_field_kinds(pack)

    def recorded(
        name: str,
    ) -> bool:  # as registration: a field the kind does not record is left out
        return not kind_fields[name] or kind in kind_fields[name]

    # The same routing registration will do, from the same input (no drift between the two).
    routing = services.ticket_routing_preview(
        services.TicketInput(
            kind=kind,
            channel=data.get("channel") or (pack.channels[0] if pack.channels else ""),
            subject=data.get("subject", ""),
            description=data.get("description", ""),
            category=data.get("category") or None,
            customer=_customer_input(data, anonymous=anonymous),
            anonymous=anonymous,
            on_site=bool(data.get("on_site")) and recorded("on_site"),
            people_count=people,
            economic_loss=_decimal(data.get("economic_loss", ""))
            if recorded("economic_loss")
            else None,
            urgency=data.get("urgency") or None,
        )
    )
    facts, result, department = routing.facts, routing.classification, routing.department
    urgency = result.urgency  # the agent's choice, or else the rules'
    rules = {rule.id: rule.basis for rule in pack.rules}
    accepts = pack.accepts_on_register(facts.kind, facts.channel)
    return render(
        request,
        "workbench/_preview.html",
        {
            "accepts": accepts and not result.decline,
            # "Save and dispatch to …": the rules chose a department the case may go to.
            "dispatch_to": department
            if accepts and not (result.decline or result.no_dispatch)
            else None,
            "result": result,
            "kind": kind,
            "urgency_name": {lv.code: lv.name for lv in pack.urgency.levels}.get(urgency, urgency),
            "urgent": urgency != pack.urgency.default,
            "department": department,
            "matched": [(rule_id, rules.get(rule_id, "")) for rule_id in result.matched_rules],
        },
    )
