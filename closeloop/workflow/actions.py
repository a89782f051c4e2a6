"""The catalogue of ticket actions: one record per action, which every layer reads.

An `Action` (`workflow.records`) says who may take it and from which states, where it may lead,
what it is called (in messages, on the staff pages, in the timeline, in the API), whom it tells,
whether it asks for or decides an approval, and what it does to the ticket's clocks. The ticket
services check and write through it, the API and the staff pages build their endpoints and
buttons from it, the deadline engine applies its clock effect, and the pack validator checks
packs against it.

To add an action: one record here, the service function that applies it (`ticket_<name>`),
its body serializer in the API and, if a page offers it, its form in `channels/web/actions.py`.
"""

from collections.abc import Iterable, Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from closeloop.directory.roles import Role

from .records import Action, ClockEffect, Hold, Scope, Stop
from .statuses import OPEN_STATUSES, Status

NO_CLOCK_EFFECT = ClockEffect()


def _action(
    name: str,
    label: Promise,
    sources: Iterable[str],
    targets: Iterable[str],
    who: Mapping[Role, Scope],
    *,
    code: str = "",
    path: str | None = "",  # "": the name with hyphens
    old_paths: tuple[str, ...] = (),
    summary: str = "",
    button: Promise | None = None,
    event_label: Promise | None = None,
    clock: ClockEffect = NO_CLOCK_EFFECT,
    notifies: tuple[str, ...] = (),
    notifies_if_reopened: tuple[str, ...] = (),
    asks_approval: str | None = None,
    decides_approval: str | None = None,
    tells_customer: str | None = None,
    confirm: Promise | None = None,
    decided: Mapping[str, Promise] | None = None,
) -> Action:
    return Action(
        name=name,
        code=code or name,
        label=label,
        sources=frozenset(sources),
        targets=frozenset(targets),
        who=who,
        path=name.replace("_", "-") if path == "" else path,
        old_paths=old_paths,
        summary=summary,
        button=button,
        event_label=event_label,
        clock=clock,
        notifies=notifies,
        notifies_if_reopened=notifies_if_reopened,
        asks_approval=asks_approval,
        decides_approval=decides_approval,
        tells_customer=tells_customer,
        confirm=confirm,
        decided=decided or {},
    )


def _meets(*milestones: str) -> frozenset[str]:
    return frozenset(milestones)


S = Status
ANY, DEPT, OWN = Scope.ANY, Scope.OWN_DEPARTMENT, Scope.OWN_TICKET
CENTRE: dict[Role, Scope] = {Role.AGENT: ANY, Role.SUPERVISOR: ANY}
WORKING = {S.DISPATCHED, S.IN_PROGRESS, S.PENDING_APPROVAL, S.SUSPENDED}
HANDLING: dict[Role, Scope] = {Role.HANDLER: OWN, Role.LIAISON: DEPT}
EVERYONE: dict[Role, Scope] = {
    r: (DEPT if r in (Role.LIAISON, Role.HANDLER) else ANY) for r in Role
}
ALL_STATUSES = set(Status)

