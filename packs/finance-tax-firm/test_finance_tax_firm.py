"""Seed 002_637b45468a547556.txt replayed: channels, feedback, periodic return visits."""

from closeloop.policy.services import pack_demo_people
from closeloop.policy.testing import classify_facts, limit_tuple, limits_for, pack_named

PACK = pack_named("finance-tax-firm")


def test_pack_cites_its_seed():
    assert [s.file for s in PACK.source] == ["002_637b45468a547556.txt"]


def test_multi_channel_service():
    # 电话客服、在线客服(web / app chat)、邮件客服
    assert set(PACK.channels) == {"phone", "web", "app", "email"}
    assert limit_tuple(limits_for(PACK, kind="consultation", channel="app")["accept"]) == (
        5,
        "minutes",
    )
    assert limit_tuple(limits_for(PACK, kind="consultation", channel="email")["accept"]) == (
        1,
        "working_days",
    )
    assert "accept" not in limits_for(PACK, kind="consultation", channel="phone")  # 三声内接听


def test_questions_go_to_the_relevant_department():
    assert classify_facts(PACK, kind="consultation", category="tax-policy").department == "tax-dept"
    assert classify_facts(PACK, kind="help", category="invoice-application").department == (
        "business-dept"
    )
    assert classify_facts(PACK, kind="consultation", category="bookkeeping").department == (
        "accounting"
    )


def test_feedback_reaches_departments_and_comes_back_to_the_customer():
    c = classify_facts(PACK, kind="suggestion", channel="web")
    assert c.department == "online-team"
    assert limit_tuple(limits_for(PACK, kind="suggestion")["suggestion_feedback"]) == (
        5,
        "working_days",
    )


def test_complaint_first_opinion_and_dispute():
    limits = limits_for(PACK, kind="complaint")
    assert limit_tuple(limits["department_response"]) == (1, "working_days")
    c = classify_facts(PACK, kind="complaint", description="调解不成我就找律师起诉")
    assert (c.urgency, c.plan_approval, c.department) == ("urgent", True, "management")
    assert c.severity == ""  # the firm grades no severity


def test_periodic_return_visits():
    assert PACK.return_visit is not None
    assert PACK.return_visit.periodic is not None
    assert (PACK.return_visit.periodic.amount, PACK.return_visit.periodic.unit) == (90, "days")
    assert "complaint" in PACK.return_visit.kinds


def test_demo_people_cover_every_role():
    roles = {r for p in pack_demo_people(PACK) for r in p.roles}
    assert roles == {"agent", "liaison", "handler", "supervisor", "leader", "inspector", "admin"}


def test_phone_consultations_say_why_they_have_no_clock():
    (entry,) = PACK.no_limit
    assert entry.kinds == ["consultation", "help", "praise"]
    assert "电话铃响三声内接听" in entry.basis
    assert "accept" not in limits_for(PACK, kind="consultation", channel="phone")
    assert "accept" in limits_for(PACK, kind="consultation", channel="web")
