"""The semantics of classify: order, raise-only, descendants, stop, band coverage."""

import copy
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from closeloop.policy.classify import band_severity
from closeloop.policy.services import pack_parse
from closeloop.policy.testing import classify_facts, limits_for, pack_named

from .test_pack_validation import VALID


def spec_with(**changes):
    data = copy.deepcopy(VALID)
    data.update(changes)
    return pack_parse(data)


CATEGORIES = [
    {
        "code": "service",
        "name": "服务",
        "department": "hq",
        "children": [
            {"code": "attitude", "name": "态度", "children": [{"code": "rude", "name": "粗鲁"}]}
        ],
    }
]


def test_category_condition_matches_descendants_and_department_is_inherited():
    spec = spec_with(
        categories=CATEGORIES,
        rules=[{"id": "svc", "when": {"category": "service"}, "set": {"plan_approval": True}}],
    )
    c = classify_facts(spec, category="rude")
    assert c.matched_rules == ["svc"]
    assert c.department == "hq"
    assert classify_facts(spec, category=None).matched_rules == []
    assert classify_facts(spec, category="not-in-pack").department is None


def test_urgency_only_goes_up_and_department_last_wins():
    spec = spec_with(
        rules=[
            {"id": "up", "when": {}, "set": {"urgency": "urgent", "department": "hq"}},
            {"id": "down", "when": {}, "set": {"urgency": "normal", "department": "desk"}},
        ]
    )
    c = classify_facts(spec)
    assert (c.urgency, c.department, c.matched_rules) == ("urgent", "desk", ["up", "down"])


def test_stop_ends_evaluation():
    spec = spec_with(
        rules=[
            {"id": "first", "when": {}, "set": {"decline": True, "referral": "line"}, "stop": True},
            {"id": "never", "when": {}, "set": {"urgency": "urgent"}},
        ]
    )
    c = classify_facts(spec)
    assert (c.matched_rules, c.urgency, c.decline) == (["first"], "normal", True)
    assert c.referral == "请向纪检监察部门举报"


def test_conditions_are_and_lists_are_or_text_is_case_insensitive():
    spec = spec_with(
        rules=[
            {
                "id": "r",
                "when": {"kind": ["complaint", "report"], "text_any": ["VIP"], "anonymous": False},
                "set": {"urgency": "urgent"},
            }
        ]
    )
    assert classify_facts(spec, kind="report", subject="vip厅").urgency == "urgent"
    assert classify_facts(spec, kind="report", subject="窗口").urgency == "normal"
    assert classify_facts(spec, kind="report", subject="vip", anonymous=True).urgency == "normal"


def test_rules_see_the_classification_so_far():
    spec = spec_with(
        rules=[
            {
                "id": "crowd",
                "when": {"people_count": {"min": 2}},
                "set": {"crisis": True, "reason": "集体"},
            },
            {"id": "after", "when": {"crisis": True}, "set": {"plan_approval": True}},
        ]
    )
    assert classify_facts(spec, people_count=2).plan_approval is True
    assert classify_facts(spec, people_count=1).plan_approval is False


def test_economic_loss_range_condition():
    spec = spec_with(
        rules=[
            {"id": "big", "when": {"economic_loss": {"min": 1000}}, "set": {"urgency": "urgent"}}
        ]
    )
    assert classify_facts(spec, economic_loss="1000").urgency == "urgent"
    assert classify_facts(spec, economic_loss="999.99").urgency == "normal"
    assert classify_facts(spec, economic_loss=None).urgency == "normal"


def test_first_matching_time_limit_per_milestone():
    pack = pack_named("letters-and-visits")
    assert limits_for(pack, kind="help", people_count=2)["resolve"].amount == 90
    assert limits_for(pack, kind="help")["resolve"].amount == 30


@given(st.decimals(min_value=0, max_value=10**9, places=2, allow_nan=False))
def test_every_amount_falls_in_exactly_one_band(amount):
    pack = pack_named("tax-service-outsourcing")
    matching = [
        b for b in pack.severity_bands if amount >= b.start and (b.end is None or amount < b.end)
    ]
    assert len(matching) == 1
    assert band_severity(pack, Decimal(amount)) == matching[0].severity
