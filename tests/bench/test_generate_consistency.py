"""A generated bench database is a normal closeloop database.

The generator drops the big tables' secondary indexes (and SQLite's triggers) for its bulk
load and skips the foreign-key triggers: afterwards every index, constraint and trigger of
the freshly migrated database must be back, the rows must satisfy the foreign keys, and the
ledger's search index must find exactly what a plain scan finds. Runs on the database of
the suite (SQLite, or PostgreSQL with DATABASE_URL), in process and with forked workers.
"""

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from benchmarks.generate import TABLES, generate
from closeloop.reports.ledger import ledger_for_user
from closeloop.sla.models import Deadline
from closeloop.tickets import selectors
from closeloop.tickets.models import (
    Assignment,
    Customer,
    Ticket,
    TicketEvent,
    TicketNumberCounter,
)

# A street, a district, a place, a note's words, a reply's words: all of three characters
# or more, so the ledger answers them from its index (FTS5 trigram / pg_trgm).
WORDS = ("青石巷", "南湖区", "办税服务厅", "窗口监控记录", "相关人员已整改")


@pytest.fixture
def pack_name() -> str:
    return "tax-hotline-12366"  # the bench's pack


def _schema() -> dict[str, Any]:
    """Indexes, constraints and triggers of the generated tables, as the database has them."""
    with connection.cursor() as cursor:
        tables = {
            model._meta.db_table: connection.introspection.get_constraints(
                cursor, model._meta.db_table
            )
            for model in TABLES
        }
        triggers: list[str] = []
        statistics: list[tuple[str, int, int]] = []
        if connection.vendor == "sqlite":
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
            triggers = sorted(f"{name}: {sql}" for name, sql in cursor.fetchall())
        else:  # statistics targets set on index columns (reports.0004)
            cursor.execute(
                "SELECT c.relname, a.attnum, a.attstattarget FROM pg_attribute a "
                "JOIN pg_class c ON c.oid = a.attrelid "
                "WHERE c.relkind = 'i' AND a.attstattarget >= 0 ORDER BY 1, 2"
            )
            statistics = [tuple(row) for row in cursor.fetchall()]
    return {"tables": tables, "triggers": triggers, "statistics": statistics}


def _scan(word: str) -> int:
    """The tickets a search for `word` should find, by a plain substring scan of every
    searched text: number, subject, description, reply, notes and progress reports, the
    customer's name and phone."""
    notes = TicketEvent.objects.filter(
        ticket=OuterRef("pk"), action__in=("note", "progress"), payload__text__icontains=word
    )
    return Ticket.objects.filter(
        Q(number__icontains=word)
        | Q(subject__icontains=word)
        | Q(description__icontains=word)
        | Q(reply__icontains=word)
        | Q(Exists(notes))
        | Q(customer__name__icontains=word)
        | Q(customer__phone__icontains=word)
    ).count()


def _orphans() -> list[str]:
    """Foreign keys of the generated tables that point nowhere (their triggers were
    skipped during the load, so check the rows themselves)."""
    found = []
    with connection.cursor() as cursor:
        for model in TABLES:
            table = model._meta.db_table
            for name, c in connection.introspection.get_constraints(cursor, table).items():
                if not c["foreign_key"]:
                    continue
                column = c["columns"][0]
                ref_table, ref_column = c["foreign_key"]
                cursor.execute(
                    f"SELECT COUNT(*) FROM {table} WHERE {column} IS NOT NULL "  # noqa: S608 - catalogue names
                    f"AND {column} NOT IN (SELECT {ref_column} FROM {ref_table})"
                )
                if cursor.fetchone()[0]:
                    found.append(name)
    return found


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("workers", [0, 2], ids=["in-process", "workers"])
def test_generated_database_is_consistent(centre: Any, workers: int) -> None:
    before = _schema()
    result = generate(600, workers=workers)

    # The same indexes, constraints and triggers as the migrated database, the same
    # migration state, and rows that honour the foreign keys.
    assert _schema() == before
    executor = MigrationExecutor(connection)
    assert not executor.migration_plan(executor.loader.graph.leaf_nodes())
    assert _orphans() == []

    # What the generator reports is what the tables hold.
    assert Ticket.objects.count() == result.tickets == 600
    assert TicketEvent.objects.count() == result.events > 5 * 600
    assert Customer.objects.count() == result.customers
    assert Assignment.objects.count() == result.assignments
    assert Deadline.objects.count() == result.deadlines
    assert Deadline.objects.filter(closed_at__isnull=True).count() == result.running_deadlines
    # Numbers continue where the generator stopped; ids too.
    for counter in TicketNumberCounter.objects.all():
        assert Ticket.objects.filter(number__startswith=counter.day + "-").count() == counter.last
    assert Customer.objects.create(name="新来电人", phone="13900000000").pk > result.customers
    last_event = TicketEvent.objects.order_by("-id").values_list("id", flat=True)[0]
    event = TicketEvent.objects.create(
        ticket_id=1, at=timezone.now(), action="note", payload={"text": "x"}
    )
    assert event.pk > last_event

    # The ledger's search index is complete: it finds what a scan finds.
    supervisor = centre.supervisor
    assert selectors.ticket_list_for_user(supervisor).count() == result.tickets
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET enable_seqscan = off")  # the trigram indexes, not a scan
    try:
        for word in WORDS:
            expected = _scan(word)
            assert expected > 0, word
            assert ledger_for_user(supervisor, {"q": word}).count() == expected, word
    finally:
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("RESET enable_seqscan")
