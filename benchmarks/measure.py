"""The measurements of issue 6, each one JSON line through the Reporter.

In-process measurements use the ORM and the services exactly as the web workers do; HTTP
measurements go through a real gunicorn on 127.0.0.1. Nothing here changes a model or a
service: where the code lacks something a measurement needs (an API ordering, the ledger's
search index), the line says so in its `note`.
"""

from __future__ import annotations

import json
import math
import random
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Q

from closeloop.directory.models import Department, User
from closeloop.directory.services import user_token
from closeloop.policy.models import Category
from closeloop.policy.services import pack_active
from closeloop.reports.ledger import COUNT_CAP
from closeloop.tickets.models import Customer, Ticket
from closeloop.workflow.statuses import OPEN_STATUSES

from . import words
from .http import Server, database_cpu_seconds, load, login_session, peak_rss_mib, request
from .report import Reporter, latency

OPEN = sorted(OPEN_STATUSES)
# Each read measurement repeats for at most this long (but at least 3 times).
READ_SECONDS = 15.0
# The run's budget as a time.monotonic() moment, set by the runner (`--budget`): past it,
# every time-bounded loop does its minimum (3 samples, one repetition, a short load), so the
# run ends close to its budget whatever the machine. Every line still comes out.
DEADLINE = math.inf


def seconds_left(cap: float, floor: float = 0.0) -> float:
    """`cap` seconds, or fewer when the run's budget is nearly spent (never below `floor`)."""
    return max(floor, min(cap, DEADLINE - time.monotonic()))


def over_budget() -> bool:
    return time.monotonic() >= DEADLINE


@dataclass
class Sizes:
    """How much each measurement repeats; `--quick` shrinks everything."""

    intake_n: int = 300
    intake_reps: int = 3
    api_seq: int = 300
    api_c8: int = 600
    api_reps: int = 3
    read_reps: int = 30
    slow_reps: int = 5
    sweep_reps: int = 2
    arithmetic_seconds: float = 2.0
    live_pages: int = 500
    live_seconds: float = 60.0

    @classmethod
    def quick(cls) -> Sizes:
        return cls(
            intake_n=60,
            intake_reps=2,
            api_seq=60,
            api_c8=120,
            api_reps=1,
            read_reps=8,
            slow_reps=2,
            sweep_reps=1,
            arithmetic_seconds=0.5,
            live_pages=500,
            live_seconds=10.0,
        )


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    value = fn()
    return (time.perf_counter() - start) * 1000, value


def _page(qs: Any) -> list[Any]:
    return list(qs[:25])


def _rows(qs: Any) -> list[Any]:
    return list(qs.all())  # .all(): a fresh queryset each time, never the cached rows


def repeat(fn: Callable[[], Any], reps: int, warm: int = 1) -> tuple[list[float], Any]:
    value = None
    for _ in range(warm):
        value = fn()
    samples = []
    stop = time.monotonic() + seconds_left(READ_SECONDS)
    for i in range(reps):
        if i >= 3 and time.monotonic() > stop:
            break
        ms, value = timed(fn)
        samples.append(ms)
    return samples, value


# --------------------------------------------------------------------------- people


@dataclass
class Cast:
    agent: User
    liaison: User
    supervisor: User
    department: Department


def cast() -> Cast:
    def first(role: str) -> User:
        user = User.objects.filter(roles__role=role, is_active=True).order_by("id").first()
        if user is None:
            raise RuntimeError(f"the bench pack has no demo {role}")
        return user

    liaison = first("liaison")
    assert liaison.department is not None
    return Cast(first("agent"), liaison, first("supervisor"), liaison.department)


# --------------------------------------------------------------------------- intake


def _ticket_body(
    rng: random.Random,
    kinds: list[str],
    channels: list[str],
    categories: list[str],
    phones: list[str],
) -> dict[str, Any]:
    kind = rng.choice(kinds)
    topic = rng.choice(words.TOPICS.get(kind) or words.TOPICS["consultation"])
    street = rng.choice(words.STREETS)
    detail = rng.choice(words.DETAILS).format(
        place="办税服务厅",
        amount=3000,
        month=5,
        day=3,
        weeks=2,
        district="南湖区",
        street=street,
        number=8,
    )
    district = rng.choice(words.DISTRICTS)
    return {
        "kind": kind,
        "channel": rng.choice(channels),
        "subject": f"关于{street}{topic}的问题",
        "description": f"{rng.choice(words.OPENERS)}{district}{street}{topic},{detail}。",
        "category": rng.choice(categories) if categories else None,
        "customer": {"name": "来电人", "phone": rng.choice(phones)},
    }


