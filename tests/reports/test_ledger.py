"""The ledger (台账): filters, Chinese substring search, masking, exports in bounded memory."""

import csv
import io
import tracemalloc
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone, translation
from django.utils.translation import gettext

from closeloop.common.errors import ValidationFailed
from closeloop.policy.models import Category
from closeloop.reports import exports
from closeloop.reports.ledger import ledger_count_capped, ledger_for_user
from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import services
from closeloop.tickets.models import Customer, IdentityDisclosure, Ticket
from closeloop.tickets.services import CompensationInput, CustomerInput, TicketInput

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def pack_name() -> str:
    return "power-95598"  # it has reports (举报), whose reporters are masked


def at(day: int, hour: int = 10, month: int = 10) -> datetime:
    return datetime(2026, month, day, hour, tzinfo=TZ)


@pytest.fixture
def ledger(centre: Any) -> dict[str, str]:
    """Five tickets in October 2026 with known facts, and one in September."""
    agent, dept_a, dept_b = centre.agent, centre.dept_a.code, centre.dept_b.code

    def new(day: int, **kw: Any) -> str:
        data: dict[str, Any] = {
            "kind": "complaint",
            "channel": "phone",
            "subject": "停电投诉",
            "customer": CustomerInput(name="王五", phone="13700000000"),
        }
        data.update(kw)
        t = services.ticket_register(actor=agent, data=TicketInput(**data), now=at(day))
        return t.number

    def to(number: str, dept: str, handler: Any, liaison: Any, day: int) -> None:
        services.ticket_accept(agent, number, now=at(day))
        services.ticket_dispatch(agent, number, department=dept, now=at(day))
        services.ticket_assign(liaison, number, handler=handler.username, now=at(day))

    n: dict[str, str] = {}
    # invoice: resolved valid with compensation, visited satisfied; a note on it
    n["invoice"] = new(
        5,
        subject="虚开增值税专用发票问题",
        description="客户反映对方虚开发票。",
        category="billing",
        channel="letter",
    )
    to(n["invoice"], dept_a, centre.handler_a, centre.liaison_a, 5)
    services.ticket_note(centre.handler_a, n["invoice"], text="已联系稽查局核实情况", now=at(6))
    services.ticket_resolve(
        centre.handler_a,
        n["invoice"],
        reply="已转交稽查部门依法处理",
        validity="valid",
        compensation=CompensationInput(kind="refund", amount=Decimal("100.00")),
        now=at(6, 16),
    )
    services.ticket_return_visit(agent, n["invoice"], satisfaction="satisfied", now=at(7))
    # consultation: registered, nothing else
    n["consult"] = new(
        8, kind="consultation", channel="web", subject="电费咨询", category="billing"
    )
    # outage: with department B, never resolved (overdue after the sweep), crisis
    n["outage"] = new(
        9,
        subject="小区长时间停电",
        description="记者已到场采访",
        category="outage",
    )
    to(n["outage"], dept_b, centre.handler_b, centre.liaison_b, 9)
    # report: the reporter must stay hidden from department A's liaison
    n["report"] = new(
        12,
        kind="report",
        subject="抄表员违规收费",
        customer=CustomerInput(name="举报人甲", phone="13900000000"),
        category="staff-conduct",
    )
    to(n["report"], dept_a, centre.handler_a, centre.liaison_a, 12)
    # reopened: resolved invalid, dissatisfied visit sends it back
    n["reopened"] = new(14, subject="电压不稳", category="voltage")
    to(n["reopened"], dept_a, centre.handler_a2, centre.liaison_a, 14)
    services.ticket_resolve(
        centre.handler_a2, n["reopened"], reply="线路正常", validity="invalid", now=at(15)
    )
    services.ticket_return_visit(agent, n["reopened"], satisfaction="dissatisfied", now=at(16))
    # September
    n["september"] = new(30, subject="九月的工单")
    Ticket.objects.filter(number=n["september"]).update(received_at=at(30, month=9))
    # Facts the pack's rules would set from the text; set here so each filter has a target.
    Ticket.objects.filter(number=n["outage"]).update(crisis=True, severity="three_star")
    Ticket.objects.filter(number=n["invoice"]).update(urgency="urgent")
    deadlines_sweep(now=at(31, 23))
    return n


