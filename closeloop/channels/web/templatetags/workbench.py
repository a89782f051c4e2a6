"""Template helpers of the workbench: the top bar, event summaries, deadline badges."""

from collections.abc import Callable
from typing import Any, NamedTuple

from django import template
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from closeloop.directory.roles import Role
from closeloop.sla.labels import MILESTONE_LABELS, STATE_LABELS
from closeloop.tickets.choices import ReplyMethod, Satisfaction, Severity, Validity
from closeloop.tickets.models import Customer
from closeloop.workflow.statuses import Status

from ...live.changes import live_position
from .. import deadlines, notifications, queues
from ..access import staff_user

register = template.Library()
# The states a clock can still move out of by itself: the browser turns them on time.
LIVE_STATES = ("on_track", "warning")


@register.simple_tag
def htmx_src() -> str:
    """htmx from the django-htmx package's static files: no CDN, nothing copied in."""
    return static("django_htmx/htmx-2.min.js")


@register.inclusion_tag("workbench/_topbar.html", takes_context=True)
def topbar(context: template.Context) -> dict[str, Any]:
    request = context.get("request")
    user = staff_user(request) if request is not None else None
    if request is None or user is None:
        return {"user": None}
    roles = [Role(r).label for r in sorted(user.role_set)]
    counted = queues.counted_queue(user)
    counts = deadlines.state_counts(queues.queue_tickets(user, counted))
    return {
        "user": user,
        "roles": roles,
        "department": user.department,
        "counts": counts,
        "scope": {"view": counted, **COUNTED[counted]},
        "cap": deadlines.COUNT_CAP,
        "nav": _nav(user, request.resolver_match.view_name if request.resolver_match else ""),
        "bell": notifications.bell_context(user),
        "request": request,
        "csrf_token": context.get("csrf_token"),
    }


# What the top bar's counts say they count, by the queue they count (`queues.counted_queue`).
COUNTED = {
    "mine": {
        "label": pgettext_lazy("top bar counts", "Mine"),
        "warning": _("My tickets near a deadline"),
        "overdue": _("My tickets past a deadline"),
    },
    "open": {
        "label": pgettext_lazy("top bar counts", "Centre"),
        "warning": _("The centre's open tickets near a deadline"),
        "overdue": _("The centre's open tickets past a deadline"),
    },
}


class MenuItem(NamedTuple):
    name: str  # the page's url name
    label: Any
    key: str  # its access key
    may: frozenset[str]  # the roles that may open it
    daily: frozenset[str]  # the roles that open it every day: for them it stands in the bar


EVERYONE = frozenset(Role)
CALLS = frozenset({Role.AGENT, Role.SUPERVISOR})
DEPARTMENT = frozenset({Role.LIAISON, Role.HANDLER})
DECIDERS = frozenset({Role.LEADER, Role.SUPERVISOR})
OVERSIGHT = frozenset({Role.SUPERVISOR, Role.LEADER, Role.ADMIN, Role.INSPECTOR})
# A person's daily pages stand in the bar, the others wait under "More": nine pages in a row
# did not fit a 1280-pixel screen (a supervisor's wrapped in Chinese, overflowed in English).
MENU = [
    MenuItem("web:intake", _("Intake"), "n", CALLS, CALLS),
    MenuItem("web:queue", _("Queues"), "q", EVERYONE, EVERYONE),
    MenuItem("web:ledger", _("Ledger"), "l", EVERYONE, DEPARTMENT),
    MenuItem("web:visits", _("Return visits"), "v", CALLS, frozenset({Role.AGENT})),
    MenuItem("web:approvals", _("Approvals"), "a", DECIDERS, DECIDERS),
    MenuItem("web:dashboard", _("Dashboard"), "d", OVERSIGHT, OVERSIGHT),
    MenuItem("web:reports", _("Reports"), "r", OVERSIGHT, OVERSIGHT - {Role.SUPERVISOR}),
    MenuItem("web:knowledge", _("Knowledge base"), "k", EVERYONE, DEPARTMENT | {Role.AGENT}),
    MenuItem(
        "web:quality", _("Quality"), "i", CALLS | {Role.INSPECTOR}, frozenset({Role.INSPECTOR})
    ),
    # The care pages' readers (care/selectors.py READERS); opened every few days, not daily.
    MenuItem(
        "web:care-boxes",
        _("Suggestion boxes"),
        "b",
        CALLS | {Role.LEADER, Role.ADMIN},
        frozenset(),
    ),
]


