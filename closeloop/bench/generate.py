"""Fill the bench database with a realistic ledger, fast.

Bulk inserts, never service calls: rows are built as plain tuples and streamed in batches
(`executemany` in one big transaction per batch on SQLite, `COPY` on PostgreSQL), so memory
stays bounded whatever `--tickets` is. The rows follow what the services would have written
(statuses, events, assignments, deadlines, the pack's plan per ticket), and the parts that
are rules rather than data come from the real code: the pack's classification and plan,
and the deadline arithmetic for every running deadline.
"""

from __future__ import annotations

import json
import os
import random
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.core.management.color import no_style
from django.db import connection, models, transaction

from closeloop.directory.models import Department, User
from closeloop.policy.classify import TicketFacts, classify
from closeloop.policy.models import Category
from closeloop.policy.services import pack_active
from closeloop.sla.models import Deadline
from closeloop.sla.services import calendar_for, plan_for, time_limit_of
from closeloop.sla.timelimits import deadline_compute
from closeloop.tickets.models import (
    Assignment,
    Customer,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
)

from . import words

BATCH = 20_000  # tickets per batch: ~15 MB of row tuples with their events
YEARS = 3

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
    phases: dict[str, float] = field(default_factory=dict)


# --------------------------------------------------------------------------- writing


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
        values.append(value)
    return columns, values


class Writer:
    """Streams rows into tables: executemany on SQLite, COPY on PostgreSQL."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        connection.ensure_connection()
        self.raw = connection.connection
        if self.vendor == "postgresql":
            # The rows are consistent by construction: skip the per-row deferred foreign-key
            # triggers for this load (they tripled its time). Needs a superuser; without one
            # the load is only slower.
            try:
                with self.raw.cursor() as cur:
                    cur.execute("SET session_replication_role = replica")
            except Exception:
                self.raw.rollback()
        if self.vendor == "sqlite":
            # A bulk load, not a live site: no fsync per batch, and a page cache big enough
            # for the secondary indexes (the default 2 MB makes their random inserts crawl).
            self.raw.execute("PRAGMA synchronous=OFF")
            self.raw.execute("PRAGMA cache_size=-524288")

    def write(self, table: str, columns: Sequence[str], rows: list[tuple[Any, ...]]) -> None:
        if not rows:
            return
        cols = ", ".join(columns)
        if self.vendor == "postgresql":
            with self.raw.cursor() as cur, cur.copy(f"COPY {table} ({cols}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        else:
            marks = ", ".join("?" * len(columns))
            self.raw.executemany(f"INSERT INTO {table} ({cols}) VALUES ({marks})", rows)  # noqa: S608


def _ts(moment: datetime) -> str:
    """UTC wall time as text: Django's storage format on SQLite, parsed as-is by COPY."""
    return moment.strftime("%Y-%m-%d %H:%M:%S+00:00")


# --------------------------------------------------------------------------- the world


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
    plans: dict[tuple[str, str | None], tuple[str, dict[str, Any], int | None, bool]]
    dept_by_code: dict[str, int]


