"""Seed 003_dab1bd914f4d2c30.txt (fifth document) replayed: a car dealer's complaints."""

from closeloop.policy.services import pack_demo_people
from closeloop.policy.testing import classify_facts, limit_tuple, limits_for, pack_named

PACK = pack_named("car-dealer")


def test_pack_cites_its_seed_document():
    assert [(s.file, s.part[:3]) for s in PACK.source] == [("003_dab1bd914f4d2c30.txt", "第五篇")]


def test_compensation_kinds():
    assert PACK.compensation is not None
    names = [k.name for k in PACK.compensation.kinds]
    assert names[:3] == ["打折", "免费赠品", "免费服务"]
    assert "补偿性关照不能代替整个产品与服务" in PACK.compensation.note


def test_follow_up_within_three_working_days():
    assert limit_tuple(limits_for(PACK, kind="complaint")["return_visit"]) == (3, "working_days")
    assert PACK.return_visit is not None and PACK.return_visit.kinds == ["complaint"]


def test_complainants_enter_the_key_customer_file():
    assert classify_facts(PACK, kind="complaint").key_customer is True
    assert classify_facts(PACK, kind="consultation").key_customer is False


def test_compensation_needs_authority():
    c = classify_facts(PACK, kind="complaint", description="要求赔偿维修期间的损失")
    assert c.plan_approval is True
    assert classify_facts(PACK, kind="complaint").plan_approval is False


def test_routing_to_who_can_handle_it():
    assert classify_facts(PACK, category="maintenance").department == "workshop"
    assert classify_facts(PACK, category="pricing").department == "sales"


def test_threat_to_go_outside_is_urgent():
    c = classify_facts(PACK, kind="complaint", description="不解决就打12315投诉")
    assert (c.crisis, c.urgency) == (True, "urgent")


def test_demo_people_cover_every_role():
    roles = {r for p in pack_demo_people(PACK) for r in p.roles}
    assert roles == {"agent", "liaison", "handler", "supervisor", "leader", "inspector", "admin"}


def test_only_complaints_have_a_clock_and_the_pack_says_why():
    (entry,) = PACK.no_limit
    assert entry.kinds == ["consultation", "suggestion", "help", "praise"] and entry.basis
    assert limit_tuple(limits_for(PACK, kind="complaint")["accept"]) == (1, "working_hours")
