"""Full-text search of the ledger for Chinese, per database (see docs/ledger.md).

PostgreSQL: pg_trgm GIN indexes on the searched columns (ILIKE '%…%' uses them).
SQLite: an FTS5 table with the trigram tokenizer, kept in sync by triggers.
Other databases get nothing and search by plain icontains.

The SQL is plain text (not model state): the indexed tables belong to the tickets app, and the
reports app has no models of its own.
"""

from django.db import migrations

PG_INDEXES = {
    "ledger_trgm_ticket_number": "tickets_ticket USING gin (number gin_trgm_ops)",
    "ledger_trgm_ticket_subject": "tickets_ticket USING gin (subject gin_trgm_ops)",
    "ledger_trgm_ticket_description": "tickets_ticket USING gin (description gin_trgm_ops)",
    "ledger_trgm_ticket_reply": "tickets_ticket USING gin (reply gin_trgm_ops)",
    "ledger_trgm_customer_name": "tickets_customer USING gin (name gin_trgm_ops)",
    "ledger_trgm_customer_phone": "tickets_customer USING gin (phone gin_trgm_ops)",
    # The same expression as closeloop.reports.ledger.note_text(), or the index is not used.
    "ledger_trgm_event_note": (
        "tickets_ticketevent USING gin "
        "((COALESCE((payload ->> 'text'), (payload ->> 'note'))) gin_trgm_ops) "
        "WHERE action IN ('note', 'progress')"
    ),
}


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for name, spec in PG_INDEXES.items():
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {spec}")
        elif connection.vendor == "sqlite":
            from closeloop.reports.ledger import fts_rebuild

            fts_rebuild(cursor)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in PG_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        elif connection.vendor == "sqlite":
            from closeloop.reports.ledger import FTS_DROP

            for sql in FTS_DROP:
                cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_report_facts"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
