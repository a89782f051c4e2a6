"""Seed 003_dab1bd914f4d2c30.txt (documents two to four) replayed: letters and visits."""

import pytest

from closeloop.policy.services import pack_demo_people
from closeloop.policy.testing import classify_facts, limits_for, pack_named

PACK = pack_named("letters-and-visits")


def test_pack_cites_its_seed_documents():
    assert {s.file for s in PACK.source} == {"003_dab1bd914f4d2c30.txt"}
    assert [s.part[:3] for s in PACK.source] == ["第二篇", "第三篇", "第四篇"]


def test_letters_and_visits_are_channels():
    assert {"letter", "visit"} <= set(PACK.channels)


def test_enclosures_are_registered_and_id_documents_returned():
    disposition = {e.name: e.disposition for e in PACK.enclosures}
    assert {"证件", "现金", "光盘", "照片", "著作"} <= set(disposition)
    assert disposition["证件"] == "return"  # 来访人所带证件原件一律退还本人


def test_collective_visit_is_an_important_crisis_case():
    c = classify_facts(PACK, kind="complaint", channel="visit", people_count=4)
    assert c.crisis is True
    assert c.crisis_reasons == ["集体访(多人共同反映)"]
    assert c.urgency == "important"
    big = classify_facts(PACK, kind="help", channel="visit", people_count=30)
    assert big.urgency == "urgent"
    assert len(big.crisis_reasons) == 2
    assert classify_facts(PACK, kind="help", channel="visit").crisis is False


def test_discipline_matters_are_referred_to_the_commission():
    c = classify_facts(PACK, kind="report", description="村干部贪污挪用补贴")
    assert "纪委" in c.referral
    assert c.plan_approval is True  # 经监管中心主任签批
    assert c.decline is False  # passed on, not refused
    assert classify_facts(PACK, kind="report", category="discipline").referral_code == (
        "discipline-commission"
    )


def _limit(limits, milestone):
    limit = limits[milestone]
    return (limit.amount, limit.unit, limit.roll_forward)


def test_handle_within_15_days_and_superior_results_within_60():
    limits = limits_for(PACK, kind="suggestion", channel="letter")
    assert _limit(limits, "reply") == (15, "days", True)
    superior = limits_for(PACK, kind="help", category="superior-assigned")
    assert _limit(superior, "resolve") == (60, "days", True)


@pytest.mark.parametrize(
    ("facts", "days"),
    [
        ({"kind": "help"}, 30),  # 一般信访案件30日内处结
        ({"kind": "help", "description": "情况复杂,涉及多个部门"}, 90),  # 重要复杂 90日
        ({"kind": "help", "people_count": 3}, 90),  # 集体来访 = 重要案件
    ],
)
def test_general_30_complex_90_days(facts, days):
    assert _limit(limits_for(PACK, **facts), "resolve") == (days, "days", True)


def test_leader_review_one_day_important_three_days_general():
    assert limits_for(PACK, kind="help", people_count=3)["leader_review"].amount == 1
    assert limits_for(PACK, kind="help")["leader_review"].amount == 3


def test_complaint_about_a_result_answered_in_5_to_10_working_days():
    limit = limits_for(PACK, kind="complaint", category="handling-complaint")["reply"]
    assert (limit.amount, limit.unit) == (10, "working_days")
    assert limit.warn_before is not None and limit.warn_before.amount == 5


def test_calendar_day_limits_roll_forward_off_holidays():
    day_limits = [t for t in PACK.time_limits if t.unit == "days"]
    assert day_limits and all(t.roll_forward for t in day_limits)


def test_extension_capped_at_30_days():
    assert PACK.extension is not None
    assert (PACK.extension.max_total.amount, PACK.extension.max_total.unit) == (30, "days")


def test_overdue_case_gets_a_supervision_order():
    orders = [e for e in PACK.escalations if e.action == "supervise"]
    assert orders and orders[0].time_limit is not None
    assert orders[0].time_limit.milestone == "supervision"


def test_demo_people_cover_every_role():
    roles = {r for p in pack_demo_people(PACK) for r in p.roles}
    assert roles == {"agent", "liaison", "handler", "supervisor", "leader", "inspector", "admin"}


def test_every_letter_or_visit_is_on_the_fifteen_day_clock_from_receipt():
    """收到信访事项后,须在15日内及时办理: every kind, from the day it was received."""
    assert not PACK.no_limit
    for kind in PACK.kinds:
        reply = limits_for(PACK, kind=kind)["reply"]
        assert reply.start is None  # registered, i.e. the day of receipt
