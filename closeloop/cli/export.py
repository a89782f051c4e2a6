"""`closeloop export ledger`: the ledger as CSV or XLSX, through the one filter set."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from .base import (
    CommandError,
    _Parser,
    _require_migrated,
)

# The ticket filters the `export ledger` command takes, each as an option of its name
# (`--deadline-state` is `deadline_state`; docs/ledger.md); those in LEDGER_REPEATED repeat.
LEDGER_OPTIONS = (
    "received_from", "received_to", "kind", "category", "channel", "department",
    "department_tree", "handler", "urgency", "severity", "crisis", "validity", "status",
    "deadline_state", "satisfaction", "reopened", "compensation", "ordering",
)  # fmt: skip
LEDGER_REPEATED = ("kind", "channel", "status", "deadline_state")
# The options the command took before, passed on under their old names (deprecated: old name
# → the filter it is now), so a bad value is named as it was given.
LEDGER_OLD_OPTIONS = {
    "from": "received_from",
    "to": "received_to",
    "state": "status",
    "deadline": "deadline_state",
}


def cmd_export_ledger(args: argparse.Namespace) -> int:
    """Write the ledger as one person sees it (visibility and masking) to a CSV or XLSX file,
    streamed; progress goes to stderr."""
    from closeloop.directory.models import User
    from closeloop.reports.exports import ledger_export

    _require_migrated()
    out = Path(args.output)
    if not out.parent.is_dir():
        raise CommandError(f"no such directory: {out.parent}")
    user = User.objects.filter(username=args.user, is_active=True).first()
    if user is None:
        raise CommandError(f"no active user '{args.user}'")
    filters: dict[str, Any] = {"q": args.search}
    for name in (*LEDGER_OPTIONS, *LEDGER_OLD_OPTIONS):
        filters[name] = getattr(args, f"filter_{name}")
    for given in args.fields or []:
        code, sep, value = given.partition("=")
        if not sep or not code:
            raise CommandError(f"--field takes CODE=VALUE, not '{given}'")
        filters[f"field.{code}"] = value
    filters = {k: v for k, v in filters.items() if v}
    tty = sys.stderr.isatty()
    shown = [-1]

    def progress(done: int, total: int) -> None:
        percent = done * 100 // total if total else 100
        # On a terminal one line updated in place; in a log a line per 10%.
        if tty:
            print(f"\rexported {done:,} of {total:,} tickets ({percent}%)", end="", file=sys.stderr)
        elif percent // 10 > shown[0]:
            shown[0] = percent // 10
            print(f"exported {done:,} of {total:,} tickets ({percent}%)", file=sys.stderr)

    partial = out.with_name(f".{out.name}.partial")
    try:
        rows = ledger_export(
            user, filters, args.format, partial, progress=progress, language=args.language
        )
        partial.replace(out)
    finally:
        partial.unlink(missing_ok=True)
        if tty:
            print(file=sys.stderr)
    print(f"Wrote {rows:,} tickets to {out} (as {user.username} sees them).")
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("export", help="export data")
    exp_sub = p.add_subparsers(dest="export_command", metavar="WHAT", parser_class=_Parser)
    exp_sub.required = True
    q = exp_sub.add_parser("ledger", help="the ledger (台账) as CSV or XLSX, streamed")
    q.add_argument("--format", choices=["csv", "xlsx"], required=True)
    q.add_argument("-o", "--output", required=True, metavar="FILE")
    q.add_argument(
        "--user", required=True, metavar="USERNAME", help="whose visibility and masking apply"
    )
    q.add_argument("-q", "--search", metavar="TEXT", help="full-text search")
    for name in LEDGER_OPTIONS:
        # dest prefixed: "handler" is taken by the command's own dispatch
        q.add_argument(
            f"--{name.replace('_', '-')}",
            dest=f"filter_{name}",
            metavar="VALUE",
            action="append" if name in LEDGER_REPEATED else "store",
            help="see docs/ledger.md" + (" (repeatable)" if name in LEDGER_REPEATED else ""),
        )
    for old, new in LEDGER_OLD_OPTIONS.items():
        help_ = f"deprecated: --{new.replace('_', '-')}"
        q.add_argument(f"--{old}", dest=f"filter_{old}", metavar="VALUE", help=help_)
    q.add_argument(
        "--field",
        dest="fields",
        action="append",
        metavar="CODE=VALUE",
        help="one of the pack's own fields equal to VALUE (repeatable), e.g. account_no=0101",
    )
    q.add_argument("--language", choices=["zh-hans", "en"], help="of headers and labels")
    q.set_defaults(handler=cmd_export_ledger)