def _vocabulary() -> tuple[list[str], list[str], list[str], list[str]]:
    pack = pack_active()
    kinds: list[str] = [
        k for k in ("consultation", "complaint", "suggestion") if k in pack.kinds
    ] or [str(k) for k in pack.kinds]
    categories = list(Category.objects.filter(is_active=True).values_list("code", flat=True))
    # Half the callers are known (their history grows), half are new numbers.
    phones = list(Customer.objects.order_by("id").values_list("phone", flat=True)[:200])
    phones += [f"1990000{i:04d}" for i in range(200)]
    return kinds, list(pack.channels), categories, phones


def phase_intake(rep: Reporter, sizes: Sizes, people: Cast) -> None:
    from closeloop.channels.api.tickets.serializers import TicketCreateSerializer
    from closeloop.tickets.services import ticket_register

    rng = random.Random(61)  # noqa: S311 - reproducible test data
    kinds, channels, categories, phones = _vocabulary()
    rates, samples = [], []
    for r in range(sizes.intake_reps):
        if r and over_budget():
            break
        bodies = [
            _ticket_body(rng, kinds, channels, categories, phones) for _ in range(sizes.intake_n)
        ]
        inputs = []
        for body in bodies:
            ser = TicketCreateSerializer(data=body)
            ser.is_valid(raise_exception=True)
            inputs.append(ser.to_input())
        start = time.perf_counter()
        for data in inputs:
            ms, _ = timed(partial(ticket_register, actor=people.agent, data=data))
            samples.append(ms)
        rates.append(sizes.intake_n / (time.perf_counter() - start))
    services = rep.emit(
        "intake.services",
        what="ticket_register() one by one: classification, number, customer, deadlines, "
        "event, outbox; each in its own transaction",
        tickets_per_s=round(statistics.median(rates), 1),
        tickets_per_s_reps=[round(r, 1) for r in rates],
        **latency(samples),
    )

    rates, samples = [], []
    now = datetime.now(UTC)
    for r in range(sizes.intake_reps):
        if r and over_budget():
            break
        start = time.perf_counter()
        for i in range(sizes.intake_n):

            def insert(i: int = i, r: int = r) -> None:
                with transaction.atomic():
                    Ticket.objects.create(
                        number=f"BENCH{r:02d}-{i:07d}",
                        kind="consultation",
                        channel="phone",
                        subject="bare insert",
                        received_at=now,
                    )

            ms, _ = timed(insert)
            samples.append(ms)
        rates.append(sizes.intake_n / (time.perf_counter() - start))
    Ticket.objects.filter(number__startswith="BENCH").delete()
    floor = rep.emit(
        "intake.bare_insert",
        what="Ticket.objects.create() with the required fields, each in its own transaction "
        "(the floor)",
        tickets_per_s=round(statistics.median(rates), 1),
        tickets_per_s_reps=[round(r, 1) for r in rates],
        **latency(samples),
    )
    rep.emit(
        "intake.services_vs_floor",
        what="time per ticket through the services / time per bare insert",
        ratio=round(floor["tickets_per_s"] / services["tickets_per_s"], 2),
    )


# --------------------------------------------------------------------------- HTTP


