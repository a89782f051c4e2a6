"""Fill the bench database with a realistic ledger, fast.

Bulk inserts, never service calls. The rows follow what the services would have written
(statuses, events, assignments, deadlines, the pack's plan per ticket), and the parts that
are rules rather than data come from the real code: the pack's classification and plan,
and the deadline arithmetic for every running deadline.

How it stays fast (issue 6: the whole default run within 15 minutes on 2 cores):

- **Rows are built in worker processes** (forked, one per core) in chunks of `BATCH`
  tickets, while the main process writes the chunks before them: `COPY` on PostgreSQL (the
  workers encode the COPY text), `executemany` on SQLite. A few chunks at most are in
  flight, so memory stays bounded whatever `--tickets` is. Each chunk has its own seeded
  random stream: the data does not depend on how the chunks were scheduled.
- **Indexes are built once, after the load.** The secondary indexes of the loaded tables
  (the ledger's trigram indexes among them) and their SQLite triggers are dropped before
  the load and created again afterwards from the database's own definitions; the ledger's
  FTS5 table on SQLite is then filled in one pass by the ledger's `fts_rebuild`. Primary
  keys and unique constraints stay (their keys arrive in order).
- **PostgreSQL**: one transaction that truncates the (empty) tables and loads them with
  `COPY … FREEZE`, so the rows are written frozen and all-visible, as in a database that
  has been vacuumed (no hint-bit writes or autovacuum passes later, during the
  measurements); the per-row foreign-key triggers are skipped with
  `session_replication_role=replica` (the rows are consistent by construction), or,
  without the rights for that, the foreign keys are dropped and added back (validated).
  The indexes are created on two connections at once.
- **SQLite**: `synchronous=OFF`, a 512 MB page cache and no rollback journal for the load
  only (WAL again afterwards); sorter threads for the index builds.
- **Cheap rows**: times as integer epoch seconds formatted from tables, JSON texts
  computed once per plan, milestone and note, `random()` arithmetic rather than
  `randint`/`choice`, and one generated function per table that makes a row tuple or a
  COPY line.
"""

from __future__ import annotations

import bisect
import json
import os
import random
import re
import sqlite3
import string
import tempfile
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from multiprocessing import get_all_start_methods, get_context
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.color import no_style
from django.db import DEFAULT_DB_ALIAS, connection, connections, models, transaction

from closeloop.directory.models import Department, User
from closeloop.policy.classify import TicketFacts, classify
from closeloop.policy.models import Category
from closeloop.policy.services import pack_active
from closeloop.sla.models import Deadline
from closeloop.sla.notices import calendar_for
from closeloop.sla.plan import plan_for, time_limit_of
from closeloop.sla.timelimits import deadline_compute
from closeloop.tickets.models import (
    Assignment,
    Customer,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
)

from . import words

BATCH = 10_000  # tickets per chunk: ~40 MB of COPY text or row tuples with their events
CUSTOMER_BATCH = 50_000
YEARS = 3
# Worker processes that build rows (CLOSELOOP_BENCH_GEN_WORKERS overrides; 0 builds them in
# the main process). Below two chunks the pool is not worth starting.
_workers_env = os.environ.get("CLOSELOOP_BENCH_GEN_WORKERS")
GEN_WORKERS = int(_workers_env) if _workers_env else None

# What a city centre's ledger looks like (shares, summing to 1 within each table).
KIND_WEIGHTS = {
    "consultation": 0.62,
    "complaint": 0.18,
    "report": 0.06,
    "suggestion": 0.06,
    "help": 0.05,
    "praise": 0.03,
}
CHANNEL_WEIGHTS = {
    "phone": 0.70,
    "web": 0.12,
    "app": 0.07,
    "email": 0.03,
    "letter": 0.03,
    "visit": 0.03,
    "on_site": 0.02,
}
OPEN_STATE_WEIGHTS = {
    "registered": 0.08,
    "accepted": 0.10,
    "dispatched": 0.25,
    "in_progress": 0.45,
    "pending_approval": 0.06,
    "suspended": 0.06,
}
SEVERITY_WEIGHTS = {"one_star": 0.85, "two_star": 0.12, "three_star": 0.03}
SATISFACTION_WEIGHTS = {"satisfied": 0.86, "basically_satisfied": 0.10, "dissatisfied": 0.04}
# The open backlog by age: most of last week, a third of the month, a trickle of old cases.
OPEN_SHARE_BY_AGE = ((7, 0.70), (30, 0.30), (90, 0.08), (10_000, 0.005))
# CLOSELOOP_BENCH_OPEN_SHARE=1 makes every ticket open: the sweep measured "with 1,000,000
# open tickets of which 1% are due" (issue 3) rather than a realistic backlog.
_override = os.environ.get("CLOSELOOP_BENCH_OPEN_SHARE")
OPEN_SHARE_OVERRIDE = float(_override) if _override else None
# Which running milestone an open ticket in a given state waits on, by preference.
WAITING_ON = {
    "registered": ("accept", "dispatch", "reply", "resolve"),
    "accepted": ("dispatch", "reply", "resolve"),
    "dispatched": ("assign", "department_response", "resolve"),
    "in_progress": ("department_response", "reply", "resolve", "progress_report"),
    "pending_approval": ("leader_review", "department_response", "resolve"),
    "suspended": ("department_response", "resolve"),
}
PATH = ["accept", "dispatch", "assign", "progress"]
STATUS_AFTER = {
    "register": "registered",
    "accept": "accepted",
    "dispatch": "dispatched",
    "assign": "in_progress",
    "progress": "in_progress",
}
# How far along PATH an open ticket in each state got (closed tickets walk all of it).
STEPS_DONE = {
    "registered": 0,
    "accepted": 1,
    "dispatched": 2,
    "in_progress": 3,
    "pending_approval": 4,
    "suspended": 4,
}
NOTE_KINDS = ("progress", "note", "remind")
# The tables the generator fills, in load order.
TABLES = (Customer, Ticket, TicketEvent, Assignment, Deadline)


@dataclass
class GenerationResult:
    tickets: int = 0
    customers: int = 0
    events: int = 0
    assignments: int = 0
    deadlines: int = 0
    running_deadlines: int = 0
    open_tickets: int = 0
    overdue_tickets: int = 0
    seconds: float = 0.0
    deadline_computations: int = 0
    first_received: str = ""
    last_received: str = ""
    workers: int = 0
    phases: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------- rows


def _column_defaults(model: type[models.Model]) -> tuple[list[str], list[Any]]:
    """The table's columns and a neutral value for each: what an ORM insert would write."""
    columns: list[str] = []
    values: list[Any] = []
    for f in model._meta.concrete_fields:
        columns.append(str(f.column))
        if f.has_default():
            value = f.get_default()
            if isinstance(f, models.JSONField):
                value = json.dumps(value)
        elif f.null:
            value = None
        else:
            value = ""
        if isinstance(value, bool):
            value = int(value)  # '1'/'0' are valid booleans for PostgreSQL's COPY too
        elif isinstance(value, str):
            value = str.__str__(value)  # a plain str, not a Choices member
        values.append(value)
    return columns, values


def copy_escape(text: str) -> str:
    """A value as PostgreSQL's COPY text format wants it."""
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


