"""`closeloop`: the operator's console command.

Thin on purpose: it parses arguments, calls services and prints. Every refusal is one line
on stderr (`closeloop: error: …`) and a non-zero exit; the services it calls write in one
transaction each, so a refusal leaves nothing half-written.
"""

from __future__ import annotations

import argparse
import datetime
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from types import FrameType
from typing import Any, NoReturn

PROG = "closeloop"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
# How long `run` waits for children to stop politely before killing them.
STOP_GRACE_SECONDS = 15.0
# How long `run` waits for the web server to answer before it gives up.
START_TIMEOUT_SECONDS = 60.0


class CommandError(Exception):
    """A refusal from the command itself (not from a service): printed as one line."""


class _Parser(argparse.ArgumentParser):
    """argparse prints its usage block on errors; operators asked for one line."""

    def error(self, message: str) -> NoReturn:
        hint = f" (see '{self.prog} --help')"
        self.exit(2, f"{PROG}: error: {message}{hint}\n")


def _fail(message: str) -> int:
    # Keep it one line whatever the message holds (a pack's list of problems, SQL, YAML).
    line = " ".join(str(message).replace("\n", "; ").split())
    print(f"{PROG}: error: {line}", file=sys.stderr)
    return 1


# --------------------------------------------------------------------------- set-up


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.dev")
    import django

    django.setup()


def _require_migrated() -> None:
    """Refuse politely on a database `closeloop init` has not prepared yet."""
    from django.db import DEFAULT_DB_ALIAS, connections
    from django.db.migrations.executor import MigrationExecutor

    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    if executor.migration_plan(executor.loader.graph.leaf_nodes()):
        raise CommandError("the database is not set up (or not up to date): run 'closeloop init'")


def _site_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host  # noqa: S104 - display only
    if ":" in shown and not shown.startswith("["):
        shown = f"[{shown}]"
    return f"http://{shown}:{port}/"


# --------------------------------------------------------------------------- init


def cmd_init(args: argparse.Namespace) -> int:
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction

    Path(settings.DATA_DIR).mkdir(parents=True, exist_ok=True)
    Path(settings.MEDIA_ROOT).mkdir(parents=True, exist_ok=True)
    call_command("migrate", interactive=False, verbosity=0)
    # The migrations made the cache table already, unless the site used Redis back then.
    call_command("createcachetable", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)

    from closeloop.demo.history import demo_history_create

    if not 0 < args.port < 65536:
        raise CommandError(f"invalid port {args.port}")
    pack_name = args.pack or settings.DEFAULT_PACK
    history = None
    with transaction.atomic():
        pack = _pack_ensure_loaded(pack_name)
        people = _demo_ensure(pack) if args.demo else []
        if args.demo:
            history = demo_history_create(tickets_count=args.demo_tickets)

    print(f"Data directory: {settings.DATA_DIR}")
    print(f"Policy pack: {pack.name} {pack.version} — {pack.title}")
    if history is not None:
        _print_history(history)
    if args.demo:
        url = _site_url(args.host, args.port)
        print(f"URL (after 'closeloop run'): {url}  admin: {url}admin/  API: {url}api/v1/docs")
        print("Demo logins (username / password / roles):")
        width = max((len(p.username) for p in people), default=0)
        pw_width = max((len(p.password) for p in people), default=0)
        for person in people:
            roles = ", ".join(person.roles)
            where = f"  [{person.department}]" if person.department else ""
            print(f"  {person.username:<{width}}  {person.password:<{pw_width}}  {roles}{where}")
    return 0


def _print_history(history: Any) -> None:
    from closeloop.demo.history import demo_statuses

    if history.skipped:
        print("Demo history: the database already holds tickets; none added.")
        return
    if not history.tickets:
        return
    print(
        f"Demo history: {history.tickets} tickets received {history.first_day} – "
        f"{history.last_day} ({demo_statuses(history)}); {history.overdue} overdue now; "
        f"monthly reports: {', '.join(history.reports) or 'none'}."
    )
    for refusal in history.refused:
        print(f"  not replayed: {refusal}")


