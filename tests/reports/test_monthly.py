"""The monthly report: its figures are the indicators', no identity leaks into it, the PDF
and the workbook render, and it is generated once on the first working day of a month."""

import io
import shutil
import subprocess
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from closeloop.common.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from closeloop.directory.models import User
from closeloop.notifications.models import Notification, OutboxMessage
from closeloop.reports import monthly
from closeloop.reports.indicators import indicators, overdue_q, satisfied_values
from closeloop.reports.models import MonthlyReport
from closeloop.reports.monthly import Month
from closeloop.reports.pdf import monthly_pdf
from closeloop.reports.xlsx import monthly_xlsx
from closeloop.sla.calendar import china_calendar
from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.reports.test_indicators import month as month  # the shared fixture

TZ = ZoneInfo("Asia/Shanghai")
OCTOBER = Month(2026, 10)
NOVEMBER_2 = datetime(2026, 11, 2, 9, tzinfo=TZ)
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# A whistleblower who must never appear in any report.
REPORTER_NAME, REPORTER_PHONE = "测试举报人甲", "13912345678"


@pytest.fixture
def centre(month: dict[str, User]) -> dict[str, Any]:
    """The month of test_indicators, plus: a report (举报) from a protected reporter, a crisis
    case, a second department's case resolved on time, and tickets in earlier months."""
    people = month
    agent = people["agent"]

    def new(when: datetime, subject: str, kind: str = "complaint", **customer: str) -> str:
        data = TicketInput(
            kind=kind,
            channel="phone",
            subject=subject,
            customer=CustomerInput(**customer) if customer else None,
        )
        return services.ticket_register(actor=agent, data=data, now=when).number

    def at(day: int, hour: int = 10) -> datetime:
        return datetime(2026, 10, day, hour, tzinfo=TZ)

    report = new(
        at(15), "举报抄表员收取好处费", kind="report", name=REPORTER_NAME, phone=REPORTER_PHONE
    )
    services.ticket_accept(agent, report, now=at(15))
    maint = new(at(16), "线路检修后仍电压偏低", name="用户乙", phone="13500000001")
    services.ticket_accept(agent, maint, now=at(16))
    services.ticket_dispatch(agent, maint, department="maintenance", now=at(16))
    services.ticket_assign(people["liaison-maint"], maint, handler="handler-maint", now=at(16))
    services.ticket_resolve(
        people["handler-maint"], maint, reply="已处理", validity="valid", now=at(19, 11)
    )
    services.ticket_visit(agent, maint, satisfaction="dissatisfied", now=at(20))
    # The pack has no crisis trigger: flag an October ticket as a crisis directly (test data).
    crisis = Ticket.objects.filter(subject="complaint 20").order_by("id").last()
    assert crisis is not None
    Ticket.objects.filter(pk=crisis.pk).update(crisis=True, crisis_reasons=["客户扬言曝光"])
    new(datetime(2025, 10, 9, 10, tzinfo=TZ), "去年同月的投诉")
    new(datetime(2026, 6, 3, 10, tzinfo=TZ), "六月的投诉")
    deadlines_sweep(now=datetime(2026, 10, 31, 23, tzinfo=TZ))
    return {**people, "report": report, "maint": maint, "crisis": crisis.number}


def figures(user: User, month_: Month = OCTOBER) -> dict[str, Any]:
    return monthly.monthly_figures(user, month_, now=NOVEMBER_2)


# --------------------------------------------------------------------------- figures