def world_load() -> World:
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
    plans: dict[tuple[str, str | None], tuple[str, dict[str, Any], int | None, bool]] = {}
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
            routed = dept_by_code.get(result.department or "")
            plans[(kind, code)] = (
                json.dumps(plan, ensure_ascii=False),
                plan,
                routed,
                result.no_dispatch,
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


def _person(rng: random.Random) -> str:
    return (
        rng.choice(words.SURNAMES)
        + rng.choice(words.GIVEN)
        + (rng.choice(words.GIVEN) if rng.random() < 0.6 else "")
    )


def _texts(rng: random.Random, kind: str) -> tuple[str, str]:
    topics = words.TOPICS.get(kind) or words.TOPICS["consultation"]
    topic = rng.choice(topics)
    district = rng.choice(words.DISTRICTS)
    street = rng.choice(words.STREETS)
    place = rng.choice(words.PLACES)
    subject = rng.choice(
        (f"关于{topic}的问题", f"{district}{topic}", f"{place}{topic}", f"反映{street}{topic}")
    )
    parts = [f"{rng.choice(words.OPENERS)}{district}{street}{place}{topic}"]
    if rng.random() < 0.35:
        parts.append(f"涉及{rng.choice(words.COMPANIES)}{rng.choice(words.COMPANY_SUFFIXES)}")
    for detail in rng.sample(words.DETAILS, rng.randint(2, 4)):
        parts.append(
            detail.format(
                place=place,
                amount=rng.choice((500, 1200, 3000, 8000, 26000, 150000)),
                month=rng.randint(1, 12),
                day=rng.randint(1, 28),
                weeks=rng.randint(1, 8),
                district=district,
                street=street,
                number=rng.randint(1, 300),
            )
        )
    return subject, ",".join(parts) + "。"


# --------------------------------------------------------------------------- tickets


def _weighted(rng: random.Random, items: list[Any], weights: list[float]) -> Any:
    return rng.choices(items, weights)[0]


def _open_share(age_days: float) -> float:
    if OPEN_SHARE_OVERRIDE is not None:
        return OPEN_SHARE_OVERRIDE
    for limit, share in OPEN_SHARE_BY_AGE:
        if age_days <= limit:
            return share
    return 0.0


@dataclass
class _Counters:
    numbers: dict[str, int] = field(default_factory=dict)


def generate(
    n: int,
    *,
    seed: int = 6,
    now: datetime | None = None,
    customers_per_ticket: float = 0.45,
    progress: Callable[[str], None] = lambda _m: None,
) -> GenerationResult:
    """Write `n` tickets received over the last three years (and all that hangs on them)."""
    if Ticket.objects.exists():
        raise RuntimeError("the bench database already holds tickets: generate into a fresh one")
    started = time.perf_counter()
    now = (now or datetime.now(UTC)).replace(microsecond=0)
    rng = random.Random(seed)  # noqa: S311 - reproducible test data
    world = world_load()
    writer = Writer()
    result = GenerationResult()
    local = ZoneInfo("Asia/Shanghai")

    # Customers first: a pool smaller than the tickets, so phones repeat (heavy callers).
    n_customers = max(10, int(n * customers_per_ticket))
    c_cols, c_base = _column_defaults(Customer)
    ci = {c: i for i, c in enumerate(c_cols)}
    with transaction.atomic():
        batch: list[tuple[Any, ...]] = []
        stamp = _ts(now - timedelta(days=365 * YEARS))
        for cid in range(1, n_customers + 1):
            row = list(c_base)
            row[ci["id"]] = cid
            row[ci["name"]] = _person(rng)
            row[ci["phone"]] = f"1{3 + cid % 7}{(cid * 7_919_993) % 1_000_000_000:09d}"
            row[ci["created_at"]] = row[ci["updated_at"]] = stamp
            batch.append(tuple(row))
            if len(batch) >= 50_000:
                writer.write("tickets_customer", c_cols, batch)
                batch = []
        writer.write("tickets_customer", c_cols, batch)
    result.customers = n_customers
    result.phases["customers_s"] = round(time.perf_counter() - started, 2)

    t_cols, t_base = _column_defaults(Ticket)
    ti = {c: i for i, c in enumerate(t_cols)}
    e_cols, e_base = _column_defaults(TicketEvent)
    ei = {c: i for i, c in enumerate(e_cols)}
    a_cols, a_base = _column_defaults(Assignment)
    ai = {c: i for i, c in enumerate(a_cols)}
    d_cols, d_base = _column_defaults(Deadline)
    di = {c: i for i, c in enumerate(d_cols)}

    span = timedelta(days=365 * YEARS).total_seconds()
    first = now - timedelta(days=365 * YEARS)
    step = span / n
    counters = _Counters()
    event_id = assignment_id = deadline_id = 0
    empty_payload = "{}"

    def event(
        tid: int,
        actor: int | None,
        at: datetime,
        action: str,
        frm: str,
        to: str,
        payload: str = empty_payload,
    ) -> tuple[Any, ...]:
        nonlocal event_id
        event_id += 1
        row = list(e_base)
        row[ei["id"]] = event_id
        row[ei["ticket_id"]] = tid
        row[ei["actor_id"]] = actor
        row[ei["at"]] = _ts(at)
        row[ei["action"]] = action
        row[ei["from_status"]] = frm
        row[ei["to_status"]] = to
        row[ei["payload"]] = payload
        return tuple(row)

    for batch_start in range(0, n, BATCH):
        tickets: list[tuple[Any, ...]] = []
        events: list[tuple[Any, ...]] = []
        assignments: list[tuple[Any, ...]] = []
        deadlines: list[tuple[Any, ...]] = []
        for tid in range(batch_start + 1, min(n, batch_start + BATCH) + 1):
            received = first + timedelta(seconds=(tid - 1) * step + rng.random() * step * 0.9)
            received = received.replace(microsecond=0)
            age_days = (now - received).total_seconds() / 86400
            kind = _weighted(rng, world.kinds, world.kind_weights)
            channel = _weighted(rng, world.channels, world.channel_weights)
            cats = world.categories.get(kind) or []
            cat = rng.choice(cats) if cats and rng.random() < 0.9 else None
            plan_json, plan, routed, centre = world.plans[(kind, cat[1] if cat else None)]
            routed = routed or (cat[2] if cat else None)
            department = routed or rng.choice(world.handling_departments)
            handlers: list[int | None] = list(world.handlers_by_department.get(department, []))
            handler = rng.choice(handlers or [None])
            agent = rng.choice(world.agents)
            subject, description = _texts(rng, kind)

            is_open = rng.random() < _open_share(age_days)
            roll = rng.random()
            if is_open:
                status = _weighted(rng, list(OPEN_STATE_WEIGHTS), list(OPEN_STATE_WEIGHTS.values()))
            elif roll < 0.02:
                status = "declined"
            elif roll < 0.03:
                status = "merged"
            else:
                status = "closed"

            row = list(t_base)
            day = received.astimezone(local).strftime("%Y%m%d")
            seq = counters.numbers[day] = counters.numbers.get(day, 0) + 1
            anonymous = kind == "report" and rng.random() < 0.5
            customer = (
                None
                if anonymous or rng.random() < 0.08
                else (
                    1 + int(n_customers * rng.random() ** 2)  # skewed: some call again and again
                )
            )
            row[ti["id"]] = tid
            row[ti["number"]] = f"{day}-{seq:06d}"
            row[ti["public_code"]] = f"{tid:08X}"[-8:]
            row[ti["kind"]] = kind
            row[ti["channel"]] = channel
            row[ti["status"]] = status
            row[ti["category_id"]] = cat[0] if cat else None
            urgent = rng.random() < 0.08
            row[ti["urgency"]] = world.urgencies[-1] if urgent else world.urgencies[0]
            if kind == "complaint":
                row[ti["severity"]] = rng.choices(
                    ("one_star", "two_star", "three_star"), (0.85, 0.12, 0.03)
                )[0]
            row[ti["crisis"]] = int(kind == "complaint" and rng.random() < 0.01)
            row[ti["anonymous"]] = int(anonymous)
            row[ti["customer_id"]] = customer
            row[ti["subject"]] = subject
            row[ti["description"]] = description
            row[ti["received_at"]] = _ts(received)
            row[ti["created_at"]] = _ts(received)
            row[ti["first_contact_owner_id"]] = agent
            row[ti["routed_department_id"]] = routed
            row[ti["centre_handles"]] = int(centre)
            row[ti["sla_plan"]] = plan_json

            # Events along the ticket's path, timed forward from reception.
            t = received
            evs = [event(tid, agent, t, "register", "", "registered")]
            current = "registered"
            # Declined and merged tickets leave right after registration.
            target_steps = list(PATH) if status == "closed" or is_open else []
            reached_department = False
            stop_at = {
                "registered": 0,
                "accepted": 1,
                "dispatched": 2,
                "in_progress": 3,
                "pending_approval": 4,
                "suspended": 4,
            }.get(status, len(target_steps))
            for action in target_steps[:stop_at]:
                t += timedelta(minutes=rng.randint(5, 600))
                to = STATUS_AFTER[action]
                actor = handler if action in ("assign", "progress") else agent
                evs.append(event(tid, actor, t, action, current, to))
                current = to
                reached_department = reached_department or action == "dispatch"
            if status == "pending_approval":
                t += timedelta(hours=rng.randint(1, 48))
                evs.append(event(tid, handler, t, "submit_plan", current, status))
            elif status == "suspended":
                t += timedelta(hours=rng.randint(1, 48))
                evs.append(event(tid, handler, t, "suspend", current, status))
            elif status == "declined":
                t += timedelta(minutes=rng.randint(5, 120))
                evs.append(event(tid, agent, t, "decline", current, status))
            elif status == "merged":
                t += timedelta(minutes=rng.randint(5, 120))
                evs.append(event(tid, agent, t, "merge", current, status))
            want = rng.randint(5, 15) if status == "closed" else rng.randint(1, 6) + len(evs)
            while status == "closed" and len(evs) < want - 3:
                t += timedelta(hours=rng.randint(1, 30))
                note = rng.choice(("progress", "note", "remind"))
                payload = json.dumps({"text": rng.choice(words.NOTES)}, ensure_ascii=False)
                evs.append(event(tid, handler, t, note, "", "", payload))
            if status == "closed":
                t += timedelta(hours=rng.randint(1, 72))
                evs.append(event(tid, handler, t, "resolve", current, "resolved"))
                row[ti["resolved_at"]] = _ts(t)
                row[ti["reply"]] = rng.choice(words.REPLIES)
                t += timedelta(hours=rng.randint(2, 72))
                satisfaction = rng.choices(
                    ("satisfied", "basically_satisfied", "dissatisfied"), (0.86, 0.10, 0.04)
                )[0]
                evs.append(
                    event(
                        tid,
                        agent,
                        t,
                        "visit",
                        "resolved",
                        "resolved",
                        json.dumps({"satisfaction": satisfaction}),
                    )
                )
                row[ti["satisfaction"]] = satisfaction
                row[ti["visited_at"]] = _ts(t)
                if kind == "complaint":
                    row[ti["validity"]] = "valid" if rng.random() < 0.4 else "invalid"
                t += timedelta(hours=rng.randint(1, 48))
                evs.append(event(tid, agent, t, "close", "resolved", "closed"))
                row[ti["closed_at"]] = _ts(t)
            while is_open and len(evs) < want:
                t += timedelta(hours=rng.randint(1, 12))
                evs.append(
                    event(
                        tid,
                        rng.choice((agent, handler)),
                        t,
                        "note",
                        "",
                        "",
                        json.dumps({"text": rng.choice(words.NOTES)}, ensure_ascii=False),
                    )
                )
            last_event = min(t, now - timedelta(minutes=1))
            if is_open:
                # An open ticket's last action happened no later than now.
                for k, ev in enumerate(evs):
                    if ev[ei["at"]] > _ts(now):
                        lst = list(ev)
                        lst[ei["at"]] = _ts(now - timedelta(minutes=len(evs) - k))
                        evs[k] = tuple(lst)
            events.extend(evs)
            row[ti["updated_at"]] = _ts(min(t, now))
            row[ti["version"]] = len(evs)

            if reached_department or status == "closed":
                row[ti["department_id"]] = department
                if status not in ("dispatched",):
                    row[ti["handler_id"]] = handler
                assignment_id += 1
                a = list(a_base)
                a[ai["id"]] = assignment_id
                a[ai["ticket_id"]] = tid
                a[ai["department_id"]] = department
                a[ai["handler_id"]] = handler if status != "dispatched" else None
                a[ai["started_at"]] = _ts(received + timedelta(minutes=30))
                a[ai["ended_at"]] = row[ti["closed_at"]]
                assignments.append(tuple(a))

            limits: dict[str, Any] = plan["limits"]
            if limits and status == "closed":
                for milestone in list(limits)[:2]:
                    deadline_id += 1
                    d = list(d_base)
                    met_late = rng.random() < 0.07
                    start = received
                    due = start + timedelta(days=1)
                    closed = (
                        due + timedelta(hours=rng.randint(1, 48))
                        if met_late
                        else (start + (due - start) * rng.random())
                    )
                    d[di["id"]] = deadline_id
                    d[di["ticket_id"]] = tid
                    d[di["milestone"]] = milestone
                    d[di["rule"]] = json.dumps(limits[milestone], ensure_ascii=False)
                    d[di["department_id"]] = department
                    d[di["handler_id"]] = handler
                    d[di["started_at"]] = _ts(start)
                    d[di["due_at"]] = _ts(due)
                    d[di["state"]] = "met_late" if met_late else "met"
                    d[di["closed_at"]] = _ts(closed.replace(microsecond=0))
                    deadlines.append(tuple(d))
            elif limits and is_open:
                result.open_tickets += 1
                waiting = [m for m in WAITING_ON[status] if m in limits] or [next(iter(limits))]
                milestone = waiting[0]
                rule = limits[milestone]
                # Most open tickets moved recently; the rest have waited since reception.
                if rng.random() < 0.7:
                    start = now - timedelta(minutes=rng.randint(1, 60 * 48))
                else:
                    start = last_event
                start = max(start, received)
                cal = calendar_for(plan["calendar"], version=())
                computed = deadline_compute(start, time_limit_of(rule), cal, explain=False)
                result.deadline_computations += 1
                due = computed.due_at
                warn = start + (due - start) * rule.get("warn_share", 0.8)
                paused = status == "suspended"
                if due <= now:
                    state, next_check = "overdue", None
                    result.overdue_tickets += 1
                elif warn <= now:
                    state, next_check = "warning", due
                else:
                    state, next_check = "on_track", warn
                deadline_id += 1
                d = list(d_base)
                d[di["id"]] = deadline_id
                d[di["ticket_id"]] = tid
                d[di["milestone"]] = milestone
                d[di["rule"]] = json.dumps(rule, ensure_ascii=False)
                d[di["department_id"]] = row[ti["department_id"]]
                d[di["handler_id"]] = row[ti["handler_id"]]
                d[di["started_at"]] = _ts(start)
                d[di["due_at"]] = _ts(due)
                d[di["warn_at"]] = _ts(warn)
                d[di["provisional"]] = int(computed.provisional)
                d[di["state"]] = state
                d[di["paused_at"]] = _ts(last_event) if paused else None
                d[di["next_check_at"]] = None if paused or next_check is None else _ts(next_check)
                deadlines.append(tuple(d))
                result.running_deadlines += 1
                if not paused:
                    row[ti["next_due_at"]] = _ts(due)
                    row[ti["deadline_state"]] = state
            elif is_open:
                result.open_tickets += 1
            tickets.append(tuple(row))

        with transaction.atomic():
            writer.write("tickets_ticket", t_cols, tickets)
            writer.write("tickets_ticketevent", e_cols, events)
            writer.write("tickets_assignment", a_cols, assignments)
            writer.write("sla_deadline", d_cols, deadlines)
        result.tickets += len(tickets)
        result.events += len(events)
        result.assignments += len(assignments)
        result.deadlines += len(deadlines)
        progress(
            f"generated {result.tickets:,}/{n:,} tickets, {result.events:,} events "
            f"({time.perf_counter() - started:.0f} s)"
        )

    with transaction.atomic():
        TicketNumberCounter.objects.bulk_create(
            [TicketNumberCounter(day=d, last=last) for d, last in counters.numbers.items()],
            batch_size=5000,
        )
    _sequences_reset()
    result.phases["rows_s"] = round(time.perf_counter() - started, 2)
    _analyze()
    result.seconds = round(time.perf_counter() - started, 2)
    result.phases["analyze_s"] = round(result.seconds - result.phases["rows_s"], 2)
    # The load's PRAGMAs must not leak into the measurements: they get a fresh connection.
    connection.close()
    result.first_received = _ts(first)
    result.last_received = _ts(now)
    return result


def _sequences_reset() -> None:
    """Explicit ids were written: move PostgreSQL's sequences past them (SQLite needs none)."""
    if connection.vendor != "postgresql":
        return
    sql = connection.ops.sequence_reset_sql(
        no_style(), [Customer, Ticket, TicketEvent, Assignment, Deadline]
    )
    with connection.cursor() as cursor:
        for statement in sql:
            cursor.execute(statement)


def _analyze() -> None:
    """Fresh planner statistics, as a database that grew over years would have."""
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
