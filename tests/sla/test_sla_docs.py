"""The worked examples in docs/deadlines.md are checked here, row by row."""

import re
from datetime import time
from pathlib import Path

import pytest

from closeloop.sla.timelimits import TimeLimit, deadline_compute, next_daily_due

from .conftest import at

DOC = Path(__file__).resolve().parents[2] / "docs/deadlines.md"


def _rows(marker: str) -> list[list[str]]:
    text = DOC.read_text(encoding="utf-8")
    block = re.search(rf"<!-- {marker}:start -->(.*?)<!-- {marker}:end -->", text, re.S)
    assert block, f"{marker} block missing from {DOC}"
    rows = [
        [cell.strip() for cell in line.strip().strip("|").split("|")]
        for line in block.group(1).strip().splitlines()
    ]
    return [r for r in rows[2:] if r]  # header and separator


def _limit(spec: str) -> TimeLimit:
    amount, unit, *options = spec.split()
    kwargs: dict = {}
    for option in options:
        if option.startswith("end_time="):
            kwargs["end_time"] = time.fromisoformat(option.split("=", 1)[1])
        else:
            kwargs[option] = True
    return TimeLimit(int(amount), unit, **kwargs)


EXAMPLES = _rows("examples")
DAILY = _rows("daily")


def test_doc_has_examples():
    assert len(EXAMPLES) >= 30 and len(DAILY) >= 4


@pytest.mark.parametrize("row", EXAMPLES, ids=[r[0] for r in EXAMPLES])
def test_worked_example(request, row):
    _n, start, spec, calendar, due, provisional, _why = row
    cal = request.getfixturevalue(
        {"office": "office", "24x7": "always_open", "office+2027": "office_2027"}[calendar]
    )
    result = deadline_compute(at(start), _limit(spec), cal)
    assert result.due_at == at(due)
    assert result.provisional is (provisional == "yes")


@pytest.mark.parametrize("row", DAILY, ids=[r[0] for r in DAILY])
def test_daily_example(office, row):
    after, end_time, due = row
    assert next_daily_due(at(after), time.fromisoformat(end_time), office).due_at == at(due)


def test_explanation_example_in_the_doc(office):
    text = DOC.read_text(encoding="utf-8")
    result = deadline_compute(at("2026-09-30 10:00"), _limit("3 working_days"), office)
    assert "\n".join(result.explanation) in text
