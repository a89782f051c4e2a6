"""Seed 004_409492ddeeede1cf.txt replayed: the road-rescue complaint chain."""

from closeloop.policy.services import pack_demo_people
from closeloop.policy.testing import classify_facts, limit_tuple, limits_for, pack_named

PACK = pack_named("road-rescue")


def test_pack_cites_its_seed():
    assert [s.file for s in PACK.source] == ["004_409492ddeeede1cf.txt"]


def test_line_open_24_hours():
    assert PACK.business_hours == "24x7"


def test_the_complaint_chain():
    limits = limits_for(PACK, kind="complaint", category="towing-fee")
    assert limit_tuple(limits["dispatch"]) == (5, "minutes")  # 首报五分钟内
    assert limit_tuple(limits["department_response"]) == (12, "hours")  # 12小时内完成
    assert limits["department_response"].start == "registered"
    assert limit_tuple(limits["progress_report"]) == (24, "hours")  # 24小时反馈进度
    assert limit_tuple(limits["resolve"]) == (48, "hours")  # 48小时内有处理结果
    same_day = limits["return_visit"]  # 前台人员当天回访
    assert (same_day.amount, same_day.unit, same_day.count_start_day) == (1, "days", True)


def test_not_done_in_24_hours_goes_to_the_supervisor_with_a_case_file():
    case_file = [e for e in PACK.escalations if e.action == "case_file"]
    assert len(case_file) == 1
    esc = case_file[0]
    assert (esc.milestone, esc.state) == ("department_response", "overdue")
    # 12 h limit from the first report + 12 h overdue = 24 h after 首报
    assert esc.after is not None and (esc.after.amount, esc.after.unit) == (12, "hours")
    assert {"supervisor", "department_head"} <= set(esc.notify)
    daily = esc.time_limit  # 17:00前向客服前台回复投诉处理进度
    assert daily is not None
    assert (daily.milestone, daily.end_time, daily.recurring) == (
        "progress_report",
        "17:00",
        "daily",
    )


def test_suggestions_answered_in_five_working_days():
    limits = limits_for(PACK, kind="suggestion")
    assert limit_tuple(limits["suggestion_feedback"]) == (5, "working_days")
    assert "resolve" not in limits


def test_plan_approved_by_the_department_head():
    c = classify_facts(PACK, kind="complaint", category="vehicle-damage")
    assert c.plan_approval is True
    assert c.department == "tow-team"
    assert PACK.plan_approval is not None and PACK.plan_approval.approver_roles == ["leader"]


def test_media_threat_is_a_crisis():
    c = classify_facts(PACK, kind="complaint", description="再不处理我就向新闻媒体报料")
    assert c.crisis is True and c.urgency == "urgent"


def test_first_contact_owner_is_told():
    assert any("first_contact_owner" in e.notify for e in PACK.escalations)


def test_demo_people_cover_every_role():
    roles = {r for p in pack_demo_people(PACK) for r in p.roles}
    assert roles == {"agent", "liaison", "handler", "supervisor", "leader", "inspector", "admin"}


def test_dispatch_clock_runs_from_the_first_report():
    """在首报五分钟内反馈相关部门: from the case's arrival, not from its acceptance."""
    for kind in PACK.kinds:
        assert limits_for(PACK, kind=kind)["dispatch"].start == "registered"
