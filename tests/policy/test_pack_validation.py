"""The loader refuses broken packs with a precise message: file, place, problem."""

import copy
from pathlib import Path

import pytest
import yaml

from closeloop.policy.services import PackInvalid, pack_read

ROLES = ["agent", "liaison", "handler", "supervisor", "leader", "inspector", "admin"]

VALID = {
    "name": "mini",
    "title": "最小策略包",
    "version": "1",
    "source": [{"file": "000_fa82c012cea6f04f.txt"}],
    "kinds": ["complaint", "report"],
    "channels": ["phone", "visit"],
    "urgency": {
        "levels": [{"code": "normal", "name": "普通"}, {"code": "urgent", "name": "加急"}],
        "default": "normal",
    },
    "severity_bands": [
        {"from": 0, "to": 200, "severity": "one_star"},
        {"from": 200, "to": 1000, "severity": "two_star"},
        {"from": 1000, "severity": "three_star"},
    ],
    "referrals": [{"code": "line", "name": "纪检", "text": "请向纪检监察部门举报"}],
    "departments": [{"code": "hq", "name": "总部", "children": [{"code": "desk", "name": "前台"}]}],
    "categories": [{"code": "service", "name": "服务", "department": "desk"}],
    "rules": [
        {"id": "collective", "when": {"people_count": {"min": 2}}, "set": {"urgency": "urgent"}},
        {"id": "desk", "when": {"kind": "complaint"}, "set": {"department": "desk"}},
    ],
    "time_limits": [
        {"milestone": "resolve", "amount": 3, "unit": "working_days"},
        {"milestone": "return_visit", "amount": 1, "unit": "days", "roll_forward": True},
        {"milestone": "dispatch", "amount": 5, "unit": "minutes"},
    ],
    "escalations": [
        {"milestone": "resolve", "state": "overdue", "notify": ["supervisor"], "action": "remind"}
    ],
    "extension": {"max_total": {"amount": 30, "unit": "days"}, "approver_roles": ["leader"]},
    "demo": {
        "people": [
            {
                "username": role,
                "display_name": role,
                "roles": [role],
                "department": "desk",
                "password": "closeloop-demo",
            }
            for role in ROLES
        ]
    },
}


def write(tmp_path: Path, data=None, text: str | None = None) -> Path:
    folder = tmp_path / "mini"
    folder.mkdir(exist_ok=True)
    file = folder / "pack.yaml"
    file.write_text(
        text if text is not None else yaml.safe_dump(data, allow_unicode=True), encoding="utf-8"
    )
    return file


def refusals(tmp_path: Path, mutate=None) -> list[str]:
    """Every problem of a refused pack, one per line, without the file name."""
    data = copy.deepcopy(VALID)
    if mutate:
        mutate(data)
    file = write(tmp_path, data)
    with pytest.raises(PackInvalid) as caught:
        pack_read(file.parent)
    prefix = f"{file}: "
    lines = caught.value.message.splitlines()
    assert all(line.startswith(prefix) for line in lines), lines
    return [line.removeprefix(prefix) for line in lines]


def refusal(tmp_path: Path, mutate=None, text: str | None = None) -> str:
    data = copy.deepcopy(VALID)
    if mutate:
        mutate(data)
    file = write(tmp_path, data, text)
    with pytest.raises(PackInvalid) as caught:
        pack_read(file.parent)
    message = caught.value.message
    prefix = f"{file}: "
    assert message.startswith(prefix), message
    return message.removeprefix(prefix)


def test_the_valid_pack_reads(tmp_path):
    spec = pack_read(write(tmp_path, VALID))
    assert spec.name == "mini"
    assert spec.department_codes() == ["hq", "desk"]


def test_missing_file(tmp_path):
    with pytest.raises(PackInvalid, match="no such file"):
        pack_read(tmp_path / "nothing")


# --- unknown fields ---


def test_unknown_field_in_a_condition(tmp_path):
    def mutate(d):
        d["rules"][1]["when"]["foo"] = 1

    assert refusal(tmp_path, mutate) == "unknown field 'foo' at rules[1].when"


def test_unknown_field_at_the_top(tmp_path):
    def mutate(d):
        d["colour"] = "red"

    assert refusal(tmp_path, mutate) == "unknown field 'colour' at the top level"


def test_unknown_field_in_an_effect(tmp_path):
    def mutate(d):
        d["rules"][0]["set"]["priority"] = "high"

    assert refusal(tmp_path, mutate) == "unknown field 'priority' at rules[0].set"


