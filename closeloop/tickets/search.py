"""Search of tickets: the substring search that works for Chinese without word segmentation,
one for the ledger, the API's `?q=` and the queues (`Ticket.objects.search(user, q)`), with
its indexes. See docs/ledger.md, *Search*.

- PostgreSQL: `LIKE '%word%'` served by `pg_trgm` GIN indexes (reports/0001) for words of
  three characters or more, by bigram GIN indexes (reports/0003) for words of two;
- SQLite: an FTS5 table with the `trigram` tokenizer (`ledger_fts`), kept in sync by triggers
  (reports/0001); shorter words are a scan.

The indexes were made by migrations of the reports app, where search began; they stay there
(moving an applied migration would run it again on existing databases). New search
migrations go to the tickets app.
"""

from __future__ import annotations

import re
import threading
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, connections, transaction
from django.db.models import (
    BooleanField,
    Exists,
    F,
    Func,
    Lookup,
    OuterRef,
    Q,
    QuerySet,
    TextField,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Coalesce

from closeloop.directory.models import User

from .models import Customer, Ticket, TicketEvent
from .querysets import identity_hidden_q

# Note-like events whose text is searched: notes, and handlers' progress reports.
NOTE_ACTIONS = ("note", "progress")
MIN_TRIGRAM = 3  # a word this long has trigrams: FTS5 / pg_trgm indexes serve it
MIN_BIGRAM = 2  # PostgreSQL's bigram indexes serve words of two characters
MAX_TERMS = 5
MAX_LENGTH = 100
# Tickets found through notes or customers, passed to the main query as a list up to this
# many (beyond, as subqueries: correct, but the planner can no longer stop early).
EXTRA_IDS_MAX = 10_000
# A word found in at most this many tickets' own text is passed as their ids too: the
# planner's estimate of a substring's frequency can be wrong by a factor of ten, and a rare
# word taken for a frequent one costs a read of the whole table (newest first, until the
# page is full). Looking up more costs more for every frequent word (the lookup reads this
# many matches before it gives up); beyond it the planner chooses from the statistics.
OWN_IDS_MAX = 500


# --------------------------------------------------------------------------- search
#
# One search for the ledger, the API's `?q=` and the queues' `q` (`Ticket.objects.search`
# calls `search_q`). Every word must match one of: the number, subject, description, reply,
# the text of notes and progress reports, or the customer's name or phone where the viewer
# may see them. How a word is looked up depends on its length and the database:
#
# PostgreSQL, 3+ characters: LIKE (ILIKE for words with letters that have a case) on the four
#   ticket columns, each served by its pg_trgm GIN index (reports/0001); 2 characters: the
#   same LIKE, served by the bigram GIN index on the four columns together (reports/0003).
#   Notes and customers are looked up first through their own indexes; the ids of the tickets
#   they match (at most EXTRA_IDS_MAX) join the OR as a list. The planner can then combine
#   every arm with a BitmapOr when the word is rare, or read the newest tickets and stop at
#   the page's end when it is frequent — what made a frequent word cost seconds was the
#   UNION of every match joined back to the ledger.
# SQLite, 3+ characters: the FTS5 trigram table (number, subject, description, reply, notes).
# One character (and 2 on SQLite, other databases): a scan.


def search_terms(text: str) -> list[str]:
    return text.split()[:MAX_TERMS]


def _has_case(term: str) -> bool:
    return term.lower() != term or term.upper() != term


class ILike(Lookup):
    """`lhs ILIKE rhs`, which pg_trgm GIN indexes serve (Django's icontains is
    `UPPER(x) LIKE UPPER(y)`, which they do not)."""

    lookup_name = "ledger_ilike"
    prepare_rhs = False
    operator = "ILIKE"

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, lhs_params = self.process_lhs(compiler, connection)
        rhs, rhs_params = self.process_rhs(compiler, connection)
        return f"{lhs} {self.operator} {rhs}", (*lhs_params, *rhs_params)


class Like(ILike):
    """`lhs LIKE rhs`: for words without cased letters (Chinese, digits) the same matches as
    ILIKE, three to four times faster per row (ILIKE lowercases every row it reads)."""

    lookup_name = "ledger_like"
    operator = "LIKE"


class Bigrams(Func):
    """`ledger_bigrams(a || ' ' || b …)`: the expression of the bigram indexes (reports/0003),
    written the same way, or the index is not used."""

    function = "ledger_bigrams"
    arg_joiner = " || ' ' || "
    output_field = TextField()


class Contains(Func):
    """`bigrams @> ledger_bigrams(word)`: every bigram of the word is in the text."""

    template = "%(expressions)s"
    arg_joiner = " @> "
    output_field = BooleanField()


def _like_pattern(term: str) -> str:
    return "%" + re.sub(r"([\\%_])", r"\\\1", term) + "%"


def note_text() -> Coalesce:
    """The text of a note-like event; the PostgreSQL indexes are on this same expression."""
    return Coalesce(KeyTextTransform("text", "payload"), KeyTextTransform("note", "payload"))


def _matches(expression: Any, term: str) -> Q:
    """`expression` contains `term` as a substring, by LIKE or ILIKE (PostgreSQL)."""
    lookup = ILike if _has_case(term) else Like
    return Q(lookup(expression, Value(_like_pattern(term))))


def _unindexed(expression: Any) -> Coalesce:
    """The same text as `expression` (NULL reads as '', which matches no word), but not the
    expression of any index."""
    return Coalesce(expression, Value(""), output_field=TextField())


def _bigram_q(columns: tuple[str, ...], term: str) -> Q:
    return Q(
        Contains(Bigrams(*(F(c) for c in columns)), Func(Value(term), function="ledger_bigrams"))
    )


def search_q(user: User, text: str) -> Q:
    """Tickets matching every word of `text` (see above); masked identities never match."""
    q = Q()
    for term in search_terms(text):
        q &= term_q(user, term)
    if q and connection.vendor == "postgresql":
        q &= _serial_q()
    return q


def _serial_q() -> Q:
    """No parallel workers for this query (reports/0004): under a newest-first LIMIT they
    read the whole table instead of stopping at the page's end, and on a busy machine
    starting them costs more than the small lookups they would share."""
    return Q(Func(Value(True), function="ledger_serial", output_field=BooleanField()))


def term_q(user: User, term: str) -> Q:
    if len(term) >= MIN_BIGRAM and connection.vendor == "postgresql":
        return _pg_term_q(user, term)
    if len(term) >= MIN_TRIGRAM and connection.vendor == "sqlite":
        fts_ensure()
        phrase = '"' + term.replace('"', '""') + '"'
        # Every column but the identifying fields; those only where the viewer may see them.
        fts = RawSQL(
            "SELECT rowid FROM ledger_fts WHERE ledger_fts MATCH %s", [f"- {{identity}} : {phrase}"]
        )
        identity_match = RawSQL(
            "SELECT rowid FROM ledger_fts WHERE ledger_fts MATCH %s", [f"identity : {phrase}"]
        )
        identity_fields = (
            Ticket.objects.filter(pk__in=identity_match)
            .exclude(identity_hidden_q(user))
            .values("pk")
        )
        return (
            Q(pk__in=fts)
            | Q(
                pk__in=_identity_ids(user, term, Q(name__icontains=term) | Q(phone__icontains=term))
            )
            | Q(pk__in=identity_fields)
        )
    return _scan_q(user, term)


def _scan_q(user: User, term: str) -> Q:
    """Without an index: every ticket read is checked (a newest-first page stops early)."""
    notes = TicketEvent.objects.filter(ticket=OuterRef("pk"), action__in=NOTE_ACTIONS).annotate(
        note=note_text()
    )
    q = (
        Q(number__icontains=term)
        | Q(subject__icontains=term)
        | Q(description__icontains=term)
        | Q(reply__icontains=term)
        | Q(Exists(notes.filter(note__icontains=term)))
        | Q(fields_text__icontains=term)
    )
    identity = (
        Q(customer__phone__icontains=term)
        | Q(customer__name__icontains=term)
        | Q(identity_text__icontains=term)
    )
    if user.may_see_identity:
        return q | identity
    return q | (identity & ~identity_hidden_q(user))


def _identity_ids(user: User, term: str, match: Q) -> QuerySet[Any]:
    """Tickets whose customer matches, only where `user` may see them: a masked reporter is
    never found by their name or phone."""
    customers = Customer.objects.filter(match).values("pk")
    return (
        Ticket.objects.filter(customer__in=customers).exclude(identity_hidden_q(user)).values("pk")
    )


def _pg_term_q(user: User, term: str) -> Q:
    columns = ("number", "subject", "description", "reply")
    trigrams = len(term) >= MIN_TRIGRAM

    def like(expression: Any) -> Q:
        # Two characters have no trigram: the bigram indexes find the candidates and the LIKEs
        # only recheck them, written on `COALESCE(x, '')`, which no index has — on `x` itself
        # the planner may pick the trigram index, which for two characters returns every row
        # (every note at 1M tickets: 1.3 s).
        return _matches(expression if trigrams else _unindexed(expression), term)

    own = Q()
    for column in columns:
        own |= like(F(column))
    notes_match = like(note_text())
    customer_match = like(F("name")) | like(F("phone"))
    if not trigrams:
        # The LIKEs stay beside the bigrams: read row by row (newest first), a LIKE costs
        # microseconds, the pairs of a row's text a hundred times more, and PostgreSQL checks
        # the cheaper condition first.
        own &= _bigram_q(columns, term)
        notes_match &= _bigram_q(("note_text",), term)
        customer_match &= _bigram_q(("name", "phone"), term)
    tickets = Ticket.objects.filter(own, _serial_q()).values_list("pk", Value(0))
    notes = (
        TicketEvent.objects.filter(action__in=NOTE_ACTIONS)
        .annotate(note_text=note_text())
        .filter(notes_match)
        .values_list("ticket_id", Value(1))
    )
    customers = _identity_ids(user, term, customer_match).values_list("pk", Value(1))
    # The pack's own fields (reports/0005 indexes both columns); identifying ones only where
    # the viewer may see them, as for the customer's name and phone.
    fields_match = like(F("fields_text"))
    identity_match = like(F("identity_text"))
    if not trigrams:
        fields_match &= _bigram_q(("fields_text",), term)
        identity_match &= _bigram_q(("identity_text",), term)
    fields = Ticket.objects.filter(fields_match, _serial_q()).values_list("pk", Value(1))
    identity_fields = (
        Ticket.objects.filter(identity_match, _serial_q())
        .exclude(identity_hidden_q(user))
        .values_list("pk", Value(1))
    )
    # One query: at most OWN_IDS_MAX + 1 tickets by their own text, then notes, customers and
    # fields.
    rows = list(
        tickets.order_by()[: OWN_IDS_MAX + 1].union(
            notes.order_by(),
            customers.order_by(),
            fields.order_by(),
            identity_fields.order_by(),
            all=True,
        )[: OWN_IDS_MAX + 1 + EXTRA_IDS_MAX + 1]
    )
    own_ids = {pk for pk, branch in rows if branch == 0}
    extra_ids = {pk for pk, branch in rows if branch == 1}
    own_rare = len(own_ids) <= OWN_IDS_MAX
    extra_few = sum(1 for _pk, branch in rows if branch == 1) <= EXTRA_IDS_MAX
    if own_rare and extra_few:
        # A rare word: its tickets by id. The planner knows exactly how many, and fetches
        # them by primary key instead of guessing from the text's statistics.
        return Q(pk__in=sorted(own_ids | extra_ids))
    if own_rare:
        own = Q(pk__in=sorted(own_ids))
    if extra_few:
        return own | Q(pk__in=sorted(extra_ids))
    # Many notes, customers or fields: as subqueries (the same tickets, more slowly).
    return (
        own
        | Q(pk__in=notes.values("ticket_id"))
        | Q(pk__in=customers.values("pk"))
        | Q(pk__in=fields.values("pk"))
        | Q(pk__in=identity_fields.values("pk"))
    )


# --------------------------------------------------------------------------- SQLite FTS5

FTS_TRIGGERS = (
    "ledger_fts_ticket_insert",
    "ledger_fts_ticket_update",
    "ledger_fts_ticket_delete",
    "ledger_fts_note_insert",
)
_NOTE_SQL = "coalesce(json_extract({e}.payload, '$.text'), json_extract({e}.payload, '$.note'), '')"
# `fields` and `identity` hold the pack's own fields (Ticket.fields_text / identity_text);
# a search matches `identity` only where the viewer may see the identity.
FTS_CREATE = [
    "CREATE VIRTUAL TABLE IF NOT EXISTS ledger_fts USING fts5("
    "number, subject, description, reply, notes, fields, identity, tokenize = 'trigram')",
    """CREATE TRIGGER IF NOT EXISTS ledger_fts_ticket_insert AFTER INSERT ON tickets_ticket
    BEGIN
      INSERT INTO ledger_fts(rowid, number, subject, description, reply, notes, fields, identity)
      VALUES (new.id, new.number, new.subject, new.description, new.reply, '',
        new.fields_text, new.identity_text);
    END""",
    # Every save rewrites every column; re-index only when the searched text changed.
    """CREATE TRIGGER IF NOT EXISTS ledger_fts_ticket_update
    AFTER UPDATE OF number, subject, description, reply, fields_text, identity_text
    ON tickets_ticket
    WHEN old.number IS NOT new.number OR old.subject IS NOT new.subject
      OR old.description IS NOT new.description OR old.reply IS NOT new.reply
      OR old.fields_text IS NOT new.fields_text OR old.identity_text IS NOT new.identity_text
    BEGIN
      UPDATE ledger_fts SET number = new.number, subject = new.subject,
        description = new.description, reply = new.reply, fields = new.fields_text,
        identity = new.identity_text WHERE rowid = new.id;
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
    f"""INSERT INTO ledger_fts(rowid, number, subject, description, reply, notes, fields,
      identity)
    SELECT t.id, t.number, t.subject, t.description, t.reply,
      coalesce((SELECT group_concat({_NOTE_SQL.format(e="e")}, char(10))
                FROM tickets_ticketevent e
                WHERE e.ticket_id = t.id AND e.action IN ('note', 'progress')), ''),
      t.fields_text, t.identity_text
    FROM tickets_ticket t""",  # noqa: S608 - constant SQL
]
FTS_DROP = [
    *(f"DROP TRIGGER IF EXISTS {name}" for name in FTS_TRIGGERS),
    "DROP TABLE IF EXISTS ledger_fts",
]

_fts_checked: set[str] = set()
_fts_lock = threading.Lock()


def fts_rebuild(cursor: Any) -> None:
    """(Re)create the FTS5 table and its triggers and index every ticket again."""
    for sql in FTS_DROP + FTS_CREATE + FTS_FILL:
        cursor.execute(sql)


def fts_ensure(using: str = DEFAULT_DB_ALIAS) -> None:
    """Rebuild the search table if its triggers are gone. On SQLite, Django alters a table by
    copying it to a new one, which drops its triggers: a later migration of the tickets app
    would otherwise leave the index silently stale. Run after every `migrate` (see apps.py)
    and, as a safety net, before the first search of each process."""
    conn = connections[using]
    if conn.vendor != "sqlite":
        return
    name = str(conn.settings_dict["NAME"])
    if name in _fts_checked:
        return
    with _fts_lock:
        if name in _fts_checked:
            return
        with transaction.atomic(using=using), conn.cursor() as cursor:
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")
            present = {row[0] for row in cursor.fetchall()}
            if not set(FTS_TRIGGERS) <= present:
                fts_rebuild(cursor)
        _fts_checked.add(name)


def fts_after_migrate(using: str = DEFAULT_DB_ALIAS, **kwargs: Any) -> None:
    """post_migrate: the tables may have been rebuilt, check again."""
    if "ledger_fts" not in connections[using].introspection.table_names():
        return  # the reports migration has not run (yet, or was reverted)
    _fts_checked.discard(str(connections[using].settings_dict["NAME"]))
    fts_ensure(using)
