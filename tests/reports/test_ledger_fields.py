"""The pack's own fields in the ledger: a filter per field, the search, the exports and the
command line — and a field that identifies the person never reveals a protected ticket, as
the customer's phone never does (docs/ledger.md)."""

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from closeloop.cli import main
from closeloop.common.errors import ValidationFailed
from closeloop.reports import exports
from closeloop.reports.ledger import ledger_for_user
from closeloop.tickets import services
from closeloop.tickets.services import CustomerInput, TicketInput

pytestmark = pytest.mark.django_db

HIDDEN = "0898989898"  # the 户号 on a confidential complaint
OPEN = "0757575757"  # the 户号 on a request for help, which is not protected


@pytest.fixture
def pack_name() -> str:
    return "power-95598"  # complaints and reports are confidential; 户号 identifies


@pytest.fixture
def accounts(centre: Any) -> dict[str, str]:
    def new(kind: str, account: str, subject: str) -> str:
        ticket = services.ticket_register(
            actor=centre.agent,
            data=TicketInput(
                kind=kind,
                channel="phone",
                subject=subject,
                customer=CustomerInput(name="李雷", phone="13911112222"),
                fields={"account_no": account},
            ),
        )
        services.ticket_accept(centre.agent, ticket.number)
        services.ticket_dispatch(centre.agent, ticket.number, department=centre.dept_a.code)
        return ticket.number

    return {
        "complaint": new("complaint", HIDDEN, "抄表员态度差"),
        "help": new("help", OPEN, "电压不稳"),
    }


def numbers(user: Any, **filters: str) -> set[str]:
    return {t.number for t in ledger_for_user(user, filters)}


def test_search_finds_a_field_only_where_the_identity_may_be_seen(
    centre: Any, accounts: dict[str, str]
) -> None:
    assert numbers(centre.supervisor, q=HIDDEN) == {accounts["complaint"]}
    assert numbers(centre.supervisor, q=OPEN) == {accounts["help"]}
    # The department sees the confidential complaint, masked: its 户号 finds nothing.
    assert numbers(centre.liaison_a) == set(accounts.values())
    assert numbers(centre.liaison_a, q=HIDDEN) == set()
    assert numbers(centre.liaison_a, q=HIDDEN[2:8]) == set()  # nor does part of it
    assert numbers(centre.liaison_a, q=OPEN) == {accounts["help"]}
    assert numbers(centre.liaison_a, q="89") == set()  # two characters: another path
    assert numbers(centre.liaison_a, q="57") == {accounts["help"]}
    assert numbers(centre.supervisor, q="89") == {accounts["complaint"]}
    assert numbers(centre.supervisor, q="0898") == {accounts["complaint"]}


def test_filter_by_a_field(centre: Any, accounts: dict[str, str]) -> None:
    assert numbers(centre.supervisor, **{"field.account_no": HIDDEN}) == {accounts["complaint"]}
    assert numbers(centre.supervisor, **{"field.account_no": OPEN}) == {accounts["help"]}
    assert numbers(centre.supervisor, **{"field.account_no": "089898"}) == set()  # exact
    assert numbers(centre.liaison_a, **{"field.account_no": HIDDEN}) == set()
    assert numbers(centre.liaison_a, **{"field.account_no": OPEN}) == {accounts["help"]}
    # A value not in the field's form, and a field the pack does not have, are refused.
    with pytest.raises(ValidationFailed) as caught:
        ledger_for_user(centre.supervisor, {"field.account_no": "12-34"})
    assert set(caught.value.details) == {"field.account_no"}
    with pytest.raises(ValidationFailed) as caught:
        ledger_for_user(centre.supervisor, {"field.meter": "1"})
    assert caught.value.details == {"field.meter": ["unknown filter"]}