def numbers(user: Any, **filters: str) -> set[str]:
    return set(ledger_for_user(user, filters).values_list("number", flat=True))


def test_everything_visible_without_filters(centre: Any, ledger: dict[str, str]) -> None:
    assert numbers(centre.supervisor) == set(ledger.values())
    # a liaison sees their department's tickets only
    assert numbers(centre.liaison_a) == {ledger["invoice"], ledger["report"], ledger["reopened"]}


def test_period(centre: Any, ledger: dict[str, str]) -> None:
    october = numbers(centre.supervisor, **{"from": "2026-10-01", "to": "2026-10-31"})
    assert october == set(ledger.values()) - {ledger["september"]}
    assert numbers(centre.supervisor, **{"from": "2026-10-09", "to": "2026-10-09"}) == {
        ledger["outage"]
    }
    assert numbers(centre.supervisor, to="2026-09-30") == {ledger["september"]}


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        ({"kind": "consultation"}, ["consult"]),
        ({"kind": "report"}, ["report"]),
        ({"channel": "letter"}, ["invoice"]),
        ({"channel": "web"}, ["consult"]),
        ({"category": "outage"}, ["outage"]),
        ({"urgency": "urgent"}, ["invoice"]),
        ({"severity": "three_star"}, ["outage"]),
        ({"crisis": "yes"}, ["outage"]),
        ({"validity": "valid"}, ["invoice"]),
        ({"validity": "invalid"}, ["reopened"]),
        ({"satisfaction": "satisfied"}, ["invoice"]),
        ({"satisfaction": "dissatisfied"}, []),  # a reopen clears the result until the next visit
        ({"reopened": "yes"}, ["reopened"]),
        ({"compensation": "yes"}, ["invoice"]),
        ({"state": "resolved"}, []),  # the satisfied visit closed invoice
        ({"state": "closed"}, ["invoice"]),
        ({"state": "registered"}, ["consult", "september"]),
        ({"department": "t-beta"}, ["outage"]),
        ({"kind": "complaint", "department": "t-alpha", "reopened": "no"}, ["invoice"]),
    ],
)
def test_filters(
    centre: Any, ledger: dict[str, str], filters: dict[str, str], expected: list[str]
) -> None:
    assert numbers(centre.supervisor, **filters) == {ledger[k] for k in expected}


def test_negative_filters(centre: Any, ledger: dict[str, str]) -> None:
    everything = set(ledger.values())
    assert numbers(centre.supervisor, crisis="no") == everything - {ledger["outage"]}
    assert numbers(centre.supervisor, compensation="no") == everything - {ledger["invoice"]}
    assert ledger["consult"] in numbers(centre.supervisor, validity="none")
    assert ledger["consult"] in numbers(centre.supervisor, satisfaction="none")
    open_ones = numbers(centre.supervisor, state="open")
    assert ledger["outage"] in open_ones and ledger["invoice"] not in open_ones


def test_handler(centre: Any, ledger: dict[str, str]) -> None:
    assert numbers(centre.supervisor, handler="handler_a") == {ledger["invoice"], ledger["report"]}
    assert numbers(centre.supervisor, handler="handler_b") == {ledger["outage"]}


def test_category_includes_descendants(centre: Any, ledger: dict[str, str]) -> None:
    outage = Category.objects.get(code="outage")
    rural = Category.objects.create(code="outage-rural", name="农村停电", parent=outage)
    Ticket.objects.filter(number=ledger["september"]).update(category=rural)
    assert numbers(centre.supervisor, category="outage") == {ledger["outage"], ledger["september"]}
    assert numbers(centre.supervisor, category="outage-rural") == {ledger["september"]}


