"""Seed 003_dab1bd914f4d2c30.txt (first document) replayed: 95598 complaints and reports."""

from closeloop.policy.services import pack_demo_people
from closeloop.policy.testing import classify_facts, limit_tuple, limits_for, pack_named

PACK = pack_named("power-95598")


def test_pack_cites_its_seed_document():
    assert [(s.file, s.part[:3]) for s in PACK.source] == [("003_dab1bd914f4d2c30.txt", "第一篇")]


def test_complaint_three_working_days_report_five():
    assert limit_tuple(limits_for(PACK, kind="complaint")["resolve"]) == (3, "working_days")
    assert limit_tuple(limits_for(PACK, kind="report")["resolve"]) == (5, "working_days")


def test_first_contact_and_return_visit_close_the_loop():
    limits = limits_for(PACK, kind="complaint")
    assert {"first_contact", "resolve", "return_visit"} <= set(limits)
    assert PACK.return_visit is not None and PACK.return_visit.reopen_on_dissatisfied


def test_complaints_and_reports_are_confidential():
    assert classify_facts(PACK, kind="complaint").confidential is True
    assert classify_facts(PACK, kind="report").confidential is True
    assert classify_facts(PACK, kind="consultation").confidential is False


def test_reports_go_to_the_centre_head():
    c = classify_facts(PACK, kind="report", category="staff-conduct")
    assert (c.department, c.plan_approval) == ("service-centre", True)


def test_routing_by_category():
    assert classify_facts(PACK, category="outage").department == "maintenance"
    assert classify_facts(PACK, category="billing").department == "marketing"


def test_danger_is_urgent():
    assert classify_facts(PACK, description="电线断线落地,有触电危险").urgency == "urgent"


def test_complex_cases_may_be_extended():
    assert PACK.extension is not None
    assert PACK.extension.approver_roles == ["leader"]


def test_monthly_reporting():
    assert PACK.reporting is not None and PACK.reporting.periods == ["monthly"]
    assert "每月优质服务例会" in PACK.reporting.note


def test_demo_people_cover_every_role():
    roles = {r for p in pack_demo_people(PACK) for r in p.roles}
    assert roles == {"agent", "liaison", "handler", "supervisor", "leader", "inspector", "admin"}


def test_kinds_without_a_limit_in_the_seed_say_so():
    (entry,) = PACK.no_limit
    assert entry.kinds == ["consultation", "suggestion", "help", "praise"]
    assert "投诉3个工作日" in entry.basis and "举报5个工作日" in entry.basis
    for kind in ("complaint", "report"):  # 查处/办结 from the case's arrival
        assert limits_for(PACK, kind=kind)["resolve"].start is None  # registered