class Table:
    """One table's rows: `make(*fields)` returns a row with those columns set.

    PostgreSQL: a line of COPY text with every other column at its default (what an ORM
    insert would write). SQLite: the tuple of the fields alone; `insert_select` copies such
    rows from a chunk file, adding the other columns' defaults.

    `make` is generated per table (one f-string or one tuple display, no loop per row): the
    generator calls it ten million times. String arguments must be COPY-safe already
    (`copy_escape`, or text known to hold no tab, newline or backslash)."""

    def __init__(self, model: type[models.Model], fields: Sequence[str], *, copy_text: bool):
        all_columns, base = _column_defaults(model)
        self.name = str(model._meta.db_table)
        self.fields = tuple(fields)
        # An id not among the fields is left to the database (its sequence or rowid).
        keep = [i for i, c in enumerate(all_columns) if c != "id" or "id" in self.fields]
        self.columns = [all_columns[i] for i in keep]
        unknown = set(self.fields) - set(self.columns)
        if unknown:
            raise ValueError(f"{self.name} has no column {', '.join(sorted(unknown))}")
        args = {name: f"a{i}" for i, name in enumerate(self.fields)}
        consts: dict[str, Any] = {}
        items: list[str] = []
        self.defaults: list[Any] = []  # the other columns' values, in column order
        select: list[str] = []
        for i in keep:
            column = all_columns[i]
            if column in args:
                a = args[column]
                items.append(f"{{_N if {a} is None else {a}}}")
                select.append(f'"{column}"')
            else:
                value = base[i]
                consts[f"c{i}"] = "\\N" if value is None else copy_escape(str(value))
                items.append(f"{{c{i}}}")
                self.defaults.append(value)
                select.append("?")
        self.select = ", ".join(select)
        # A COPY line as one f-string, or a tuple of the arguments.
        body = (
            ('f"' + "\\t".join(items) + '\\n"')
            if copy_text
            else "(" + ", ".join(args.values()) + ",)"
        )
        params = consts if copy_text else {}
        source = (
            f"def factory({', '.join(params)}):\n"
            f"    def make({', '.join(args.values())}):\n"
            f"        return {body}\n"
            f"    return make\n"
        )
        namespace: dict[str, Any] = {"_N": "\\N"}
        exec(compile(source, f"<bench row {self.name}>", "exec"), namespace)  # noqa: S102 - our own code, built from the model's columns
        self.make: Callable[..., Any] = namespace["factory"](**params)
        self.copy_text = copy_text

    def payload(self, rows: list[Any]) -> Any:
        """COPY text for a chunk of rows (PostgreSQL); the rows themselves (SQLite)."""
        return "".join(rows).encode() if self.copy_text else rows

    def insert_select(self, schema: str) -> tuple[str, list[Any]]:
        """SQLite: copy the rows of `schema`'s table of the same name (the fields alone)."""
        cols = ", ".join(f'"{c}"' for c in self.columns)
        source = f'{schema}."{self.name}"'
        sql = f'INSERT INTO main."{self.name}" ({cols}) SELECT {self.select} FROM {source}'  # noqa: S608
        return sql, list(self.defaults)


CUSTOMER_FIELDS = ("id", "name", "phone", "created_at", "updated_at")
# fmt: off
TICKET_FIELDS = (
    "id", "number", "public_code", "kind", "channel", "status", "category_id", "urgency",
    "severity", "crisis", "anonymous", "customer_id", "subject", "description", "received_at",
    "created_at", "updated_at", "first_contact_owner_id", "routed_department_id",
    "centre_handles", "sla_plan", "department_id", "handler_id", "resolved_at", "reply",
    "satisfaction", "visited_at", "validity", "closed_at", "next_due_at", "deadline_state",
    "version",
)
EVENT_FIELDS = ("ticket_id", "actor_id", "at", "action", "from_status", "to_status", "payload")
ASSIGNMENT_FIELDS = ("ticket_id", "department_id", "handler_id", "started_at", "ended_at")
DEADLINE_FIELDS = (
    "ticket_id", "milestone", "rule", "department_id", "handler_id", "started_at", "due_at",
    "warn_at", "provisional", "state", "paused_at", "closed_at", "next_check_at",
)
# fmt: on


def tables_for(vendor: str) -> dict[str, Table]:
    copy_text = vendor == "postgresql"
    return {
        "customer": Table(Customer, CUSTOMER_FIELDS, copy_text=copy_text),
        "ticket": Table(Ticket, TICKET_FIELDS, copy_text=copy_text),
        "event": Table(TicketEvent, EVENT_FIELDS, copy_text=copy_text),
        "assignment": Table(Assignment, ASSIGNMENT_FIELDS, copy_text=copy_text),
        "deadline": Table(Deadline, DEADLINE_FIELDS, copy_text=copy_text),
    }


class Clock:
    """Epoch seconds as the text a datetime column stores: '2026-11-23 01:19:10' on SQLite
    (as Django writes it), with '+00:00' for COPY (which would otherwise read the session's
    time zone). A table of the day's 86,400 seconds and a cache of days: no strftime."""

    def __init__(self, suffix: str) -> None:
        self.seconds = [
            f" {h:02d}:{m:02d}:{s:02d}{suffix}"
            for h in range(24)
            for m in range(60)
            for s in range(60)
        ]
        self.days: dict[int, str] = {}

    def __call__(self, epoch: int) -> str:
        day, second = divmod(epoch, 86400)
        text = self.days.get(day)
        if text is None:
            text = self.days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
        return text + self.seconds[second]


# --------------------------------------------------------------------------- the world


@dataclass
class Plan:
    """One kind × category's plan, with everything a row needs of it computed once."""

    text: str  # the plan's JSON, as `sla_plan` stores it (COPY-escaped on PostgreSQL)
    limits: dict[str, Any]
    milestones: list[str]
    rules: dict[str, str]  # milestone -> its rule's JSON (COPY-escaped on PostgreSQL)
    routed: int | None
    centre: bool
    calendar: Any


@dataclass
class World:
    """What the generated rows refer to: the loaded pack and its people."""

    kinds: list[str]
    kind_weights: list[float]
    channels: list[str]
    channel_weights: list[float]
    urgencies: list[str]
    categories: dict[str, list[tuple[int, str, int | None]]]  # kind -> (id, code, dept)
    handling_departments: list[int]
    handlers_by_department: dict[int, list[int]]
    agents: list[int]
    supervisor: int | None
    plans: dict[tuple[str, str | None], Plan]
    dept_by_code: dict[str, int]


