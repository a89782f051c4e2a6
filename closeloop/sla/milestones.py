"""When each milestone's clock starts and which action meets it, as plain data.

Pure (no Django), so the pack validator (`policy.validate_clocks`) can check a pack against the same
tables the deadline engine (`sla.engine`) runs on. `ACTION_SOURCES` repeats the statuses of
`tickets.transitions.TRANSITIONS` for the actions that meet a milestone; a test keeps the two
equal.
"""

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

# Which ticket action meets which milestone.
MET_BY = {
    "accept": {"accept"},
    "decline": {"accept"},
    "answer": {"accept", "first_contact", "reply", "resolve", "suggestion_feedback"},
    "dispatch": {"dispatch"},
    "assign": {"assign"},
    "progress": {"first_contact", "department_response", "progress_report", "supervision"},
    "submit_plan": {"department_response"},
    "approve_plan": {"leader_review"},
    "reject_plan": {"leader_review"},
    "resolve": {
        "first_contact",
        "department_response",
        "progress_report",
        "reply",
        "resolve",
        "suggestion_feedback",
        "supervision",
    },
    # What the customer was told, and how: the reply after the department's answer (12366:
    # 座席人员收到反馈结果当日回复纳税人) and a suggestion's feedback.
    "reply": {"reply", "suggestion_feedback"},
    "visit": {"return_visit"},
}
# A leader's written instruction (批示) on the case, in whichever form, meets the review.
LEADER_MEETS = {
    "note": {"leader_review"},
    "remind": {"leader_review"},
    "supervise": {"leader_review"},
}

# Still running after the ticket is resolved.
AFTER_RESOLVE = {"return_visit", "leader_review"}

OPEN = ("registered", "accepted", "dispatched", "in_progress", "pending_approval", "suspended")

# The statuses each meeting action may be taken from (= tickets.transitions.TRANSITIONS).
ACTION_SOURCES: dict[str, frozenset[str]] = {
    "accept": frozenset({"registered"}),
    "decline": frozenset({"registered", "accepted"}),
    "answer": frozenset({"registered", "accepted"}),
    "dispatch": frozenset({"accepted"}),
    "assign": frozenset({"dispatched", "in_progress"}),
    "progress": frozenset({"in_progress", "pending_approval", "suspended"}),
    "submit_plan": frozenset({"in_progress"}),
    "approve_plan": frozenset({"pending_approval"}),
    "reject_plan": frozenset({"pending_approval"}),
    "resolve": frozenset({"in_progress"}),
    "reply": frozenset(
        {"accepted", "dispatched", "in_progress", "pending_approval", "suspended", "resolved"}
    ),
    "visit": frozenset({"resolved"}),
    "note": frozenset({*OPEN, "resolved", "closed", "declined", "merged"}),
    "remind": frozenset({*OPEN, "resolved"}),
    "supervise": frozenset(OPEN),
}

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
    "escalated": frozenset(OPEN),
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
    """Every action that can meet `milestone` (a leader's note, reminder or order included)."""
    return {a for table in (MET_BY, LEADER_MEETS) for a, ms in table.items() if milestone in ms}


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
    actions = meeting_actions(milestone)
    stuck = []
    for status in sorted(start_statuses):
        reachable = statuses_while_running(milestone, frozenset({status}))
        if not any(reachable & ACTION_SOURCES[a] for a in actions):
            stuck.append(status)
    return stuck