def test_missing_field(tmp_path):
    def mutate(d):
        del d["time_limits"][0]["unit"]

    assert refusal(tmp_path, mutate) == "time_limits[0]: missing field 'unit'"


# --- severity bands ---


def band_test(tmp_path, bands):
    def mutate(d):
        d["severity_bands"] = bands

    return refusal(tmp_path, mutate)


def test_severity_gap(tmp_path):
    bands = [
        {"from": 0, "to": 200, "severity": "one_star"},
        {"from": 1000, "to": 5000, "severity": "two_star"},
        {"from": 5000, "severity": "three_star"},
    ]
    assert band_test(tmp_path, bands) == "severity_bands: gap between 200 and 1000 yuan"


def test_severity_overlap(tmp_path):
    bands = [
        {"from": 0, "to": 300, "severity": "one_star"},
        {"from": 200, "severity": "two_star"},
    ]
    assert band_test(tmp_path, bands) == "severity_bands: overlap between 200 and 300 yuan"


def test_severity_not_starting_at_zero(tmp_path):
    bands = [{"from": 100, "severity": "one_star"}]
    assert (
        band_test(tmp_path, bands) == "severity_bands: the first band must start at 0 yuan, not 100"
    )


def test_severity_last_band_closed(tmp_path):
    bands = [{"from": 0, "to": 200.5, "severity": "one_star"}]
    assert band_test(tmp_path, bands) == (
        "severity_bands: the last band must be open-ended (no 'to'); "
        "amounts from 200.5 yuan are not covered"
    )


def test_severity_open_band_in_the_middle(tmp_path):
    bands = [{"from": 0, "severity": "one_star"}, {"from": 10, "severity": "two_star"}]
    assert band_test(tmp_path, bands) == (
        "severity_bands: only the last band may leave out 'to' (band 0 does)"
    )


def test_severity_unknown_star(tmp_path):
    bands = [{"from": 0, "severity": "four_star"}]
    assert band_test(tmp_path, bands) == (
        "severity_bands[0].severity: 'four_star' is not one of one_star, two_star, three_star"
    )


def test_severity_decreasing(tmp_path):
    bands = [{"from": 0, "to": 10, "severity": "two_star"}, {"from": 10, "severity": "one_star"}]
    assert (
        band_test(tmp_path, bands)
        == "severity_bands: band 1 is less severe than the band before it"
    )


def test_negative_band(tmp_path):
    bands = [{"from": -5, "severity": "one_star"}]
    assert band_test(tmp_path, bands).startswith("severity_bands[0].from: Input should be greater")


# --- time limits ---


def test_time_limit_bad_unit(tmp_path):
    def mutate(d):
        d["time_limits"][2]["unit"] = "weeks"

    assert refusal(tmp_path, mutate) == (
        "time_limits[2].unit: 'weeks' is not one of minutes, hours, working_hours, days, "
        "working_days"
    )


@pytest.mark.parametrize("amount", [0, -3])
def test_time_limit_non_positive_amount(tmp_path, amount):
    def mutate(d):
        d["time_limits"][0]["amount"] = amount

    assert refusal(tmp_path, mutate) == (
        f"time_limits[0].amount: must be a positive whole number, not {amount}"
    )


def test_time_limit_fractional_amount(tmp_path):
    def mutate(d):
        d["time_limits"][0]["amount"] = 1.5

    assert (
        refusal(tmp_path, mutate)
        == "time_limits[0].amount: Input should be a valid integer, got 1.5"
    )


def test_time_limit_unknown_milestone(tmp_path):
    def mutate(d):
        d["time_limits"][0]["milestone"] = "lunch"

    assert refusal(tmp_path, mutate).startswith(
        "time_limits[0].milestone: unknown milestone 'lunch' (expected one of accept, dispatch"
    )


def test_time_limit_unquoted_end_time(tmp_path):
    text = yaml.safe_dump(VALID, allow_unicode=True).replace(
        "unit: working_days", "unit: working_days\n  end_time: 17:00", 1
    )
    assert refusal(tmp_path, text=text) == (
        'time_limits[0].end_time: write times in quotes, e.g. "08:30" '
        "(unquoted, YAML reads a number)"
    )


def test_time_limit_bad_end_time(tmp_path):
    def mutate(d):
        d["time_limits"][0]["end_time"] = "25:00"

    assert (
        refusal(tmp_path, mutate) == "time_limits[0].end_time: '25:00' is not a time of day HH:MM"
    )