def world_load(*, copy_text: bool = False) -> World:
    esc = copy_escape if copy_text else str
    pack = pack_active()
    kinds = [k for k in KIND_WEIGHTS if k in pack.kinds] or list(pack.kinds)
    kind_weights = [KIND_WEIGHTS.get(k, 0.02) for k in kinds]
    channels = [c for c in CHANNEL_WEIGHTS if c in pack.channels] or list(pack.channels)
    channel_weights = [CHANNEL_WEIGHTS.get(c, 0.02) for c in channels]
    dept_by_code = dict(Department.objects.values_list("code", "id"))
    cats: list[tuple[int, str, int | None]] = list(
        Category.objects.filter(is_active=True).values_list("id", "code", "department_id")
    )
    categories: dict[str, list[tuple[int, str, int | None]]] = {}
    plans: dict[tuple[str, str | None], Plan] = {}
    for kind in kinds:
        # Every category for every kind: the pack's classification sorts out what applies.
        categories[kind] = cats
        for _cid, code, _dept in [*cats, (0, None, None)]:
            facts = TicketFacts(
                kind=kind,
                channel=channels[0],
                category=code,
                customer_type=None,
                people_count=1,
                economic_loss=None,
                subject="",
                description="",
                anonymous=False,
                on_site=False,
            )
            result = classify(pack, facts)
            plan = plan_for(pack, facts, result)
            limits: dict[str, Any] = plan["limits"]
            plans[(kind, code)] = Plan(
                text=esc(json.dumps(plan, ensure_ascii=False)),
                limits=limits,
                milestones=list(limits),
                rules={m: esc(json.dumps(rule, ensure_ascii=False)) for m, rule in limits.items()},
                routed=dept_by_code.get(result.department or ""),
                centre=result.no_dispatch,
                # Read now, in the main process: the workers never touch the database.
                calendar=calendar_for(plan["calendar"], version=()),
            )
    handlers: dict[int, list[int]] = {}
    agents: list[int] = []
    supervisor = None
    for user in User.objects.prefetch_related("roles"):
        if user.has_role("handler", "liaison") and user.department_id:
            handlers.setdefault(user.department_id, []).append(user.pk)
        if user.has_role("agent"):
            agents.append(user.pk)
        if user.has_role("supervisor"):
            supervisor = user.pk
    handling = sorted(handlers) or sorted(dept_by_code.values())
    return World(
        kinds=kinds,
        kind_weights=kind_weights,
        channels=channels,
        channel_weights=channel_weights,
        urgencies=[level.code for level in pack.urgency.levels],
        categories=categories,
        handling_departments=handling,
        handlers_by_department=handlers,
        agents=agents or [None],  # type: ignore[list-item]
        supervisor=supervisor,
        plans=plans,
        dept_by_code=dept_by_code,
    )


# --------------------------------------------------------------------------- text


def _words_copy_safe() -> None:
    """Generated text goes into COPY unescaped: the word lists must hold no tab, newline or
    backslash (they never have; this says so loudly if one is added)."""
    texts: list[str] = []
    for name, value in vars(words).items():
        if name.startswith("_"):
            continue
        if isinstance(value, str):
            texts.append(value)
        elif isinstance(value, list):
            texts += [v for v in value if isinstance(v, str)]
        elif isinstance(value, dict):
            for items in value.values():
                texts += [v for v in items if isinstance(v, str)]
    bad = [t for t in texts if copy_escape(t) != t]
    if bad:
        raise ValueError(f"bench word lists hold text COPY must escape: {bad[:3]}")


# Values of the placeholders in words.DETAILS other than place, district and street.
_DETAIL_VALUES: dict[str, Callable[[Callable[[], float]], int]] = {
    "amount": lambda r: (500, 1200, 3000, 8000, 26000, 150000)[int(r() * 6)],
    "month": lambda r: 1 + int(r() * 12),
    "day": lambda r: 1 + int(r() * 28),
    "weeks": lambda r: 1 + int(r() * 8),
    "number": lambda r: 1 + int(r() * 300),
}
_DETAILS = [
    (template, tuple(name for _, name, _, _ in string.Formatter().parse(template) if name))
    for template in words.DETAILS
]


def _person(r: Callable[[], float]) -> str:
    surnames, given = words.SURNAMES, words.GIVEN
    name = surnames[int(r() * len(surnames))] + given[int(r() * len(given))]
    return name + given[int(r() * len(given))] if r() < 0.6 else name


def _texts(r: Callable[[], float], kind: str) -> tuple[str, str]:
    topics = words.TOPICS.get(kind) or words.TOPICS["consultation"]
    topic = topics[int(r() * len(topics))]
    district = words.DISTRICTS[int(r() * len(words.DISTRICTS))]
    street = words.STREETS[int(r() * len(words.STREETS))]
    place = words.PLACES[int(r() * len(words.PLACES))]
    pick = int(r() * 4)
    if pick == 0:
        subject = f"关于{topic}的问题"
    elif pick == 1:
        subject = district + topic
    elif pick == 2:
        subject = place + topic
    else:
        subject = f"反映{street}{topic}"
    parts = [f"{words.OPENERS[int(r() * len(words.OPENERS))]}{district}{street}{place}{topic}"]
    if r() < 0.35:
        company = words.COMPANIES[int(r() * len(words.COMPANIES))]
        suffix = words.COMPANY_SUFFIXES[int(r() * len(words.COMPANY_SUFFIXES))]
        parts.append(f"涉及{company}{suffix}")
    # 2–4 different details, in random order (as random.sample would pick them).
    chosen: list[int] = []
    want = 2 + int(r() * 3)
    while len(chosen) < want:
        k = int(r() * len(_DETAILS))
        if k not in chosen:
            chosen.append(k)
    for k in chosen:
        template, names = _DETAILS[k]
        if names:
            values: dict[str, Any] = {"place": place, "district": district, "street": street}
            for name in names:
                if name not in values:
                    values[name] = _DETAIL_VALUES[name](r)
            parts.append(template.format(**values))
        else:
            parts.append(template)
    return subject, ",".join(parts) + "。"


# --------------------------------------------------------------------------- tickets


def _cumulative(weights: Iterable[float]) -> list[float]:
    out, total = [], 0.0
    for w in weights:
        total += w
        out.append(total)
    return out


def _open_share(age_days: float) -> float:
    if OPEN_SHARE_OVERRIDE is not None:
        return OPEN_SHARE_OVERRIDE
    for limit, share in OPEN_SHARE_BY_AGE:
        if age_days <= limit:
            return share
    return 0.0


@dataclass
class Job:
    """One chunk of rows to build: customers `first…first+count-1`, or tickets with their
    reception times and numbers (decided by the main process, which keeps the per-day
    counters)."""

    kind: str  # "customers" | "tickets"
    index: int
    first: int
    count: int
    received: list[int] = field(default_factory=list)
    numbers: list[str] = field(default_factory=list)


@dataclass
class Built:
    """A chunk's rows: COPY text per table (PostgreSQL), or a chunk file holding a table of
    each name with the fields alone (SQLite: `Table.insert_select` copies them)."""

    payloads: list[tuple[str, list[str], Any]]  # (table, columns, COPY text), in load order
    counts: dict[str, int]
    file: str | None = None