def _pack_ensure_loaded(name_or_path: str) -> Any:
    """The active pack as a PackSpec, loading `name_or_path` unless it is already active.

    pack_load writes a new PolicyPack row each time; comparing digests keeps a second
    `closeloop init` from changing anything.
    """
    from django.conf import settings

    from closeloop.common.errors import ServiceError
    from closeloop.policy import services as policy
    from closeloop.policy.models import PolicyPack

    active = PolicyPack.objects.filter(is_active=True).first()
    if active is not None:
        candidate = Path(name_or_path)
        path = candidate if candidate.exists() else Path(settings.PACKS_DIR) / name_or_path
        try:
            _data, digest = policy.pack_canonical(policy.pack_read(path))
        except ServiceError:
            digest = ""  # pack_load below refuses it with the precise message
        if digest == active.digest:
            return policy.pack_active()
    policy.pack_load(name_or_path)
    return policy.pack_active()


def _demo_ensure(pack: Any) -> list[Any]:
    """Create the pack's demo people and duty rota where missing; return the people."""
    from django.utils import timezone

    from closeloop.directory import services as directory
    from closeloop.directory.models import DutyRota, User
    from closeloop.policy import services as policy

    people = list(policy.pack_demo_people(pack))
    for person in people:
        existing = User.objects.filter(username=person.username).first()
        if existing is not None and existing.is_active:
            continue  # a second `init --demo` changes nothing
        if existing is not None:
            # Retired with the previous pack's organisation (or switched off): the pack's
            # demo person again, with this pack's role and department.
            directory.user_reset(
                username=person.username,
                roles=list(person.roles),
                department_code=person.department or None,
                password=person.password,
                display_name=person.display_name,
            )
            continue
        directory.user_create(
            username=person.username,
            roles=list(person.roles),
            department_code=person.department or None,
            password=person.password,
            display_name=person.display_name,
            responsible_level=person.level,
            responsible_levels={r.level: r.role for r in pack.responsible_levels},
        )
    rota = policy.pack_demo_duty_rota(pack)
    if rota and not DutyRota.objects.exists():
        # The pack gives weekdays; the rota holds dates: fill the next four weeks.
        today = timezone.localdate()
        for offset in range(28):
            day = today + datetime.timedelta(days=offset)
            for duty in rota:
                if duty.weekday == day.weekday():
                    directory.duty_rota_add(
                        department_code=duty.department, username=duty.username, day=day
                    )
    return people


# --------------------------------------------------------------------------- run


