"""The actions a viewer may take on a ticket now, each with its form and its service call.

What an action is called and which actions are allowed come from the catalogue
(`workflow.actions`) and the same role and scope check the services use
(`tickets.permissions.action_allowed`), so a button shows exactly when the service would accept
the action from this person in this state. The services still decide: a button shown here is
an offer, not a permission. Pages name an action by its code (`Action.code`), as its events do.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django import forms as djforms
from django.utils import timezone
from django.utils.functional import Promise

from closeloop.directory.models import Department, User
from closeloop.directory.roles import Role
from closeloop.directory.selectors import department_subtree_ids
from closeloop.sla.labels import milestone_label
from closeloop.tickets import selectors, services
from closeloop.tickets.models import Ticket
from closeloop.tickets.permissions import action_allowed
from closeloop.workflow.actions import BY_CODE

from . import forms

Runner = Callable[[User, str, dict[str, Any], int | None], Ticket]


@dataclass(frozen=True)
class ActionSpec:
    action: str  # the action's code
    form: type[djforms.Form]
    run: Runner
    style: str = ""  # "primary" for the usual next step, "danger" for refusals

    @property
    def label(self) -> Promise:
        """The button, from the action's record."""
        button = BY_CODE[self.action].button
        assert button is not None, self.action  # a test keeps every spec's action a button
        return button

    @property
    def confirm(self) -> Promise | None:
        """The question asked before it is taken, from the action's record."""
        return BY_CODE[self.action].confirm

    def decided(self, decision: str) -> Promise | None:
        """What a decision did, in words, from the action's record."""
        return BY_CODE[self.action].decided.get(decision)


def _files(cd: dict[str, Any]) -> list[services.FileInput]:
    return [
        services.FileInput(name=f.name, content_type=f.content_type or "", size=f.size, read=f.read)
        for f in cd["attachments"]
    ]


def _compensation(cd: dict[str, Any]) -> services.CompensationInput | None:
    if not cd.get("compensation_kind"):
        return None
    return services.CompensationInput(
        kind=cd["compensation_kind"],
        amount=cd.get("compensation_amount"),
        note=cd.get("compensation_note", ""),
    )


def _decide(approve: Callable[..., Ticket], reject: Callable[..., Ticket]) -> Runner:
    def run(u: User, n: str, cd: dict[str, Any], v: int | None) -> Ticket:
        if cd["decision"] == "approve":
            return approve(u, n, comment=cd["comment"], version=v)
        return reject(u, n, comment=cd["comment"], version=v)

    return run


def _extension_decision(u: User, n: str, cd: dict[str, Any], v: int | None) -> Ticket:
    return services.ticket_decide_extension(
        u, n, approved=cd["decision"] == "approve", comment=cd["comment"], version=v
    )


