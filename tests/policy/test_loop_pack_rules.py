"""The pack options of the loop (issue 12, items 6–9) and what the validator holds them to:
the visit that closes, the reopen clock, the handler's phone reveal, responsible levels."""

import copy
from pathlib import Path

import pytest

from closeloop.policy.services import pack_read
from tests.policy.test_pack_validation import VALID, refusal, write

RETURN_VISIT = {"kinds": ["complaint"], "reopen_on_dissatisfied": True}


def test_the_defaults(tmp_path: Path) -> None:
    data = copy.deepcopy(VALID)
    data["return_visit"] = dict(RETURN_VISIT)
    data["confidentiality"] = {"kinds": ["complaint"]}
    spec = pack_read(write(tmp_path, data))
    assert spec.return_visit is not None and spec.return_visit.close_on_satisfied is True
    assert spec.confidentiality is not None
    assert spec.confidentiality.reveal_phone_to_handler is False


def without_resolve(d: dict) -> None:
    d["time_limits"] = [t for t in d["time_limits"] if t["milestone"] != "resolve"]
    d["escalations"] = []
    d["return_visit"] = dict(RETURN_VISIT)
    # Without its resolve limit the mini pack has no clock from registration either: it says
    # why, so that the reopen rule is the one under test.
    d["no_limit"] = [{"kinds": list(d["kinds"]), "basis": "test"}]


def test_a_kind_reopened_without_a_clock_is_refused(tmp_path: Path) -> None:
    assert refusal(tmp_path, without_resolve) == (
        "return_visit.kinds[0]: a dissatisfied visit reopens 'complaint' tickets, but no time "
        "limit runs after the reopen: give a reply or resolve limit, or one with start: "
        "reopened, whose condition is at most its kind"
    )


def test_a_limit_starting_at_the_reopen_is_a_reopen_clock(tmp_path: Path) -> None:
    data = copy.deepcopy(VALID)
    without_resolve(data)
    data["time_limits"].append(
        {
            "milestone": "department_response",
            "start": "reopened",
            "when": {"kind": "complaint"},
            "amount": 1,
            "unit": "working_days",
        }
    )
    assert pack_read(write(tmp_path, data)).time_limits[-1].start == "reopened"


def test_a_clock_that_holds_for_some_cases_only_is_not_enough(tmp_path: Path) -> None:
    def mutate(d: dict) -> None:
        without_resolve(d)
        d["time_limits"].append(
            {"milestone": "resolve", "when": {"urgency": "urgent"}, "amount": 1, "unit": "hours"}
        )

    assert refusal(tmp_path, mutate).startswith("return_visit.kinds[0]: a dissatisfied visit")


def test_no_clock_is_needed_where_a_visit_never_reopens(tmp_path: Path) -> None:
    data = copy.deepcopy(VALID)
    without_resolve(data)
    data["return_visit"]["reopen_on_dissatisfied"] = False
    assert pack_read(write(tmp_path, data)).return_visit is not None


LEVELS = [
    {"level": 1, "name": "一级责任人", "position": "主管办理业务主任", "role": "leader"},
    {"level": 2, "name": "二级责任人", "position": "税务主任", "role": "leader"},
]


def test_levels_in_escalations_approvals_and_demo_people(tmp_path: Path) -> None:
    data = copy.deepcopy(VALID)
    data["responsible_levels"] = LEVELS
    data["escalations"][0]["notify"] = ["supervisor", "responsible_1", "responsible_2"]
    data["extension"]["level"] = 1
    data["plan_approval"] = {"approver_roles": ["leader"], "level": 2}
    leader = next(p for p in data["demo"]["people"] if p["roles"] == ["leader"])
    leader["level"] = 1
    spec = pack_read(write(tmp_path, data))
    assert spec.escalations[0].notify == ["supervisor", "responsible_1", "responsible_2"]
    assert spec.plan_approval is not None and spec.plan_approval.level == 2


@pytest.mark.parametrize(
    ("change", "problem"),
    [
        (
            lambda d: d["escalations"][0].update(notify=["responsible_3"]),
            "escalations[0].notify[0]: unknown responsible level 3 (responsible_levels)",
        ),
        (
            lambda d: d["extension"].update(level=5),
            "extension.level: unknown responsible level 5 (responsible_levels)",
        ),
        (
            lambda d: d["extension"].update(approver_roles=["supervisor"], level=1),
            "extension.level: level 1 is held by a leader, which is not among approver_roles",
        ),
        (
            lambda d: d["demo"]["people"][0].update(level=1),  # the agent
            "demo.people[0].level: level 1 is held by a leader",
        ),
    ],
)
def test_a_level_must_exist_and_fit_its_role(tmp_path: Path, change, problem: str) -> None:
    def mutate(d: dict) -> None:
        d["responsible_levels"] = LEVELS
        change(d)

    assert refusal(tmp_path, mutate) == problem


def test_periodic_visits_are_documented_as_what_they_are() -> None:
    """`return_visit.periodic` is parsed and not acted on: the docs say so (they used to list
    periodic visits among what a pack shows), and no code reads it — whoever builds them
    (with the care-plan work) updates the docs with this test."""
    root = Path(__file__).resolve().parents[2]
    readers = [
        path.relative_to(root).as_posix()
        for path in (root / "closeloop").rglob("*.py")
        if ".periodic" in path.read_text(encoding="utf-8")
    ]
    assert readers == []
    docs = (root / "docs" / "policy-packs.md").read_text(encoding="utf-8")
    assert "**parsed and validated but not yet acted on**" in docs
    assert "periodic return visits |" not in docs  # the pack table no longer claims them
