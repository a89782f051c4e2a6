"""What deadline states, milestones and units are called, for people (pages, messages)."""

from django.utils.translation import gettext_lazy as _

STATE_LABELS = {
    "on_track": _("on track"),
    "warning": _("due soon"),
    "overdue": _("overdue"),
    "met": _("met"),
    "met_late": _("met late"),
    "cancelled": _("cancelled"),
}
MILESTONE_LABELS = {
    "accept": _("accept"),
    "dispatch": _("dispatch"),
    "assign": _("assign"),
    "first_contact": _("first contact"),
    "department_response": _("department response"),
    "progress_report": _("progress report"),
    "reply": _("reply"),
    "resolve": _("resolve"),
    "return_visit": _("return visit"),
    "leader_review": _("leader review"),
    "suggestion_feedback": _("suggestion feedback"),
    "supervision": _("supervision order"),
    "correction": _("correction"),
}
UNIT_LABELS = {
    "minutes": _("minutes"),
    "hours": _("hours"),
    "working_hours": _("working hours"),
    "days": _("days"),
    "working_days": _("working days"),
}


def milestone_label(code: str) -> str:
    return str(MILESTONE_LABELS.get(code, code))