def _port_free(host: str, port: int) -> str | None:
    """None if we can listen on host:port, else the reason we cannot."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            return exc.strerror or str(exc)
    return None


def _answers(host: str, port: int) -> bool:
    connect_host = "127.0.0.1" if host in ("0.0.0.0", "") else host.strip("[]")  # noqa: S104
    try:
        with socket.create_connection((connect_host, port), timeout=0.5):
            return True
    except OSError:
        return False


# Each child's polite stop signal: gunicorn drains requests on SIGTERM; Huey's consumer
# finishes running tasks on SIGINT (SIGTERM would abandon them mid-way).
STOP_SIGNALS = {"web server": signal.SIGTERM, "worker": signal.SIGINT}


def _child_setup() -> None:  # pragma: no cover - runs in the child between fork and exec
    # Its own process group keeps a terminal's Ctrl-C away from the children, so only we
    # decide how they stop; the parent-death signal stops them if we are killed outright.
    os.setpgrp()
    if sys.platform == "linux":
        import ctypes

        pr_set_pdeathsig = 1
        ctypes.CDLL(None).prctl(pr_set_pdeathsig, signal.SIGTERM)


def _stop_children(children: dict[str, subprocess.Popen[bytes]]) -> None:
    for name, proc in children.items():
        if proc.poll() is None:
            proc.send_signal(STOP_SIGNALS.get(name, signal.SIGTERM))
    deadline = time.monotonic() + STOP_GRACE_SECONDS
    for proc in children.values():
        try:
            proc.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def cmd_run(args: argparse.Namespace) -> int:
    _require_migrated()
    host, port = args.host, args.port
    if not 0 < port < 65536:
        raise CommandError(f"invalid port {port}")
    reason = _port_free(host, port)
    if reason:
        raise CommandError(f"cannot listen on {host}:{port}: {reason}")

    bind = f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"
    workers = args.workers or os.cpu_count() or 1
    env = dict(os.environ)  # children inherit DJANGO_SETTINGS_MODULE set by main()
    commands = {
        "web server": [
            sys.executable,
            "-m",
            "gunicorn",
            "config.wsgi:application",
            "--bind",
            bind,
            "--workers",
            str(workers),
            "--access-logfile",
            "-",
            "--graceful-timeout",
            "10",
            # One control socket per user home: two sites on one machine would fight over it.
            "--no-control-socket",
        ],
        "worker": [sys.executable, "-m", "django", "run_huey"],
    }

    stop_requested: list[int] = []

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        stop_requested.append(signum)

    previous = {sig: signal.signal(sig, on_signal) for sig in (signal.SIGINT, signal.SIGTERM)}
    children: dict[str, subprocess.Popen[bytes]] = {}
    try:
        for name, command in commands.items():
            children[name] = subprocess.Popen(  # noqa: S603 - our interpreter, fixed arguments
                command, env=env, preexec_fn=_child_setup
            )
        announced = False
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while not stop_requested:
            for name, proc in children.items():
                code = proc.poll()
                # A Ctrl-C reaches the children too; their exit is then expected.
                if code is not None and not stop_requested:
                    return _fail(f"the {name} stopped (exit code {code}); stopping the rest")
            if not announced:
                if _answers(host, port):
                    url = _site_url(host, port)
                    print(
                        f"closeloop is running at {url}  (admin: {url}admin/, "
                        f"API docs: {url}api/v1/docs; web pid {children['web server'].pid}, "
                        f"worker pid {children['worker'].pid}). Press Ctrl-C to stop.",
                        flush=True,
                    )
                    announced = True
                elif time.monotonic() > deadline:
                    return _fail(f"the web server did not answer on {bind} in time")
            time.sleep(0.2)
        print("closeloop: stopping…", file=sys.stderr, flush=True)
        return 0
    finally:
        _stop_children(children)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


# --------------------------------------------------------------------------- people


def cmd_user_add(args: argparse.Namespace) -> int:
    from closeloop.directory.services import user_create
    from closeloop.policy.services import pack_active

    _require_migrated()
    levels = {r.level: r.role for r in pack_active().responsible_levels} if args.level else {}
    user = user_create(
        username=args.username,
        roles=args.roles,
        department_code=args.department,
        password=args.password,
        display_name=args.display_name or "",
        responsible_level=args.level,
        responsible_levels=levels,
    )
    roles = ", ".join(sorted(user.role_set))
    where = f" in {user.department.code}" if user.department else ""
    print(f"Created user {user.username} ({roles}){where}.")
    if args.password is None:
        print(f"No password set: the API works with 'closeloop token {user.username}'.")
    return 0


def cmd_user_unlock(args: argparse.Namespace) -> int:
    from closeloop.directory.services import user_unlock

    _require_migrated()
    cleared = user_unlock(args.username)
    if cleared:
        print(f"Unlocked {args.username}: cleared {cleared} records of failed log-ins.")
    else:
        print(f"{args.username} had no failed log-ins to clear.")
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from closeloop.directory.services import user_token

    _require_migrated()
    print(user_token(args.username))
    return 0


def cmd_department_add(args: argparse.Namespace) -> int:
    from closeloop.directory.services import department_create

    _require_migrated()
    department = department_create(code=args.code, name=args.name, parent_code=args.parent)
    under = f" under {department.parent.code}" if department.parent else ""
    print(f"Created department {department.code} {department.name}{under}.")
    return 0


# --------------------------------------------------------------------------- packs


def cmd_pack_list(args: argparse.Namespace) -> int:
    from django.db import DatabaseError

    from closeloop.policy.models import PolicyPack
    from closeloop.policy.services import pack_list

    try:
        active = PolicyPack.objects.filter(is_active=True).first()
    except DatabaseError:
        active = None  # listing what is on disk needs no database
    packs = pack_list()
    if not packs:
        print("No policy packs found.")
        return 0
    width = max(len(name) for name, _title, _version in packs)
    for name, title, version in packs:
        mark = "*" if active is not None and active.name == name else " "
        print(f"{mark} {name:<{width}}  {version:<8}  {title}")
    return 0


def cmd_pack_validate(args: argparse.Namespace) -> int:
    from closeloop.policy.services import pack_read

    path = Path(args.path)
    spec = pack_read(path)
    print(f"{path}: valid policy pack {spec.name} {spec.version} — {spec.title}")
    return 0


def cmd_pack_load(args: argparse.Namespace) -> int:
    from closeloop.policy.services import pack_load

    _require_migrated()
    pack = pack_load(args.name)
    print(f"Loaded policy pack {pack.name} {pack.version} — {pack.title}; it is now active.")
    return 0


# --------------------------------------------------------------------------- deadlines


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


# --------------------------------------------------------------------------- bench


def _benchmarks_home() -> Path | None:
    """The folder holding the `benchmarks` package: a source checkout has it beside
    `closeloop`; an installed product does not (the benchmark is not shipped)."""
    beside = Path(__file__).resolve().parent.parent
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


# --------------------------------------------------------------------------- reports


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


# --------------------------------------------------------------------------- export


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


# --------------------------------------------------------------------------- parser


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="closeloop: complaint and service-request tickets (工单). "
        "Settings come from the environment (see README).",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True

    p = sub.add_parser("init", help="create the data directory, migrate, load a policy pack")
    p.add_argument("--pack", metavar="NAME", help="policy pack to load (default: CLOSELOOP_PACK)")
    p.add_argument(
        "--demo",
        action="store_true",
        help="create the pack's demo people and a few months of demo history",
    )
    p.add_argument(
        "--demo-tickets",
        type=int,
        metavar="N",
        help="tickets in the demo history (default CLOSELOOP_DEMO_TICKETS, 300; 0: people only)",
    )
    p.add_argument(
        "--host", default=DEFAULT_HOST, help="the host 'run' will use, for the URL shown"
    )
    p.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help="the port 'run' will use, for the URL shown"
    )
    p.set_defaults(handler=cmd_init)

    p = sub.add_parser("run", help="run the web server and the background worker")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"default {DEFAULT_HOST}")
    p.add_argument("--port", type=int, default=DEFAULT_PORT, help=f"default {DEFAULT_PORT}")
    p.add_argument(
        "--workers", type=int, default=0, help="web server processes (default: one per core)"
    )
    p.set_defaults(handler=cmd_run)

    p = sub.add_parser("user", help="manage people")
    user_sub = p.add_subparsers(dest="user_command", metavar="ACTION", parser_class=_Parser)
    user_sub.required = True
    q = user_sub.add_parser("add", help="add a member of staff")
    q.add_argument("username")
    q.add_argument(
        "--role",
        dest="roles",
        action="append",
        required=True,
        metavar="ROLE",
        help="agent, liaison, handler, supervisor, leader, inspector or admin; may repeat",
    )
    q.add_argument("--department", metavar="CODE")
    q.add_argument("--password", metavar="P")
    q.add_argument("--display-name", metavar="NAME")
    q.add_argument(
        "--level",
        type=int,
        metavar="N",
        help="the responsible level the person holds (the pack's responsible_levels)",
    )
    q.set_defaults(handler=cmd_user_add)
    q = user_sub.add_parser("unlock", help="lift a login lockout: forget the failed log-ins")
    q.add_argument("username")
    q.set_defaults(handler=cmd_user_unlock)

    p = sub.add_parser("token", help="print a user's API token (created if missing)")
    p.add_argument("username")
    p.set_defaults(handler=cmd_token)

    p = sub.add_parser("pack", help="policy packs")
    pack_sub = p.add_subparsers(dest="pack_command", metavar="ACTION", parser_class=_Parser)
    pack_sub.required = True
    q = pack_sub.add_parser("list", help="list the packs in CLOSELOOP_PACKS_DIR")
    q.set_defaults(handler=cmd_pack_list)
    q = pack_sub.add_parser("validate", help="check a pack without loading it")
    q.add_argument("path")
    q.set_defaults(handler=cmd_pack_validate)
    q = pack_sub.add_parser("load", help="load a pack (by name or path) and make it active")
    q.add_argument("name")
    q.set_defaults(handler=cmd_pack_load)

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

    p = sub.add_parser("department", help="manage departments")
    dep_sub = p.add_subparsers(dest="department_command", metavar="ACTION", parser_class=_Parser)
    dep_sub.required = True
    q = dep_sub.add_parser("add", help="add a department")
    q.add_argument("code")
    q.add_argument("name")
    q.add_argument("--parent", metavar="CODE")
    q.set_defaults(handler=cmd_department_add)

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

    p = sub.add_parser("report", help="reports")
    rep_sub = p.add_subparsers(dest="report_command", metavar="REPORT", parser_class=_Parser)
    rep_sub.required = True
    q = rep_sub.add_parser("monthly", help="a month's report (月度通报) as PDF or XLSX")
    q.add_argument("month", metavar="YYYY-MM")
    q.add_argument("-o", "--output", required=True, metavar="FILE", help="FILE.pdf or FILE.xlsx")
    q.add_argument("--user", metavar="USERNAME", help="whose view (default: the first leader)")
    q.set_defaults(handler=cmd_report_monthly)

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


if __name__ == "__main__":
    sys.exit(main())