def test_figures_are_the_indicators(centre: dict[str, Any]) -> None:
    supervisor = centre["supervisor"]
    f = figures(supervisor)
    satisfied = satisfied_values()

    def ind(m: Month, **kw: Any) -> dict[str, Any]:
        return indicators(supervisor, m.period(), satisfied_values=satisfied, **kw)

    october = ind(OCTOBER, group_by="department")
    assert f["totals"] == october["totals"]
    assert f["on_time"] == october["on_time"]
    assert f["previous"]["totals"] == ind(Month(2026, 9))["totals"]
    assert f["last_year"]["month"] == "2025-10"
    assert f["last_year"]["totals"] == ind(Month(2025, 10))["totals"]
    assert f["last_year"]["totals"]["received"] == 1
    assert [p["month"] for p in f["trend"]] == [f"{y}-{m:02d}" for y, m in
        [(2025, 11), (2025, 12)] + [(2026, m) for m in range(1, 11)]]  # fmt: skip
    for point in f["trend"]:
        m = Month.parse(point["month"])
        expected = ind(m)
        assert point["received"] == expected["totals"]["received"]
        assert point["resolved"] == expected["totals"]["resolved"]
        assert point["satisfaction_rate"] == expected["totals"]["satisfaction_rate"]
        assert point["on_time_resolve_rate"] == expected["on_time"].get("resolve", {}).get(
            "on_time_rate"
        )
    assert f["trend"][-1]["received"] == f["totals"]["received"] == 10
    assert next(p for p in f["trend"] if p["month"] == "2026-06")["received"] == 1
    # Every department of the month is ranked with its own group's figures.
    groups = {g["key"]: g for g in october["groups"]}
    for row in f["departments"]["ranking"]:
        group = groups[row["key"]]
        assert (row["received"], row["overdue"], row["satisfaction_rate"]) == (
            group["received"],
            group["overdue"],
            group["satisfaction_rate"],
        )
        assert row["on_time_resolve_rate"] == group["on_time"].get("resolve", {}).get(
            "on_time_rate"
        )
    ranked = sum(r["received"] for r in f["departments"]["ranking"])
    unassigned = f["departments"]["unassigned"]["received"]
    assert ranked + unassigned == f["totals"]["received"]


def test_case_lists_are_the_counted_tickets(centre: dict[str, Any]) -> None:
    f = figures(centre["supervisor"])
    cohort = Ticket.objects.filter(
        received_at__gte=OCTOBER.period().start, received_at__lt=OCTOBER.period().end
    ).exclude(status="merged")
    overdue = {r["number"] for r in f["overdue_cases"]["rows"]}
    assert overdue == set(cohort.filter(overdue_q()).values_list("number", flat=True))
    assert f["overdue_cases"]["count"] == f["totals"]["overdue"] == len(overdue)
    assert all(r["late_milestones"] for r in f["overdue_cases"]["rows"])
    reopened = f["reopened_cases"]
    assert reopened["count"] == f["totals"]["reopened"] == 2  # ticket 3, and nothing else…
    assert {r["number"] for r in reopened["rows"]} >= {centre["maint"]}
    assert [r["number"] for r in f["crisis_cases"]["rows"]] == [centre["crisis"]]
    assert f["crisis_cases"]["rows"][0]["crisis_reasons"] == ["客户扬言曝光"]
    # Rows carry the subject and department, never the customer.
    row = f["crisis_cases"]["rows"][0]
    assert set(row) == {"number", "subject", "department", "kind", "status", "received_on",
                        "reopen_count", "satisfaction", "crisis_reasons"}  # fmt: skip


def test_department_ranking_rule() -> None:
    def row(key: str, on_time: float | None, satisfied: float | None, overdue: int) -> dict:
        return {"key": key, "label": key, "on_time_resolve_rate": on_time,
                "satisfaction_rate": satisfied, "overdue": overdue}  # fmt: skip

    ranked = monthly.department_ranking(
        [
            row("e", None, 1.0, 0),  # nothing decided: after every rated department
            row("d", 0.9, 0.8, 3),
            row("c", 0.9, 0.8, 1),
            row("b", 0.9, 0.95, 5),
            row("a", 1.0, 0.5, 9),
            row("f", 0.9, 0.8, 1),  # ties with c
        ]
    )
    assert [(r["key"], r["rank"]) for r in ranked] == [
        ("a", 1), ("b", 2), ("c", 3), ("f", 3), ("d", 5), ("e", 6),
    ]  # fmt: skip


