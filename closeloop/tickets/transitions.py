"""The ticket lifecycle as data: which action may move a ticket from which states to which,
and who may take it. The services' write path (`services/write.py`, `_act` and `_move`) is the
only code that consults this table and the only code that writes `Ticket.status`.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from enum import Enum

from django.utils.translation import gettext_lazy as _

from closeloop.directory.roles import Role

from .choices import OPEN_STATUSES, Status


class Scope(Enum):
    """How far a role's right reaches for one action."""

    ANY = "any"  # any ticket the actor may see
    OWN_DEPARTMENT = "own_department"  # ticket is currently with the actor's department
    OWN_TICKET = "own_ticket"  # the actor is the ticket's handler


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    # Allowed destinations; empty means the action leaves the status unchanged (an event only).
    targets: frozenset[str]
    who: dict[Role, Scope]


def _t(
    action: str, sources: Iterable[str], targets: Iterable[str], who: dict[Role, Scope]
) -> Transition:
    return Transition(action, frozenset(sources), frozenset(targets), who)


S = Status
ANY, DEPT, OWN = Scope.ANY, Scope.OWN_DEPARTMENT, Scope.OWN_TICKET
CENTRE: dict[Role, Scope] = {Role.AGENT: ANY, Role.SUPERVISOR: ANY}
WORKING = {S.DISPATCHED, S.IN_PROGRESS, S.PENDING_APPROVAL, S.SUSPENDED}
HANDLING: dict[Role, Scope] = {Role.HANDLER: OWN, Role.LIAISON: DEPT}
ALL_STATUSES = set(Status)

# What each action is called in messages ("you may not … this ticket").
ACTION_LABELS = {
    "register": _("register"),
    "accept": _("accept"),
    "decline": _("decline"),
    "answer": _("answer on the spot"),
    "dispatch": _("dispatch"),
    "transfer": _("transfer"),
    "send_back": _("send back"),
    "assign": _("assign"),
    "progress": _("report progress"),
    "submit_plan": _("submit a handling plan"),
    "approve_plan": _("approve the plan"),
    "reject_plan": _("reject the plan"),
    "suspend": _("suspend"),
    "resume": _("resume"),
    "resolve": _("resolve"),
    "reply": _("reply to the customer"),
    "visit": _("record the return visit"),
    "close": _("close"),
    "reopen": _("reopen"),
    "merge": _("merge"),
    "remind": _("remind"),
    "supervise": _("supervise"),
    "extend": _("request an extension"),
    "approve_extension": _("decide the extension"),
    "note": _("add a note"),
    "attach": _("attach files"),
}

TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in [
        _t("register", [], [S.REGISTERED], {Role.AGENT: ANY, Role.SUPERVISOR: ANY}),
        _t("accept", [S.REGISTERED], [S.ACCEPTED], CENTRE),
        _t("decline", [S.REGISTERED, S.ACCEPTED], [S.DECLINED], CENTRE),
        _t("answer", [S.REGISTERED, S.ACCEPTED], [S.RESOLVED], CENTRE),
        _t("dispatch", [S.ACCEPTED], [S.DISPATCHED], CENTRE),
        _t(
            "transfer",
            [S.DISPATCHED, S.IN_PROGRESS],
            [S.DISPATCHED],
            {**CENTRE, Role.LIAISON: DEPT},
        ),
        _t("send_back", [S.DISPATCHED, S.IN_PROGRESS], [S.ACCEPTED], HANDLING),
        _t(
            "assign",
            [S.DISPATCHED, S.IN_PROGRESS],
            [S.IN_PROGRESS],
            {Role.LIAISON: DEPT, Role.SUPERVISOR: ANY},
        ),
        _t("progress", [S.IN_PROGRESS, S.PENDING_APPROVAL, S.SUSPENDED], [], HANDLING),
        _t("submit_plan", [S.IN_PROGRESS], [S.PENDING_APPROVAL], HANDLING),
        _t("approve_plan", [S.PENDING_APPROVAL], [S.IN_PROGRESS], {Role.LEADER: ANY}),
        _t("reject_plan", [S.PENDING_APPROVAL], [S.IN_PROGRESS], {Role.LEADER: ANY}),
        _t("suspend", [S.IN_PROGRESS], [S.SUSPENDED], {**HANDLING, Role.SUPERVISOR: ANY}),
        _t("resume", [S.SUSPENDED], [S.IN_PROGRESS], {**HANDLING, Role.SUPERVISOR: ANY}),
        _t("resolve", [S.IN_PROGRESS], [S.RESOLVED], HANDLING),
        # What the customer was told and how (答复), before or after the department's answer:
        # meets the pack's `reply` clock (12366: 座席人员收到反馈结果当日回复纳税人).
        _t(
            "reply",
            [S.ACCEPTED, *WORKING, S.RESOLVED],
            [],
            {**CENTRE, **HANDLING},
        ),
        # A dissatisfied customer sends the ticket back to work when the pack says so; a
        # satisfied one closes it.
        _t("visit", [S.RESOLVED], [S.IN_PROGRESS, S.DISPATCHED, S.ACCEPTED, S.CLOSED], CENTRE),
        _t("close", [S.RESOLVED], [S.CLOSED], CENTRE),
        _t("reopen", [S.RESOLVED, S.CLOSED], [S.ACCEPTED], CENTRE),
        _t("merge", OPEN_STATUSES, [S.MERGED], CENTRE),
        _t(
            "remind",
            OPEN_STATUSES | {S.RESOLVED},
            [],
            {**CENTRE, Role.LIAISON: DEPT, Role.LEADER: ANY},
        ),
        _t("supervise", OPEN_STATUSES, [], {Role.SUPERVISOR: ANY, Role.LEADER: ANY}),
        _t("extend", WORKING, [], {**HANDLING, Role.AGENT: ANY}),
        _t("approve_extension", WORKING, [], {Role.SUPERVISOR: ANY, Role.LEADER: ANY}),
        _t(
            "attach",
            OPEN_STATUSES | {S.RESOLVED},
            [],
            {r: (DEPT if r in (Role.LIAISON, Role.HANDLER) else ANY) for r in Role},
        ),
        _t(
            "note",
            ALL_STATUSES,
            [],
            {r: (DEPT if r in (Role.LIAISON, Role.HANDLER) else ANY) for r in Role},
        ),
    ]
}
