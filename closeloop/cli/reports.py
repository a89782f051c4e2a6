"""`closeloop report monthly`: the monthly report as PDF or XLSX."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from .base import (
    CommandError,
    _Parser,
    _require_migrated,
)

REPORT_FORMATS = (".pdf", ".xlsx")


def cmd_report_monthly(args: argparse.Namespace) -> int:
    """Write a month's report to a file: the stored one (typical cases and corrective actions
    included) for centre staff, else computed now with the person's visibility."""
    from django.utils import timezone

    from closeloop.directory.models import User
    from closeloop.policy.services import pack_active
    from closeloop.reports import display, monthly

    _require_migrated()
    out = Path(args.output)
    suffix = out.suffix.lower()
    if suffix not in REPORT_FORMATS:
        raise CommandError(f"cannot write '{out.name}': the file name must end in .pdf or .xlsx")
    if not out.parent.is_dir():
        raise CommandError(f"no such directory: {out.parent}")
    month = monthly.Month.parse(args.month)
    if args.user:
        user = User.objects.filter(username=args.user, is_active=True).first()
        if user is None:
            raise CommandError(f"no active user '{args.user}'")
    else:
        user = monthly.report_user_default()
        if user is None:
            raise CommandError(
                "there is no active leader whose view the report could take: "
                "name a person with --user USERNAME"
            )
    data = monthly.monthly_report_data(user, month, now=timezone.now())
    shown = display.monthly_display(data)
    organisation = pack_active().title
    if suffix == ".pdf":
        from closeloop.reports.monthly_pdf import monthly_pdf

        body = monthly_pdf(shown, organisation=organisation)
    else:
        from closeloop.reports.xlsx import monthly_xlsx

        body = monthly_xlsx(shown, organisation=organisation)
    # Write beside the target and rename, so a failure never leaves half a file.
    partial = out.with_name(f".{out.name}.partial")
    partial.write_bytes(body)
    partial.replace(out)
    state = data["state"] or "not generated yet, computed now"
    print(
        f"Wrote the monthly report for {month} ({state}, as {user.username} sees it) "
        f"to {out} ({len(body):,} bytes)."
    )
    return 0


def add_parsers(sub: Any) -> None:
    p = sub.add_parser("report", help="reports")
    rep_sub = p.add_subparsers(dest="report_command", metavar="REPORT", parser_class=_Parser)
    rep_sub.required = True
    q = rep_sub.add_parser("monthly", help="a month's report (月度通报) as PDF or XLSX")
    q.add_argument("month", metavar="YYYY-MM")
    q.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.pdf or FILE.xlsx")
    q.add_argument("--user", metavar="USERNAME", help="whose view (default: the first leader)")
    q.set_defaults(handler=cmd_report_monthly)