ACTIONS: dict[str, Action] = {
    a.name: a
    for a in [
        _action(
            "register",
            _("register"),
            [],
            [S.REGISTERED],
            CENTRE,
            path=None,  # POST /tickets
            event_label=_("Registered"),
            tells_customer="receipt",
            clock=ClockEffect(starts=("registered",)),
        ),
        _action(
            "accept",
            _("accept"),
            [S.REGISTERED],
            [S.ACCEPTED],
            CENTRE,
            summary="Accept (受理)",
            button=_("Accept"),
            tells_customer="accepted",
            clock=ClockEffect(starts=("accepted",), meets=_meets("accept")),
        ),
        _action(
            "decline",
            _("decline"),
            [S.REGISTERED, S.ACCEPTED],
            [S.DECLINED],
            CENTRE,
            summary="Decline (不予受理)",
            button=_("Decline"),
            confirm=_("Decline this case? It is closed as not accepted, and the customer is told."),
            tells_customer="refused",
            clock=ClockEffect(meets=_meets("accept"), stops=Stop.ALL),
        ),
        _action(
            "answer",
            _("answer on the spot"),
            [S.REGISTERED, S.ACCEPTED],
            [S.RESOLVED],
            CENTRE,
            summary="Answer on the spot (当场答复)",
            button=_("Answer on the spot"),
            tells_customer="reply",
            clock=ClockEffect(
                starts=("resolved",),
                meets=_meets("accept", "first_contact", "reply", "resolve", "suggestion_feedback"),
                stops=Stop.WORK,
            ),
        ),
        _action(
            "dispatch",
            _("dispatch"),
            [S.ACCEPTED],
            [S.DISPATCHED],
            CENTRE,
            summary="Dispatch to a department (派单)",
            button=_("Dispatch"),
            notifies=("liaison",),
            clock=ClockEffect(starts=("dispatched",), meets=_meets("dispatch"), hold=Hold.RUNNING),
        ),
        _action(
            "transfer",
            _("transfer"),
            [S.DISPATCHED, S.IN_PROGRESS],
            [S.DISPATCHED],
            {**CENTRE, Role.LIAISON: DEPT},
            summary="Transfer (转办)",
            button=_("Transfer"),
            notifies=("liaison",),
            clock=ClockEffect(starts=("dispatched",), stops=Stop.DEPARTMENT, hold=Hold.RUNNING),
        ),
        _action(
            "send_back",
            _("send back"),
            [S.DISPATCHED, S.IN_PROGRESS],
            [S.ACCEPTED],
            HANDLING,
            summary="Send back (退单)",
            button=_("Send back"),
            confirm=_(
                "Send this ticket back? It leaves your hands and goes back to whoever sent it."
            ),
            notifies=("first_contact_owner",),
            clock=ClockEffect(stops=Stop.DEPARTMENT),
        ),
        _action(
            "assign",
            _("assign"),
            [S.DISPATCHED, S.IN_PROGRESS],
            [S.IN_PROGRESS],
            {Role.LIAISON: DEPT, Role.SUPERVISOR: ANY},
            summary="Assign a handler (分派)",
            button=_("Assign"),
            notifies=("handler",),
            clock=ClockEffect(starts=("assigned",), meets=_meets("assign"), hold=Hold.ALL),
        ),
        _action(
            "progress",
            _("report progress"),
            [S.IN_PROGRESS, S.PENDING_APPROVAL, S.SUSPENDED],
            [],
            HANDLING,
            summary="Progress report (进度反馈)",
            button=_("Report progress"),
            clock=ClockEffect(
                starts=("department_responded",),
                meets=_meets(
                    "first_contact", "department_response", "progress_report", "supervision"
                ),
            ),
        ),
        _action(
            "submit_plan",
            _("submit a handling plan"),
            [S.IN_PROGRESS],
            [S.PENDING_APPROVAL],
            HANDLING,
            summary="Submit plan (提请批示)",
            button=_("Submit plan for approval"),
            notifies=("leader",),
            asks_approval="plan",
            clock=ClockEffect(
                starts=("department_responded", "plan_submitted"),
                meets=_meets("department_response"),
            ),
        ),
        _action(
            "approve_plan",
            _("approve the plan"),
            [S.PENDING_APPROVAL],
            [S.IN_PROGRESS],
            {Role.LEADER: ANY},
            summary="Approve plan (批示)",
            button=_("Decide on the plan"),  # the decision form, which also rejects
            event_label=_("Plan approved"),
            decided={
                "approve": _("Plan approved: the handler may resolve the case."),
                "reject": _("Plan rejected: it goes back to the handler."),
            },
            notifies=("handler",),
            decides_approval="plan",
            clock=ClockEffect(meets=_meets("leader_review")),
        ),
        _action(
            "reject_plan",
            _("reject the plan"),
            [S.PENDING_APPROVAL],
            [S.IN_PROGRESS],
            {Role.LEADER: ANY},
            summary="Reject plan",
            event_label=_("Plan rejected"),  # offered on the page by approve_plan's form
            notifies=("handler",),
            decides_approval="plan",
            clock=ClockEffect(meets=_meets("leader_review")),
        ),
        _action(
            "suspend",
            _("suspend"),
            [S.IN_PROGRESS],
            [S.SUSPENDED],
            {**HANDLING, Role.SUPERVISOR: ANY},
            summary="Suspend (挂起)",
            button=_("Suspend"),
            clock=ClockEffect(pauses=True),
        ),
        _action(
            "resume",
            _("resume"),
            [S.SUSPENDED],
            [S.IN_PROGRESS],
            {**HANDLING, Role.SUPERVISOR: ANY},
            summary="Resume",
            button=_("Resume"),
            clock=ClockEffect(resumes=True),
        ),
        _action(
            "resolve",
            _("resolve"),
            [S.IN_PROGRESS],
            [S.RESOLVED],
            HANDLING,
            summary="Resolve (办结)",
            button=_("Resolve"),
            clock=ClockEffect(
                starts=("department_responded", "resolved"),
                meets=_meets(
                    "first_contact",
                    "department_response",
                    "progress_report",
                    "reply",
                    "resolve",
                    "suggestion_feedback",
                    "supervision",
                ),
                stops=Stop.WORK,
            ),
        ),
        # What the customer was told and how (答复), before or after the department's answer:
        # meets the pack's `reply` clock (12366: 座席人员收到反馈结果当日回复纳税人) and a
        # suggestion's feedback.
        _action(
            "reply",
            _("reply to the customer"),
            [S.ACCEPTED, *WORKING, S.RESOLVED],
            [],
            {**CENTRE, **HANDLING},
            summary="Reply to the customer (答复)",
            button=_("Reply to the customer"),
            tells_customer="reply",
            clock=ClockEffect(meets=_meets("reply", "suggestion_feedback")),
        ),
        # A satisfied customer closes the ticket; a dissatisfied one sends it back to work when
        # the pack says so. Stored as "visit", its name before 来访 (a channel) and 回访 were
        # told apart; the events, notifications and pages keep that code.
        _action(
            "return_visit",
            _("record the return visit"),
            [S.RESOLVED],
            [S.IN_PROGRESS, S.DISPATCHED, S.ACCEPTED, S.CLOSED],
            CENTRE,
            code="visit",
            old_paths=("visit",),
            summary="Return visit (回访)",
            button=_("Return visit"),
            notifies_if_reopened=("handler", "liaison"),
            clock=ClockEffect(meets=_meets("return_visit"), reopens=True),
        ),
        _action(
            "close",
            _("close"),
            [S.RESOLVED],
            [S.CLOSED],
            CENTRE,
            summary="Close (归档)",
            button=_("Close"),
            clock=ClockEffect(stops=Stop.ALL),
        ),
        _action(
            "reopen",
            _("reopen"),
            [S.RESOLVED, S.CLOSED],
            [S.ACCEPTED],
            CENTRE,
            summary="Reopen (重办)",
            button=_("Reopen"),
            clock=ClockEffect(reopens=True),
        ),
        _action(
            "merge",
            _("merge"),
            OPEN_STATUSES,
            [S.MERGED],
            CENTRE,
            summary="Merge a duplicate (合并)",
            button=_("Merge into"),
            confirm=_("Merge this ticket into the other? It is closed as a duplicate of it."),
            clock=ClockEffect(stops=Stop.ALL),
        ),
        _action(
            "remind",
            _("remind"),
            OPEN_STATUSES | {S.RESOLVED},
            [],
            {**CENTRE, Role.LIAISON: DEPT, Role.LEADER: ANY},
            summary="Remind (催办)",
            button=_("Remind"),
            notifies=("handler", "liaison"),
            clock=ClockEffect(leader_meets=_meets("leader_review")),
        ),
        _action(
            "supervise",
            _("supervise"),
            OPEN_STATUSES,
            [],
            {Role.SUPERVISOR: ANY, Role.LEADER: ANY},
            summary="Supervise (督办)",
            button=_("Supervise"),
            notifies=("handler", "liaison", "department_head"),
            clock=ClockEffect(leader_meets=_meets("leader_review")),
        ),
        _action(
            "extend",
            _("request an extension"),
            WORKING,
            [],
            {**HANDLING, Role.AGENT: ANY},
            summary="Request extension (延期)",
            button=_("Request extension"),
            notifies=("supervisor", "leader"),
            asks_approval="extension",
        ),
        # Approves or rejects. Stored as "approve_extension", its name before it was seen to
        # decide either way.
        _action(
            "decide_extension",
            _("decide the extension"),
            WORKING,
            [],
            {Role.SUPERVISOR: ANY, Role.LEADER: ANY},
            code="approve_extension",
            old_paths=("approve-extension",),
            summary="Decide an extension request",
            button=_("Decide on the extension"),
            event_label=_("Extension decided"),
            decided={
                "approve": _("Extension granted: the deadline has moved."),
                "reject": _("Extension refused: the deadline stands."),
            },
            notifies=("handler", "liaison"),
            decides_approval="extension",
        ),
        _action(
            "attach",
            _("attach files"),
            OPEN_STATUSES | {S.RESOLVED},
            [],
            EVERYONE,
            path=None,  # POST /tickets/{number}/attachments (multipart)
            button=_("Attach files"),
        ),
        _action(
            "note",
            _("add a note"),
            ALL_STATUSES,
            [],
            EVERYONE,
            summary="Note",
            button=_("Add a note"),
            clock=ClockEffect(leader_meets=_meets("leader_review")),
        ),
    ]
}

# The same records by the code events and pages use.
BY_CODE: dict[str, Action] = {a.code: a for a in ACTIONS.values()}
