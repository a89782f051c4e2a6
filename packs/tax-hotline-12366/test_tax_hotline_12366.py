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


# --- the national limits (《纳税服务投诉管理办法》, 国家税务总局公告2019年第48号) -------------


def test_complaint_acceptance_is_decided_within_one_working_day_of_receipt():
    accept = limits_for(PACK, kind="complaint", category="service-conduct")["accept"]
    assert (accept.amount, accept.unit, accept.start) == (1, "working_days", None)  # registered
    assert "2019年第48号" in accept.basis and "第二十一条" in accept.basis


def test_service_conduct_complaints_are_handled_in_five_working_days_from_acceptance():
    resolve = limits_for(PACK, kind="complaint", category="service-conduct")["resolve"]
    assert (resolve.amount, resolve.unit, resolve.start) == (5, "working_days", "accepted")
    assert "服务言行" in resolve.basis and "2019年第48号" in resolve.basis


def test_quality_and_rights_complaints_are_handled_in_ten_working_days():
    for category in ("service-quality", "rights-protection"):
        resolve = limits_for(PACK, kind="complaint", category=category)["resolve"]
        assert (resolve.amount, resolve.unit, resolve.start) == (10, "working_days", "accepted")
        assert "服务质效类、权益保护类" in resolve.basis


def test_an_unclassified_service_complaint_gets_the_shorter_limit():
    resolve = limits_for(PACK, kind="complaint", category="service-complaint")["resolve"]
    assert (resolve.amount, resolve.unit) == (5, "working_days")
    # The three classes sit under 服务投诉, so they keep its routing to the agents.
    assert PACK.category_lineage("service-conduct") == ["service-conduct", "service-complaint"]


def test_real_name_complainants_get_a_return_visit():
    assert PACK.return_visit is not None and "complaint" in PACK.return_visit.kinds


def test_reports_are_dispatched_the_day_the_call_comes_in():
    dispatch = limits_for(PACK, kind="report", category="tax-evasion")["dispatch"]
    assert (dispatch.start, dispatch.amount, dispatch.count_start_day) == ("registered", 1, True)
    # 《税收违法行为检举管理办法》 gives no working-day limit: none is invented.
    assert "resolve" not in limits_for(PACK, kind="report", category="tax-evasion")


def test_suggestions_and_praise_say_why_they_have_no_clock():
    (entry,) = PACK.no_limit
    assert entry.kinds == ["suggestion", "praise"] and entry.basis
