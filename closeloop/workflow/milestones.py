"""When each milestone's clock starts and which statuses a ticket passes through while it runs,
as plain data.

Which action meets which milestone is part of each action's record (`actions.ACTIONS`, its
`clock`); the pack validator (`policy`) checks packs against these tables and that catalogue,
the same ones the deadline engine (`sla`) runs on.
"""

from .actions import ACTIONS, BY_CODE
from .statuses import OPEN_STATUSES

# Where each milestone's clock starts unless the pack names another start event.
DEFAULT_START = {
    "accept": "registered",
    "dispatch": "accepted",
    "assign": "dispatched",
    "first_contact": "dispatched",
    "department_response": "dispatched",
    "progress_report": "dispatched",
    "reply": "registered",
    "resolve": "registered",
    "return_visit": "resolved",
    "leader_review": "registered",
    "suggestion_feedback": "registered",
    "supervision": "escalated",
}

# Still running after the ticket is resolved.
AFTER_RESOLVE = {"return_visit", "leader_review"}

# Clocks that belong to the department holding the ticket: a transfer or send-back stops
# them, and the next department's own clocks start.
DEPARTMENT_MILESTONES = {
    "assign",
    "first_contact",
    "department_response",
    "progress_report",
    "supervision",
}
# Restarted when a dissatisfied customer or a reopen sends the ticket back to work.
ON_REOPEN = ("reply", "resolve")

# Where a ticket stands at the moment each start event happens. Registration may accept at
# once (a pack's rules), and a department answers by a progress report, a plan or resolving.
STATUS_AT = {
    "registered": frozenset({"registered", "accepted"}),
    "accepted": frozenset({"accepted"}),
    "dispatched": frozenset({"dispatched"}),
    "assigned": frozenset({"in_progress"}),
    "department_responded": frozenset({"in_progress", "pending_approval", "resolved"}),
    "plan_submitted": frozenset({"pending_approval"}),
    "resolved": frozenset({"resolved"}),
    "escalated": frozenset(str(s) for s in OPEN_STATUSES),
    # A dissatisfied visit or a reopen sends the ticket back to one of these.
    "reopened": frozenset({"accepted", "dispatched", "in_progress"}),
}

# The ordinary way forward from each status, by steps that stop no clock (resolving stops
# all but AFTER_RESOLVE; closing stops everything; reopening is not the ordinary way).
FORWARD = {
    "registered": {"accepted"},
    "accepted": {"dispatched"},
    "dispatched": {"in_progress"},
    "in_progress": {"pending_approval", "suspended"},
    "pending_approval": {"in_progress"},
    "suspended": {"in_progress"},
    "resolved": set(),
}


def meeting_actions(milestone: str) -> set[str]:
    """Every action that can meet `milestone` (a leader's note, reminder or order included),
    by the code events record it under."""
    return {
        a.code
        for a in ACTIONS.values()
        if milestone in a.clock.meets or milestone in a.clock.leader_meets
    }


def statuses_while_running(milestone: str, start_statuses: frozenset[str]) -> set[str]:
    """The statuses a ticket can reach in the ordinary way while this clock runs."""
    seen = set(start_statuses)
    todo = list(start_statuses)
    while todo:
        status = todo.pop()
        following = set(FORWARD.get(status, ()))
        if status == "in_progress" and milestone in AFTER_RESOLVE:
            following.add("resolved")  # resolving does not stop this clock
        for nxt in following - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def unmet_statuses(milestone: str, start_statuses: frozenset[str]) -> list[str]:
    """The statuses a clock can begin in (`STATUS_AT[start]`, or where an escalation fires)
    from which no action can ever meet it in the ordinary course: empty when it always can."""
    sources = [BY_CODE[code].sources for code in meeting_actions(milestone)]
    stuck = []
    for status in sorted(start_statuses):
        reachable = statuses_while_running(milestone, frozenset({status}))
        if not any(reachable & statuses for statuses in sources):
            stuck.append(status)
    return stuck