S = services
SPECS: dict[str, ActionSpec] = {
    spec.action: spec
    for spec in [
        ActionSpec(
            "accept",
            forms.EmptyForm,
            lambda u, n, cd, v: S.ticket_accept(u, n, version=v),
            "primary",
        ),
        ActionSpec(
            "answer",
            forms.ReplyForm,
            lambda u, n, cd, v: S.ticket_answer(u, n, reply=cd["reply"], version=v),
        ),
        ActionSpec(
            "dispatch",
            forms.DepartmentForm,
            lambda u, n, cd, v: S.ticket_dispatch(u, n, department=cd["department"], version=v),
            "primary",
        ),
        ActionSpec(
            "assign",
            forms.AssignForm,
            lambda u, n, cd, v: S.ticket_assign(u, n, handler=cd["handler"], version=v),
            "primary",
        ),
        ActionSpec(
            "progress",
            forms.NoteForm,
            lambda u, n, cd, v: S.ticket_progress(u, n, note=cd["note"], version=v),
        ),
        ActionSpec(
            "submit_plan",
            forms.PlanForm,
            lambda u, n, cd, v: S.ticket_submit_plan(u, n, plan=cd["plan"], version=v),
        ),
        ActionSpec(
            "approve_plan",
            forms.DecisionForm,
            _decide(S.ticket_approve_plan, S.ticket_reject_plan),
            "primary",
        ),
        ActionSpec(
            "resolve",
            forms.ResolveForm,
            lambda u, n, cd, v: S.ticket_resolve(
                u,
                n,
                reply=cd["reply"],
                validity=cd.get("validity", ""),
                cause=cd.get("cause", ""),
                compensation=_compensation(cd),
                version=v,
            ),
            "primary",
        ),
        ActionSpec(
            "reply",
            forms.CustomerReplyForm,
            lambda u, n, cd, v: S.ticket_reply(
                u, n, reply=cd["reply"], method=cd["method"], version=v
            ),
        ),
        ActionSpec(
            "visit",
            forms.VisitForm,
            lambda u, n, cd, v: S.ticket_return_visit(
                u, n, satisfaction=cd["satisfaction"], comment=cd["comment"], version=v
            ),
            "primary",
        ),
        ActionSpec(
            "close",
            forms.OptionalNoteForm,
            lambda u, n, cd, v: S.ticket_close(u, n, note=cd["note"], version=v),
            "primary",
        ),
        ActionSpec(
            "transfer",
            forms.DepartmentForm,
            lambda u, n, cd, v: S.ticket_transfer(u, n, department=cd["department"], version=v),
        ),
        ActionSpec(
            "send_back",
            forms.ReasonForm,
            lambda u, n, cd, v: S.ticket_send_back(u, n, reason=cd["reason"], version=v),
            "danger",
        ),
        ActionSpec(
            "suspend",
            forms.ReasonForm,
            lambda u, n, cd, v: S.ticket_suspend(u, n, reason=cd["reason"], version=v),
        ),
        ActionSpec(
            "resume",
            forms.EmptyForm,
            lambda u, n, cd, v: S.ticket_resume(u, n, version=v),
        ),
        ActionSpec(
            "extend",
            forms.ExtendForm,
            lambda u, n, cd, v: S.ticket_extend(
                u,
                n,
                until=cd["until"],
                reason=cd["reason"],
                milestone=cd.get("milestone") or None,
                version=v,
            ),
        ),
        ActionSpec(
            "approve_extension",
            forms.DecisionForm,
            _extension_decision,
            "primary",
        ),
        ActionSpec(
            "remind",
            forms.OptionalNoteForm,
            lambda u, n, cd, v: S.ticket_remind(u, n, note=cd["note"], version=v),
        ),
        ActionSpec(
            "supervise",
            forms.SuperviseForm,
            lambda u, n, cd, v: S.ticket_supervise(
                u, n, note=cd["note"], due_at=cd.get("due_at"), version=v
            ),
        ),
        ActionSpec(
            "reopen",
            forms.ReasonForm,
            lambda u, n, cd, v: S.ticket_reopen(u, n, reason=cd["reason"], version=v),
        ),
        ActionSpec(
            "merge",
            forms.MergeForm,
            lambda u, n, cd, v: S.ticket_merge(u, n, into=cd["into"], version=v),
        ),
        ActionSpec(
            "decline",
            forms.ReasonForm,
            lambda u, n, cd, v: S.ticket_decline(u, n, reason=cd["reason"], version=v),
            "danger",
        ),
        ActionSpec(
            "note",
            forms.TextForm,
            lambda u, n, cd, v: S.ticket_note(u, n, text=cd["text"], version=v),
        ),
        ActionSpec(
            "attach",
            forms.AttachForm,
            lambda u, n, cd, v: S.ticket_attach(u, n, files=_files(cd), version=v),
        ),
    ]
}
# In the order a person would take them; reject_plan is offered through approve_plan's
# decision form.
OFFERED = list(SPECS)


def may_take(user: User, ticket: Ticket, action: str) -> bool:
    """Would the service accept the action of code `action` from `user` on `ticket` as it
    stands (state, role, scope)? The same record and the same check as the services'."""
    record = BY_CODE[action]
    return ticket.status in record.sources and action_allowed(user, ticket, record)