def _nav(user: Any, current: str = "") -> dict[str, Any]:
    """The pages this person may open, as the bar shows them: `daily` in the bar, `more` under
    "More" — none when only one page would be there (a menu of one is a click for nothing)."""
    roles = user.role_set
    items = [
        (
            {"name": m.name, "label": m.label, "key": m.key, "current": m.name == current},
            roles & m.daily,
        )
        for m in MENU
        if roles & m.may
    ]
    more = [item for item, daily in items if not daily]
    if len(more) < 2:
        return {"daily": [item for item, _daily in items], "more": [], "more_current": False}
    return {
        "daily": [item for item, daily in items if daily],
        "more": more,
        "more_current": any(item["current"] for item in more),
    }


@register.simple_tag(takes_context=True)
def live_attrs(context: template.Context) -> str:
    """The body's attributes for live.js: where to listen, from which position, and the badge
    labels it switches to. Nothing for a page without a logged-in person."""
    request = context.get("request")
    if request is None or staff_user(request) is None:
        return ""
    return format_html(
        ' data-live-url="{}" data-live-since="{}" data-label-warning="{}" data-label-overdue="{}"',
        reverse("web:live-events"),
        live_position(),
        STATE_LABELS["warning"],
        STATE_LABELS["overdue"],
    )


@register.simple_tag
def deadline_badge(
    state: str,
    provisional: bool = False,
    due: Any = None,
    warn: Any = None,
    paused: Any = None,
    countdown: bool = False,
) -> str:
    """A deadline state as colour and text, and a dashed badge for a provisional deadline.
    With `due` (and `warn`), a running deadline's badge turns "due soon" and "overdue" on the
    clock in the browser (live.js), without a reload; with `countdown`, a short clock also
    shows the time left, ticking (h:mm:ss, negative once overdue).

    Built here rather than in an included template: a queue shows fifty of them."""
    parts = []
    if state:
        label = STATE_LABELS.get(state, state)
        if due is not None and state in LIVE_STATES and not paused:
            parts.append(
                format_html(
                    '<span class="dl dl-{}" data-state="{}" data-due="{}"{}>{}</span>',
                    state,
                    state,
                    due.isoformat(),
                    format_html(' data-warn="{}"', warn.isoformat()) if warn else "",
                    label,
                )
            )
        else:
            parts.append(
                format_html('<span class="dl dl-{}" data-state="{}">{}</span>', state, state, label)
            )
    if countdown and due is not None and state in (*LIVE_STATES, "overdue") and not paused:
        parts.append(
            format_html(
                ' <time class="countdown" datetime="{}" data-countdown title="{}"></time>',
                due.isoformat(),
                _("time left"),
            )
        )
    if provisional:
        parts.append(
            format_html(
                ' <span class="dl dl-provisional" title="{}">{}</span>',
                _("Computed on plain weekdays: no official calendar for that year yet."),
                _("provisional"),
            )
        )
    return mark_safe("".join(parts))  # noqa: S308 - every part comes from format_html


@register.filter
def milestone_label(value: str) -> Any:
    return MILESTONE_LABELS.get(value, value)


@register.filter
def rule_text(rule: Any) -> str:
    return deadlines.rule_text(rule)


@register.filter
def get_item(mapping: dict[str, Any], key: str) -> Any:
    return mapping.get(key, key) if mapping else key


@register.filter
def status_label(value: str) -> Any:
    try:
        return Status(value).label
    except ValueError:
        return value


