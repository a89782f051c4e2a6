"""The whole loop through the REST API: register → … → close, reopen on dissatisfaction."""

from typing import Any

from closeloop.tickets.models import Assignment, TicketEvent
from tests.conftest import COMPLAINT, Centre


def register(api: Any, centre: Centre, **overrides: Any) -> dict:
    response = api(centre.agent).post("tickets", {**COMPLAINT, **overrides})
    assert response.status_code == 201, response.json()
    return response.json()


def ok(response: Any) -> dict:
    assert response.status_code == 200, response.json()
    return response.json()


def test_the_whole_loop_with_a_dissatisfied_visit(api: Any, centre: Centre) -> None:
    ticket = register(api, centre)
    number = ticket["number"]
    assert ticket["status"] == "registered"
    assert ticket["version"] == 1
    assert [e["action"] for e in ticket["events"]] == ["register"]

    agent, liaison = api(centre.agent), api(centre.liaison_a)
    handler, leader = api(centre.handler_a), api(centre.leader)

    ok(agent.act(number, "accept"))
    t = ok(agent.act(number, "dispatch", department="t-alpha"))
    assert (t["status"], t["department"]) == ("dispatched", "t-alpha")
    t = ok(liaison.act(number, "assign", handler="handler_a"))
    assert (t["status"], t["handler"]) == ("in_progress", "handler_a")
    ok(handler.act(number, "progress", note="已联系纳税人，正在核实。"))
    t = ok(handler.act(number, "submit-plan", plan="向纳税人道歉并对窗口人员进行培训。"))
    assert t["status"] == "pending_approval"
    t = ok(leader.act(number, "approve-plan", comment="同意"))
    assert (t["status"], t["plan_approved"]) == ("in_progress", True)
    t = ok(
        handler.act(number, "resolve", reply="已道歉并整改。", validity="valid", cause="服务态度")
    )
    assert t["status"] == "resolved"
    t = ok(agent.act(number, "visit", satisfaction="dissatisfied", comment="仍不满意"))
    # Back to the same department and handler (the pack reopens on dissatisfaction).
    assert (t["status"], t["department"], t["handler"]) == ("in_progress", "t-alpha", "handler_a")
    assert t["reopen_count"] == 1
    ok(handler.act(number, "resolve", reply="再次上门致歉。", validity="valid"))
    # The first, dissatisfied visit does not count for the second resolution.
    assert agent.act(number, "close").status_code == 409
    # A satisfied visit closes the loop in the same action (the pack's close_on_satisfied).
    t = ok(agent.act(number, "visit", satisfaction="satisfied"))
    assert t["status"] == "closed"
    assert t["satisfaction"] == "satisfied"
    assert t["events"][-1]["payload"]["closed"] is True

    actions = list(
        TicketEvent.objects.filter(ticket__number=number).values_list("action", flat=True)
    )
    assert actions == [
        "register", "accept", "dispatch", "assign", "progress", "submit_plan", "approve_plan",
        "resolve", "visit", "resolve", "visit",
    ]  # fmt: skip
    # Every event records who, from and to.
    detail = ok(agent.get(f"tickets/{number}"))
    assert detail["events"][3] | {"at": None} == {
        "at": None,
        "actor": "liaison_a",
        "action": "assign",
        "from_status": "dispatched",
        "to_status": "in_progress",
        "payload": {"handler": "handler_a"},
    }
    assert not Assignment.objects.filter(ticket__number=number, ended_at__isnull=True).exists()


def test_answer_on_the_spot_then_close(api: Any, centre: Centre) -> None:
    ticket = register(api, centre, kind="consultation", subject="发票怎么开", customer=None)
    agent = api(centre.agent)
    t = ok(agent.act(ticket["number"], "answer", reply="可在电子税务局开具。"))
    assert (t["status"], t["reply"], t["department"]) == ("resolved", "可在电子税务局开具。", None)
    assert ok(agent.act(ticket["number"], "close"))["status"] == "closed"


def test_close_requires_the_return_visit_for_a_complaint(api: Any, centre: Centre) -> None:
    number = register(api, centre)["number"]
    agent = api(centre.agent)
    ok(agent.act(number, "answer", reply="已解释。"))
    response = agent.act(number, "close")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "invalid_transition"
    assert "return visit" in response.json()["error"]["message"]


def test_send_back_returns_the_ticket_to_the_centre(api: Any, centre: Centre) -> None:
    number = register(api, centre)["number"]
    agent = api(centre.agent)
    ok(agent.act(number, "accept"))
    ok(agent.act(number, "dispatch", department="t-alpha"))
    t = ok(api(centre.liaison_a).act(number, "send-back", reason="不属于本部门职责"))
    assert (t["status"], t["department"], t["handler"]) == ("accepted", None, None)
    assert t["events"][-1]["payload"] == {
        "reason": "不属于本部门职责",
        "from_department": "t-alpha",
    }
    # The department no longer sees it, and the agent can dispatch again.
    assert api(centre.handler_a).get(f"tickets/{number}").status_code == 404
    assert ok(agent.act(number, "dispatch", department="t-beta"))["department"] == "t-beta"


def test_transfer_moves_the_ticket_and_its_visibility(api: Any, centre: Centre) -> None:
    number = register(api, centre)["number"]
    agent = api(centre.agent)
    ok(agent.act(number, "accept"))
    ok(agent.act(number, "dispatch", department="t-alpha"))
    ok(api(centre.liaison_a).act(number, "assign", handler="handler_a"))
    t = ok(api(centre.liaison_a).act(number, "transfer", department="t-beta"))
    assert (t["status"], t["department"], t["handler"]) == ("dispatched", "t-beta", None)
    # The former handler still sees the ticket they handled; the other liaison of A does not.
    assert api(centre.handler_a).get(f"tickets/{number}").status_code == 200
    assert api(centre.liaison_a).get(f"tickets/{number}").status_code == 404
    assert api(centre.liaison_b).get(f"tickets/{number}").status_code == 200
    # Transferring to the same department is refused.
    same = api(centre.liaison_b).act(number, "transfer", department="t-beta")
    assert same.status_code == 400


