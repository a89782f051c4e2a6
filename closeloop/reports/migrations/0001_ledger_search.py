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

# SQLite: the search table as this migration made it, written out here rather than imported
# from `closeloop.reports.ledger`, whose definition has since grown columns that do not exist
# yet at this point of a fresh database's migrations (reports/0005 rebuilds it).
FTS_TRIGGERS = (
    "ledger_fts_ticket_insert",
    "ledger_fts_ticket_update",
    "ledger_fts_ticket_delete",
    "ledger_fts_note_insert",
)
_NOTE_SQL = "coalesce(json_extract({e}.payload, '$.text'), json_extract({e}.payload, '$.note'), '')"
FTS_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS ledger_fts USING fts5("
    "number, subject, description, reply, notes, tokenize = 'trigram')",
    """CREATE TRIGGER IF NOT EXISTS ledger_fts_ticket_insert AFTER INSERT ON tickets_ticket
    BEGIN
      INSERT INTO ledger_fts(rowid, number, subject, description, reply, notes)
      VALUES (new.id, new.number, new.subject, new.description, new.reply, '');
    END""",
    """CREATE TRIGGER IF NOT EXISTS ledger_fts_ticket_update
    AFTER UPDATE OF number, subject, description, reply ON tickets_ticket
    WHEN old.number IS NOT new.number OR old.subject IS NOT new.subject
      OR old.description IS NOT new.description OR old.reply IS NOT new.reply
    BEGIN
      UPDATE ledger_fts SET number = new.number, subject = new.subject,
        description = new.description, reply = new.reply WHERE rowid = new.id;
    END""",
    """CREATE TRIGGER IF NOT EXISTS ledger_fts_ticket_delete AFTER DELETE ON tickets_ticket
    BEGIN
      DELETE FROM ledger_fts WHERE rowid = old.id;
    END""",
    f"""CREATE TRIGGER IF NOT EXISTS ledger_fts_note_insert AFTER INSERT ON tickets_ticketevent
    WHEN new.action IN ('note', 'progress')
    BEGIN
      UPDATE ledger_fts SET notes = notes || char(10) || {_NOTE_SQL.format(e="new")}
      WHERE rowid = new.ticket_id;
    END""",  # noqa: S608 - constant SQL
]
FTS_FILL = [
    "DELETE FROM ledger_fts",
    f"""INSERT INTO ledger_fts(rowid, number, subject, description, reply, notes)
    SELECT t.id, t.number, t.subject, t.description, t.reply,
      coalesce((SELECT group_concat({_NOTE_SQL.format(e="e")}, char(10))
                FROM tickets_ticketevent e
                WHERE e.ticket_id = t.id AND e.action IN ('note', 'progress')), '')
    FROM tickets_ticket t""",  # noqa: S608 - constant SQL
]
FTS_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in FTS_TRIGGERS),
    "DROP TABLE IF EXISTS ledger_fts",
]


def forwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
            cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
            for name, spec in PG_INDEXES.items():
                cursor.execute(f"CREATE INDEX IF NOT EXISTS {name} ON {spec}")
        elif connection.vendor == "sqlite":
            for sql in FTS_DROP + FTS_CREATE + FTS_FILL:
                cursor.execute(sql)


def backwards(apps, schema_editor):
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for name in PG_INDEXES:
                cursor.execute(f"DROP INDEX IF EXISTS {name}")
        elif connection.vendor == "sqlite":
            for sql in FTS_DROP:
                cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0004_report_facts"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