def test_roll_forward_only_for_calendar_days(tmp_path):
    def mutate(d):
        d["time_limits"][0]["roll_forward"] = True

    assert refusal(tmp_path, mutate) == (
        "time_limits[0]: roll_forward only applies to calendar days (unit days), "
        "not to working_days"
    )


def test_end_time_not_for_minutes(tmp_path):
    def mutate(d):
        d["time_limits"][2]["end_time"] = "17:00"

    assert refusal(tmp_path, mutate) == (
        "time_limits[2]: end_time only applies to days and working_days, not to minutes"
    )


def test_warn_share_out_of_range(tmp_path):
    def mutate(d):
        d["time_limits"][0]["warn_share"] = 1.5

    assert refusal(tmp_path, mutate).startswith(
        "time_limits[0].warn_share: Input should be less than 1"
    )


def test_warn_before_longer_than_the_limit(tmp_path):
    def mutate(d):
        d["time_limits"][0]["warn_before"] = {"amount": 3, "unit": "working_days"}

    assert refusal(tmp_path, mutate) == (
        "time_limits[0]: warn_before (3 working_days) must be shorter than the limit "
        "(3 working_days)"
    )


def test_warn_before_and_share_together(tmp_path):
    def mutate(d):
        d["time_limits"][0]["warn_before"] = {"amount": 1, "unit": "working_days"}
        d["time_limits"][0]["warn_share"] = 0.5

    assert refusal(tmp_path, mutate) == "time_limits[0]: give warn_before or warn_share, not both"


def test_unreachable_time_limit(tmp_path):
    def mutate(d):
        d["time_limits"].append({"milestone": "resolve", "amount": 9, "unit": "days"})

    assert refusal(tmp_path, mutate) == (
        "time_limits[3]: milestone 'resolve' already has an unconditional limit at "
        "time_limits[0], so this one never applies"
    )


def test_time_limit_condition_unknown_urgency(tmp_path):
    def mutate(d):
        d["time_limits"][0]["when"] = {"urgency": "panic"}
        # Every other ticket keeps a clock from registration.
        d["time_limits"].append({"milestone": "resolve", "amount": 5, "unit": "working_days"})

    assert (
        refusal(tmp_path, mutate) == "time_limits[0].when.urgency[0]: unknown urgency level 'panic'"
    )


# --- references ---


def test_rule_unknown_department(tmp_path):
    def mutate(d):
        d["rules"][1]["set"]["department"] = "xyz"

    assert refusal(tmp_path, mutate) == "rules[1].set.department: unknown department 'xyz'"


def test_category_unknown_department(tmp_path):
    def mutate(d):
        d["categories"][0]["children"] = [{"code": "sub", "name": "子类", "department": "nope"}]

    assert refusal(tmp_path, mutate) == (
        "categories[0].children[0].department: unknown department 'nope'"
    )


def test_rule_unknown_category(tmp_path):
    def mutate(d):
        d["rules"][1]["when"]["category"] = ["service", "ghost"]

    assert refusal(tmp_path, mutate) == "rules[1].when.category[1]: unknown category 'ghost'"


def test_rule_unknown_urgency(tmp_path):
    def mutate(d):
        d["rules"][0]["set"]["urgency"] = "asap"

    assert refusal(tmp_path, mutate) == "rules[0].set.urgency: unknown urgency level 'asap'"


def test_rule_unknown_referral(tmp_path):
    def mutate(d):
        d["rules"][0]["set"]["referral"] = "police"

    assert refusal(tmp_path, mutate) == "rules[0].set.referral: unknown referral 'police'"


def test_rule_kind_not_used_by_the_pack(tmp_path):
    def mutate(d):
        d["rules"][1]["when"]["kind"] = "praise"

    assert refusal(tmp_path, mutate) == (
        "rules[1].when.kind[0]: kind 'praise' is not among this pack's kinds"
    )


def test_unknown_kind(tmp_path):
    def mutate(d):
        d["kinds"].append("gripe")

    assert refusal(tmp_path, mutate) == (
        "kinds[2]: unknown kind 'gripe' (expected one of consultation, complaint, report, "
        "suggestion, help, praise)"
    )


def test_unknown_role(tmp_path):
    def mutate(d):
        d["extension"]["approver_roles"] = ["leader", "boss"]

    assert refusal(tmp_path, mutate) == (
        "extension.approver_roles[1]: unknown role 'boss' (expected one of agent, liaison, "
        "handler, supervisor, leader, inspector, admin)"
    )


