"""The ledger's search and filters over the pack's own fields (see docs/ledger.md).

`Ticket.fields_text` and `identity_text` (tickets/0010) hold what the search reads of the
fields; `fields` and `identity_fields` their values, which the field filters and the caller
history compare exactly.

PostgreSQL: trigram and bigram GIN indexes on both texts, as reports/0001 and 0003 have on the
ticket's own text, and `jsonb_path_ops` GIN indexes on both values for `@>` (a field equal to
a value). Built CONCURRENTLY: the migration is not atomic, and intake goes on meanwhile.
SQLite: the FTS5 table gets the two texts as columns `fields` and `identity` (rebuilt, with
its triggers, from `closeloop.reports.ledger`). Field filters there read each ticket's JSON
(no index), like two-character words.
"""

from django.db import migrations, transaction

INDEXES = {
    "ledger_trgm_ticket_fields": "tickets_ticket USING gin (fields_text gin_trgm_ops)",
    "ledger_trgm_ticket_identity": "tickets_ticket USING gin (identity_text gin_trgm_ops)",
    # The same expressions as `ledger._bigram_q(("fields_text",), …)` writes.
    "ledger_bigram_ticket_fields": "tickets_ticket USING gin (ledger_bigrams(fields_text))",
    "ledger_bigram_ticket_identity": "tickets_ticket USING gin (ledger_bigrams(identity_text))",
    "ticket_fields_values": "tickets_ticket USING gin (fields jsonb_path_ops)",
    "ticket_identity_fields_values": "tickets_ticket USING gin (identity_fields jsonb_path_ops)",
}


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor == "sqlite":
        from closeloop.tickets.search import fts_rebuild

        with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
            fts_rebuild(cursor)
        return
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        for name, spec in INDEXES.items():
            cursor.execute(
                "SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid "
                "WHERE c.relname = %s AND NOT i.indisvalid",
                [name],
            )
            if cursor.fetchone():  # left by a failed concurrent build
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")
            cursor.execute(f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} ON {spec}")
        cursor.execute("ANALYZE tickets_ticket")


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in INDEXES:
                cursor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}")


class Migration(migrations.Migration):
    atomic = False  # CREATE INDEX CONCURRENTLY cannot run in a transaction

    dependencies = [
        ("reports", "0004_ledger_search_planning"),
        ("tickets", "0010_ticket_fields"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