def test_deadline_states(centre: Any, ledger: dict[str, str]) -> None:
    overdue = numbers(centre.supervisor, deadline="overdue")
    # outage was never resolved: its deadlines ran out at the month's end
    assert ledger["outage"] in overdue
    assert ledger["invoice"] not in overdue
    late = numbers(centre.supervisor, deadline="late")
    assert overdue <= late
    assert numbers(centre.supervisor, deadline="met_late") <= late
    # nothing is in warning after a sweep at the end of the month… unless it still runs
    assert ledger["invoice"] not in numbers(centre.supervisor, deadline="warning")


# --------------------------------------------------------------------------- search


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("发票", ["invoice"]),  # two characters: the icontains fallback
        ("专用发票", ["invoice"]),  # three and more: the trigram index
        ("增值税专用", ["invoice"]),
        ("稽查部门", ["invoice"]),  # in the reply
        ("稽查局", ["invoice"]),  # in a note
        ("记者已到场", ["outage"]),  # in the description
        ("停电", ["outage"]),
        ("长时间停电", ["outage"]),
        ("停电 记者", ["outage"]),  # every word must match
        ("不存在的内容", []),
        ("王五", ["invoice", "consult", "outage", "reopened", "september"]),  # customer name
        ("1370000", ["invoice", "consult", "outage", "reopened", "september"]),  # phone
    ],
)
def test_chinese_substring_search(
    centre: Any, ledger: dict[str, str], q: str, expected: list[str]
) -> None:
    assert numbers(centre.supervisor, q=q) == {ledger[k] for k in expected}


def test_search_by_number(centre: Any, ledger: dict[str, str]) -> None:
    assert numbers(centre.supervisor, q=ledger["outage"]) == {ledger["outage"]}


def test_search_latin_text_ignores_case(centre: Any, ledger: dict[str, str]) -> None:
    Ticket.objects.filter(number=ledger["consult"]).update(description="APP 无法登录")
    assert numbers(centre.supervisor, q="app") == {ledger["consult"]}
    assert numbers(centre.supervisor, q="ap") == {ledger["consult"]}


def test_search_escapes_wildcards(centre: Any, ledger: dict[str, str]) -> None:
    assert numbers(centre.supervisor, q="%%%") == set()
    assert numbers(centre.supervisor, q='"停电"') == set()
    Ticket.objects.filter(number=ledger["consult"]).update(subject="费率 100% 上调")
    assert numbers(centre.supervisor, q="100%") == {ledger["consult"]}


def test_search_follows_updates(centre: Any, ledger: dict[str, str]) -> None:
    t = Ticket.objects.get(number=ledger["consult"])
    t.subject = "阶梯电价疑问"
    t.save()
    assert numbers(centre.supervisor, q="阶梯电价") == {ledger["consult"]}
    assert numbers(centre.supervisor, q="电费咨询") == set()


