"""`closeloop sweep` and `closeloop calendar`: deadlines and working-day calendars."""

from __future__ import annotations

import argparse
from typing import Any

from .base import (
    _Parser,
    _require_migrated,
)


def cmd_sweep(args: argparse.Namespace) -> int:
    from closeloop.sla.sweep import deadlines_sweep

    _require_migrated()
    result = deadlines_sweep()
    print(
        f"Checked {result.checked} deadlines: {result.warned} now in warning, "
        f"{result.overdue} now overdue, {result.escalated} escalations fired."
    )
    return 0


def cmd_calendar_load(args: argparse.Namespace) -> int:
    from closeloop.sla.calendar import notice_parse
    from closeloop.sla.notices import calendar_notice_store

    _require_migrated()
    notice = notice_parse(args.file)
    recomputed = calendar_notice_store(notice)
    print(
        f"Loaded the {notice.year} calendar: {len(notice.holidays)} holidays, "
        f"{len(notice.makeup_days)} make-up working days; {recomputed} running deadlines "
        "recomputed."
    )
    return 0


def cmd_calendar_status(args: argparse.Namespace) -> int:
    from closeloop.sla.notices import calendar_status

    _require_migrated()
    status = calendar_status()
    first, last = status["builtin"]
    print(f"Built-in official data: {first}–{last}.")
    for row in status["loaded"]:
        print(f"Loaded notice {row['year']}: {row['source'] or '-'} ({row['loaded_at']:%Y-%m-%d})")
    covered = status["covered"]
    print(
        f"Deadlines reaching a year after {max(covered)} are provisional (plain weekdays) "
        "until its notice is loaded."
    )
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("sweep", help="move due deadlines to warning/overdue and escalate, now")
    p.set_defaults(handler=cmd_sweep)

    p = sub.add_parser("calendar", help="working-day calendars")
    cal_sub = p.add_subparsers(dest="calendar_command", metavar="ACTION", parser_class=_Parser)
    cal_sub.required = True
    q = cal_sub.add_parser("load", help="load a year's official holiday notice (YAML or CSV)")
    q.add_argument("file")
    q.set_defaults(handler=cmd_calendar_load)
    q = cal_sub.add_parser("status", help="which years have official data")
    q.set_defaults(handler=cmd_calendar_status)
