"""`closeloop bench`: the benchmark, from the checkout (it is not installed with the product)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from .base import (
    PROG,
)


def _benchmarks_home() -> Path | None:
    """The folder holding the `benchmarks` package: a source checkout has it beside
    `closeloop`; an installed product does not (the benchmark is not shipped)."""
    beside = Path(__file__).resolve().parents[2]  # closeloop/cli/bench.py -> the checkout
    if (beside / "benchmarks").is_dir() and str(beside) not in sys.path:
        sys.path.append(str(beside))
    try:
        import benchmarks
    except ModuleNotFoundError as exc:
        if exc.name != "benchmarks":
            raise
        return None
    return Path(benchmarks.__file__).resolve().parent.parent


def cmd_bench(args: argparse.Namespace) -> int:
    """Run the benchmark in a child process with its own data dir and database, so the
    user's data is never opened (see benchmarks/runner.py)."""
    home = _benchmarks_home()
    if home is None:
        print(
            f"{PROG}: error: the benchmark is not installed with closeloop; "
            "run 'closeloop bench' (or 'make bench') from a source checkout",
            file=sys.stderr,
        )
        return 2
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(home), env.get("PYTHONPATH")) if p)
    argv = [sys.executable, "-m", "benchmarks"]
    if args.quick:
        argv.append("--quick")
    if args.tickets is not None:
        argv += ["--tickets", str(args.tickets)]
    if args.peer:
        argv.append("--peer")
    if args.out:
        argv += ["--out", args.out]
    if args.phases:
        argv += ["--phases", args.phases]
    if args.keep:
        argv.append("--keep")
    if args.budget is not None:
        argv += ["--budget", str(args.budget)]
    return subprocess.run(argv, env=env, check=False).returncode  # noqa: S603 - our interpreter


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("bench", help="measure speed on a generated ledger (own database)")
    p.add_argument("--quick", action="store_true", help="20,000 tickets, few repetitions")
    p.add_argument("--tickets", type=int, metavar="N", help="tickets to generate (1,000,000)")
    p.add_argument("--peer", action="store_true", help="also run the django-helpdesk peer")
    p.add_argument("--out", metavar="FILE", help="results file (JSON lines, appended)")
    p.add_argument("--phases", metavar="LIST", help="gen,intake,api,reads,search,…")
    p.add_argument("--keep", action="store_true", help="keep the bench database")
    p.add_argument(
        "--budget", type=float, metavar="MINUTES", help="the run's time budget (15; --quick 2)"
    )
    p.set_defaults(handler=cmd_bench)
