"""Export of the ledger to CSV and XLSX, streamed (see docs/ledger.md).

Rows are read `CHUNK` at a time (`QuerySet.iterator`), masked one by one through
`selectors.customer_view`, and written straight to the file: memory holds one chunk, whatever
the size of the ledger. Each chunk costs one extra query (which of its tickets ever ran late)
and logs the unmasked protected identities it contains (`via="export"`).

The page runs exports as background jobs (`export_job_*`): a job directory under
`DATA_DIR/exports/` holds a small status file (state, rows done, rows in all) that the page
polls, and the finished file, which only the person who asked for it may download. Jobs are
removed after `JOB_KEEP`.
"""

from __future__ import annotations

import csv
import json
import logging
import os
import re
import secrets
import shutil
import time as clock
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from itertools import chain, islice
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from closeloop.common.errors import Conflict, NotFound, ValidationFailed
from closeloop.directory.models import User
from closeloop.policy.fields import field_display
from closeloop.policy.schema import PackSpec
from closeloop.sla.models import Deadline
from closeloop.tickets import selectors
from closeloop.tickets.choices import Channel, Kind, Satisfaction, Severity, Validity
from closeloop.tickets.models import Ticket
from closeloop.workflow.deadlines import DeadlineState
from closeloop.workflow.statuses import Status

from .ledger import ledger_filters_check

logger = logging.getLogger(__name__)

CHUNK = 1000
FORMATS = ("csv", "xlsx")
JOB_KEEP = timedelta(hours=24)
JOBS_RUNNING_MAX = 3  # per person, so one person cannot fill the worker queue
JOB_ID = re.compile(r"^[0-9a-f]{32}$")
LATE_STATES = (DeadlineState.OVERDUE, DeadlineState.MET_LATE)
# Spreadsheet programs run a cell starting with these as a formula (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")

Progress = Callable[[int, int], None]

# (header, what the cell holds). English msgids; the zh-hans catalogue gives the Chinese.
COLUMNS: list[tuple[Any, str]] = [
    (_("Number"), "number"),
    (_("Received at"), "received_at"),
    (_("Kind"), "kind"),
    (_("Channel"), "channel"),
    (_("Category"), "category"),
    (_("Subject"), "subject"),
    (_("Description"), "description"),
    (_("Customer"), "customer"),
    (_("Phone"), "phone"),
    (_("Urgency"), "urgency"),
    (_("Severity"), "severity"),
    (_("Crisis"), "crisis"),
    (_("Status"), "status"),
    (_("Department"), "department"),
    (_("Handler"), "handler"),
    (_("Deadline state"), "deadline_state"),
    (_("Next due at"), "next_due_at"),
    (_("Ever overdue"), "late"),
    (_("Resolved at"), "resolved_at"),
    (_("Reply"), "reply"),
    (_("Validity"), "validity"),
    (_("Satisfaction"), "satisfaction"),
    (_("Times reopened"), "reopen_count"),
    (_("Compensation"), "compensation_kind"),
    (_("Compensation (yuan)"), "compensation_amount"),
    (_("Closed at"), "closed_at"),
]


# The pack's own fields follow, one column each, keyed `field:<code>`.
FIELD_KEY = "field:"


def _pack() -> PackSpec | None:
    from closeloop.policy.services import pack_active

    try:
        return pack_active()
    except NotFound:
        return None


def columns(pack: PackSpec | None = None) -> list[tuple[Any, str]]:
    """Every column: the ledger's own, then one per field the active pack declares."""
    own = pack.fields if pack is not None else []
    return COLUMNS + [(spec.label, FIELD_KEY + spec.code) for spec in own]


def headers(pack: PackSpec | None = None) -> list[str]:
    return [str(label) for label, _key in columns(pack)]


# --------------------------------------------------------------------------- rows


def _batches(items: Iterable[Ticket], size: int) -> Iterator[list[Ticket]]:
    iterator = iter(items)
    while batch := list(islice(iterator, size)):
        yield batch


