"""Bigram indexes for searching words of two characters on PostgreSQL (see docs/ledger.md).

pg_trgm needs three characters: for 宏达 or 王伟 it extracts no trigram and its indexes return
every row. `ledger_bigrams(text)` lists the text's overlapping pairs of characters (lower
case, pairs with a space left out); a GIN index on it finds the rows holding a pair, and the
query checks the substring with LIKE. One index per table, on the searched columns joined
with spaces (the expressions below are the ones `closeloop.reports.ledger` writes, or the
planner would not use them).

The indexes are built CONCURRENTLY (the migration is not atomic): on a large live ledger the
build takes minutes (8 for 1,000,000 tickets on 2 busy cores) and must not block
intake. A build that failed leaves an invalid index, which the next run drops and builds
again. SQLite and other databases: nothing (two-character words are a scan there).
"""

from django.db import migrations

FUNCTION = r"""
CREATE OR REPLACE FUNCTION ledger_bigrams(t text) RETURNS text[]
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE AS $$
  SELECT coalesce(array_agg(u.a || u.b), '{}')
  FROM (SELECT string_to_array(lower(t), NULL) AS c) AS s,
       unnest(s.c[1:cardinality(s.c) - 1], s.c[2:cardinality(s.c)]) AS u(a, b)
  WHERE u.a <> ' ' AND u.b <> ' '
$$
"""

INDEXES = {
    "ledger_bigram_ticket": (
        "tickets_ticket",
        "tickets_ticket USING gin "
        "(ledger_bigrams(number || ' ' || subject || ' ' || description || ' ' || reply))",
    ),
    "ledger_bigram_customer": (
        "tickets_customer",
        "tickets_customer USING gin (ledger_bigrams(name || ' ' || phone))",
    ),
    "ledger_bigram_event_note": (
        "tickets_ticketevent",
        "tickets_ticketevent USING gin "
        "(ledger_bigrams(COALESCE((payload ->> 'text'), (payload ->> 'note')))) "
        "WHERE action IN ('note', 'progress')",
    ),
}


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute(FUNCTION)
        cursor.execute("SET maintenance_work_mem = '256MB'")
        for name, (table, spec) in INDEXES.items():
            cursor.execute(
                "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = %s AND NOT i.indisvalid",
                [name],
            )
            if cursor.fetchone():  # left by a failed concurrent build
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            cursor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {spec}")
            # Statistics on the new expression: how frequent each pair is, for the planner.
            cursor.execute(f"ANALYZE {table}")
        cursor.execute("RESET maintenance_work_mem")


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name in INDEXES:
            cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
        cursor.execute("DROP FUNCTION IF EXISTS ledger_bigrams(text)")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("reports", "0002_monthly_report"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
