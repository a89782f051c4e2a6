"""The supervisor's dashboard: what is open where, what is late, what waits on a decision.

Every figure here must stay cheap at millions of tickets, because supervisors keep the page
open all day: counts read only the open tickets (a partial index holds exactly those), lists
walk an index in their own order and stop at their length, and nothing joins a subquery of
"tickets I may see" when the viewer sees them all.
"""

from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet

from closeloop.directory.models import Department, User
from closeloop.sla.models import CaseFile, Deadline
from closeloop.tickets.choices import ExtensionState
from closeloop.tickets.models import ExtensionRequest, Ticket, TicketEvent
from closeloop.workflow.statuses import FINAL_STATUSES

from . import deadlines
from .queues import ROW_DEFERRED, within

# The lists show a ticket's number, subject and people, never its long texts or deadline plan.
TICKET_DEFERRED = [f"ticket__{name}" for name in ROW_DEFERRED]

ESCALATIONS_SHOWN = 20
OVERDUE_SHOWN = 20
# Crisis tickets and extension requests are listed up to this many; the tile then says "50+".
LISTED = 50


def _by_department(
    open_tickets: QuerySet[Ticket], departments: dict[int, Department]
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = [
        dict(row)
        for row in open_tickets.values("department_id")
        .annotate(
            # Counted on columns the partial index holds (never the id): with the table's
            # visibility map up to date the count reads the index alone, not the tickets.
            open=Count("*"),
            warning=Count("deadline_state", filter=Q(deadline_state="warning")),
            overdue=Count("deadline_state", filter=Q(deadline_state="overdue")),
        )
        .order_by()
    ]
    for row in rows:
        department = departments.get(row["department_id"])
        row["code"] = department.code if department else None
        row["name"] = department.name if department else None
    # Departments by code, the tickets not yet dispatched last.
    return sorted(rows, key=lambda r: (r["code"] is None, r["code"] or ""))


def _by_milestone(user: User) -> list[dict[str, Any]]:
    """Running deadlines by milestone: those of open tickets, and the return visits and
    reviews that run once a ticket is resolved."""
    # A deadline missed and then stopped keeps its overdue state but is no longer running.
    # `deadline_running_milestone` indexes exactly these rows, by milestone and state.
    running = Deadline.objects.filter(closed_at__isnull=True, state__in=deadlines.OPEN_STATES)
    return list(
        within(running, user)
        .values("milestone")
        .annotate(
            # Counting a column of the index (not the id) lets it be read alone.
            open=Count("state"),
            warning=Count("state", filter=Q(state="warning")),
            overdue=Count("state", filter=Q(state="overdue")),
        )
        .order_by("milestone")
    )


def dashboard_figures(user: User) -> dict[str, Any]:
    visible = Ticket.objects.visible_to(user)
    open_tickets = visible.open()
    departments = Department.objects.in_bulk()
    by_department = _by_department(open_tickets, departments)
    escalations = list(
        within(
            # EXISTS, not a join on the ticket's status: SQLite would then start from the open
            # tickets and read all their events (~100 ms at 1M), not from the few escalations.
            TicketEvent.objects.escalations().filter(
                Exists(Ticket.objects.open().filter(pk=OuterRef("ticket_id")))
            ),
            user,
        )
        .select_related("ticket", "actor")
        .defer(*TICKET_DEFERRED)
        .order_by("-at")[:ESCALATIONS_SHOWN]
    )
    extensions = list(
        within(ExtensionRequest.objects.filter(state=ExtensionState.PENDING), user)
        .select_related("ticket", "requested_by")
        .defer(*TICKET_DEFERRED)
        .order_by("requested_at")[: LISTED + 1]
    )
    crisis = list(
        deadlines.order_by_due(open_tickets.filter(crisis=True))
        .select_related("department", "handler")
        .defer(*ROW_DEFERRED)[: LISTED + 1]
    )
    # Every ticket with a deadline past due: open ones, and resolved ones whose return visit
    # is late (closed tickets have no running deadline, so no state).
    overdue = list(
        deadlines.order_by_due(visible.filter(deadline_state="overdue"))
        .select_related("department", "handler")
        .defer(*ROW_DEFERRED)[:OVERDUE_SHOWN]
    )
    # 投诉处理档案 stay on the supervisor's desk until their ticket is closed.
    case_files = list(
        within(CaseFile.objects.exclude(ticket__status__in=FINAL_STATUSES), user)
        .select_related("ticket", "department", "responsible")
        .defer(*TICKET_DEFERRED)
        .order_by("opened_at", "id")[: LISTED + 1]
    )
    return {
        "case_files": case_files[:LISTED],
        "case_files_more": len(case_files) > LISTED,
        "by_department": by_department,
        "by_milestone": _by_milestone(user),
        "totals": {
            state: sum(row[state] for row in by_department)
            for state in ("open", "warning", "overdue")
        },
        "escalations": escalations,
        "extensions": extensions[:LISTED],
        "extensions_more": len(extensions) > LISTED,
        "overdue": overdue,
        "crisis": crisis[:LISTED],
        "crisis_more": len(crisis) > LISTED,
        "listed": LISTED,
    }
