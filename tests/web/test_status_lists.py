"""Status lists that SQLite's partial indexes can match: sorted, and written into the SQL."""

import subprocess
import sys
from typing import Any

import pytest
from django.db import OperationalError, connection
from django.db.models import Count

from closeloop.tickets.models import Ticket
from closeloop.workflow.statuses import ACTIVE_STATUSES, OPEN_STATUSES, Status

pytestmark = pytest.mark.django_db


def test_status_sets_iterate_sorted_whatever_the_hash_seed() -> None:
    """The order of a set of strings changes with PYTHONHASHSEED; the indexes' condition
    (and every query's) must not."""
    code = "from closeloop.workflow.statuses import OPEN_STATUSES as S; print([str(s) for s in S])"
    seen = {
        subprocess.run(
            [sys.executable, "-c", code],
            env={"PYTHONHASHSEED": seed, "PATH": ""},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2", "3", "4")
    }
    assert seen == {f"{sorted(str(s) for s in OPEN_STATUSES)}\n"}
    assert list(ACTIVE_STATUSES) == sorted({*OPEN_STATUSES, Status.RESOLVED})
    assert Status.RESOLVED in ACTIVE_STATUSES and Status.RESOLVED not in OPEN_STATUSES


def test_literal_in_writes_the_list_and_finds_the_same_rows(centre: Any, register: Any) -> None:
    t = register()
    Ticket.objects.filter(pk=t.pk).update(status=Status.CLOSED)
    open_one = register()
    qs = Ticket.objects.filter(status__literal_in=OPEN_STATUSES)
    assert list(qs.values_list("number", flat=True)) == [open_one.number]
    sql, params = qs.query.sql_with_params()
    assert "IN ('accepted', 'dispatched', 'in_progress', 'pending_approval', 'registered', " in sql
    assert not [p for p in params if p in OPEN_STATUSES]


@pytest.mark.parametrize("values", [["open'); DROP TABLE x; --"], ["Open"], [], [1]])
def test_literal_in_refuses_anything_but_plain_words(values: list[Any]) -> None:
    with pytest.raises(ValueError, match="plain lower-case words"):
        list(Ticket.objects.filter(status__literal_in=values))


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite's partial-index rule")
def test_sqlite_can_read_the_open_tickets_index(centre: Any, register: Any) -> None:
    """The dashboard's counts per department can come from the partial index of open
    tickets only if SQLite sees the list (`INDEXED BY` fails when the index cannot serve the
    query). With the list as parameters it cannot: every open ticket's row was read."""
    register()

    def through_index(**status: Any) -> list[Any]:
        qs = Ticket.objects.filter(**status).values("department_id").annotate(n=Count("*"))
        sql, params = qs.order_by().query.sql_with_params()
        forced = sql.replace(
            'FROM "tickets_ticket"', 'FROM "tickets_ticket" INDEXED BY ticket_open_department'
        )
        with connection.cursor() as cursor:
            cursor.execute(forced, params)
            return cursor.fetchall()

    assert through_index(status__literal_in=OPEN_STATUSES) == [(None, 1)]
    with pytest.raises(OperationalError, match="no query solution"):
        through_index(status__in=OPEN_STATUSES)