def actions_available(user: User, ticket: Ticket, *, pending_extension: bool) -> list[str]:
    """The actions to offer `user` on `ticket` now, in the order a person would take them."""
    out = []
    for action in OFFERED:
        if not may_take(user, ticket, action):
            continue
        # Offers the service would refuse for a reason visible on the ticket are left out.
        if action == "approve_extension" and not pending_extension:
            continue
        if action == "extend" and pending_extension:
            continue
        if action == "resolve" and ticket.plan_required and ticket.plan_approved is not True:
            continue
        if action == "dispatch" and ticket.centre_handles and ticket.routed_department is None:
            continue
        if action == "transfer" and ticket.centre_handles:
            continue
        approval = BY_CODE[action].decides_approval
        if approval and services.approval_rule(approval).refusal(user) is not None:
            continue  # the pack's approver roles or responsible level leave this person out
        out.append(action)
    return out


def department_choices() -> list[tuple[str, str]]:
    return [
        (code, name)
        for code, name in Department.objects.filter(is_active=True)
        .order_by("code")
        .values_list("code", "name")
    ]


def handler_choices(ticket: Ticket) -> list[tuple[str, str]]:
    """People who may be given the ticket: handlers and liaisons of its department's tree."""
    if ticket.department_id is None:
        return []
    people = (
        User.objects.filter(
            is_active=True,
            department_id__in=department_subtree_ids(ticket.department_id),
            roles__role__in=[Role.HANDLER, Role.LIAISON],
        )
        .distinct()
        .order_by("username")
    )
    return [(p.username, f"{p} ({p.username})") for p in people]


def extendable_choices(ticket: Ticket) -> list[tuple[str, str]]:
    """The running deadlines an extension may name, most urgent first, with their due moment."""
    rows = (
        ticket.deadlines.filter(closed_at__isnull=True)
        .order_by("due_at", "id")
        .values_list("milestone", "due_at", "rule")
    )
    choices: dict[str, str] = {}
    for milestone, due_at, rule in rows:
        if milestone not in choices and not rule.get("recurring"):
            due = timezone.localtime(due_at).strftime("%Y-%m-%d %H:%M")
            choices[milestone] = f"{milestone_label(milestone)} ({due})"
    return list(choices.items())


def form_kwargs(action: str, ticket: Ticket, pack: Any, user: User | None = None) -> dict[str, Any]:
    """Choices a form needs, loaded only for the actions on offer."""
    if action == "merge":
        return {"candidates": selectors.merge_candidates_for_user(ticket, user) if user else []}
    if action == "dispatch":
        routed = ticket.routed_department
        if ticket.centre_handles and routed is not None:
            return {"departments": [(routed.code, routed.name)], "initial_department": routed.code}
        return {
            "departments": department_choices(),
            "initial_department": routed.code if routed else "",
        }
    if action == "transfer":
        return {
            "departments": [
                c
                for c in department_choices()
                if not ticket.department or c[0] != ticket.department.code
            ]
        }
    if action == "assign":
        return {"handlers": handler_choices(ticket)}
    if action == "extend":
        return {"milestones": extendable_choices(ticket)}
    if action == "resolve":
        compensation = getattr(pack, "compensation", None)
        kinds = [(k.code, k.name) for k in compensation.kinds] if compensation else []
        return {"compensation_kinds": kinds}
    return {}


def build_form(
    action: str,
    ticket: Ticket,
    pack: Any,
    data: Any = None,
    files: Any = None,
    prefix_version: bool = True,
    user: User | None = None,
    auto_id: str = "id_%s",
) -> djforms.Form:
    """`auto_id`: the fields' ids, made unique per row where a page lists many tickets' forms
    (a <label for> names the first element with its id)."""
    spec = SPECS[action]
    kwargs = form_kwargs(action, ticket, pack, user)
    form = spec.form(
        data, files, prefix=action, initial={"version": ticket.version}, auto_id=auto_id, **kwargs
    )
    return form
