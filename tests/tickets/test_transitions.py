"""Every action, allowed and refused: by state and by role (the expectations are written out
here by hand, not derived from the transition table, so the table is what is tested)."""

from collections.abc import Callable
from typing import Any

import pytest

from closeloop.tickets import services
from closeloop.tickets.models import Ticket, TicketEvent
from tests.conftest import COMPLAINT, Centre

ACTORS = [
    "agent", "supervisor", "leader", "inspector", "admin",
    "liaison_a", "handler_a", "handler_a2", "liaison_b", "handler_b",
]  # fmt: skip

ALLOWED = {
    "accept": {"agent", "supervisor"},
    "decline": {"agent", "supervisor"},
    "answer": {"agent", "supervisor"},
    "dispatch": {"agent", "supervisor"},
    "transfer": {"agent", "supervisor", "liaison_a"},
    "send-back": {"liaison_a", "handler_a"},
    "assign": {"liaison_a", "supervisor"},
    "progress": {"liaison_a", "handler_a"},
    "submit-plan": {"liaison_a", "handler_a"},
    "approve-plan": {"leader"},
    "reject-plan": {"leader"},
    "suspend": {"liaison_a", "handler_a", "supervisor"},
    "resume": {"liaison_a", "handler_a", "supervisor"},
    "resolve": {"liaison_a", "handler_a"},
    "reply": {"agent", "supervisor", "liaison_a", "handler_a"},
    "visit": {"agent", "supervisor"},
    "close": {"agent", "supervisor"},
    "reopen": {"agent", "supervisor"},
    "merge": {"agent", "supervisor"},
    "remind": {"agent", "supervisor", "liaison_a", "leader"},
    "supervise": {"supervisor", "leader"},
    "extend": {"liaison_a", "handler_a", "agent"},
    "approve-extension": {"supervisor", "leader"},
    "note": {"agent", "supervisor", "leader", "inspector", "admin", "liaison_a", "handler_a",
             "handler_a2"},
}  # fmt: skip

SOURCES = {
    "accept": {"registered"},
    "decline": {"registered", "accepted"},
    "answer": {"registered", "accepted"},
    "dispatch": {"accepted"},
    "transfer": {"dispatched", "in_progress"},
    "send-back": {"dispatched", "in_progress"},
    "assign": {"dispatched", "in_progress"},
    "progress": {"in_progress", "pending_approval", "suspended"},
    "submit-plan": {"in_progress"},
    "approve-plan": {"pending_approval"},
    "reject-plan": {"pending_approval"},
    "suspend": {"in_progress"},
    "resume": {"suspended"},
    "resolve": {"in_progress"},
    "reply": {"accepted", "dispatched", "in_progress", "pending_approval", "suspended",
              "resolved"},
    "visit": {"resolved"},
    "close": {"resolved"},
    "reopen": {"resolved", "closed"},
    "merge": {"registered", "accepted", "dispatched", "in_progress", "pending_approval",
              "suspended"},
    "remind": {"registered", "accepted", "dispatched", "in_progress", "pending_approval",
               "suspended", "resolved"},
    "supervise": {"registered", "accepted", "dispatched", "in_progress", "pending_approval",
                  "suspended"},
    "extend": {"dispatched", "in_progress", "pending_approval", "suspended"},
    "approve-extension": {"dispatched", "in_progress", "pending_approval", "suspended"},
    "note": {"registered", "accepted", "dispatched", "in_progress", "pending_approval",
             "suspended", "resolved", "closed", "declined", "merged"},
}  # fmt: skip

STATES = sorted(SOURCES["note"])


def bring_to(centre: Centre, state: str, kind: str = "complaint") -> Ticket:
    """A fresh ticket (a complaint unless told) in `state`, with department t-alpha and
    handler_a once dispatched."""
    c = centre
    t = services.ticket_register(
        actor=c.agent, data=services.TicketInput(**{**_complaint(), "kind": kind})
    )
    n = t.number
    steps: list[Callable[[], Any]] = []
    if state == "declined":
        steps = [lambda: services.ticket_decline(c.agent, n, reason="不属于受理范围")]
    elif state == "merged":
        other = services.ticket_register(actor=c.agent, data=services.TicketInput(**_complaint()))
        steps = [lambda: services.ticket_merge(c.agent, n, into=other.number)]
    else:
        chain = [
            ("accepted", lambda: services.ticket_accept(c.agent, n)),
            ("dispatched", lambda: services.ticket_dispatch(c.agent, n, department="t-alpha")),
            ("in_progress", lambda: services.ticket_assign(c.liaison_a, n, handler="handler_a")),
            ("pending_approval", lambda: services.ticket_submit_plan(c.handler_a, n, plan="p")),
        ]
        if state in ("suspended", "resolved", "closed"):
            chain[-1] = (
                "suspended" if state == "suspended" else "resolved",
                (lambda: services.ticket_suspend(c.handler_a, n, reason="等待材料"))
                if state == "suspended"
                else (lambda: services.ticket_resolve(c.handler_a, n, reply="r", validity="valid")),
            )
        if state == "closed":  # the satisfied visit closes it
            chain += [
                (
                    "closed",
                    lambda: services.ticket_return_visit(c.agent, n, satisfaction="satisfied"),
                ),
            ]
        for reached, step in chain:
            if state == "registered":
                break
            step()
            if reached == state:
                break
        steps = []
    for step in steps:
        step()
    ticket = Ticket.objects.get(number=n)
    assert ticket.status == state
    return ticket


