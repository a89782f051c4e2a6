"""Seed 000_fa82c012cea6f04f.txt replayed: urgency kinds, crisis, stars, responsible persons."""

from pathlib import Path

import pytest

from closeloop.policy.services import pack_demo_people
from closeloop.policy.testing import classify_facts, limit_tuple, limits_for, pack_named

PACK = pack_named("tax-service-outsourcing")


def test_pack_cites_its_seed():
    assert [s.file for s in PACK.source] == ["000_fa82c012cea6f04f.txt"]
    assert PACK.name == "tax-service-outsourcing"


def test_ordinary_complaint_is_normal_one_star():
    c = classify_facts(PACK, category="attitude")
    assert (c.urgency, c.severity, c.crisis, c.on_site) == ("normal", "one_star", False, False)
    assert c.department == "tax-hall"  # inherited from 派遣员工服务


def test_on_site_complaint_is_urgent_and_on_site():
    by_channel = classify_facts(PACK, channel="on_site")
    assert (by_channel.urgency, by_channel.on_site) == ("urgent", True)
    by_flag = classify_facts(PACK, on_site=True)
    assert (by_flag.urgency, by_flag.on_site) == ("urgent", True)
    incident = classify_facts(PACK, category="accident")
    assert (incident.urgency, incident.on_site) == ("urgent", True)


@pytest.mark.parametrize(
    ("facts", "reason"),
    [
        ({"customer_type": "media"}, "投诉人是媒体"),
        ({"customer_type": "official"}, "投诉人是政府要员"),
        ({"description": "再不解决我就找媒体曝光"}, "投诉人声称要向媒体曝光或有此意向"),
        ({"people_count": 3}, "多人参与的集体投诉"),
    ],
)
def test_crisis_triggers(facts, reason):
    c = classify_facts(PACK, **facts)
    assert c.crisis is True
    assert c.crisis_reasons == [reason]
    assert c.urgency == "urgent"
    assert c.plan_approval is True  # goes to the responsible leaders


def test_several_crisis_reasons_add_up():
    c = classify_facts(PACK, customer_type="media", people_count=5)
    assert c.crisis_reasons == ["投诉人是媒体", "多人参与的集体投诉"]


def test_single_person_is_not_collective():
    assert classify_facts(PACK, people_count=1).crisis is False


@pytest.mark.parametrize(
    ("loss", "severity"),
    [
        (None, "one_star"),  # 未造成直接的经济损失
        ("0", "one_star"),
        ("199.99", "one_star"),
        ("200", "one_star"),  # 损失在200元以内
        ("200.01", "two_star"),  # decided: the seed's gap (200, 1000) is two-star
        ("500", "two_star"),
        ("999.99", "two_star"),
        ("1000", "two_star"),  # 1000元以上
        ("4999.99", "two_star"),
        ("5000", "three_star"),  # 5000元以上
        ("1000000", "three_star"),
    ],
)
def test_severity_by_economic_loss(loss, severity):
    assert classify_facts(PACK, economic_loss=loss).severity == severity


def test_the_undefined_band_is_a_documented_decision():
    text = (Path(__file__).parent / "pack.yaml").read_text(encoding="utf-8")
    assert "DECISION: the seed leaves 200.01–999.99 yuan undefined" in text


def test_impact_raises_severity_never_lowers():
    assert classify_facts(PACK, description="投诉激烈,对公司造成不良影响").severity == "two_star"
    major = classify_facts(PACK, description="造成极为恶劣的影响")
    assert (major.severity, major.plan_approval) == ("three_star", True)
    # a three-star loss stays three-star even with only "serious" words
    assert (
        classify_facts(PACK, economic_loss="6000", description="不良影响").severity == "three_star"
    )


def test_severity_only_for_complaints():
    assert classify_facts(PACK, kind="consultation").severity == ""


def test_department_response_one_day_urgent_one_hour():
    assert limit_tuple(limits_for(PACK)["department_response"]) == (24, "hours")
    assert limit_tuple(limits_for(PACK, channel="on_site")["department_response"]) == (1, "hours")
    assert limit_tuple(limits_for(PACK, customer_type="media")["department_response"]) == (
        1,
        "hours",
    )


def test_validity_and_tiered_responsible_persons():
    assert PACK.validity is not None and PACK.validity.required_on_resolve
    levels = [(r.level, r.name, r.role) for r in PACK.responsible_levels]
    assert levels == [(1, "一级责任人", "leader"), (2, "二级责任人", "leader")]
    leaders = [p for p in pack_demo_people(PACK) if "leader" in p.roles]
    assert len(leaders) == 2


def test_demo_people_cover_every_role():
    roles = {r for p in pack_demo_people(PACK) for r in p.roles}
    assert roles == {"agent", "liaison", "handler", "supervisor", "leader", "inspector", "admin"}


def test_the_organisation_is_on_the_clock_from_the_complaints_arrival():
    """投诉专员应立即……告知相关被投诉机构,各被投诉机构应在得知此事件后1日内(紧急1小时内)."""
    for urgent in (True, False):
        limit = limits_for(PACK, on_site=urgent)["department_response"]
        assert limit.start == "registered"
        assert limit_tuple(limit) == ((1, "hours") if urgent else (24, "hours"))