def read(path: Path, fmt: str) -> list[dict[str, str]]:
    if fmt == "csv":
        rows = list(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    else:
        import openpyxl

        book = openpyxl.load_workbook(path, read_only=True)
        rows = [
            ["" if v is None else str(v) for v in r]
            for r in book.active.iter_rows(values_only=True)
        ]
    return [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_carry_a_column_per_field_masked_as_the_identity(
    centre: Any, accounts: dict[str, str], tmp_path: Path, fmt: str
) -> None:
    path = tmp_path / f"ledger.{fmt}"
    exports.ledger_export(centre.liaison_a, {}, fmt, path, language="zh-hans")
    rows = {r["编号"]: r for r in read(path, fmt)}
    assert rows[accounts["complaint"]]["户号"] == "***"
    assert rows[accounts["help"]]["户号"] == OPEN
    exports.ledger_export(centre.supervisor, {}, fmt, path, language="zh-hans")
    rows = {r["编号"]: r for r in read(path, fmt)}
    assert rows[accounts["complaint"]]["户号"] == HIDDEN  # leading zero kept: text


def test_the_command_line_filters_by_a_field(
    centre: Any, accounts: dict[str, str], tmp_path: Path, capsys: Any
) -> None:
    out = tmp_path / "one.csv"
    code = main(
        [
            "export",
            "ledger",
            "--user",
            centre.supervisor.username,
            "--format",
            "csv",
            "-o",
            str(out),
            "--field",
            f"account_no={OPEN}",
        ]
    )
    assert code == 0
    rows = read(out, "csv")
    assert [next(iter(r.values())) for r in rows] == [accounts["help"]]
    assert main(["export", "ledger", "--user", "super1", "--format", "csv", "-o", str(out),
                 "--field", "account_no"]) != 0  # fmt: skip
    assert "CODE=VALUE" in capsys.readouterr().err


@pytest.mark.parametrize("pack_name", ["tax-hotline-12366"])
def test_a_field_that_does_not_identify_is_found_on_a_protected_ticket(
    centre: Any, api: Any
) -> None:
    # On a report, the reported taxpayer's number is for the department to investigate.
    ticket = services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="report",
            channel="phone",
            subject="举报虚开发票",
            customer=CustomerInput(name="王五", phone="13700001111"),
            fields={"reported_taxpayer_id": "91350200M000100Y4X"},
        ),
    )
    services.ticket_accept(centre.agent, ticket.number)
    services.ticket_dispatch(centre.agent, ticket.number, department=centre.dept_a.code)
    assert numbers(centre.liaison_a, q="M000100Y4X") == {ticket.number}
    assert numbers(centre.liaison_a, **{"field.reported_taxpayer_id": "91350200m000100y4x"}) == {
        ticket.number
    }
    seen = api(centre.liaison_a).get(f"tickets/{ticket.number}").json()
    assert seen["customer"]["phone"] == "***"
    assert seen["fields"] == {"reported_taxpayer_id": "91350200M000100Y4X"}
    # The queues' search box and the API's ?q= are the same search.
    listed = api(centre.liaison_a).get("tickets", q="M000100Y4X").json()
    assert [t["number"] for t in listed["results"]] == [ticket.number]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plan")
@pytest.mark.parametrize(
    ("q", "indexes"),
    [
        ("0757575", ["ledger_trgm_ticket_fields", "ledger_trgm_ticket_identity"]),
        ("75", ["ledger_bigram_ticket_fields", "ledger_bigram_ticket_identity"]),
    ],
)
def test_postgresql_finds_fields_through_their_indexes(
    centre: Any, accounts: dict[str, str], q: str, indexes: list[str]
) -> None:
    """At a million tickets a field is found as the ticket's own text is: the search's
    lookup reads the fields' trigram (or bigram) indexes, and a field filter the JSON
    values' index (reports/0005)."""
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        with CaptureQueriesContext(connection) as built:
            qs = ledger_for_user(centre.supervisor, {"q": q})
        assert set(qs.values_list("number", flat=True)) == {accounts["help"]}
        lookup = next(c["sql"] for c in built.captured_queries if "UNION ALL" in c["sql"])
        cursor.execute("EXPLAIN " + lookup)
        plan = "\n".join(row[0] for row in cursor.fetchall())
        for name in indexes:
            assert name in plan, plan
        # A tiny table is cheapest read in received_at order; a large one is not.
        cursor.execute("SET LOCAL enable_indexscan = off")
        qs = ledger_for_user(centre.supervisor, {"field.account_no": OPEN})
        sql, params = qs.query.sql_with_params()
        cursor.execute("EXPLAIN " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    assert "ticket_fields_values" in plan and "ticket_identity_fields_values" in plan, plan