def test_masked_reporter_is_never_found(centre: Any, ledger: dict[str, str]) -> None:
    for q in ("举报人甲", "13900000000", "人甲"):
        assert numbers(centre.liaison_a, q=q) == set(), q
        assert numbers(centre.supervisor, q=q) == {ledger["report"]}, q
    # the case itself is found by its text
    assert numbers(centre.liaison_a, q="违规收费") == {ledger["report"]}


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plan")
@pytest.mark.parametrize("frequent", [False, True])
@pytest.mark.parametrize(
    ("q", "own", "others"),
    [
        # three characters and more: pg_trgm on the ticket's columns, notes and customers
        (
            "专用发票",
            ["trgm_ticket_subject", "trgm_ticket_description", "trgm_ticket_reply"],
            ["trgm_event_note", "trgm_customer_name", "trgm_customer_phone"],
        ),
        # two characters: the bigram indexes (reports/0003)
        ("发票", ["bigram_ticket"], ["bigram_event_note", "bigram_customer"]),
    ],
)
def test_postgresql_search_uses_its_indexes(
    centre: Any,
    ledger: dict[str, str],
    monkeypatch: Any,
    q: str,
    own: list[str],
    others: list[str],
    frequent: bool,
) -> None:
    """Each word is looked up first (one UNION ALL: the tickets' own text, up to
    OWN_IDS_MAX; notes; customers), every part served by an index. A rare word then reaches
    the ledger's query as ids; a frequent one as the text conditions, with their indexes."""
    from closeloop.tickets import search as module

    if frequent:
        monkeypatch.setattr(module, "OWN_IDS_MAX", 0)
    with connection.cursor() as cursor:
        # As on a large ledger, where reading every row costs more (a tiny table's cheapest
        # plan is to read it all, or to walk received_at and check each row).
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        with CaptureQueriesContext(connection) as built:
            qs = ledger_for_user(centre.supervisor, {"q": q})
        assert set(qs.values_list("number", flat=True)) == {ledger["invoice"]}
        sql, params = qs.query.sql_with_params()
        lookup_sql = [c["sql"] for c in built.captured_queries if "UNION ALL" in c["sql"]]
        assert len(lookup_sql) == 1
        plans = []
        for query, args in ((sql, params), (lookup_sql[0], None)):  # the captured SQL is final
            cursor.execute("EXPLAIN " + query, args)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    for name in own + others:
        assert f"ledger_{name}" in plans[1], plans[1]
    for name in own:
        assert (f"ledger_{name}" in plans[0]) is frequent, plans[0]
    assert ("tickets_ticket_pkey" in plans[0]) is not frequent, plans[0]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL plan")