def test_suspend_and_resume(api: Any, centre: Centre) -> None:
    number = register(api, centre)["number"]
    agent, handler = api(centre.agent), api(centre.handler_a)
    ok(agent.act(number, "accept"))
    ok(agent.act(number, "dispatch", department="t-alpha"))
    ok(api(centre.liaison_a).act(number, "assign", handler="handler_a"))
    assert ok(handler.act(number, "suspend", reason="等待纳税人补充材料"))["status"] == "suspended"
    assert handler.act(number, "resolve", reply="x", validity="valid").status_code == 409
    assert ok(handler.act(number, "resume"))["status"] == "in_progress"


def test_reopen_a_closed_ticket(api: Any, centre: Centre) -> None:
    number = register(api, centre, kind="suggestion", subject="建议增加窗口")["number"]
    agent = api(centre.agent)
    ok(agent.act(number, "answer", reply="已转达。"))
    assert ok(agent.act(number, "visit", satisfaction="satisfied"))["status"] == "closed"
    t = ok(agent.act(number, "reopen", reason="纳税人再次来电，问题未解决"))
    assert (t["status"], t["reopen_count"], t["closed_at"]) == ("accepted", 1, None)


def test_merge_a_duplicate_into_the_original(api: Any, centre: Centre) -> None:
    original = register(api, centre)["number"]
    duplicate = register(api, centre)["number"]
    agent = api(centre.agent)
    t = ok(agent.act(duplicate, "merge", into=original))
    assert (t["status"], t["merged_into"]) == ("merged", original)
    events = ok(agent.get(f"tickets/{original}"))["events"]
    assert events[-1]["action"] == "merged_in"
    assert events[-1]["payload"] == {"duplicate": duplicate}
    assert agent.act(original, "merge", into=original).status_code == 400
    assert agent.act(original, "merge", into=duplicate).status_code == 400


def test_reject_plan_then_resolve_after_approval(api: Any, centre: Centre) -> None:
    number = register(api, centre)["number"]
    agent, handler, leader = api(centre.agent), api(centre.handler_a), api(centre.leader)
    ok(agent.act(number, "accept"))
    ok(agent.act(number, "dispatch", department="t-alpha"))
    ok(api(centre.liaison_a).act(number, "assign", handler="handler_a"))
    ok(handler.act(number, "submit-plan", plan="方案一"))
    assert leader.act(number, "reject-plan").status_code == 400  # a reason is required
    t = ok(leader.act(number, "reject-plan", comment="补偿方案不足"))
    assert (t["status"], t["plan_approved"]) == ("in_progress", False)


def test_remind_supervise_extend_and_approve(api: Any, centre: Centre) -> None:
    number = register(api, centre)["number"]
    agent, handler, supervisor = api(centre.agent), api(centre.handler_a), api(centre.supervisor)
    ok(agent.act(number, "accept"))
    ok(agent.act(number, "dispatch", department="t-alpha"))
    ok(api(centre.liaison_a).act(number, "assign", handler="handler_a"))
    before = ok(agent.get(f"tickets/{number}"))
    ok(supervisor.act(number, "remind", note="请尽快处理"))
    ok(
        supervisor.act(
            number, "supervise", note="督办：今日办结", due_at="2099-01-01T17:00:00+08:00"
        )
    )
    ok(handler.act(number, "extend", until="2099-02-01T17:00:00+08:00", reason="需要现场核实"))
    again = handler.act(number, "extend", until="2099-03-01T17:00:00+08:00", reason="再延")
    assert again.status_code == 400
    t = ok(supervisor.act(number, "approve-extension", comment="同意延期"))
    assert t["status"] == before["status"]  # these actions are events only
    assert [e["action"] for e in t["events"][-4:]] == [
        "remind", "supervise", "extend", "approve_extension",
    ]  # fmt: skip
    assert t["events"][-1]["payload"]["approved"] is True
    nothing = supervisor.act(number, "approve-extension")
    assert nothing.status_code == 409


def test_notes_by_anyone_who_can_see_the_ticket(api: Any, centre: Centre) -> None:
    number = register(api, centre)["number"]
    assert ok(api(centre.inspector).act(number, "note", text="质检备注"))["events"][-1][
        "payload"
    ] == {"text": "质检备注"}
    assert api(centre.handler_b).act(number, "note", text="x").status_code == 404


def test_a_department_reaches_the_teams_below_it(api: Any, centre: Centre) -> None:
    from closeloop.directory.models import Department
    from tests.conftest import person

    team = Department.objects.create(code="t-alpha-team", name="甲部门一组", parent=centre.dept_a)
    team_handler = person("team_handler", "handler", department=team)
    team_liaison = person("team_liaison", "liaison", department=team)
    number = register(api, centre)["number"]
    agent = api(centre.agent)
    ok(agent.act(number, "accept"))
    ok(agent.act(number, "dispatch", department="t-alpha"))
    # The parent department's liaison may assign to a handler of a team below it…
    ok(api(centre.liaison_a).act(number, "assign", handler="team_handler"))
    assert api(team_handler).get(f"tickets/{number}").status_code == 200
    # …but a team's liaison does not see what is with the department above.
    assert api(team_liaison).get(f"tickets/{number}").status_code == 404
    ok(api(team_handler).act(number, "progress", note="已上门"))