def test_department_staff_get_their_department_only(centre: dict[str, Any]) -> None:
    f = figures(centre["liaison"])
    assert f["centre_wide"] is False
    assert (
        f["totals"]
        == indicators(centre["liaison"], OCTOBER.period(), satisfied_values=satisfied_values())[
            "totals"
        ]
    )
    assert f["totals"]["received"] == 5
    assert {r["key"] for r in f["departments"]["ranking"]} == {"station-city"}


@pytest.mark.parametrize(
    "text", ["2026-13", "2026-00", "26-10", "2026/10", "october", "0000-01", "2026-1", ""]
)
def test_bad_month(text: str) -> None:
    with pytest.raises(ValidationFailed, match=r"expected YYYY-MM|between"):
        Month.parse(text)


def test_month_arithmetic() -> None:
    assert str(Month(2026, 1).shift(-1)) == "2025-12"
    assert str(Month(2026, 10).shift(-12)) == "2025-10"
    assert Month(2024, 2).last_day == date(2024, 2, 29)
    assert Month.parse(" 2026-10 ") == OCTOBER


def test_future_and_unfinished_months(centre: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed, match="has not begun"):
        monthly.monthly_figures(centre["supervisor"], Month(2026, 12), now=NOVEMBER_2)
    # The running month shows figures so far, but is saved only once it is over.
    so_far = monthly.monthly_figures(centre["supervisor"], Month(2026, 11), now=NOVEMBER_2)
    assert so_far["complete"] is False
    with pytest.raises(ValidationFailed, match="not over yet"):
        monthly.monthly_report_generate(Month(2026, 11), user=centre["supervisor"], now=NOVEMBER_2)


# --------------------------------------------------------------------------- the stored report


def test_draft_typical_cases_publish(centre: dict[str, Any]) -> None:
    supervisor, leader = centre["supervisor"], centre["leader"]
    report = monthly.monthly_report_update(
        OCTOBER,
        user=supervisor,
        typical_cases=[(centre["maint"], "检修后回访不满意,需复查"), ("", "")],
        corrective_actions="一、加强检修质量回访。\n二、超期工单每周通报。",
        now=NOVEMBER_2,
    )
    assert report.state == "draft" and report.figures["totals"]["received"] == 10
    assert report.typical_cases[0]["number"] == centre["maint"]
    assert report.typical_cases[0]["subject"] == "线路检修后仍电压偏低"
    assert report.typical_cases[0]["department"] == "运维检修部"

    with pytest.raises(NotFound):
        monthly.monthly_report_update(
            OCTOBER, user=supervisor, typical_cases=[("20990101-000001", "")],
            corrective_actions="", now=NOVEMBER_2,
        )  # fmt: skip
    with pytest.raises(ValidationFailed, match="twice"):
        monthly.monthly_report_update(
            OCTOBER, user=supervisor, typical_cases=[(centre["maint"], ""), (centre["maint"], "")],
            corrective_actions="", now=NOVEMBER_2,
        )  # fmt: skip
    with pytest.raises(NotAllowed):
        monthly.monthly_report_update(
            OCTOBER, user=leader, typical_cases=[], corrective_actions="", now=NOVEMBER_2
        )

    # The data shown is the stored one, typical cases included.
    data = monthly.monthly_report_data(leader, OCTOBER, now=NOVEMBER_2)
    assert data["state"] == "draft" and data["typical_cases"][0]["comment"].startswith("检修")

    later = NOVEMBER_2 + timedelta(days=1)
    published = monthly.monthly_report_publish(OCTOBER, user=supervisor, now=later)
    assert published.state == "published" and published.published_by == supervisor
    assert Notification.objects.filter(recipient=leader, kind="monthly_report").count() == 1
    with pytest.raises(Conflict, match="published"):
        monthly.monthly_report_update(
            OCTOBER, user=supervisor, typical_cases=[], corrective_actions="", now=later
        )
    with pytest.raises(Conflict):
        monthly.monthly_report_generate(OCTOBER, user=supervisor, now=later)
    # Frozen: a later change to the tickets does not change the published figures.
    services.ticket_resolve(
        centre["handler-maint"], centre["maint"], reply="已复查", validity="valid", now=later
    )
    assert figures(supervisor)["totals"] != published.figures["totals"]
    again = monthly.monthly_report_data(leader, OCTOBER, now=later + timedelta(hours=1))
    assert again["figures"] == published.figures


