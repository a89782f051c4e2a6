"""Print a results file as a Markdown table: `python -m benchmarks.table FILE…`."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

KEYS = ("tickets_per_s", "req_per_s", "p50_ms", "p99_ms", "ms", "per_s", "peak_rss_mib", "ratio")


def figure(line: dict[str, Any]) -> str:
    parts = []
    for key in KEYS:
        value = line.get(key)
        if isinstance(value, (int, float)):
            parts.append(f"{key} {value:g}")
    for key in ("count", "matching", "due", "groups", "seconds"):
        if isinstance(line.get(key), (int, float)):
            parts.append(f"{key} {line[key]:g}")
    return ", ".join(parts)


def main(paths: list[str]) -> int:
    for path in paths:
        lines = [json.loads(t) for t in Path(path).read_text(encoding="utf-8").splitlines() if t]
        if not lines:
            continue
        head = lines[-1]
        db = head.get("database", {})
        print(f"\n{db.get('vendor')} {db.get('version')}, {head.get('dataset')}\n")
        print("| test | figures |\n|---|---|")
        for line in lines:
            if line["test"].startswith("peer."):
                continue
            print(f"| {line['test']} | {figure(line)} |")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
