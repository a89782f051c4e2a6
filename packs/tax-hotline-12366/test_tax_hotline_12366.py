"""Seed 001_68db56b47669a055.txt replayed: hard questions, reports, complaints, duty rota."""

from closeloop.policy.services import pack_demo_duty_rota, pack_demo_people
from closeloop.policy.testing import classify_facts, limits_for, pack_named

PACK = pack_named("tax-hotline-12366")


def test_pack_cites_its_seed():
    assert {s.file for s in PACK.source} == {"001_68db56b47669a055.txt"}


def test_hard_question_goes_to_the_responsible_department():
    c = classify_facts(PACK, kind="consultation", category="invoice")
    assert c.department == "goods-tax"
    assert (c.decline, c.no_dispatch) == (False, False)
    c = classify_facts(PACK, kind="consultation", category="declaration")
    assert c.department == "collection"


def test_hard_question_is_transferred_and_answered_the_same_day():
    limits = limits_for(PACK, kind="consultation", category="invoice")
    for milestone in ("dispatch", "assign", "department_response", "reply"):
        limit = limits[milestone]
        assert (limit.amount, limit.unit, limit.count_start_day) == (1, "working_days", True)
    assert limits["reply"].start == "department_responded"  # 收到反馈结果当日回复纳税人


def test_tax_report_is_dispatched_to_the_responsible_department_and_hidden():
    c = classify_facts(PACK, kind="report", category="false-invoice", anonymous=True)
    assert c.department == "inspection"
    assert (c.decline, c.no_dispatch, c.confidential) == (False, False, True)
    assert c.matched_rules == ["tax-report"]
    assert "dispatch" in limits_for(PACK, kind="report", category="tax-evasion")


def test_service_complaint_is_taken_by_the_agent_without_transfer():
    c = classify_facts(PACK, kind="complaint", category="service-complaint")
    assert c.no_dispatch is True
    assert c.department == "agents"
    assert "dispatch" not in limits_for(PACK, kind="complaint")


def test_integrity_report_is_declined_with_the_discipline_line():
    c = classify_facts(PACK, kind="report", category="integrity-report")
    assert c.decline is True
    assert "纪检监察部门" in c.referral
    assert c.matched_rules == ["integrity-report"]  # stops: not also dispatched as a tax report
    assert c.department is None


def test_integrity_report_recognised_by_its_words():
    c = classify_facts(PACK, kind="report", description="税务人员吃拿卡要,收受好处")
    assert c.decline is True and c.referral_code == "discipline-line"


def test_consultation_mentioning_integrity_is_not_declined():
    assert classify_facts(PACK, kind="consultation", subject="廉政建设").decline is False


def test_resolved_hard_questions_feed_the_knowledge_base():
    assert PACK.knowledge is not None and PACK.knowledge.from_kinds == ["consultation"]


def test_duty_rota_of_department_staff():
    rota = pack_demo_duty_rota(PACK)
    assert [d.weekday for d in rota] == [0, 1, 2, 3, 4]
    people = {p.username: p for p in pack_demo_people(PACK)}
    for duty in rota:
        assert people[duty.username].department == duty.department
    assert len({d.department for d in rota}) == 5


def test_demo_people_cover_every_role():
    people = pack_demo_people(PACK)
    roles = {r for p in people for r in p.roles}
    assert roles == {"agent", "liaison", "handler", "supervisor", "leader", "inspector", "admin"}
    assert all(p.department for p in people if {"liaison", "handler"} & set(p.roles))


def test_service_monitoring_scores_attitude_communication_and_answer_quality():
    quality = PACK.quality
    assert quality is not None
    assert [(c.code, c.name) for c in quality.criteria] == [
        ("attitude", "服务态度"),
        ("communication", "沟通技巧"),
        ("answer_quality", "答复质量"),
    ]
    assert sum(c.max_points for c in quality.criteria) == 100
    assert quality.passing_score == 80
    assert quality.sample_size == 5
    # 答复明显错误时,给予及时纠错处理: a correction has its own, short limit.
    assert (quality.correction_limit.amount, quality.correction_limit.unit) == (1, "working_days")


def test_hard_questions_become_knowledge():
    assert PACK.knowledge is not None and PACK.knowledge.from_kinds == ["consultation"]