def _complaint() -> dict:
    from closeloop.tickets.services import CustomerInput

    return {
        "kind": COMPLAINT["kind"],
        "channel": COMPLAINT["channel"],
        "subject": COMPLAINT["subject"],
        "customer": CustomerInput(name="张三", phone="13800138000"),
    }


def body_for(action: str, centre: Centre, ticket: Ticket) -> dict:
    if action == "merge":
        other = services.ticket_register(
            actor=centre.agent, data=services.TicketInput(**_complaint())
        )
        return {"into": other.number}
    # Some actions need a precondition met first (only where the state allows it).
    if action == "approve-extension" and ticket.status in SOURCES["extend"]:
        requester = centre.handler_a if ticket.handler_id else centre.agent
        services.ticket_extend(requester, ticket.number, until=_future(), reason="需要核实")
    return {
        "decline": {"reason": "不属于受理范围"},
        "answer": {"reply": "已答复"},
        "dispatch": {"department": "t-alpha"},
        "transfer": {"department": "t-beta"},
        "send-back": {"reason": "非本部门职责"},
        "assign": {"handler": "handler_a2" if ticket.handler_id else "handler_a"},
        "progress": {"note": "处理中"},
        "submit-plan": {"plan": "方案"},
        "approve-plan": {"comment": "同意"},
        "reject-plan": {"comment": "不同意"},
        "suspend": {"reason": "等待材料"},
        "resolve": {"reply": "已办结", "validity": "valid"},
        "reply": {"reply": "已电话告知处理结果", "method": "phone"},
        "visit": {"satisfaction": "satisfied"},
        "reopen": {"reason": "问题未解决"},
        "supervise": {"note": "督办"},
        "extend": {"until": _future().isoformat(), "reason": "需要核实"},
        "note": {"text": "备注"},
    }.get(action, {})


def _future() -> Any:
    from datetime import timedelta

    from django.utils import timezone

    return timezone.now() + timedelta(days=10)


HOME_STATE = {action: sorted(sources)[0] for action, sources in SOURCES.items()}
HOME_STATE.update(
    {
        "transfer": "in_progress", "send-back": "in_progress", "assign": "dispatched",
        "merge": "in_progress", "remind": "in_progress", "supervise": "in_progress",
        "extend": "in_progress", "approve-extension": "in_progress", "note": "in_progress",
        "reopen": "closed", "reply": "resolved",
    }
)  # fmt: skip


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_who_may_take_each_action(api: Any, centre: Centre, action: str) -> None:
    for actor in ACTORS:
        # A satisfied visit closes a complaint itself: `close` is for what needs no visit.
        ticket = bring_to(
            centre, HOME_STATE[action], kind="suggestion" if action == "close" else "complaint"
        )
        body = body_for(action, centre, ticket)
        ticket.refresh_from_db()
        before = (ticket.status, ticket.version, TicketEvent.objects.filter(ticket=ticket).count())
        response = api(getattr(centre, actor)).act(ticket.number, action, **body)
        ticket.refresh_from_db()
        after = (ticket.status, ticket.version, TicketEvent.objects.filter(ticket=ticket).count())
        if actor in ALLOWED[action]:
            assert response.status_code == 200, (actor, response.json())
            assert after[1] == before[1] + 1 and after[2] >= before[2] + 1
        else:
            # Department staff cannot even see a ticket outside their department.
            outsiders = {"liaison_b", "handler_b"}
            if before[0] in ("registered", "accepted"):
                outsiders |= {"liaison_a", "handler_a", "handler_a2"}
            invisible = actor in outsiders
            assert response.status_code == (404 if invisible else 403), (actor, response.json())
            assert after == before, actor


@pytest.mark.parametrize("action", sorted(ALLOWED))
def test_actions_refused_in_the_wrong_state(api: Any, centre: Centre, action: str) -> None:
    actor = next(a for a in ("supervisor", "agent", "leader", "handler_a") if a in ALLOWED[action])
    for state in STATES:
        ticket = bring_to(centre, state)
        if state in SOURCES[action]:
            continue
        before = (ticket.status, ticket.version)
        response = api(getattr(centre, actor)).act(
            ticket.number, action, **body_for(action, centre, ticket)
        )
        ticket.refresh_from_db()
        assert (ticket.status, ticket.version) == before, (action, state)
        assert response.status_code in (404, 409), (action, state, response.json())
        if response.status_code == 409:
            assert response.json()["error"]["code"] == "invalid_transition"
        else:  # only a handler-only action on a ticket not yet in the department
            assert actor == "handler_a" and state in (
                "registered",
                "accepted",
                "declined",
                "merged",
            )
