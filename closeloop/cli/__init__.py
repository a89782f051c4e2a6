"""`closeloop`: the operator's console command.

Thin on purpose: it parses arguments, calls services and prints. Every refusal is one line
on stderr (`closeloop: error: …`) and a non-zero exit; the services it calls write in one
transaction each, so a refusal leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import os
from collections.abc import Callable, Sequence

from . import bench, deadlines, export, init, packs, people, reports, run
from .base import PROG, CommandError, _fail, _Parser, _setup_django

__all__ = ["build_parser", "main"]


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="closeloop: complaint and service-request tickets (工单). "
        "Settings come from the environment (see README).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    # In the order `--help` lists them.
    init.add_parsers(sub)
    run.add_parsers(sub)
    people.add_parsers(sub)
    packs.add_parsers(sub)
    deadlines.add_parsers(sub)
    bench.add_parsers(sub)
    reports.add_parsers(sub)
    export.add_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(list(argv) if argv is not None else None)
    except SystemExit as exc:  # --help, or a usage error already printed as one line
        return exc.code if isinstance(exc.code, int) else 1

    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        _setup_django()
        from closeloop.common.errors import ServiceError

        try:
            return handler(args)
        except ServiceError as exc:
            return _fail(exc.message)
    except CommandError as exc:
        return _fail(str(exc))
    except KeyboardInterrupt:
        return _fail("interrupted")
    except Exception as exc:
        if os.environ.get("CLOSELOOP_DEBUG"):
            raise
        # Database down, settings missing, a disk full: say what, not a traceback.
        # CLOSELOOP_DEBUG=1 shows the traceback.
        return _fail(f"{type(exc).__name__}: {exc}")
