"""Why a person was told: each notification kind (an action's code, an escalation, a
correction, the monthly report, the digest…) with the reason the bell and the page show, and
the group a person sets their channels for (`NotificationPreference`).

The one declaration: the bell, the notifications page, its filter and the preferences page
read it; `notify()` reads the group to honour a person's choices. A kind not listed here
shows the fallback reason and falls in the "other" group.
"""

from dataclasses import dataclass

from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class Group(models.TextChoices):
    """What a person chooses channels for on the preferences page."""

    ASSIGNED = "assigned", _("Assigned to me")
    APPROVALS = "approvals", _("Approvals and decisions")
    REMINDERS = "reminders", _("Reminders and supervision")
    OVERDUE = "overdue", _("Overdue and case files")
    CORRECTIONS = "corrections", _("Corrections")
    MENTIONS = "mentions", _("Mentions")
    DIGEST = "digest", _("Daily digest")
    MONTHLY = "monthly", _("Monthly report")
    OTHER = "other", _("Other")


@dataclass(frozen=True)
class Reason:
    label: Promise
    group: Group


REASONS: dict[str, Reason] = {
    # staff actions (their codes, `workflow/actions.py`)
    "assign": Reason(_("assigned to you"), Group.ASSIGNED),
    "dispatch": Reason(_("sent to your department"), Group.ASSIGNED),
    "transfer": Reason(_("transferred to your department"), Group.ASSIGNED),
    "send_back": Reason(_("sent back to you"), Group.ASSIGNED),
    "visit": Reason(_("reopened after the return visit"), Group.ASSIGNED),
    "submit_plan": Reason(_("plan to approve"), Group.APPROVALS),
    "approve_plan": Reason(_("plan approved"), Group.APPROVALS),
    "reject_plan": Reason(_("plan rejected"), Group.APPROVALS),
    "extend": Reason(_("extension to decide"), Group.APPROVALS),
    "approve_extension": Reason(_("extension decided"), Group.APPROVALS),
    "remind": Reason(_("reminded"), Group.REMINDERS),
    "supervise": Reason(_("supervised"), Group.REMINDERS),
    "escalate": Reason(_("escalated"), Group.REMINDERS),
    # the deadline sweep
    "overdue": Reason(_("overdue"), Group.OVERDUE),
    "case_file": Reason(_("case file"), Group.OVERDUE),
    "box_overdue": Reason(_("suggestion box not opened"), Group.OVERDUE),
    # quality inspection, notes, the digest, reports
    "correction": Reason(_("correction"), Group.CORRECTIONS),
    "mention": Reason(_("mentioned"), Group.MENTIONS),
    "digest": Reason(_("daily digest"), Group.DIGEST),
    "monthly_report": Reason(_("monthly report"), Group.MONTHLY),
}

FALLBACK = Reason(_("notification"), Group.OTHER)


def reason_for(kind: str) -> Reason:
    return REASONS.get(kind, FALLBACK)


def kinds_of(group: str) -> list[str]:
    return [kind for kind, reason in REASONS.items() if reason.group == group]
