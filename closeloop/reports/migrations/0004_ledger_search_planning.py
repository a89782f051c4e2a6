"""What the PostgreSQL planner needs to choose well for the ledger's search (docs/ledger.md).

A search page is `ORDER BY received_at DESC LIMIT n` over a condition on the ticket's text.
The planner chooses between reading the newest tickets and checking each (best for a
frequent word: the page fills after a few hundred rows) and collecting the matches through
the indexes (best for a rare one). Measured at 1,000,000 tickets, two things made it choose
badly:

- Parallel plans: a `Gather Merge` over the newest-first scan did not stop at the page's end;
  its workers read the whole table (3.6 s for 王伟, 0.08 % of tickets; 231 ms without
  workers). `ledger_serial(true)` is TRUE, folded away when the query is planned, but it is
  PARALLEL UNSAFE, which PostgreSQL checks before folding: every search query (page, count,
  export) runs without workers.
- Estimates for two-character words: the statistics of the bigram expression listed the
  1,000 most common pairs, and 宏达 (2.2 % of tickets) was not among them, so it was
  estimated at 0.06 %. 4,000 pairs (statistics target 400) list it; ANALYZE then samples
  120,000 tickets instead of 30,000 (some 15 s at a million).
"""

from django.db import migrations

FORWARDS = [
    "CREATE OR REPLACE FUNCTION ledger_serial(boolean) RETURNS boolean "
    "LANGUAGE sql IMMUTABLE PARALLEL UNSAFE AS 'SELECT $1'",
    "ALTER INDEX ledger_bigram_ticket ALTER COLUMN 1 SET STATISTICS 400",
    "ANALYZE tickets_ticket",
]
BACKWARDS = [
    "ALTER INDEX IF EXISTS ledger_bigram_ticket ALTER COLUMN 1 SET STATISTICS -1",
    "DROP FUNCTION IF EXISTS ledger_serial(boolean)",
]


def forwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in FORWARDS:
            schema_editor.execute(sql)


def backwards(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for sql in BACKWARDS:
            schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("reports", "0003_ledger_bigrams"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