def phase_http(
    rep: Reporter, sizes: Sizes, people: Cast, env: dict[str, str], phases: set[str], workers: int
) -> dict[str, Any]:
    """API intake, the agent's and supervisor's reads (API and HTML), peak RSS of workers."""
    tokens = {
        role: {"Authorization": f"Token {user_token(user.username)}"}
        for role, user in (
            ("agent", people.agent),
            ("liaison", people.liaison),
            ("supervisor", people.supervisor),
        )
    }
    kinds, channels, categories, phones = _vocabulary()
    found: dict[str, Any] = {}
    global _server_workers
    _server_workers = workers
    with Server(env, workers) as server:
        port = server.port
        if "api" in phases:
            rng = random.Random(62)  # noqa: S311 - reproducible test data

            def make(_i: int) -> tuple[str, str, Any, dict[str, str]]:
                body = _ticket_body(rng, kinds, channels, categories, phones)
                return "POST", "/api/v1/tickets", body, tokens["agent"]

            local_server = connection.vendor == "postgresql" and connection.settings_dict.get(
                "HOST"
            ) in ("", "localhost", "127.0.0.1", "::1")

            def db_cpu_now() -> float | None:
                return database_cpu_seconds() if local_server else None

            # Warm both workers.
            load(port, make, total=20, concurrency=2, max_seconds=seconds_left(60, floor=5))
            for concurrency, total in ((1, sizes.api_seq), (8, sizes.api_c8)):
                rates, samples, errors, cpu, db_cpu, client_cpu = [], [], 0, [], [], []
                for r in range(sizes.api_reps):
                    if r and over_budget():
                        break
                    cpu0, db0, client0 = server.workers_cpu(), db_cpu_now(), time.process_time()
                    seconds = seconds_left(240, floor=10)
                    result = load(
                        port, make, total=total, concurrency=concurrency, max_seconds=seconds
                    )
                    done = max(1, len(result.latencies_ms))
                    cpu.append((server.workers_cpu() - cpu0) * 1000 / done)
                    # Where the rest of the two cores goes: the database server, and this
                    # process's client threads (the peer's harness reports the same two).
                    db1 = db_cpu_now()
                    if db0 is not None and db1 is not None:
                        db_cpu.append((db1 - db0) * 1000 / done)
                    client_cpu.append((time.process_time() - client0) * 1000 / done)
                    rates.append(len(result.latencies_ms) / result.seconds)
                    samples += result.latencies_ms
                    errors += result.errors
                rep.emit(
                    f"api.create_c{concurrency}",
                    what=f"POST /api/v1/tickets (JSON, token auth), {concurrency} concurrent "
                    f"client(s), gunicorn {workers} sync workers",
                    concurrency=concurrency,
                    requests=total,
                    reps=len(rates),
                    req_per_s=round(statistics.median(rates), 1),
                    req_per_s_reps=[round(r, 1) for r in rates],
                    errors=errors,
                    valid=errors == 0,
                    worker_cpu_ms_per_req=round(statistics.median(cpu), 2),
                    db_server_cpu_ms_per_req=(
                        round(statistics.median(db_cpu), 2) if db_cpu else None
                    ),
                    client_cpu_ms_per_req=round(statistics.median(client_cpu), 2),
                    **latency(samples),
                )
        if "reads" in phases:
            found.update(_reads_api(rep, sizes, people, port, tokens))
            _reads_html(rep, sizes, people, port, found)
        workers_rss = [peak_rss_mib(pid) for pid in server.worker_pids()]
        rep.emit(
            "memory.web_worker_peak_rss",
            what="VmHWM (peak RSS) of each gunicorn worker after the HTTP phases",
            peak_rss_mib=max((r for r in workers_rss if r is not None), default=None),
            workers_peak_rss_mib=workers_rss,
            master_rss_mib=peak_rss_mib(server.proc.pid) if server.proc else None,
        )
    return found