def _labels() -> dict[str, dict[str, str]]:
    """Display names, resolved once per export in the active language."""
    from closeloop.policy.services import pack_active

    try:
        urgency = {level.code: level.name for level in pack_active().urgency.levels}
    except NotFound:
        urgency = {}
    return {
        "kind": {v: str(label) for v, label in Kind.choices},
        "channel": {v: str(label) for v, label in Channel.choices},
        "status": {v: str(label) for v, label in Status.choices},
        "severity": {v: str(label) for v, label in Severity.choices},
        "validity": {v: str(label) for v, label in Validity.choices},
        "satisfaction": {v: str(label) for v, label in Satisfaction.choices},
        "deadline_state": {v: str(label) for v, label in DeadlineState.choices},
        "urgency": urgency,
        "yes_no": {"yes": str(_("yes")), "no": str(_("no"))},
    }


def _local(value: datetime | None) -> datetime | None:
    # Spreadsheets know no time zones: local time of the centre, naive.
    return timezone.localtime(value).replace(tzinfo=None) if value else None


def _field_cell(pack: PackSpec | None, code: str, value: str | None) -> Any:
    """A field's value typed for the sheet: numbers as numbers, dates as dates."""
    spec = pack.field(code) if pack is not None else None
    if value is None or value == "" or value == selectors.MASK or spec is None:
        return value or ""
    if spec.type == "number":
        # A whole number as a number cell; a fraction as written (the money format would
        # round it to fen).
        number = Decimal(value)
        return int(number) if number == number.to_integral_value() else value
    if spec.type == "date":
        return date.fromisoformat(value)
    return field_display(pack, code, value)


def _row(
    t: Ticket,
    user: User,
    late: set[int],
    labels: dict[str, dict[str, str]],
    pack: PackSpec | None = None,
) -> dict[str, Any]:
    customer = selectors.customer_view(t, user) or {}
    yes_no = labels["yes_no"]
    shown = selectors.fields_view(t, user)
    fields = {
        FIELD_KEY + spec.code: _field_cell(pack, spec.code, shown.get(spec.code))
        for spec in (pack.fields if pack is not None else [])
    }
    return {
        **fields,
        "number": t.number,
        "received_at": _local(t.received_at),
        "kind": labels["kind"].get(t.kind, t.kind),
        "channel": labels["channel"].get(t.channel, t.channel),
        "category": t.category.name if t.category else "",
        "subject": t.subject,
        "description": t.description,
        "customer": customer.get("name") or "",
        "phone": customer.get("phone") or "",
        "urgency": labels["urgency"].get(t.urgency, t.urgency),
        "severity": labels["severity"].get(t.severity, t.severity),
        "crisis": yes_no["yes" if t.crisis else "no"],
        "status": labels["status"].get(t.status, t.status),
        "department": t.department.name if t.department else "",
        "handler": str(t.handler) if t.handler else "",
        "deadline_state": labels["deadline_state"].get(t.deadline_state, t.deadline_state),
        "next_due_at": _local(t.next_due_at),
        "late": yes_no["yes" if t.pk in late else "no"],
        "resolved_at": _local(t.resolved_at),
        "reply": t.reply,
        "validity": labels["validity"].get(t.validity, t.validity),
        "satisfaction": labels["satisfaction"].get(t.satisfaction, t.satisfaction),
        "reopen_count": t.reopen_count,
        "compensation_kind": t.compensation_kind,
        "compensation_amount": t.compensation_amount,
        "closed_at": _local(t.closed_at),
    }


def ledger_rows(
    user: User, ledger: QuerySet[Ticket], *, chunk_size: int = CHUNK
) -> Iterator[list[Any]]:
    """The export's rows (typed values) of `ledger` (what `user` sees of it), masked for
    `user`, one chunk in memory at a time."""
    labels = _labels()
    pack = _pack()
    keys = [key for _label, key in columns(pack)]
    tickets = ledger.iterator(chunk_size=chunk_size)
    for chunk in _batches(tickets, chunk_size):
        late = set(
            Deadline.objects.filter(ticket_id__in=[t.pk for t in chunk], state__in=LATE_STATES)
            .values_list("ticket_id", flat=True)
            .distinct()
        )
        selectors.identity_disclosures_record(chunk, user, "export")
        for t in chunk:
            row = _row(t, user, late, labels, pack)
            yield [row[key] for key in keys]


# --------------------------------------------------------------------------- writers


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return f"{value:.2f}"
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def _write_csv(path: Path, rows: Iterable[list[Any]], tick: Callable[[], None]) -> None:
    # UTF-8 with a byte-order mark: Excel opens Chinese CSV correctly only with it.
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(headers(_pack()))
        for row in rows:
            writer.writerow([_csv_cell(v) for v in row])
            tick()


