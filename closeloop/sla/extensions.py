"""Extension requests move a running deadline later, within the cap the ticket's pack set."""

from datetime import datetime

from django.utils.translation import gettext as _

from closeloop.common.errors import ValidationFailed
from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.tickets.models import Ticket
from closeloop.workflow.deadlines import DeadlineState

from .engine import _local, _next_check, _warn_at, ticket_deadlines_summarise
from .labels import milestone_label
from .models import Deadline
from .notices import calendar_for
from .timelimits import TimeLimit, deadline_compute

# The clocks a department answers for, which its extension request moves unless it names
# another: never the supervisor's own order (督办), whose due moment the supervisor set.
DEPARTMENT_EXTENDS = {
    "assign",
    "first_contact",
    "department_response",
    "progress_report",
    "reply",
    "resolve",
    "suggestion_feedback",
}


def deadline_for_extension(
    ticket: Ticket, milestone: str | None, requester: User | None = None
) -> Deadline:
    """The running deadline an extension request moves: the named milestone; by default the
    one the requester answers for — a liaison's or handler's: their department's running
    clocks, the most urgent (earliest due) first; anyone else's: the resolve or reply
    deadline, or else the most urgent running one."""
    # Recurring reports are not extended: each day's report is its own deadline.
    running = sorted(
        (d for d in ticket.deadlines.filter(closed_at__isnull=True) if not d.rule.get("recurring")),
        key=lambda d: (d.due_at, d.pk),
    )
    found: Deadline | None
    if milestone:
        found = next((d for d in running if d.milestone == milestone), None)
        if found is None:
            message = _("there is no running %(milestone)s deadline to extend") % {
                "milestone": milestone_label(milestone)
            }
            raise ValidationFailed(message, details={"milestone": [message]})
        return found
    if requester is not None and requester.has_role(Role.LIAISON, Role.HANDLER):
        found = next((d for d in running if d.milestone in DEPARTMENT_EXTENDS), None)
    else:
        by_milestone = {d.milestone: d for d in running}
        found = (
            by_milestone.get("resolve")
            or by_milestone.get("reply")
            or next((d for d in running if d.milestone != "supervision"), None)
        )
    if found is None:
        message = _("there is no running deadline of yours to extend; name the milestone")
        raise ValidationFailed(message, details={"milestone": [message]})
    return found


def extension_check(
    ticket: Ticket, milestone: str | None, until: datetime, requester: User | None = None
) -> Deadline:
    """Refuse an extension that does not move the deadline later, or goes past the pack's cap.
    The cap holds per milestone: counted from that deadline's own original due moment, however
    often it was extended before."""
    deadline = deadline_for_extension(ticket, milestone, requester)
    if until <= deadline.due_at:
        raise ValidationFailed(
            _("an extension must end after the current deadline (%(due)s)")
            % {"due": _local(deadline.due_at, calendar_for(ticket.sla_plan["calendar"]))},
            details={"until": [_("not after the current deadline")]},
        )
    cap = (ticket.sla_plan or {}).get("extension")
    if cap:
        cal = calendar_for(ticket.sla_plan["calendar"])
        original = deadline.extended_from or deadline.due_at
        limit = cap["max_total"]
        latest = deadline_compute(
            original, TimeLimit(limit["amount"], limit["unit"]), cal, explain=False
        ).due_at
        if until > latest:
            raise ValidationFailed(
                _(
                    "an extension may reach at most %(latest)s "
                    "(%(limit)s past the original deadline)"
                )
                % {
                    "latest": _local(latest, cal),
                    "limit": TimeLimit(limit["amount"], limit["unit"]).describe(),
                },
                details={"until": [_("beyond the longest extension allowed")]},
            )
    return deadline


def deadline_extend(deadline: Deadline, until: datetime, now: datetime) -> Deadline:
    cal = calendar_for(deadline.ticket.sla_plan["calendar"])
    if deadline.extended_from is None:
        deadline.extended_from = deadline.due_at
    deadline.explanation = [
        *deadline.explanation,
        _("extended from %(old)s to %(new)s")
        % {"old": _local(deadline.due_at, cal), "new": _local(until, cal)},
    ]
    deadline.due_at = until
    deadline.warn_at = _warn_at(now, until, deadline.rule, cal) if until > now else None
    if deadline.state in (DeadlineState.WARNING, DeadlineState.OVERDUE):
        deadline.state = DeadlineState.ON_TRACK
    deadline.next_check_at = _next_check(deadline, deadline.ticket.sla_plan)
    deadline.save()
    ticket_deadlines_summarise(deadline.ticket)
    return deadline