def _targets(people: Cast) -> dict[str, Any]:
    heavy = (
        Ticket.objects.filter(customer__isnull=False, kind="consultation")
        .values("customer_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()
    )
    heavy_phone = Customer.objects.get(pk=heavy["customer_id"]).phone if heavy else ""
    rng = random.Random(63)  # noqa: S311 - reproducible test data
    top = Ticket.objects.order_by("-id").values_list("id", flat=True).first() or 1
    ids = [rng.randint(1, top) for _ in range(60)]
    numbers = list(
        Ticket.objects.filter(id__in=ids, status="closed", kind="consultation").values_list(
            "number", flat=True
        )
    ) or list(Ticket.objects.values_list("number", flat=True)[:10])
    typical = Customer.objects.filter(pk=rng.randint(1, max(1, Customer.objects.count()))).first()
    return {
        "heavy_phone": heavy_phone,
        "heavy_phone_tickets": heavy["n"] if heavy else 0,
        "typical_phone": typical.phone if typical else heavy_phone,
        "numbers": numbers,
        "department": people.department.code,
    }


_server_workers = 1  # gunicorn's workers during phase_http: `_read` warms each of them


def _read(
    rep: Reporter,
    test: str,
    what: str,
    port: int,
    paths: list[str],
    headers: dict[str, str],
    reps: int,
    **extra: Any,
) -> dict[str, Any]:
    statuses: dict[int, int] = {}
    # Warm-up, untimed, on every worker at once: a worker's first run of a query pays for its
    # connection's catalogue caches (~100 ms on PostgreSQL), once per worker, not per request.
    load(
        port,
        lambda _i: ("GET", paths[0], None, headers),
        total=2 * _server_workers,
        concurrency=_server_workers,
        max_seconds=seconds_left(60, floor=5),
    )
    last = request(port, "GET", paths[0], headers=headers)
    samples = []
    stop = time.monotonic() + seconds_left(READ_SECONDS)
    for i in range(reps):
        if i >= 3 and time.monotonic() > stop:
            break  # a slow page: fewer samples (n says how many), the run stays bounded
        resp = request(port, "GET", paths[i % len(paths)], headers=headers)
        samples.append(resp.ms)
        statuses[resp.status] = statuses.get(resp.status, 0) + 1
        last = resp
    info: dict[str, Any] = {}
    if last.headers.get("content-type", "").startswith("application/json") and last.status == 200:
        data = last.json()
        if isinstance(data, dict):
            info["matching"] = data.get("count")
            info["rows"] = len(data.get("results") or data.get("events") or [])
            if "events" in data:
                info["events"] = len(data["events"])
    info["bytes"] = len(last.body)
    # A figure of error pages is no figure: say so in the line itself.
    info["valid"] = set(statuses) <= {200}
    return rep.emit(test, what=what, statuses=statuses, **info, **extra, **latency(samples))


def _reads_api(
    rep: Reporter, sizes: Sizes, people: Cast, port: int, tokens: dict[str, dict[str, str]]
) -> dict[str, Any]:
    t = _targets(people)
    r = sizes.read_reps
    _read(
        rep,
        "read.api_caller_history_heavy",
        "GET /api/v1/customers?phone= (the most frequent caller; first page)",
        port,
        [f"/api/v1/customers?phone={t['heavy_phone']}"],
        tokens["agent"],
        r,
        caller_tickets=t["heavy_phone_tickets"],
    )
    _read(
        rep,
        "read.api_caller_history",
        "GET /api/v1/customers?phone= (a typical caller)",
        port,
        [f"/api/v1/customers?phone={t['typical_phone']}"],
        tokens["agent"],
        r,
    )
    _read(
        rep,
        "read.api_ticket_detail",
        "GET /api/v1/tickets/{number} with its timeline (closed consultations, 5–15 events)",
        port,
        [f"/api/v1/tickets/{n}" for n in t["numbers"]],
        tokens["agent"],
        r,
    )
    status_q = "&".join(f"status={s}" for s in OPEN)
    _read(
        rep,
        "read.api_department_inbox",
        "GET /api/v1/tickets?department=D&status=<open> "
        "as the department's liaison, first page. The API orders by received_at (newest "
        "first): it has no nearest-deadline ordering",
        port,
        [f"/api/v1/tickets?department={t['department']}&{status_q}"],
        tokens["liaison"],
        r,
    )
    overdue_total = Ticket.objects.filter(deadline_state="overdue", status__in=OPEN).count()
    line = _read(
        rep,
        "read.api_overdue_list",
        "GET /api/v1/tickets?deadline_state=overdue &status=<open> as a supervisor, first page",
        port,
        [f"/api/v1/tickets?deadline_state=overdue&{status_q}"],
        tokens["supervisor"],
        r,
        overdue_total=overdue_total,
    )
    # The list counts up to COUNT_CAP ("count_capped"): compare with the capped total.
    if line.get("matching") not in (None, min(overdue_total, COUNT_CAP)):
        rep.emit(
            "read.api_overdue_list.note",
            note="the API ignored deadline_state: the figure "
            "above is the open list, not the overdue list",
            matching=line.get("matching"),
            overdue_total=overdue_total,
        )

    # The same reads as single queries in-process: the floor under the HTTP figures, and the
    # nearest-deadline ordering the API lacks.
    liaison_qs = Ticket.objects.filter(department=people.department, status__in=OPEN)
    samples, rows = repeat(
        lambda: list(
            liaison_qs.select_related("category", "department", "handler", "customer").order_by(
                F("next_due_at").asc(nulls_last=True), "-received_at", "-id"
            )[:25]
        ),
        r,
    )
    rep.emit(
        "read.orm_inbox_by_due",
        what="one department's open tickets, nearest deadline "
        "first, first page of 25, one ORM query",
        rows=len(rows),
        **latency(samples),
    )
    samples, rows = repeat(
        lambda: (
            list(
                Ticket.objects.filter(deadline_state="overdue", status__in=OPEN).order_by(
                    "next_due_at", "id"
                )[:25]
            ),
            Ticket.objects.filter(deadline_state="overdue", status__in=OPEN).count(),
        ),
        r,
    )
    rep.emit(
        "read.orm_overdue_first_page_and_count",
        what="overdue open tickets: first page by due + count",
        rows=len(rows[0]),
        count=rows[1],
        **latency(samples),
    )
    samples, count = repeat(
        lambda: Ticket.objects.filter(status__in=OPEN, next_due_at__lt=datetime.now(UTC)).count(),
        r,
    )
    rep.emit(
        "read.orm_overdue_count",
        what="open tickets past their nearest deadline: count (the peer's overdue count)",
        count=count,
        **latency(samples),
    )

    word = "青石巷"
    s_reps = sizes.slow_reps
    _read(
        rep,
        "search.api_substring",
        f"GET /api/v1/tickets?q={word} through gunicorn: the ledger's search (trigram "
        "index), first page and the count up to 1,000",
        port,
        [f"/api/v1/tickets?q={word}"],
        tokens["supervisor"],
        s_reps,
    )
    return t


def _reads_html(rep: Reporter, sizes: Sizes, people: Cast, port: int, t: dict[str, Any]) -> None:
    probe = request(port, "GET", "/login/", headers={"Accept": "text/html"})
    if probe.status != 200:
        rep.emit(
            "read.html",
            skipped=True,
            note="the staff HTML pages are not mounted in this "
            f"build (GET /login/ answered {probe.status})",
        )
        return
    password = "closeloop-demo"  # noqa: S105 - the packs' demo password, bench db only
    sessions = {}
    for role, user in (
        ("agent", people.agent),
        ("liaison", people.liaison),
        ("supervisor", people.supervisor),
    ):
        session = login_session(port, user.username, password)
        if session is None:
            rep.emit("read.html", skipped=True, note=f"could not log in as the demo {role}")
            return
        sessions[role] = session
    r = sizes.read_reps
    _read(
        rep,
        "read.html_intake_page",
        "GET /intake/ (agent)",
        port,
        ["/intake/"],
        sessions["agent"],
        r,
    )
    _read(
        rep,
        "read.html_caller_history",
        "GET /intake/history/?phone= (agent, the most frequent caller)",
        port,
        [f"/intake/history/?phone={t['heavy_phone']}"],
        sessions["agent"],
        r,
    )
    _read(
        rep,
        "read.html_department_queue",
        "GET /tickets/ (liaison's default queue: own department, nearest deadline first)",
        port,
        ["/tickets/"],
        sessions["liaison"],
        r,
    )
    _read(
        rep,
        "read.html_ticket_page",
        "GET /tickets/{number}/ with its timeline",
        port,
        [f"/tickets/{n}/" for n in t["numbers"]],
        sessions["agent"],
        r,
    )
    _read(
        rep,
        "read.html_overdue_queue",
        "GET /tickets/?view=all&deadline_state=overdue (supervisor)",
        port,
        ["/tickets/?view=all&deadline_state=overdue"],
        sessions["supervisor"],
        r,
    )
    _read(
        rep,
        "read.html_dashboard",
        "GET /dashboard/ (supervisor)",
        port,
        ["/dashboard/"],
        sessions["supervisor"],
        r,
    )


# --------------------------------------------------------------------------- ledger


SEARCH_WORDS = {
    "district": "南湖区",  # one district of 16, in every description: ~6 % of tickets
    "street": "青石巷",  # one street of 30: ~3 %
    "company": "宏达",  # a company's short name, two characters (bigram index): ~2 %
    "company_full": "嘉禾超市",  # a company's full name: ~0.4 %
    "two_characters": "退税",  # frequent, two characters
    "absent": "不存在的字样",  # no ticket: the index answers without reading one
}
# The baseline before issue 5 (plain icontains over subject and description, a full scan).
BASELINE_WORDS = {"rare_street": "青石巷", "district": "南湖区", "company": "宏达"}


def _rolled_back(fn: Callable[[], Any]) -> Callable[[], Any]:
    """Run `fn` in a transaction that is rolled back: a supervisor's page records identity
    disclosures, and the bench must leave the ledger as it found it."""

    def run() -> Any:
        with transaction.atomic():
            value = fn()
            transaction.set_rollback(True)
        return value

    return run


def phase_search(rep: Reporter, sizes: Sizes, people: Cast) -> None:
    """The ledger's search as the ledger page, the API's `?q=` and an export run it."""
    from rest_framework.test import APIClient

    from closeloop.common.paging import page_rows
    from closeloop.reports import exports
    from closeloop.reports.ledger import ledger_count_capped, ledger_for_user

    user = people.supervisor
    api = APIClient(HTTP_HOST="127.0.0.1")
    api.force_authenticate(user)  # in process, no token or session row
    reps = sizes.slow_reps
    for label, word in SEARCH_WORDS.items():

        def page_and_count(word: str = word) -> tuple[int, tuple[int, bool]]:
            qs = ledger_for_user(user, {"q": word})
            return len(page_rows(qs, 0, 51)), ledger_count_capped(qs)

        samples, (rows, (count, more)) = repeat(_rolled_back(page_and_count), reps)
        rep.emit(
            f"search.ledger_{label}",
            what=f"ledger selector, q={word}: first page (51 rows, newest first, ids first as "
            f"the page reads them) and the count up to {COUNT_CAP:,} — what /ledger/ runs",
            word=word,
            rows=rows,
            count=count,
            count_capped=more,
            **latency(samples),
        )

        def api_list(word: str = word) -> dict[str, Any]:
            response = api.get("/api/v1/tickets", {"q": word})
            return {"status": response.status_code, **response.json()}

        samples, body = repeat(_rolled_back(api_list), reps)
        rep.emit(
            f"search.api_{label}",
            what=f"GET /api/v1/tickets?q={word} in process (DRF, no HTTP): first page of 25 "
            "and the capped count",
            word=word,
            status=body["status"],
            count=body.get("count"),
            count_capped=body.get("count_capped"),
            rows=len(body.get("results") or []),
            **latency(samples),
        )

        def export_first_rows(word: str = word) -> int:
            ledger = ledger_for_user(user, {"q": word})
            total = ledger.count()
            next(exports.ledger_rows(user, ledger), None)
            return total

        samples, total = repeat(_rolled_back(export_first_rows), min(reps, 3))
        rep.emit(
            f"search.export_start_{label}",
            what=f"an export of q={word}, until its first rows: the exact count (the progress "
            "bar's total) and the first chunk of 1,000",
            word=word,
            total=total,
            **latency(samples),
        )

    year_ago = (datetime.now(UTC) - timedelta(days=365)).date().isoformat()
    filters = {
        "department": people.department.code,
        "from": year_ago,
        "kind": "consultation",
        "state": "closed",
    }
    for who, viewer in (("supervisor", people.supervisor), ("liaison", people.liaison)):
        qs = ledger_for_user(viewer, filters)
        samples, (count, more) = repeat(partial(ledger_count_capped, qs), sizes.read_reps)
        rep.emit(
            f"search.ledger_filtered_count_{who}",
            what=f"ledger count up to {COUNT_CAP:,} as the {who}: one department's closed "
            "consultations received in the last 12 months",
            count=count,
            count_capped=more,
            **latency(samples),
        )
    samples, count = repeat(ledger_for_user(people.supervisor, filters).count, sizes.slow_reps)
    rep.emit(
        "search.ledger_filtered_count_exact",
        what="the same, counted exactly (an export's total)",
        count=count,
        **latency(samples),
    )

    note = "baseline before issue 5: plain icontains (a full scan)"
    for label, word in BASELINE_WORDS.items():
        qs = Ticket.objects.filter(Q(subject__icontains=word) | Q(description__icontains=word))
        newest = qs.order_by("-received_at", "-id")
        page_ms, rows = repeat(partial(_page, newest), sizes.slow_reps)
        count_ms, count = repeat(qs.count, sizes.slow_reps)
        rep.emit(
            f"search.orm_substring_{label}",
            what=f"subject or description icontains '{word}': newest 25, then the count",
            word=word,
            rows=len(rows),
            count=count,
            page=latency(page_ms),
            count_latency=latency(count_ms),
            note=note,
            **latency([a + b for a, b in zip(page_ms, count_ms, strict=True)]),
        )
    qs = Ticket.objects.filter(
        kind="consultation",
        status="closed",
        department=people.department,
        received_at__gte=datetime.now(UTC) - timedelta(days=365),
    )
    samples, count = repeat(qs.count, sizes.slow_reps)
    rep.emit(
        "search.orm_filtered_count",
        what="count of one department's closed consultations received in the last 12 months",
        count=count,
        note="baseline before issue 5: the ORM, exact",
        **latency(samples),
    )


def phase_indicators(rep: Reporter, sizes: Sizes) -> None:
    now = datetime.now(UTC)
    month_start = (
        now.replace(day=1, hour=0, minute=0, second=0, microsecond=0) - timedelta(days=1)
    ).replace(day=1)  # last full month
    month_end = now.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    year_start = month_end.replace(year=month_end.year - 1)
    aggregates = {
        "total": Count("id"),
        "closed": Count("id", filter=Q(status="closed")),
        "open": Count("id", filter=Q(status__in=OPEN)),
        "overdue": Count("id", filter=Q(deadline_state="overdue")),
        "complaints": Count("id", filter=Q(kind="complaint")),
        "satisfied": Count("id", filter=Q(satisfaction__in=["satisfied", "basically_satisfied"])),
        "dissatisfied": Count("id", filter=Q(satisfaction="dissatisfied")),
        "visited": Count("id", filter=~Q(satisfaction="")),
    }
    for label, start in (("month", month_start), ("year", year_start)):
        qs = (
            Ticket.objects.filter(received_at__gte=start, received_at__lt=month_end)
            .values("department_id")
            .annotate(**aggregates)
            .order_by("department_id")
        )
        samples, rows = repeat(partial(_rows, qs), sizes.slow_reps)
        rep.emit(
            f"indicators.orm_{label}_by_department",
            what=f"one {label} "
            f"({start:%Y-%m-%d}..{month_end:%Y-%m-%d}) grouped by department: total, "
            "closed, open, overdue, complaints, satisfied, dissatisfied, visited",
            groups=len(rows),
            tickets=sum(row["total"] for row in rows),
            note="baseline before issue 5 (no monthly roll-up table)",
            **latency(samples),
        )
    samples, rows = repeat(
        lambda: list(
            Ticket.objects.values("department_id", "status").annotate(n=Count("id")).order_by()
        ),
        sizes.slow_reps,
    )
    rep.emit(
        "indicators.orm_all_by_department_status",
        what="all tickets grouped by department and status (the peer's queue/status aggregate)",
        groups=len(rows),
        **latency(samples),
    )


# --------------------------------------------------------------------------- deadlines


def phase_arithmetic(rep: Reporter, sizes: Sizes) -> None:
    from closeloop.sla.calendar import china_calendar
    from closeloop.sla.timelimits import TimeLimit, deadline_compute

    cal = china_calendar()
    rng = random.Random(64)  # noqa: S311 - reproducible test data
    limits = [
        TimeLimit(1, "working_days", count_start_day=True),
        TimeLimit(5, "working_days"),
        TimeLimit(15, "days", roll_forward=True),
        TimeLimit(24, "hours"),
        TimeLimit(8, "working_hours"),
    ]
    base = datetime(2025, 1, 1, tzinfo=UTC)
    count, start = 0, time.perf_counter()
    stop = start + sizes.arithmetic_seconds
    while time.perf_counter() < stop and count < 5_000_000:
        moment = base + timedelta(minutes=rng.randint(0, 60 * 24 * 600))
        deadline_compute(moment, limits[count % len(limits)], cal, explain=False)
        count += 1
    elapsed = time.perf_counter() - start
    rep.emit(
        "deadlines.arithmetic",
        what="deadline_compute() on the China calendar, mixed "
        "units (working days, calendar days with roll-forward, hours, working hours)",
        computations=count,
        per_s=round(count / elapsed),
        us_each=round(elapsed / count * 1e6, 1),
    )


def phase_sweep(rep: Reporter, sizes: Sizes, env: dict[str, str]) -> None:
    """Each sweep runs in its own process, as the worker runs it; it reports its peak RSS."""
    from closeloop.sla.models import Deadline

    running = Deadline.objects.filter(closed_at__isnull=True).count()
    by_share: dict[float, list[dict[str, Any]]] = {}
    for share in (0.0, 0.001, 0.01):
        for r in range(sizes.sweep_reps):
            if r and over_budget():
                break
            out = subprocess.run(  # noqa: S603 - our interpreter, fixed arguments
                [sys.executable, "-m", "benchmarks", "--child-sweep", str(share),
                 "--seed", str(100 + r)],
                env=env, capture_output=True, text=True, timeout=600, check=False,
            )  # fmt: skip
            if out.returncode != 0:
                rep.emit("deadlines.sweep_error", share=share, valid=False,
                         stderr_tail=out.stderr[-600:])  # fmt: skip
                return
            by_share.setdefault(share, []).append(json.loads(out.stdout.strip().splitlines()[-1]))
    per_due = {}
    for share, runs in by_share.items():
        ms = [run["ms"] for run in runs]
        due = runs[0]["due"]
        line = rep.emit(
            f"deadlines.sweep_{share * 100:g}pct",
            what=f"deadlines_sweep() with {share * 100:g}% of the running deadlines due "
            "(made due, they turn overdue: event, escalations, notifications)",
            running_deadlines=running,
            due=due,
            checked=[run["checked"] for run in runs],
            overdue=[run["overdue"] for run in runs],
            escalated=[run["escalated"] for run in runs],
            ms=round(statistics.median(ms), 1),
            ms_reps=[round(m, 1) for m in ms],
            ms_per_due=round(statistics.median(ms) / due, 2) if due else None,
            process_peak_rss_mib=max(run["peak_rss_mib"] or 0 for run in runs),
        )
        per_due[share] = line["ms_per_due"]
    if per_due.get(0.001) and per_due.get(0.01):
        rep.emit(
            "deadlines.sweep_proportionality",
            what="ms per due deadline at 1% / at 0.1%: "
            "1.0 means the cost follows the due deadlines only",
            ratio=round(per_due[0.01] / per_due[0.001], 2),
        )


def child_sweep(share: float, seed: int) -> dict[str, Any]:
    """In a fresh process: make `share` of the running deadlines due now, then sweep."""
    import os

    from closeloop.sla.models import Deadline
    from closeloop.sla.sweep import deadlines_sweep

    now = datetime.now(UTC).replace(microsecond=0)
    candidates = list(
        Deadline.objects.filter(
            closed_at__isnull=True, paused_at__isnull=True, next_check_at__gt=now
        ).values_list("id", flat=True)
    )
    running = Deadline.objects.filter(closed_at__isnull=True).count()
    due = min(len(candidates), round(share * running))
    chosen = random.Random(seed).sample(candidates, due) if due else []  # noqa: S311
    with transaction.atomic():
        for start in range(0, len(chosen), 500):
            Deadline.objects.filter(id__in=chosen[start : start + 500]).update(
                due_at=now - timedelta(minutes=1),
                warn_at=now - timedelta(hours=2),
                next_check_at=now - timedelta(minutes=1),
                state="on_track",
            )
    # A worker sweeps every minute: its calendars and connection are warm. One untimed
    # sweep now (nothing is due before `now`... except what was just made due, so sweep
    # at a moment before it) keeps process start-up out of the figure.
    deadlines_sweep(now=now - timedelta(minutes=2))
    began = time.perf_counter()
    result = deadlines_sweep(now=now)
    ms = (time.perf_counter() - began) * 1000
    return {
        "share": share,
        "due": due,
        "ms": ms,
        "checked": result.checked,
        "overdue": result.overdue,
        "escalated": result.escalated,
        "peak_rss_mib": peak_rss_mib(os.getpid()),
    }