XLSX_MAX_WIDTH = 40  # a long text stays in a column of this width rather than widen the sheet
XLSX_SAMPLE_ROWS = 200  # rows read ahead to size the columns


def _display_width(text: str) -> int:
    """Columns a text takes in a spreadsheet: two for a wide (Chinese) character, one else."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _column_widths(names: Sequence[str], sample: Sequence[Sequence[Any]]) -> list[int]:
    widths = []
    for c, name in enumerate(names):
        needed = 8
        for row in sample:
            value = row[c] if c < len(row) else None
            if isinstance(value, datetime):
                needed = max(needed, 17)  # yyyy-mm-dd hh:mm
            elif isinstance(value, date):
                needed = max(needed, 11)  # yyyy-mm-dd
            elif value is not None:
                needed = max(needed, _display_width(str(value)))
        widths.append(min(max(needed, _display_width(name)) + 2, XLSX_MAX_WIDTH))
    return widths


def _write_xlsx(path: Path, rows: Iterable[list[Any]], tick: Callable[[], None]) -> None:
    import xlsxwriter

    # constant_memory: each row goes to a temporary file as soon as the next one starts, and
    # strings are written inline (no shared string table growing with the ledger).
    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "tmpdir": str(path.parent),
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        sheet = book.add_worksheet(str(_("Ledger")))
        bold = book.add_format({"bold": True})
        when = book.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        day = book.add_format({"num_format": "yyyy-mm-dd"})
        money = book.add_format({"num_format": "0.00"})
        names = headers(_pack())
        # Widths before any cell (constant_memory writes the columns first): from the headers
        # and the first rows, so that a date never shows as "####" in Excel or WPS.
        rows = iter(rows)
        sample = list(islice(rows, XLSX_SAMPLE_ROWS))
        for c, width in enumerate(_column_widths(names, sample)):
            sheet.set_column(c, c, width)
        for c, label in enumerate(names):
            sheet.write_string(0, c, label, bold)
        sheet.freeze_panes(1, 1)
        r = 0
        rows = chain(sample, rows)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row):
                if value is None or value == "":
                    continue
                if isinstance(value, datetime):
                    sheet.write_datetime(r, c, value, when)
                elif isinstance(value, date):
                    sheet.write_datetime(r, c, datetime.combine(value, time()), day)
                elif isinstance(value, Decimal):
                    sheet.write_number(r, c, float(value), money)
                elif isinstance(value, int) and not isinstance(value, bool):
                    sheet.write_number(r, c, value)
                else:
                    # write_string never makes a formula of "=…"; XML forbids control chars.
                    sheet.write_string(r, c, ILLEGAL_XML.sub("", str(value)))
            tick()
        sheet.autofilter(0, 0, r, len(names) - 1)
    finally:
        book.close()


def ledger_export(
    user: User,
    filters: Mapping[str, Any],
    fmt: str,
    path: Path | str,
    *,
    progress: Progress | None = None,
    language: str | None = None,
) -> int:
    """Write the ledger `user` sees, filtered, to `path` as `fmt`; return the rows written.
    `progress(done, total)` is called at the start, after every chunk and at the end."""
    if fmt not in FORMATS:
        raise ValidationFailed(
            str(_("format must be one of: %(f)s") % {"f": ", ".join(FORMATS)}),
            details={"format": [str(_("unknown format"))]},
        )
    ledger = ledger_filters_check(user, filters).qs
    with translation.override(language or translation.get_language()):
        total = ledger.count()
        done = 0
        if progress:
            progress(0, total)

        def tick() -> None:
            nonlocal done
            done += 1
            if progress and done % CHUNK == 0:
                progress(done, total)

        writer = _write_csv if fmt == "csv" else _write_xlsx
        writer(Path(path), ledger_rows(user, ledger), tick)
        if progress:
            progress(done, max(total, done))
    return done


# --------------------------------------------------------------------------- jobs


def _jobs_dir() -> Path:
    return Path(settings.DATA_DIR) / "exports"


def _status_path(job_id: str) -> Path:
    if not JOB_ID.match(job_id):
        raise NotFound(str(_("no such export")), details={"job": job_id})
    return _jobs_dir() / job_id / "status.json"


def _status_write(job_id: str, status: dict[str, Any]) -> None:
    path = _status_path(job_id)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(status), encoding="utf-8")
    os.replace(tmp, path)  # readers never see half a file


def _status_read(job_id: str) -> dict[str, Any]:
    try:
        status: dict[str, Any] = json.loads(_status_path(job_id).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError) as exc:
        raise NotFound(str(_("no such export")), details={"job": job_id}) from exc
    return status


def export_jobs_clean(now: float | None = None) -> int:
    """Remove jobs older than JOB_KEEP (their files hold unmasked data for some people)."""
    now = clock.time() if now is None else now
    removed = 0
    root = _jobs_dir()
    if not root.is_dir():
        return 0
    for job in root.iterdir():
        if job.is_dir() and now - job.stat().st_mtime > JOB_KEEP.total_seconds():
            shutil.rmtree(job, ignore_errors=True)
            removed += 1
    return removed


def export_job_start(user: User, filters: Mapping[str, Any], fmt: str) -> str:
    """Validate, record and queue an export of the ledger; return the job's id."""
    if fmt not in FORMATS:
        raise ValidationFailed(
            str(_("format must be one of: %(f)s") % {"f": ", ".join(FORMATS)}),
            details={"format": [str(_("unknown format"))]},
        )
    ledger_filters_check(user, filters)  # refuse bad filters now, not in the worker
    export_jobs_clean()
    running = [
        s
        for s in _jobs_of(user)
        if s["state"] in ("queued", "running")
        and clock.time() - s["created"] < JOB_KEEP.total_seconds()
    ]
    if len(running) >= JOBS_RUNNING_MAX:
        raise Conflict(str(_("wait for your running exports to finish")))
    job_id = secrets.token_hex(16)
    (_jobs_dir() / job_id).mkdir(parents=True)
    _status_write(
        job_id,
        {
            "id": job_id,
            "user": user.pk,
            "format": fmt,
            "filters": dict(filters),
            "language": translation.get_language(),
            "state": "queued",
            "done": 0,
            "total": None,
            "error": "",
            "created": clock.time(),
            "file": "",
        },
    )
    from .tasks import ledger_export_task

    ledger_export_task(job_id)
    return job_id