# --------------------------------------------------------------------------- schedule


@pytest.mark.parametrize(
    ("today", "due"),
    [
        ("2026-10-01", None),  # 国庆节 and 中秋节: 10-01 … 10-07 are holidays
        ("2026-10-07", None),
        ("2026-10-08", "2026-09"),  # the first working day of October
        ("2026-01-01", None),  # 元旦 10-01 … 01-03
        ("2026-01-03", None),
        ("2026-01-04", "2025-12"),  # a Sunday worked in exchange (调休上班)
        ("2026-02-01", None),  # a Sunday
        ("2026-02-02", "2026-01"),  # 春节 falls in mid-February, not at its start
        ("2026-03-02", "2026-02"),  # after 春节: March 1 is a Sunday
        ("2026-05-05", None),  # 劳动节 05-01 … 05-05
        ("2026-05-06", "2026-04"),
        ("2026-06-01", "2026-05"),  # a plain Monday
    ],
)
def test_first_working_day_decides(today: str, due: str | None) -> None:
    calendar = china_calendar()
    result = monthly.monthly_generation_due(
        date.fromisoformat(today), calendar.is_working_day, done=False
    )
    assert (str(result) if result else None) == due


def test_catch_up_and_done() -> None:
    calendar = china_calendar()
    # A worker down on 10-08 still generates on 10-09; once done, never again.
    assert str(monthly.monthly_generation_due(date(2026, 10, 9), calendar.is_working_day, done=False)) == "2026-09"  # fmt: skip
    assert monthly.monthly_generation_due(date(2026, 10, 8), calendar.is_working_day, done=True) is None  # fmt: skip


def test_automatic_generation_once(centre: dict[str, Any]) -> None:
    leader = centre["leader"]
    leader.email = "leader@example.invalid"
    leader.save()
    holiday = datetime(2026, 11, 1, 7, tzinfo=TZ)  # a Sunday
    assert monthly.monthly_report_auto(holiday) is None
    assert not MonthlyReport.objects.exists()

    first = datetime(2026, 11, 2, 7, tzinfo=TZ)
    report = monthly.monthly_report_auto(first)
    assert report is not None and report.month == "2026-10" and report.notified_at == first
    assert report.generated_by is None  # the scheduler
    assert report.figures["totals"] == figures(centre["supervisor"])["totals"]
    notes = Notification.objects.filter(recipient=leader, kind="monthly_report")
    assert notes.count() == 1 and "2026-10" in notes.get().text
    assert OutboxMessage.objects.filter(key__startswith="monthly:2026-10:").count() == 1

    assert monthly.monthly_report_auto(first + timedelta(days=1)) is None
    assert notes.count() == 1
    assert MonthlyReport.objects.count() == 1


def test_automatic_generation_needs_a_leader(centre: dict[str, Any]) -> None:
    User.objects.filter(roles__role="leader").update(is_active=False)
    assert monthly.monthly_report_auto(datetime(2026, 11, 2, 7, tzinfo=TZ)) is None


# --------------------------------------------------------------------------- PDF and XLSX


@pytest.fixture
def shown(centre: dict[str, Any]) -> dict[str, Any]:
    """The report as pages and files show it, with a typical case and corrective actions."""
    monthly.monthly_report_update(
        OCTOBER,
        user=centre["supervisor"],
        typical_cases=[(centre["maint"], "检修后回访不满意,需复查")],
        corrective_actions="一、加强检修质量回访。\n二、超期工单每周通报,责任到人。",
        now=NOVEMBER_2,
    )
    data = monthly.monthly_report_data(centre["supervisor"], OCTOBER, now=NOVEMBER_2)
    return monthly.monthly_display(data)