@dataclass
class Generator:
    """Everything a worker needs to build rows; inherited by the forked workers."""

    world: World
    tables: dict[str, Table]
    clock: Clock
    seed: int
    now: int  # epoch seconds
    n_customers: int
    customer_stamp: int
    scratch: str  # a directory for SQLite's chunk files
    note_payloads: list[str] = field(default_factory=list)
    visit_payloads: dict[str, str] = field(default_factory=dict)

    def build(self, job: Job) -> Built:
        if job.kind == "customers":
            return self.customers(job)
        return self.tickets(job)

    def _built(
        self, index: int, rows: list[tuple[Table, list[Any]]], counts: dict[str, int]
    ) -> Built:
        """PostgreSQL: the COPY text of each table. SQLite: the rows written to a chunk file
        here, in the worker, so that the main process only copies them in C (binding sixty
        parameters per ticket row in Python was most of a SQLite load)."""
        if next(iter(self.tables.values())).copy_text:
            return Built([(t.name, t.columns, t.payload(r)) for t, r in rows], counts)
        path = os.path.join(self.scratch, f"chunk-{index}-{rows[0][0].name}.sqlite3")
        db = sqlite3.connect(path, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=OFF")
            db.execute("PRAGMA synchronous=OFF")
            db.execute("BEGIN")
            for table, items in rows:
                columns = ", ".join(f'"{f}"' for f in table.fields)
                marks = ", ".join("?" * len(table.fields))
                db.execute(f'CREATE TABLE "{table.name}" ({columns})')
                db.executemany(f'INSERT INTO "{table.name}" VALUES ({marks})', items)  # noqa: S608 - model names
            db.execute("COMMIT")
        finally:
            db.close()
        return Built([(t.name, t.columns, None) for t, _r in rows], counts, file=path)

    def customers(self, job: Job) -> Built:
        r = random.Random(f"{self.seed}:customers:{job.index}").random  # noqa: S311 - reproducible test data
        table = self.tables["customer"]
        make, ts = table.make, self.clock
        stamp = ts(self.customer_stamp)
        rows = [
            make(
                cid,
                _person(r),
                f"1{3 + cid % 7}{(cid * 7_919_993) % 1_000_000_000:09d}",
                stamp,
                stamp,
            )
            for cid in range(job.first, job.first + job.count)
        ]
        return self._built(job.index, [(table, rows)], {"customers": len(rows)})

    def tickets(self, job: Job) -> Built:
        r = random.Random(f"{self.seed}:tickets:{job.index}").random  # noqa: S311 - reproducible test data
        w = self.world
        ts = self.clock
        now = self.now
        make_ticket = self.tables["ticket"].make
        make_event = self.tables["event"].make
        make_assignment = self.tables["assignment"].make
        make_deadline = self.tables["deadline"].make
        kinds, kind_cum = w.kinds, _cumulative(w.kind_weights)
        channels, channel_cum = w.channels, _cumulative(w.channel_weights)
        open_states = list(OPEN_STATE_WEIGHTS)
        open_cum = _cumulative(list(OPEN_STATE_WEIGHTS.values()))
        severities, severity_cum = list(SEVERITY_WEIGHTS), _cumulative(SEVERITY_WEIGHTS.values())
        satisfactions = list(SATISFACTION_WEIGHTS)
        satisfaction_cum = _cumulative(SATISFACTION_WEIGHTS.values())
        urgency_normal, urgency_urgent = w.urgencies[0], w.urgencies[-1]
        handling, agents = w.handling_departments, w.agents
        notes, visits = self.note_payloads, self.visit_payloads
        replies = words.REPLIES
        n_customers = self.n_customers
        empty = "{}"
        tickets: list[Any] = []
        events: list[Any] = []
        assignments: list[Any] = []
        deadlines: list[Any] = []
        counts = dict.fromkeys(
            ("tickets", "events", "assignments", "deadlines", "running_deadlines",
             "open_tickets", "overdue_tickets", "deadline_computations"),
            0,
        )  # fmt: skip

        for k in range(job.count):
            tid = job.first + k
            received = job.received[k]
            age_days = (now - received) / 86400
            kind = kinds[bisect.bisect(kind_cum, r() * kind_cum[-1])]
            channel = channels[bisect.bisect(channel_cum, r() * channel_cum[-1])]
            cats = w.categories.get(kind) or []
            cat = cats[int(r() * len(cats))] if cats and r() < 0.9 else None
            plan = w.plans[(kind, cat[1] if cat else None)]
            routed = plan.routed or (cat[2] if cat else None)
            department = routed or handling[int(r() * len(handling))]
            handlers: list[int | None] = w.handlers_by_department.get(department) or [None]  # type: ignore[assignment]
            handler = handlers[int(r() * len(handlers))]
            agent = agents[int(r() * len(agents))]
            subject, description = _texts(r, kind)

            is_open = r() < _open_share(age_days)
            roll = r()
            if is_open:
                status = open_states[bisect.bisect(open_cum, r() * open_cum[-1])]
            elif roll < 0.02:
                status = "declined"
            elif roll < 0.03:
                status = "merged"
            else:
                status = "closed"
            closed = status == "closed"
            anonymous = kind == "report" and r() < 0.5
            customer = (
                None
                if anonymous or r() < 0.08
                else 1 + int(n_customers * r() ** 2)  # skewed: some call again and again
            )
            urgent = r() < 0.08
            severity = (
                severities[bisect.bisect(severity_cum, r() * severity_cum[-1])]
                if kind == "complaint"
                else ""
            )
            crisis = int(kind == "complaint" and r() < 0.01)

            # Events along the ticket's path, timed forward from reception:
            # (actor, at, action, from, to, payload).
            t = received
            evs: list[tuple[int | None, int, str, str, str, str]] = [
                (agent, t, "register", "", "registered", empty)
            ]
            current = "registered"
            reached_department = False
            # Declined and merged tickets leave right after registration.
            if closed or is_open:
                for action in PATH[: STEPS_DONE.get(status, len(PATH))]:
                    t += 60 * (5 + int(r() * 596))
                    to = STATUS_AFTER[action]
                    actor = handler if action in ("assign", "progress") else agent
                    evs.append((actor, t, action, current, to, empty))
                    current = to
                    reached_department = reached_department or action == "dispatch"
            if status == "pending_approval":
                t += 3600 * (1 + int(r() * 48))
                evs.append((handler, t, "submit_plan", current, status, empty))
            elif status == "suspended":
                t += 3600 * (1 + int(r() * 48))
                evs.append((handler, t, "suspend", current, status, empty))
            elif status == "declined":
                t += 60 * (5 + int(r() * 116))
                evs.append((agent, t, "decline", current, status, empty))
            elif status == "merged":
                t += 60 * (5 + int(r() * 116))
                evs.append((agent, t, "merge", current, status, empty))
            want = 5 + int(r() * 11) if closed else 1 + int(r() * 6) + len(evs)
            resolved_at = visited_at = closed_at = None
            reply = satisfaction = validity = ""
            if closed:
                while len(evs) < want - 3:
                    t += 3600 * (1 + int(r() * 30))
                    note = NOTE_KINDS[int(r() * 3)]
                    evs.append((handler, t, note, "", "", notes[int(r() * len(notes))]))
                t += 3600 * (1 + int(r() * 72))
                evs.append((handler, t, "resolve", current, "resolved", empty))
                resolved_at = ts(t)
                reply = replies[int(r() * len(replies))]
                t += 3600 * (2 + int(r() * 71))
                satisfaction = satisfactions[
                    bisect.bisect(satisfaction_cum, r() * satisfaction_cum[-1])
                ]
                evs.append((agent, t, "visit", "resolved", "resolved", visits[satisfaction]))
                visited_at = ts(t)
                if kind == "complaint":
                    validity = "valid" if r() < 0.4 else "invalid"
                t += 3600 * (1 + int(r() * 48))
                evs.append((agent, t, "close", "resolved", "closed", empty))
                closed_at = ts(t)
            while is_open and len(evs) < want:
                t += 3600 * (1 + int(r() * 12))
                actor = agent if r() < 0.5 else handler
                evs.append((actor, t, "note", "", "", notes[int(r() * len(notes))]))
            last_event = min(t, now - 60)
            if is_open and t > now:
                # An open ticket's last action happened no later than now.
                m = len(evs)
                for j, ev in enumerate(evs):
                    if ev[1] > now:
                        evs[j] = (ev[0], now - 60 * (m - j), *ev[2:])
            for actor, at, action, frm, to, payload in evs:
                events.append(make_event(tid, actor, ts(at), action, frm, to, payload))

            ticket_department = ticket_handler = None
            if reached_department or closed:
                ticket_department = department
                if status != "dispatched":
                    ticket_handler = handler
                assignments.append(
                    make_assignment(tid, department, ticket_handler, ts(received + 1800), closed_at)
                )

            next_due_at, deadline_state = None, ""
            limits = plan.limits
            if limits and closed:
                for milestone in plan.milestones[:2]:
                    met_late = r() < 0.07
                    due = received + 86400
                    finished = (
                        due + 3600 * (1 + int(r() * 48))
                        if met_late
                        else received + int(86400 * r())
                    )
                    deadlines.append(
                        make_deadline(
                            tid, milestone, plan.rules[milestone], department, handler,
                            ts(received), ts(due), None, 0, "met_late" if met_late else "met",
                            None, ts(finished), None,
                        )
                    )  # fmt: skip
            elif limits and is_open:
                counts["open_tickets"] += 1
                waiting = [m for m in WAITING_ON[status] if m in limits] or plan.milestones[:1]
                milestone = waiting[0]
                rule = limits[milestone]
                # Most open tickets moved recently; the rest have waited since reception.
                start = now - 60 * (1 + int(r() * 2880)) if r() < 0.7 else last_event
                start = max(start, received)
                computed = deadline_compute(
                    datetime.fromtimestamp(start, UTC),
                    time_limit_of(rule),
                    plan.calendar,
                    explain=False,
                )
                counts["deadline_computations"] += 1
                due = int(computed.due_at.timestamp())
                warn = start + int((due - start) * rule.get("warn_share", 0.8))
                paused = status == "suspended"
                next_check: int | None
                if due <= now:
                    state, next_check = "overdue", None
                    counts["overdue_tickets"] += 1
                elif warn <= now:
                    state, next_check = "warning", due
                else:
                    state, next_check = "on_track", warn
                deadlines.append(
                    make_deadline(
                        tid, milestone, plan.rules[milestone], ticket_department, ticket_handler,
                        ts(start), ts(due), ts(warn), int(computed.provisional), state,
                        ts(last_event) if paused else None, None,
                        None if paused or next_check is None else ts(next_check),
                    )
                )  # fmt: skip
                counts["running_deadlines"] += 1
                if not paused:
                    next_due_at, deadline_state = ts(due), state
            elif is_open:
                counts["open_tickets"] += 1

            tickets.append(
                make_ticket(
                    tid, job.numbers[k], f"{tid:08X}"[-8:], kind, channel, status,
                    cat[0] if cat else None, urgency_urgent if urgent else urgency_normal,
                    severity, crisis, int(anonymous), customer, subject, description,
                    ts(received), ts(received), ts(min(t, now)), agent, routed,
                    int(plan.centre), plan.text, ticket_department, ticket_handler,
                    resolved_at, reply, satisfaction, visited_at, validity, closed_at,
                    next_due_at, deadline_state, len(evs),
                )
            )  # fmt: skip

        counts["tickets"] = len(tickets)
        counts["events"] = len(events)
        counts["assignments"] = len(assignments)
        counts["deadlines"] = len(deadlines)
        rows = [
            (self.tables["ticket"], tickets),
            (self.tables["event"], events),
            (self.tables["assignment"], assignments),
            (self.tables["deadline"], deadlines),
        ]
        return self._built(job.index, rows, counts)


# The generator of the running load, for the forked workers (set before they start).
_GENERATOR: Generator | None = None


def _build(job: Job) -> Built:
    assert _GENERATOR is not None
    return _GENERATOR.build(job)


def _jobs(
    n: int, n_customers: int, seed: int, first: int, now: int, numbers: dict[str, int]
) -> Iterator[Job]:
    """The chunks in load order. Reception times spread the tickets evenly over the years
    (a random moment within each ticket's slot); numbers count per local day."""
    for index, start in enumerate(range(1, n_customers + 1, CUSTOMER_BATCH)):
        yield Job("customers", index, start, min(CUSTOMER_BATCH, n_customers - start + 1))
    rng = random.Random(f"{seed}:received")  # noqa: S311 - reproducible test data
    step = (now - first) / n
    local = ZoneInfo("Asia/Shanghai")
    day_of_hour: dict[int, str] = {}
    for index, start in enumerate(range(1, n + 1, BATCH)):
        job = Job("tickets", index, start, min(BATCH, n - start + 1))
        for tid in range(start, start + job.count):
            received = first + int((tid - 1) * step + rng.random() * step * 0.9)
            hour = received // 3600
            day = day_of_hour.get(hour)
            if day is None:
                moment = datetime.fromtimestamp(hour * 3600, UTC).astimezone(local)
                day = day_of_hour[hour] = moment.strftime("%Y%m%d")
            seq = numbers[day] = numbers.get(day, 0) + 1
            job.received.append(received)
            job.numbers.append(f"{day}-{seq:06d}")
        yield job


def _workers_for(n: int) -> int:
    if GEN_WORKERS is not None:
        return GEN_WORKERS
    if n < 2 * BATCH or "fork" not in get_all_start_methods():
        return 0
    return min(2, os.cpu_count() or 1)


def generate(
    n: int,
    *,
    seed: int = 6,
    now: datetime | None = None,
    customers_per_ticket: float = 0.45,
    progress: Callable[[str], None] = lambda _m: None,
    workers: int | None = None,
) -> GenerationResult:
    """Write `n` tickets received over the last three years (and all that hangs on them)."""
    global _GENERATOR
    if Ticket.objects.exists():
        raise RuntimeError("the bench database already holds tickets: generate into a fresh one")
    started = time.perf_counter()
    moment = (now or datetime.now(UTC)).replace(microsecond=0)
    now_s = int(moment.timestamp())
    first = now_s - 365 * YEARS * 86400
    copy_text = connection.vendor == "postgresql"
    _words_copy_safe()
    esc = copy_escape if copy_text else str
    n_customers = max(10, int(n * customers_per_ticket))
    # SQLite's chunk files and PostgreSQL's events wait here; gone afterwards, whatever happens.
    scratch = tempfile.TemporaryDirectory(prefix="closeloop-bench-")
    gen = Generator(
        world=world_load(copy_text=copy_text),
        tables=tables_for(connection.vendor),
        clock=Clock("+00:00" if copy_text else ""),
        seed=seed,
        now=now_s,
        n_customers=n_customers,
        customer_stamp=first,
        scratch=scratch.name,
        note_payloads=[esc(json.dumps({"text": t}, ensure_ascii=False)) for t in words.NOTES],
        visit_payloads={s: esc(json.dumps({"satisfaction": s})) for s in SATISFACTION_WEIGHTS},
    )
    result = GenerationResult(workers=_workers_for(n) if workers is None else workers)
    loader = Loader(
        list(gen.tables.values()), later=TicketEvent._meta.db_table, scratch=scratch.name
    )
    loader.prepare()
    progress(
        f"dropped for the load: {len(loader.indexes)} indexes, {len(loader.triggers)} triggers"
        + (f" (kept: {', '.join(loader.kept)})" if loader.kept else "")
    )
    result.phases["prepare_s"] = round(time.perf_counter() - started, 2)

    numbers: dict[str, int] = {}
    jobs = _jobs(n, n_customers, seed, first, now_s, numbers)
    executor: ProcessPoolExecutor | None = None
    _GENERATOR = gen
    if result.workers:
        # The workers are forked with the generator in memory and never touch the
        # database: the main process's connection must not be shared with them.
        connections.close_all()
        executor = ProcessPoolExecutor(result.workers, mp_context=get_context("fork"))
    pending: deque[Future[Built]] = deque()

    def submit() -> bool:
        job = next(jobs, None)
        if job is None:
            return False
        if executor is not None:
            pending.append(executor.submit(_build, job))
        else:
            done: Future[Built] = Future()
            done.set_result(gen.build(job))
            pending.append(done)
        return True

    def built() -> Iterator[Built]:
        """The chunks in order, as the workers finish them, a few ahead at most."""
        while pending:
            chunk = pending.popleft().result()
            submit()
            for name, value in chunk.counts.items():
                setattr(result, name, getattr(result, name) + value)
            if "tickets" in chunk.counts:
                progress(
                    f"generated {result.tickets:,}/{n:,} tickets, {result.events:,} events "
                    f"({time.perf_counter() - started:.0f} s)"
                )
            yield chunk

    try:
        in_flight = result.workers + 2 if executor else 1
        while len(pending) < in_flight and submit():  # the workers start here (fork)
            pass
        result.phases.update(loader.load(built(), progress))
    finally:
        _GENERATOR = None
        if executor is not None:
            executor.shutdown(cancel_futures=True)
        scratch.cleanup()
    with transaction.atomic():
        TicketNumberCounter.objects.bulk_create(
            [TicketNumberCounter(day=d, last=last) for d, last in numbers.items()],
            batch_size=5000,
        )
    _sequences_reset()
    result.phases.update(loader.finish(progress))
    result.seconds = round(time.perf_counter() - started, 2)
    # The load's settings must not leak into the measurements: they get a fresh connection.
    connection.close()
    result.first_received = gen.clock(first)
    result.last_received = gen.clock(now_s)
    return result


# --------------------------------------------------------------------------- the database side


class Loader:
    """The database side of a bulk load into `tables` (empty, freshly migrated).

    `prepare` drops the tables' secondary indexes (and SQLite triggers), `load` writes the
    rows, `finish` builds the indexes again from the definitions the database gave before,
    refills the ledger's search table on SQLite, gathers statistics and checks that every
    index, trigger and foreign key is back. Until `finish` returns the database is not a
    usable closeloop database: a failed generation starts again from scratch (`--phases
    gen` recreates the bench database).

    PostgreSQL loads in two transactions: every table but `later` first, then `later` (the
    ten million events, kept in a temporary file meanwhile), so that the first tables'
    indexes — the longest builds, the ledger's GIN indexes on tickets — are built while the
    events still load."""

    def __init__(self, tables: list[Table], *, later: str, scratch: str) -> None:
        self.by_name = {t.name: t for t in tables}
        self.tables = list(self.by_name)
        self.scratch = scratch
        self.vendor = connection.vendor
        self.later = later if self.vendor == "postgresql" else None
        self.indexes: list[tuple[str, str, str]] = []  # (table, name, CREATE statement)
        self.triggers: list[tuple[str, str, str]] = []
        self.foreign_keys: list[tuple[str, str, str]] = []  # dropped (no replication role)
        self.kept: list[str] = []  # indexes maintained during the load
        self.builder: _Builder | None = None
        self.loaded_at = 0.0

    # -- before

    def prepare(self) -> None:
        """PostgreSQL: drop the secondary indexes. SQLite: drop the triggers (the ledger's
        FTS5 ones re-index a ticket for each note). SQLite's indexes stay: in key order and
        with a big page cache, maintaining them costs less than building them afterwards
        (measured at 200,000 tickets: tickets 7 s with their indexes against 4 s + 22 s,
        events 8 s against 3 s + 12 s; CREATE INDEX reads the whole wide ticket table once
        per index)."""
        with transaction.atomic(), connection.cursor() as cursor:
            if self.vendor == "postgresql":
                self.indexes = self._pg_indexes(cursor)
            elif self.vendor == "sqlite":
                marks = ", ".join(["%s"] * len(self.tables))
                query = f"SELECT tbl_name, name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN ({marks}) ORDER BY name"  # noqa: E501, S608
                cursor.execute(query, self.tables)
                self.triggers = [tuple(row) for row in cursor.fetchall()]  # type: ignore[misc]
            for _table, name, _sql in self.triggers:
                cursor.execute(f'DROP TRIGGER "{name}"')
            for _table, name, _sql in self.indexes:
                cursor.execute(f'DROP INDEX "{name}"')

    def _pg_indexes(self, cursor: Any) -> list[tuple[str, str, str]]:
        """Every index of the tables that can be created again exactly, except those a
        constraint owns (primary keys, unique constraints: their keys arrive in order, and
        dropping them would drop the constraint)."""
        cursor.execute(
            """
            SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid)
            FROM pg_index x
            JOIN pg_class i ON i.oid = x.indexrelid
            JOIN pg_class t ON t.oid = x.indrelid
            JOIN pg_namespace s ON s.oid = t.relnamespace
            WHERE s.nspname = current_schema() AND t.relname = ANY(%s)
              AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
            ORDER BY t.relname, i.relname
            """,
            [self.tables],
        )
        found = []
        for table, name, definition in cursor.fetchall():
            statement = _pg_exact_statement(cursor, definition)
            if statement is None:
                self.kept.append(name)
            else:
                found.append((table, name, statement + _pg_index_statistics(cursor, name)))
        return found

    # -- the rows

    def load(self, chunks: Iterator[Built], progress: Callable[[str], None]) -> dict[str, float]:
        """Write every chunk's rows. Returns the phases' durations."""
        connection.ensure_connection()
        if self.vendor == "postgresql":
            return self._pg_load(chunks, progress)
        return self._sqlite_load(chunks)

    def _sqlite_load(self, chunks: Iterator[Built]) -> dict[str, float]:
        """Each chunk file attached and copied table by table (`INSERT … SELECT`, in C), one
        transaction per chunk (ATTACH needs none open)."""
        mark = time.perf_counter()
        raw = connection.connection
        # A bulk load, not a live site: no fsync and no rollback journal for it, and a page
        # cache big enough for the indexes (WAL again afterwards).
        raw.execute("PRAGMA synchronous=OFF")
        raw.execute("PRAGMA cache_size=-524288")
        raw.execute("PRAGMA journal_mode=OFF")
        try:
            for chunk in chunks:
                assert chunk.file is not None
                raw.execute("ATTACH DATABASE ? AS chunk", [chunk.file])
                try:
                    raw.execute("BEGIN")
                    for table, _columns, _payload in chunk.payloads:
                        raw.execute(*self.by_name[table].insert_select("chunk"))
                    raw.execute("COMMIT")
                finally:
                    raw.execute("DETACH DATABASE chunk")
                os.unlink(chunk.file)
        finally:
            raw.execute("PRAGMA journal_mode=WAL")
        return {"rows_s": round(time.perf_counter() - mark, 2)}

    def _pg_load(
        self, chunks: Iterator[Built], progress: Callable[[str], None]
    ) -> dict[str, float]:
        phases: dict[str, float] = {}
        mark = time.perf_counter()
        raw = connection.connection
        later_columns: Sequence[str] = ()
        with open(os.path.join(self.scratch, "later.copy"), "w+b") as spool:
            with transaction.atomic():
                with raw.cursor() as cur:
                    self._pg_foreign_keys(cur)
                    freeze = _pg_truncate(cur, self.tables)
                for chunk in chunks:
                    for table, columns, payload in chunk.payloads:
                        if table == self.later:
                            spool.write(payload)
                            later_columns = columns
                        else:
                            _pg_copy(raw, table, columns, [payload], freeze)
            phases["rows_s"] = round(time.perf_counter() - mark, 2)
            self.loaded_at = time.perf_counter()
            # One build at a time while the events load (that COPY is the other core's).
            self.builder = _Builder(slots=1)
            for table in self.tables:
                if table != self.later:
                    self.builder.add(table, self._statements(table))
            if self.later is not None:
                mark = time.perf_counter()
                progress("loading the events; building the other tables' indexes")
                spool.seek(0)
                with transaction.atomic(), raw.cursor() as cur:
                    freeze = _pg_truncate(cur, [self.later])
                    blocks = iter(lambda: spool.read(1 << 23), b"")
                    _pg_copy(raw, self.later, later_columns, blocks, freeze)
                phases["events_s"] = round(time.perf_counter() - mark, 2)
                self.builder.add(self.later, self._statements(self.later))
        self.builder.widen(min(2, os.cpu_count() or 1))
        return phases

    def _statements(self, table: str) -> list[str]:
        """The table's index builds, the longest first (GIN on text before b-trees)."""
        mine = [sql for t, _name, sql in self.indexes if t == table]
        return sorted(mine, key=lambda sql: (" USING gin " in sql, len(sql)), reverse=True)

    def _pg_foreign_keys(self, cur: Any) -> None:
        """The rows are consistent by construction: skip the per-row deferred foreign-key
        triggers (needs a superuser; otherwise the foreign keys go and come back)."""
        try:
            cur.execute("SAVEPOINT replica")
            cur.execute("SET session_replication_role = replica")
            cur.execute("RELEASE SAVEPOINT replica")
        except Exception:  # any refusal means: no replication role here
            cur.execute("ROLLBACK TO SAVEPOINT replica")
            cur.execute("RELEASE SAVEPOINT replica")
            cur.execute(
                """
                SELECT t.relname, c.conname, pg_get_constraintdef(c.oid)
                FROM pg_constraint c JOIN pg_class t ON t.oid = c.conrelid
                JOIN pg_namespace s ON s.oid = t.relnamespace
                WHERE c.contype = 'f' AND s.nspname = current_schema() AND t.relname = ANY(%s)
                """,
                [self.tables],
            )
            self.foreign_keys = [tuple(row) for row in cur.fetchall()]
            for table, name, _definition in self.foreign_keys:
                cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')

    # -- after

    def finish(self, progress: Callable[[str], None]) -> dict[str, float]:
        """Indexes, foreign keys, the ledger's search table and statistics; then the check."""
        phases: dict[str, float] = {}
        if self.builder is not None:
            progress(f"building {len(self.indexes)} indexes")
            self.builder.close()
            # From the end of the first transaction: the builds overlap the events' load.
            phases["indexes_s"] = round(time.perf_counter() - self.loaded_at, 2)
            slowest = sorted(self.builder.timings, reverse=True)[:2]
            progress("slowest: " + "; ".join(f"{sql[:60]}… {t:.0f} s" for t, sql in slowest))
        if self.foreign_keys:
            mark = time.perf_counter()
            with transaction.atomic(), connection.cursor() as cursor:
                for table, name, definition in self.foreign_keys:
                    cursor.execute(f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}')
            phases["foreign_keys_s"] = round(time.perf_counter() - mark, 2)
        if self.vendor == "sqlite":
            mark = time.perf_counter()
            progress("filling the ledger's search table")
            self._sqlite_triggers_restore()
            phases["search_index_s"] = round(time.perf_counter() - mark, 2)
        mark = time.perf_counter()
        with connection.cursor() as cursor:
            if self.builder is None:
                cursor.execute("ANALYZE")
            else:
                # The loaded tables were analysed as their indexes were done; the rest here.
                others = set(connection.introspection.table_names(cursor)) - set(self.tables)
                if others:
                    cursor.execute("ANALYZE " + ", ".join(f'"{t}"' for t in sorted(others)))
        phases["analyze_s"] = round(time.perf_counter() - mark, 2)
        self.check()
        return phases

    def _sqlite_triggers_restore(self) -> None:
        """The ledger's FTS5 table and its triggers come back through the ledger's own
        rebuild (which indexes every ticket and its notes in one pass); any other trigger
        from its saved definition."""
        with transaction.atomic(), connection.cursor() as cursor:
            if "ledger_fts" in connection.introspection.table_names(cursor):
                from closeloop.tickets.search import fts_rebuild

                fts_rebuild(cursor)
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {row[0] for row in cursor.fetchall()}
            for _table, name, sql in self.triggers:
                if name not in present:
                    cursor.execute(sql)

    def check(self) -> None:
        """Every index, trigger and foreign key dropped for the load is back."""
        with connection.cursor() as cursor:
            if self.vendor == "postgresql":
                cursor.execute(
                    "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema()"
                )
                indexes = {row[0] for row in cursor.fetchall()}
                cursor.execute("SELECT conname FROM pg_constraint WHERE contype = 'f'")
                constraints = {row[0] for row in cursor.fetchall()}
                triggers: set[str] = set()
            else:
                cursor.execute("SELECT type, name FROM sqlite_master")
                rows = cursor.fetchall()
                indexes = {name for kind, name in rows if kind == "index"}
                triggers = {name for kind, name in rows if kind == "trigger"}
                constraints = set()
        missing = (
            [name for _t, name, _s in self.indexes if name not in indexes]
            + [name for _t, name, _s in self.triggers if name not in triggers]
            + [name for _t, name, _s in self.foreign_keys if name not in constraints]
        )
        if missing:
            raise RuntimeError(f"the bulk load lost {', '.join(missing)}")


class _Builder:
    """CREATE INDEX and ANALYZE on connections of their own, in threads: the server does the
    work, one backend per statement, so `slots` statements use that many cores. A table is
    analysed once its indexes are built (an expression index gets its statistics then)."""

    def __init__(self, slots: int) -> None:
        self.slots = slots
        self.queue: deque[tuple[str, str]] = deque()  # (table, statement)
        self.unbuilt: dict[str, int] = {}
        self.active = 0
        self.closed = False
        self.errors: list[BaseException] = []
        self.timings: list[tuple[float, str]] = []  # (seconds, statement)
        self.cond = threading.Condition()
        self.threads = [
            threading.Thread(target=self._work, daemon=True)
            for _ in range(min(2, os.cpu_count() or 1))
        ]
        for thread in self.threads:
            thread.start()

    def add(self, table: str, statements: list[str]) -> None:
        with self.cond:
            self.unbuilt[table] = len(statements)
            self.queue.extend((table, sql) for sql in statements)
            if not statements:
                self.queue.append((table, f'ANALYZE "{table}"'))
            self.cond.notify_all()

    def widen(self, slots: int) -> None:
        with self.cond:
            self.slots = slots
            self.cond.notify_all()

    def close(self) -> None:
        """Wait until every statement ran; raise the first error."""
        with self.cond:
            self.closed = True
            self.cond.notify_all()
        for thread in self.threads:
            thread.join()
        if self.errors:
            raise self.errors[0]

    def _next(self) -> tuple[str, str] | None:
        with self.cond:
            while True:
                if self.errors:
                    return None
                if self.queue and self.active < self.slots:
                    self.active += 1
                    return self.queue.popleft()
                if self.closed and not self.queue and not self.active:
                    return None
                self.cond.wait()

    def _done(self, table: str, statement: str) -> None:
        with self.cond:
            self.active -= 1
            if not statement.startswith("ANALYZE"):
                self.unbuilt[table] -= 1
                if not self.unbuilt[table]:
                    self.queue.append((table, f'ANALYZE "{table}"'))
            self.cond.notify_all()

    def _work(self) -> None:
        conn = connections.create_connection(DEFAULT_DB_ALIAS)
        try:
            with conn.cursor() as cursor:
                cursor.execute("SET maintenance_work_mem = '256MB'")
                # One core per slot: the longest build (one backend, no parallel GIN build
                # before PostgreSQL 18) must not share its core with parallel b-tree workers.
                cursor.execute("SET max_parallel_maintenance_workers = 0")
                while (item := self._next()) is not None:
                    table, statement = item
                    began = time.perf_counter()
                    try:
                        cursor.execute(statement)
                    finally:
                        self._done(table, statement)
                        self.timings.append((time.perf_counter() - began, statement))
        except BaseException as exc:  # re-raised by close()
            with self.cond:
                self.errors.append(exc)
                self.cond.notify_all()
        finally:
            conn.close()


def _pg_copy(
    raw: Any, table: str, columns: Sequence[str], blocks: Iterable[bytes], freeze: bool
) -> None:
    cols = ", ".join(columns)
    option = " WITH (FREEZE)" if freeze else ""
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN{option}") as copy:
        for block in blocks:
            copy.write(block)


def _pg_truncate(cur: Any, tables: list[str]) -> bool:
    """Truncate `tables` in the current transaction, so that COPY … FREEZE may load them:
    the rows are then written frozen and all-visible, as in a database that has been
    vacuumed. TRUNCATE needs every table that refers to them (and to those) in the same
    statement. All are empty in a fresh bench database; if one is not, nothing is truncated
    and the load goes without FREEZE (False)."""
    names = set(tables)
    while True:
        cur.execute(
            """
            SELECT DISTINCT r.relname FROM pg_constraint c
            JOIN pg_class t ON t.oid = c.confrelid JOIN pg_class r ON r.oid = c.conrelid
            JOIN pg_namespace s ON s.oid = t.relnamespace
            WHERE c.contype = 'f' AND s.nspname = current_schema() AND t.relname = ANY(%s)
            """,
            [sorted(names)],
        )
        more = {row[0] for row in cur.fetchall()} - names
        if not more:
            break
        names |= more
    for name in sorted(names):
        cur.execute(f'SELECT EXISTS (SELECT 1 FROM "{name}")')  # noqa: S608 - catalogue names
        if cur.fetchone()[0]:
            return False
    cur.execute("TRUNCATE " + ", ".join(f'"{name}"' for name in sorted(names)))
    return True


_INDEX_NAME = re.compile(r'^(CREATE (?:UNIQUE )?INDEX )("(?:[^"]|"")+"|\S+)( ON )')
# `col IN ('a', 'b')` on a varchar column, as pg_get_indexdef writes it.
_IN_LIST = re.compile(
    r"\(\((\w+)\)::text = ANY \(\(ARRAY\[((?:'(?:[^']|'')*'::character varying(?:, )?)+)\]\)"
    r"::text\[\]\)\)"
)


def _pg_exact_statement(cursor: Any, definition: str) -> str | None:
    """A CREATE INDEX statement that gives back exactly `definition`, or None.

    The definition PostgreSQL prints is not always one: `action IN ('note', 'progress')` in
    a partial index prints as an array cast, whose re-parse reads differently (the same
    predicate, another text). Then the IN list written back is tried. Each candidate is
    created on the still-empty table and compared, so an index is dropped for the load only
    if the catalogue ends exactly as the migrations left it; the others stay."""

    def in_list(m: re.Match[str]) -> str:
        values = re.findall(r"'(?:[^']|'')*'", m[2])
        return f"({m[1]} IN ({', '.join(values)}))"

    probe = "closeloop_bench_probe"
    expected = _INDEX_NAME.sub(lambda m: m[1] + probe + m[3], definition, count=1)
    for candidate in dict.fromkeys([definition, _IN_LIST.sub(in_list, definition)]):
        sql, found = _INDEX_NAME.subn(lambda m: m[1] + probe + m[3], candidate, count=1)
        if not found:
            continue
        cursor.execute(sql)
        cursor.execute("SELECT pg_get_indexdef(%s::regclass)", [probe])
        again = cursor.fetchone()[0]
        cursor.execute(f"DROP INDEX {probe}")
        if again == expected:
            return candidate
    return None


def _pg_index_statistics(cursor: Any, name: str) -> str:
    """`ALTER INDEX … SET STATISTICS` for the index's columns a migration gave a statistics
    target (reports.0004: the ledger's bigram expression), to follow its CREATE INDEX: a
    dropped index loses them, and the planner then misjudges two-character searches."""
    cursor.execute(
        "SELECT attnum, attstattarget FROM pg_attribute "
        "WHERE attrelid = %s::regclass AND attstattarget >= 0 ORDER BY attnum",
        [f'"{name}"'],
    )
    return "".join(
        f'; ALTER INDEX "{name}" ALTER COLUMN {number} SET STATISTICS {target}'
        for number, target in cursor.fetchall()
    )


def _sequences_reset() -> None:
    """Explicit ids were written: move PostgreSQL's sequences past them (SQLite needs none)."""
    if connection.vendor != "postgresql":
        return
    sql = connection.ops.sequence_reset_sql(no_style(), list(TABLES))
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