def _jobs_of(user: User) -> list[dict[str, Any]]:
    root = _jobs_dir()
    found = []
    for path in root.glob("*/status.json") if root.is_dir() else []:
        try:
            status = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if status.get("user") == user.pk:
            found.append(status)
    return found


def export_job_run(job_id: str) -> None:
    """Run a queued export (in the worker). Failures are recorded in the status."""
    status = _status_read(job_id)
    if status["state"] != "queued":
        return  # a retried task does not run twice
    status["state"] = "running"
    _status_write(job_id, status)
    name = f"ledger-{timezone.localtime():%Y%m%d-%H%M}.{status['format']}"
    part = _status_path(job_id).parent / (name + ".part")

    def progress(done: int, total: int) -> None:
        status.update(done=done, total=total)
        _status_write(job_id, status)

    try:
        user = User.objects.get(pk=status["user"])
        ledger_export(
            user,
            status["filters"],
            status["format"],
            part,
            progress=progress,
            language=status.get("language"),
        )
        os.replace(part, part.with_name(name))
        status.update(state="done", file=name)
    except Exception as exc:
        # Recorded for the page; the traceback goes to the worker's log.
        logger.exception("ledger export %s failed", job_id)
        part.unlink(missing_ok=True)
        status.update(state="failed", error=str(getattr(exc, "message", exc)))
    _status_write(job_id, status)


def export_job_status(user: User, job_id: str) -> dict[str, Any]:
    """The job's state for its owner; anyone else gets NotFound (the same as no job)."""
    status = _status_read(job_id)
    if status.get("user") != user.pk:
        raise NotFound(str(_("no such export")), details={"job": job_id})
    total = status.get("total")
    done = status.get("done") or 0
    status["percent"] = (
        100 if status["state"] == "done" else (int(done * 100 / total) if total else 0)
    )
    return status


def export_job_file(user: User, job_id: str) -> Path:
    status = export_job_status(user, job_id)
    if status["state"] != "done":
        raise NotFound(str(_("the export is not ready")), details={"job": job_id})
    return _status_path(job_id).parent / status["file"]