def test_pdf_is_readable_and_masks(shown: dict[str, Any], tmp_path: Path) -> None:
    from django.utils import translation

    with translation.override("zh-hans"):
        pdf = monthly_pdf(shown, organisation="95598供电服务热线")
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "monthly-2026-10.pdf"
    path.write_bytes(pdf)
    pdftotext, pdftoppm = shutil.which("pdftotext"), shutil.which("pdftoppm")
    if pdftotext:
        text = subprocess.run(
            [pdftotext, "-layout", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        # The Chinese text is real text (an embedded font), and no identity is in it.
        for expected in (
            "95598供电服务热线",
            "线路检修后仍电压偏低",
            "运维检修部",
            "一、加强检修质量回访",
        ):
            assert expected in text.replace(" ", "")
        assert REPORTER_NAME not in text and REPORTER_PHONE not in text
        assert "13400000000" not in text and "用户乙" not in text
    if pdftoppm:
        ARTIFACTS.mkdir(exist_ok=True)
        for page in (1, 2):
            stem = ARTIFACTS / f"monthly-report-page{page}"
            subprocess.run(
                [pdftoppm, "-png", "-r", "80", "-f", str(page), "-l", str(page),
                 "-singlefile", str(path), str(stem)],
                check=True,
            )  # fmt: skip
            png = stem.with_suffix(".png")
            assert png.stat().st_size > 10_000  # a page with text and tables, not blank
        shutil.copy(path, ARTIFACTS / "monthly-report.pdf")


def test_pdf_falls_back_to_the_cid_font(
    shown: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    from closeloop.reports import pdf

    pdf.pdf_font.cache_clear()
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", ())
    try:
        assert pdf.pdf_font() == "STSong-Light"
        assert pdf.monthly_pdf(shown).startswith(b"%PDF-")
    finally:
        pdf.pdf_font.cache_clear()


def test_xlsx_has_every_section_and_masks(shown: dict[str, Any]) -> None:
    book = load_workbook(io.BytesIO(monthly_xlsx(shown)))
    assert book.sheetnames == [
        "Key figures", "Trend", "Department ranking", "Overdue cases", "Reopened cases",
        "Crisis cases", "Typical cases", "Corrective actions",
    ]  # fmt: skip
    key = {row[0]: row[1:] for row in book["Key figures"].iter_rows(min_row=5, values_only=True)}
    totals = shown["figures"]["totals"]
    assert key["Received"][0] == totals["received"]
    assert key["Satisfaction rate"][0] == totals["satisfaction_rate"]
    assert key["Received"][2] == 1  # same month last year
    trend = list(book["Trend"].iter_rows(min_row=2, values_only=True))
    assert len(trend) == 12 and trend[-1][:3] == ("2026-10", 10, totals["resolved"])
    overdue = list(book["Overdue cases"].iter_rows(min_row=2, values_only=True))
    assert len(overdue) == totals["overdue"]
    everything = " ".join(
        str(value)
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for value in row
        if value is not None
    )
    assert "线路检修后仍电压偏低" in everything and "加强检修质量回访" in everything
    assert REPORTER_NAME not in everything and REPORTER_PHONE not in everything


def test_charts_are_svg(shown: dict[str, Any]) -> None:
    from closeloop.reports.charts import to_svg

    pictures = monthly.monthly_charts(shown["figures"])
    assert len(pictures) == 3
    svg = to_svg(pictures[0])
    assert svg.startswith("<svg") and svg.count("<rect") >= 12 and "26-10" in svg
    assert "<polyline" in to_svg(pictures[1])
    assert "运维检修部" in to_svg(pictures[2])


def test_task_runs_at_seven_in_the_centre() -> None:
    from closeloop.reports.tasks import at_seven_local

    # Huey hands over naive UTC moments; 23:00 UTC is 07:00 in Shanghai.
    assert at_seven_local(datetime(2026, 10, 7, 23, 0))
    assert not at_seven_local(datetime(2026, 10, 8, 7, 0))
    assert not at_seven_local(datetime(2026, 10, 7, 23, 1))
