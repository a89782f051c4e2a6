"""The benchmark's quick path on a tiny ledger: every JSON line well-formed and complete.

No timed assertions: figures depend on the machine; only the shape of the output is checked.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
EXPECTED = {
    "generate",
    "intake.services",
    "intake.bare_insert",
    "intake.services_vs_floor",
    "api.create_c1",
    "api.create_c8",
    "read.api_caller_history",
    "read.api_ticket_detail",
    "read.api_department_inbox",
    "read.api_overdue_list",
    "read.orm_inbox_by_due",
    "search.api_substring",
    "search.ledger_district",
    "search.ledger_company",
    "search.api_district",
    "search.api_company",
    "search.export_start_district",
    "search.ledger_filtered_count_supervisor",
    "search.ledger_filtered_count_liaison",
    "search.orm_substring_district",
    "search.orm_filtered_count",
    "indicators.orm_month_by_department",
    "indicators.orm_year_by_department",
    "deadlines.arithmetic",
    "deadlines.sweep_1pct",
    "memory.web_worker_peak_rss",
    "live.watch_idle",
    "live.watch_1_change_per_s",
    "done",
}


def test_quick_bench_prints_complete_json_lines(tmp_path: Path) -> None:
    out = tmp_path / "results.jsonl"
    env = dict(os.environ)
    env.pop("DJANGO_SETTINGS_MODULE", None)  # the bench sets its own
    env["CLOSELOOP_DATA_DIR"] = str(tmp_path / "data")
    env["CLOSELOOP_BENCH_DB"] = f"closeloop_bench_test_{os.getpid()}"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--quick", "--tickets", "300", "--out", str(out)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]

    printed = [json.loads(line) for line in proc.stdout.splitlines() if line.startswith("{")]
    stored = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert printed == stored
    tests = {line["test"] for line in stored}
    assert tests >= EXPECTED, EXPECTED - tests
    for line in stored:
        assert line["bench"] == "closeloop"
        assert line["machine"]["cores"] >= 1 and line["machine"]["memory_gib"] > 0
        assert line["database"]["vendor"] in ("sqlite", "postgresql")
        assert line["database"]["version"]
        assert set(line["versions"]) == {"python", "django", "closeloop"}
        assert line["dataset"]["tickets"] >= 300
    by_test = {line["test"]: line for line in stored}
    assert by_test["generate"]["tickets"] == 300
    assert by_test["done"]["budget_s"] == 120  # --quick: two minutes
    assert isinstance(by_test["done"]["over_budget"], bool)
    for name in ("api.create_c1", "api.create_c8"):
        assert by_test[name]["errors"] == 0
        assert by_test[name]["req_per_s"] > 0 and by_test[name]["p99_ms"] >= by_test[name]["p50_ms"]
        # Where the CPU went: the web workers, the client threads, and a PostgreSQL server
        # on this machine (none for SQLite).
        assert by_test[name]["worker_cpu_ms_per_req"] > 0
        assert by_test[name]["client_cpu_ms_per_req"] > 0
        db_cpu = by_test[name]["db_server_cpu_ms_per_req"]
        assert (db_cpu is None) == (by_test[name]["database"]["vendor"] == "sqlite")
        assert db_cpu is None or db_cpu > 0
    assert by_test["intake.services"]["tickets_per_s"] > 0
    for name in ("search.api_district", "search.api_company", "search.api_absent"):
        assert by_test[name]["status"] == 200 and by_test[name]["count"] is not None, name
    # The bench database is gone afterwards (SQLite file under the bench data dir).
    assert not (tmp_path / "data" / "bench" / "closeloop.sqlite3").exists()