def test_escalation_milestone_without_time_limit(tmp_path):
    def mutate(d):
        d["escalations"][0]["milestone"] = "leader_review"

    assert refusal(tmp_path, mutate) == (
        "escalations[0].milestone: unknown milestone 'leader_review' (no time limit declares it)"
    )


def test_escalation_unknown_recipient(tmp_path):
    def mutate(d):
        d["escalations"][0]["notify"] = ["mayor"]

    assert refusal(tmp_path, mutate) == (
        "escalations[0].notify[0]: 'mayor' is not one of handler, liaison, department_head, "
        "supervisor, leader, first_contact_owner"
    )


def test_supervise_needs_its_own_limit(tmp_path):
    def mutate(d):
        d["escalations"][0]["action"] = "supervise"

    assert refusal(tmp_path, mutate) == (
        "escalations[0]: a supervise action needs its own time_limit (督办 has a deadline)"
    )


def test_duplicate_department_code(tmp_path):
    def mutate(d):
        d["departments"].append({"code": "desk", "name": "又一个前台"})

    assert refusal(tmp_path, mutate) == (
        "departments[1].code: duplicate department 'desk' "
        "(first at departments[0].children[0].code)"
    )


def test_urgent_level_required(tmp_path):
    def mutate(d):
        d["urgency"]["levels"][1]["code"] = "rush"
        d["rules"][0]["set"]["urgency"] = "rush"

    assert refusal(tmp_path, mutate) == "urgency.levels: the level 'urgent' is required"


def test_crisis_needs_a_reason(tmp_path):
    def mutate(d):
        d["rules"][0]["set"]["crisis"] = True

    assert refusal(tmp_path, mutate) == "rules[0].set: crisis: true needs a reason (shown to staff)"


def test_demo_must_cover_every_role(tmp_path):
    def mutate(d):
        d["demo"]["people"] = [p for p in d["demo"]["people"] if p["username"] != "inspector"]

    assert refusal(tmp_path, mutate) == "demo.people: no demo person has the role 'inspector'"


def test_demo_liaison_needs_a_department(tmp_path):
    def mutate(d):
        del d["demo"]["people"][1]["department"]

    assert refusal(tmp_path, mutate) == "demo.people[1].department: a liaison needs a department"


def test_source_is_a_file_name_not_a_link(tmp_path):
    def mutate(d):
        d["source"] = [{"file": "https://example.com/doc"}]

    assert refusal(tmp_path, mutate).startswith("source[0].file: String should match pattern")


def test_every_problem_is_reported(tmp_path):
    def mutate(d):
        d["rules"][1]["set"]["department"] = "xyz"
        d["categories"][0]["department"] = "abc"

    lines = refusal(tmp_path, mutate).split("\n")
    assert len(lines) == 2
    assert lines[1].endswith("rules[1].set.department: unknown department 'xyz'")


# --- YAML itself ---


def test_malformed_yaml_names_the_line(tmp_path):
    text = "name: mini\ntitle: [unclosed\nversion: '1'\n"
    assert refusal(tmp_path, text=text).startswith("line 3, column 8: malformed YAML:")


def test_duplicate_key(tmp_path):
    text = "name: mini\nname: other\n"
    assert refusal(tmp_path, text=text) == "line 2, column 1: malformed YAML: duplicate key 'name'"


def test_not_a_mapping(tmp_path):
    assert refusal(tmp_path, text="- a\n- b\n") == "the file must hold a mapping of pack fields"


def test_error_details_are_structured(tmp_path):
    def mutate(d):
        d["rules"][1]["set"]["department"] = "xyz"

    data = copy.deepcopy(VALID)
    mutate(data)
    file = write(tmp_path, data)
    with pytest.raises(PackInvalid) as caught:
        pack_read(file)
    assert caught.value.code == "pack_invalid"
    assert caught.value.details["problems"] == [
        {"path": "rules[1].set.department", "message": "unknown department 'xyz'"}
    ]


# --- every case has a clock, every clock can be met (issue 12) -----------------------------


def test_a_kind_without_a_clock_from_registration_is_refused(tmp_path):
    def mutate(d):
        # resolve and dispatch go; the return visit starts only once resolved.
        d["time_limits"] = [d["time_limits"][1]]
        d["escalations"] = []

    assert refusals(tmp_path, mutate) == [
        "kinds[0]: kind 'complaint' has no clock from registration: give it a time limit that "
        "starts at registration for every complaint ticket, or list it under no_limit with "
        "the basis for having none",
        "kinds[1]: kind 'report' has no clock from registration: give it a time limit that "
        "starts at registration for every report ticket, or list it under no_limit with the "
        "basis for having none",
    ]


