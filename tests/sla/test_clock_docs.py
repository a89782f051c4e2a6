"""docs/deadlines.md says when each shipped pack's clocks start. The tables there are rendered
from the packs themselves and compared here, so the page cannot drift from the packs.

After changing a pack, print the new tables with

    PRINT_CLOCKS=1 .venv/bin/pytest tests/sla/test_clock_docs.py -q -s

and paste them between the markers.
"""

import os
import re
from pathlib import Path

from django.conf import settings

from closeloop.policy.schema import Condition, PackSpec, TimeLimit
from closeloop.policy.services import pack_read
from closeloop.workflow.milestones import DEFAULT_START

DOC = Path(__file__).resolve().parents[2] / "docs/deadlines.md"

STARTS = {
    "registered": "arrival (`received_at`)",
    "accepted": "accepted",
    "dispatched": "dispatched",
    "assigned": "assigned",
    "department_responded": "the department answers",
    "plan_submitted": "plan submitted",
    "resolved": "resolved",
    "escalated": "escalation",
    "reopened": "a reopen",
}


def _when(cond: Condition | None) -> str:
    if cond is None:
        return "every ticket"
    parts = []
    for key, value in cond.model_dump(exclude_none=True).items():
        shown = ", ".join(value) if isinstance(value, list) else str(value).lower()
        parts.append(f"{key} {shown}")
    return "; ".join(parts) or "every ticket"


def _limit(limit: TimeLimit) -> str:
    text = f"{limit.amount} {limit.unit.replace('_', ' ')}"
    if limit.count_start_day:
        text += ", start day counts"
    if limit.end_time:
        text += f", ends {limit.end_time}"
    if limit.roll_forward:
        text += ", rolled off holidays"
    if limit.recurring:
        text += ", every day"
    return text


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "/")


def clock_table(spec: PackSpec) -> str:
    lines = [
        f"`{spec.name}`:",
        "",
        "| milestone | for | starts at | limit | basis |",
        "|---|---|---|---|---|",
    ]
    for limit in spec.time_limits:
        start = STARTS[limit.start or DEFAULT_START[limit.milestone]]
        lines.append(
            f"| {limit.milestone} | {_when(limit.when)} | {start} | {_limit(limit)} "
            f"| {_cell(limit.basis) or '—'} |"
        )
    for esc in spec.escalations:
        if esc.time_limit is None:
            continue
        own = esc.time_limit
        start = f"{esc.milestone} {esc.state}" + (
            f" + {esc.after.amount} {esc.after.unit}" if esc.after else ""
        )
        lines.append(
            f"| {own.milestone} | {_when(esc.when)} | {start} ({esc.action}) | {_limit(own)} "
            f"| {_cell(own.basis or esc.basis) or '—'} |"
        )
    for entry in spec.no_limit:
        lines.append(f"| no limit | kind {', '.join(entry.kinds)} | — | — | {_cell(entry.basis)} |")
    return "\n".join(lines)


def all_tables() -> str:
    packs = sorted(p for p in Path(settings.PACKS_DIR).iterdir() if (p / "pack.yaml").exists())
    return "\n\n".join(clock_table(pack_read(p)) for p in packs)


def test_the_docs_say_when_each_packs_clocks_start() -> None:
    tables = all_tables()
    if os.environ.get("PRINT_CLOCKS"):
        print(tables)
    block = re.search(
        r"<!-- clocks:start -->\n(.*?)\n<!-- clocks:end -->", DOC.read_text("utf-8"), re.S
    )
    assert block, "clocks block missing from docs/deadlines.md"
    assert block.group(1).strip() == tables.strip()