def _local_time(text: str) -> str:
    """An ISO moment from an event's payload in the centre's time zone."""
    moment = parse_datetime(text)
    if moment is None:
        return text
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


PAYLOAD_LABELS = {
    "reason": _("Reason"),
    "note": _("Note"),
    "text": _("Note"),
    "plan": _("Plan"),
    "reply": _("Reply"),
    "method": _("How"),
    "comment": _("Comment"),
    "department": _("Department"),
    "from_department": _("From"),
    "handler": _("Handler"),
    "responsible": _("Responsible person"),
    "satisfaction": _("Satisfaction"),
    "until": _("Until"),
    "due_at": _("Due by"),
    "into": _("Merged into"),
    "duplicate": _("Duplicate"),
    "validity": _("Validity"),
    "cause": _("Cause"),
    "referral": _("Referral"),
    "approved": _("Approved"),
    "routed_department": _("Routed to"),
    "urgency": _("Urgency"),
    "severity": _("Severity"),
    "via": _("Via"),
    "milestone": _("Milestone"),
    "basis": _("Basis"),
    "fields": _("Changed"),
}


def _customer_field_label(name: str) -> Any:
    try:
        return getattr(Customer._meta.get_field(name), "verbose_name", name)
    except FieldDoesNotExist:
        return name


def _choice_label(choices: type[models.TextChoices]) -> Callable[[Any], Any]:
    """The label of a known choice; anything else (an older payload) as it was stored."""
    return lambda value: choices(value).label if value in choices.values else value


def _moment_text(value: Any) -> Any:
    return _local_time(value) if isinstance(value, str) else value


def _changed_fields(value: Any) -> Any:
    # A customer record's changed fields, by their labels.
    if not isinstance(value, list):
        return value
    return ", ".join(str(_customer_field_label(name)) for name in value)


# How a payload value reads, for the keys whose stored form is a code or a moment.
PAYLOAD_FORMATS: dict[str, Callable[[Any], Any]] = {
    "due_at": _moment_text,
    "until": _moment_text,
    "severity": _choice_label(Severity),
    "satisfaction": _choice_label(Satisfaction),
    "approved": lambda value: _("yes") if value else _("no"),
    "milestone": lambda value: MILESTONE_LABELS.get(value, value),
    "method": _choice_label(ReplyMethod),
    "validity": _choice_label(Validity),
    "via": lambda value: _("public portal") if value == "portal" else _("staff"),
    "fields": _changed_fields,
}


# The keys whose stored code has a name in the page's `payload_names`
# (`selectors.event_payload_names`): departments, people, urgency levels.
NAMED_KEYS = {
    "department": "department",
    "from_department": "department",
    "routed_department": "department",
    "handler": "person",
    "responsible": "person",
    "urgency": "urgency",
}


@register.filter
def event_details(
    payload: dict[str, Any], names: dict[str, dict[str, str]] | None = None
) -> list[tuple[Any, str]]:
    """The parts of an event's payload a person reads, labelled, in a stable order: names
    rather than the codes stored (a department, a person, an urgency level, a choice)."""
    out: list[tuple[Any, str]] = []
    if not isinstance(payload, dict):
        return out
    for key, label in PAYLOAD_LABELS.items():
        value = payload.get(key)
        if value in (None, "", [], {}):
            continue
        formatted = PAYLOAD_FORMATS.get(key)
        if formatted is not None:
            value = formatted(value)
        elif key in NAMED_KEYS and names:
            # A code no longer known (a department since removed) reads as it was stored.
            value = names.get(NAMED_KEYS[key], {}).get(value, value)
        out.append((label, str(value)))
    files = payload.get("attachments")
    if isinstance(files, list) and files:
        out.append((_("Files"), ", ".join(str(f.get("filename", "")) for f in files)))
    reasons = payload.get("crisis_reasons")
    if payload.get("crisis") and isinstance(reasons, list):
        out.append((_("Crisis"), "; ".join(map(str, reasons))))
    return out