def test_postgresql_two_characters_never_through_a_trigram_index(
    centre: Any, ledger: dict[str, str]
) -> None:
    """A trigram index has nothing to look up for two characters and returns every row (every
    note at a million tickets: 1.3 s). With the bigram indexes gone and sequential scans made
    dear, the planner takes a trigram index for any LIKE one could serve: none may."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DROP INDEX ledger_bigram_ticket, ledger_bigram_customer, ledger_bigram_event_note"
        )
        cursor.execute("SET LOCAL enable_seqscan = off")
        with CaptureQueriesContext(connection) as built:
            qs = ledger_for_user(centre.supervisor, {"q": "发票"})
        assert set(qs.values_list("number", flat=True)) == {ledger["invoice"]}
        sql, params = qs.query.sql_with_params()
        lookup_sql = [c["sql"] for c in built.captured_queries if "UNION ALL" in c["sql"]]
        plans = []
        for query, args in ((sql, params), (lookup_sql[0], None)):
            cursor.execute("EXPLAIN " + query, args)
            plans.append("\n".join(row[0] for row in cursor.fetchall()))
    # No index looks up a LIKE (`~~`): it may only recheck the rows found otherwise.
    index_conditions = [
        line for plan in plans for line in plan.splitlines() if "Index Cond:" in line
    ]
    recheck_conditions = [
        line for plan in plans for line in plan.splitlines() if "Recheck Cond:" in line
    ]
    assert not [c for c in index_conditions + recheck_conditions if "~~" in c], plans


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("稽查", ["invoice"]),  # two characters, in a note and in the reply
        ("依法", ["invoice"]),  # two characters, in the reply only
        ("联系", ["invoice"]),  # two characters, in a note only
        ("停电 区", ["outage"]),  # one character beside a longer word: checked on its matches
        ("APP", ["consult"]),  # letters: either case
        ("登录", ["consult"]),
    ],
)
def test_short_words(centre: Any, ledger: dict[str, str], q: str, expected: list[str]) -> None:
    Ticket.objects.filter(number=ledger["consult"]).update(description="app 无法登录")
    assert numbers(centre.supervisor, q=q) == {ledger[k] for k in expected}


def test_one_character_alone_is_refused(centre: Any, ledger: dict[str, str]) -> None:
    """One character would read the whole ledger (no index has single characters)."""
    for q in ("电", "电 费", "a"):
        with pytest.raises(ValidationFailed) as exc:
            ledger_for_user(centre.supervisor, {"q": q})
        assert "q" in exc.value.details


def test_many_matches_through_notes_stay_correct(
    centre: Any, ledger: dict[str, str], monkeypatch: Any
) -> None:
    """Beyond EXTRA_IDS_MAX tickets found through notes and customers, the lookup becomes a
    subquery: slower on a large ledger, the same tickets."""
    from closeloop.tickets import search as module

    expected = {ledger[k] for k in ("invoice", "consult", "outage", "reopened", "september")}
    assert numbers(centre.supervisor, q="王五") == expected
    monkeypatch.setattr(module, "EXTRA_IDS_MAX", 2)
    assert numbers(centre.supervisor, q="王五") == expected
    assert numbers(centre.supervisor, q="13700000000") == expected
    assert numbers(centre.supervisor, q="稽查局") == {ledger["invoice"]}
    assert numbers(centre.liaison_a, q="举报人甲") == set()


def test_count_is_capped(centre: Any, ledger: dict[str, str]) -> None:
    qs = ledger_for_user(centre.supervisor, {})
    assert ledger_count_capped(qs, 10) == (6, False)
    assert ledger_count_capped(qs, 6) == (6, False)
    assert ledger_count_capped(qs, 5) == (5, True)


@pytest.mark.skipif(connection.vendor != "sqlite", reason="SQLite FTS5")
def test_sqlite_index_heals_after_lost_triggers(centre: Any, ledger: dict[str, str]) -> None:
    from closeloop.tickets import search as module

    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER ledger_fts_ticket_update")
    module._fts_checked.clear()
    Ticket.objects.filter(number=ledger["consult"]).update(subject="阶梯电价疑问")
    assert numbers(centre.supervisor, q="阶梯电价") == {ledger["consult"]}
    t = Ticket.objects.get(number=ledger["consult"])
    t.subject = "峰谷电价疑问"
    t.save()
    assert numbers(centre.supervisor, q="峰谷电价") == {ledger["consult"]}


# --------------------------------------------------------------------------- validation


@pytest.mark.parametrize(
    ("filters", "field"),
    [
        ({"kind": "gossip"}, "kind"),
        ({"category": "nope"}, "category"),
        ({"department": "nope"}, "department"),
        ({"handler": "nobody"}, "handler"),
        ({"from": "2026-13-01"}, "from"),
        ({"from": "2026-10-05", "to": "2026-10-01"}, "to"),
        ({"crisis": "maybe"}, "crisis"),
        ({"deadline": "late-ish"}, "deadline"),
        ({"satisfaction": "happy"}, "satisfaction"),
        ({"state": "lost"}, "state"),
        ({"q": "x" * 101}, "q"),
        ({"q": "一二 三四 五六 七八 九十 十一"}, "q"),  # six words
        ({"q": "税"}, "q"),  # one character alone
        ({"colour": "red"}, "colour"),
    ],
)
def test_bad_filters_are_refused(
    centre: Any, ledger: dict[str, str], filters: dict[str, str], field: str
) -> None:
    with pytest.raises(ValidationFailed) as exc:
        ledger_for_user(centre.supervisor, filters)
    assert field in exc.value.details
    assert exc.value.message.startswith(field)


# --------------------------------------------------------------------------- exports


def export_rows(user: Any, fmt: str, tmp_path: Path, **filters: str) -> list[list[str]]:
    path = tmp_path / f"ledger.{fmt}"
    exports.ledger_export(user, filters, fmt, path)
    if fmt == "csv":
        text = path.read_text(encoding="utf-8-sig")
        return list(csv.reader(io.StringIO(text)))
    import openpyxl

    book = openpyxl.load_workbook(path, read_only=True)
    rows = [
        ["" if v is None else str(v) for v in row]
        for row in book.active.iter_rows(values_only=True)
    ]
    width = len(rows[0])
    return [row + [""] * (width - len(row)) for row in rows]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_masks_reporter_for_liaison(
    centre: Any, ledger: dict[str, str], tmp_path: Path, fmt: str
) -> None:
    # 95598 keeps complaints confidential too; a request for help is not
    help_ = services.ticket_register(
        actor=centre.agent,
        data=TicketInput(
            kind="help",
            channel="phone",
            subject="求助",
            customer=CustomerInput(name="王五", phone="13700000000"),
        ),
        now=at(20),
    ).number
    services.ticket_accept(centre.agent, help_, now=at(20))
    services.ticket_dispatch(centre.agent, help_, department=centre.dept_a.code, now=at(20))
    rows = export_rows(centre.liaison_a, fmt, tmp_path)
    header, body = rows[0], rows[1:]
    assert header[:3] == ["Number", "Received at", "Kind"]
    by_number = {r[0]: dict(zip(header, r, strict=True)) for r in body}
    assert set(by_number) == {ledger["invoice"], ledger["report"], ledger["reopened"], help_}
    report = by_number[ledger["report"]]
    assert report["Customer"] == "***" and report["Phone"] == "***"
    assert "举报人甲" not in str(rows) and "13900000000" not in str(rows)
    assert by_number[ledger["invoice"]]["Customer"] == "***"  # a confidential complaint
    assert by_number[help_]["Customer"] == "王五"
    assert by_number[help_]["Phone"] == "13700000000"
    assert not IdentityDisclosure.objects.exists()


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_export_logs_disclosures_for_agent(
    centre: Any, ledger: dict[str, str], tmp_path: Path, fmt: str
) -> None:
    rows = export_rows(centre.agent, fmt, tmp_path)
    assert "举报人甲" in str(rows)
    logged = {
        d.ticket.number for d in IdentityDisclosure.objects.filter(user=centre.agent, via="export")
    }
    protected = {t.number for t in Ticket.objects.all() if t.identity_protected}
    assert logged == protected
    assert ledger["report"] in logged and ledger["consult"] not in logged


def test_export_columns_and_values(centre: Any, ledger: dict[str, str], tmp_path: Path) -> None:
    rows = export_rows(centre.supervisor, "csv", tmp_path, q="专用发票")
    row = dict(zip(rows[0], rows[1], strict=True))
    assert len(rows) == 2
    assert row["Number"] == ledger["invoice"]
    assert row["Received at"] == "2026-10-05 10:00"
    assert row["Subject"] == "虚开增值税专用发票问题"
    assert row["Category"] == "电费电价"
    assert row["Department"] == "甲部门"
    assert row["Validity"] == "valid"
    assert row["Satisfaction"] == "satisfied"
    assert row["Compensation (yuan)"] == "100.00"
    assert row["Reply"] == "已转交稽查部门依法处理"


def test_export_headers_in_chinese(centre: Any, ledger: dict[str, str], tmp_path: Path) -> None:
    path = tmp_path / "ledger.csv"
    exports.ledger_export(centre.supervisor, {}, "csv", path, language="zh-hans")
    header = next(csv.reader(io.StringIO(path.read_text(encoding="utf-8-sig"))))
    with translation.override("zh-hans"):
        assert header[0] == gettext("Number") != "Number"


def test_export_refuses_formula_injection(
    centre: Any, ledger: dict[str, str], tmp_path: Path
) -> None:
    Ticket.objects.filter(number=ledger["consult"]).update(subject='=HYPERLINK("x")')
    csv_rows = export_rows(centre.supervisor, "csv", tmp_path, kind="consultation")
    assert csv_rows[1][csv_rows[0].index("Subject")] == '\'=HYPERLINK("x")'
    import openpyxl

    path = tmp_path / "f.xlsx"
    exports.ledger_export(centre.supervisor, {"kind": "consultation"}, "xlsx", path)
    cell = openpyxl.load_workbook(path).active.cell(row=2, column=csv_rows[0].index("Subject") + 1)
    # read back with openpyxl (a second, independent implementation of the format)
    assert cell.data_type == "s" and cell.value == '=HYPERLINK("x")'


def test_xlsx_columns_are_wide_enough_for_their_dates_and_headers(
    centre: Any, ledger: dict[str, str], tmp_path: Path
) -> None:
    """Excel and WPS show "####" in a column too narrow for its date: every column gets a
    width that fits its header and the dates it holds."""
    import openpyxl

    path = tmp_path / "w.xlsx"
    exports.ledger_export(centre.supervisor, {}, "xlsx", path)
    sheet = openpyxl.load_workbook(path).active
    for column in sheet.iter_cols(min_row=1, max_row=sheet.max_row):
        header = column[0]
        width = sheet.column_dimensions[header.column_letter].width
        needed = max(
            (16 if isinstance(c.value, datetime) else 10 if isinstance(c.value, date) else 0)
            for c in column[1:]
        )
        assert width >= needed, (header.value, width)
        # A Chinese character takes two columns, a Latin one one.
        text = str(header.value)
        shown = sum(2 if "\u4e00" <= ch <= "\u9fff" else 1 for ch in text)
        assert width >= min(shown, 30), (header.value, width)


def test_export_reports_progress(centre: Any, ledger: dict[str, str], tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    exports.ledger_export(
        centre.supervisor, {}, "csv", tmp_path / "x.csv", progress=lambda d, t: seen.append((d, t))
    )
    assert seen[0] == (0, 6) and seen[-1] == (6, 6)


# --------------------------------------------------------------------------- large export

LARGE = 20_000
DESCRIPTION = "纳税人反映办税服务厅排队时间过长，窗口工作人员解释不清，要求说明处理结果。" * 4


@pytest.fixture
def large_ledger(centre: Any) -> int:
    customer = Customer.objects.create(name="批量客户", phone="13600000000")
    now = timezone.now()
    batch = [
        Ticket(
            number=f"20260101-{i:06d}",
            kind="complaint" if i % 7 else "report",
            channel="phone",
            subject=f"批量生成的工单 {i}",
            description=DESCRIPTION,
            reply="已答复" * 20,
            received_at=now,
            customer=customer,
            department=centre.dept_a,
        )
        for i in range(LARGE)
    ]
    Ticket.objects.bulk_create(batch, batch_size=2000)
    return LARGE


def peak_memory(run: Any) -> int:
    tracemalloc.start()
    try:
        run()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


# A streamed export holds one chunk of rows (1,000) at a time; loading the ledger whole
# holds all 20,000. Measured (see docs/ledger.md): streamed ≈ 10–16 MiB, whole ≈ 100 MiB.
BOUND = 40 * 1024 * 1024


def test_large_export_in_bounded_memory(centre: Any, large_ledger: int, tmp_path: Path) -> None:
    # What holding the ledger whole would take, from a quarter of it (it grows linearly).
    whole = 4 * peak_memory(lambda: list(ledger_for_user(centre.liaison_a, {})[: LARGE // 4]))
    for fmt in ("csv", "xlsx"):
        path = tmp_path / f"big.{fmt}"
        streamed = peak_memory(lambda: exports.ledger_export(centre.liaison_a, {}, fmt, path))  # noqa: B023
        print(
            f"{fmt}: streamed peak {streamed / 2**20:.1f} MiB, whole list {whole / 2**20:.1f} MiB"
        )
        assert streamed < BOUND < whole
    with (tmp_path / "big.csv").open(encoding="utf-8-sig") as handle:
        rows = list(csv.reader(handle))
    assert len(rows) == large_ledger + 1
    customers = {row[rows[0].index("Customer")] for row in rows[1:]}
    # the liaison sees the complaints' customer, and the reports' masked
    assert customers == {"批量客户", "***"}
