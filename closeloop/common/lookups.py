"""`field__literal_in=[…]`: an IN list written into the SQL text.

SQLite uses a partial index only when the query's WHERE repeats the index's condition, and a
bound parameter is unknown when SQLite plans the query: through Django, `status IN (?, ?, …)`
never matched `ticket_open_department` (`status IN ('accepted', …)`), and the dashboard read
every open ticket's row (1 s at 1M tickets). PostgreSQL sees literals either way (psycopg binds
on the client). For our own fixed vocabularies only — statuses, event actions — in the order
the index's condition lists them (workflow.statuses.StatusSet): every value must be a plain
lower-case word, so nothing typed by a user can reach the SQL.
"""

import re
from typing import Any

from django.db.models import CharField, Lookup

WORD = re.compile(r"[a-z][a-z_]*")


@CharField.register_lookup
class LiteralIn(Lookup):
    lookup_name = "literal_in"
    prepare_rhs = False

    def as_sql(self, compiler: Any, connection: Any) -> Any:
        lhs, params = self.process_lhs(compiler, connection)
        values = list(self.rhs)
        if not values or not all(isinstance(v, str) and WORD.fullmatch(v) for v in values):
            raise ValueError(f"literal_in takes plain lower-case words, not {values!r}")
        listed = ", ".join(f"'{v}'" for v in values)
        return f"{lhs} IN ({listed})", params
