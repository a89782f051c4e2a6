"""The JSON lines the benchmark prints: one per measurement, each self-describing."""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any, TextIO

REPO = Path(__file__).resolve().parents[1]


def percentile(samples: list[float], share: float) -> float:
    """Nearest-rank percentile: with fewer than 100 samples p99 is the maximum."""
    if not samples:
        return float("nan")
    ordered = sorted(samples)
    rank = max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))
    return ordered[rank]


def latency(samples_ms: list[float]) -> dict[str, Any]:
    return {
        "n": len(samples_ms),
        "p50_ms": round(statistics.median(samples_ms), 2) if samples_ms else None,
        "p99_ms": round(percentile(samples_ms, 0.99), 2) if samples_ms else None,
        "max_ms": round(max(samples_ms), 2) if samples_ms else None,
    }


def git_sha() -> str:
    try:
        out = subprocess.run(  # noqa: S603 - fixed arguments
            ["git", "-C", str(REPO), "rev-parse", "--short=12", "HEAD"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        )
        sha = out.stdout.strip()
        dirty = subprocess.run(  # noqa: S603
            ["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],  # noqa: S607
            capture_output=True,
            text=True,
            timeout=10,
            check=False,
        ).stdout.strip()
        return f"{sha}{'+dirty' if dirty else ''}" or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def machine() -> dict[str, Any]:
    mem_kib = 0
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem_kib = int(line.split()[1])
    except OSError:
        pass
    return {
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "platform": platform.platform(terse=True),
    }


def database() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SHOW server_version")
        else:
            cursor.execute("SELECT sqlite_version()")
        (version,) = cursor.fetchone()
    return {"vendor": connection.vendor, "version": str(version).split()[0]}


class Reporter:
    """Prints each measurement as one JSON line and appends it to the results file."""

    def __init__(self, out: Path, stream: TextIO = sys.stdout) -> None:
        import django

        self.out = out
        self.stream = stream
        self.context: dict[str, Any] = {
            "bench": "closeloop",
            "machine": machine(),
            "versions": {
                "python": platform.python_version(),
                "django": django.get_version(),
                "closeloop": git_sha(),
            },
        }
        self.lines: list[dict[str, Any]] = []
        out.parent.mkdir(parents=True, exist_ok=True)

    def set(self, **context: Any) -> None:
        self.context.update(context)

    def emit(self, test: str, **fields: Any) -> dict[str, Any]:
        line = {"test": test, **fields, **self.context}
        text = json.dumps(line, ensure_ascii=False, default=str)
        print(text, file=self.stream, flush=True)
        with self.out.open("a", encoding="utf-8") as handle:
            handle.write(text + "\n")
        self.lines.append(line)
        return line


def progress(message: str) -> None:
    print(f"[bench] {message}", file=sys.stderr, flush=True)