def test_a_clock_for_some_tickets_of_a_kind_only_is_not_enough(tmp_path):
    def mutate(d):
        d["time_limits"][0]["when"] = {"kind": "complaint", "channel": "visit"}
        d["time_limits"][2]["when"] = {"kind": "report"}
        d["time_limits"][2]["start"] = "registered"

    assert refusal(tmp_path, mutate) == (
        "kinds[0]: kind 'complaint' has no clock from registration: give it a time limit that "
        "starts at registration for every complaint ticket, or list it under no_limit with "
        "the basis for having none"
    )


def test_a_later_start_before_the_fallback_breaks_the_clock_from_registration(tmp_path):
    """The first matching limit wins: urgent complaints would get resolve only once
    dispatched, so the unconditional limit after it does not give every complaint a clock."""

    def mutate(d):
        d["time_limits"] = [
            {"milestone": "resolve", "when": {"urgency": "urgent"}, "start": "dispatched",
             "amount": 1, "unit": "days"},
            {"milestone": "resolve", "amount": 3, "unit": "working_days"},
            d["time_limits"][1],
        ]  # fmt: skip

    assert "kinds[0]: kind 'complaint' has no clock from registration" in refusal(tmp_path, mutate)


def test_no_limit_states_a_kind_has_no_clock_with_its_basis(tmp_path):
    data = copy.deepcopy(VALID)
    data["time_limits"][0]["when"] = {"kind": "complaint"}
    data["no_limit"] = [{"kinds": ["report"], "basis": "检举规定未给出办理时限"}]
    spec = pack_read(write(tmp_path, data).parent)
    assert [(e.kinds, e.basis) for e in spec.no_limit] == [(["report"], "检举规定未给出办理时限")]


def test_no_limit_needs_a_basis(tmp_path):
    def mutate(d):
        d["no_limit"] = [{"kinds": ["report"]}]

    assert refusal(tmp_path, mutate) == "no_limit[0]: missing field 'basis'"


def test_no_limit_for_a_kind_with_a_clock_or_an_unknown_kind_is_refused(tmp_path):
    def mutate(d):
        d["no_limit"] = [{"kinds": ["complaint", "praise"], "basis": "无"}]

    assert refusals(tmp_path, mutate) == [
        "no_limit[0].kinds[1]: kind 'praise' is not among this pack's kinds",
        "no_limit[0].kinds[0]: kind 'complaint' has a clock from registration "
        "(time_limits[0]), so it cannot be under no_limit",
    ]


def test_a_milestone_no_action_can_meet_is_refused(tmp_path):
    """12366's reply started when the department resolved, and nothing after resolving met
    it; here: an assignment clock that starts once the ticket is resolved."""

    def mutate(d):
        d["time_limits"].append(
            {"milestone": "assign", "start": "resolved", "amount": 1, "unit": "days"}
        )

    assert refusal(tmp_path, mutate) == (
        "time_limits[3].milestone: milestone 'assign' started at resolved can never be met "
        "when the ticket is resolved: none of the actions that meet it (assign) can follow "
        "from there"
    )


def test_a_reply_after_the_department_answers_can_be_met(tmp_path):
    data = copy.deepcopy(VALID)
    data["time_limits"].append(
        {"milestone": "reply", "start": "department_responded", "amount": 1,
         "unit": "working_days", "count_start_day": True}
    )  # fmt: skip
    assert pack_read(write(tmp_path, data).parent).time_limits[-1].milestone == "reply"


def test_an_escalation_clock_that_cannot_be_met_is_refused(tmp_path):
    """A supervision order on a late return visit: the ticket is resolved, and a supervision
    order is met only by a progress report or a resolution."""

    def mutate(d):
        d["escalations"].append(
            {"milestone": "return_visit", "state": "overdue", "notify": ["supervisor"],
             "action": "supervise",
             "time_limit": {"milestone": "supervision", "amount": 1, "unit": "days"}}
        )  # fmt: skip

    assert refusal(tmp_path, mutate) == (
        "escalations[1].time_limit.milestone: milestone 'supervision' started at "
        "'return_visit' escalated can never be met when the ticket is resolved: none of the "
        "actions that meet it (progress, resolve) can follow from there"
    )


@pytest.mark.parametrize(
    "name",
    sorted(p.name for p in (Path(__file__).parents[2] / "packs").iterdir() if p.is_dir()),
)
def test_every_shipped_pack_passes_the_clock_rules(name):
    from django.conf import settings

    pack_read(Path(settings.PACKS_DIR) / name)
