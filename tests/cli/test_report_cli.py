"""`closeloop report monthly YYYY-MM -o FILE.pdf|xlsx`: the file, whose view, one-line errors."""

import io
import shutil
import subprocess
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook

from closeloop.cli import main
from closeloop.directory.models import User
from closeloop.reports import monthly
from closeloop.tickets import services
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import demo_people

pytestmark = pytest.mark.django_db
TZ = ZoneInfo("Asia/Shanghai")
REPORTER = "测试举报人乙"


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def one_line_error(err: str, fragment: str) -> None:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("closeloop: error: "), err
    assert fragment in lines[0], err


@pytest.fixture
def october(db: Any) -> dict[str, User]:
    """95598: a report (举报) about a meter reader and a complaint dispatched to a station."""
    people = demo_people("power-95598")
    agent = people["agent"]
    when = datetime(2026, 10, 12, 10, tzinfo=TZ)
    services.ticket_register(
        actor=agent,
        data=TicketInput(
            kind="report", channel="phone", subject="举报抄表员收费",
            customer=CustomerInput(name=REPORTER, phone="13911112222"),
        ),
        now=when,
    )  # fmt: skip
    number = services.ticket_register(
        actor=agent,
        data=TicketInput(kind="complaint", channel="phone", subject="城区频繁停电"),
        now=when,
    ).number
    services.ticket_accept(agent, number, now=when)
    services.ticket_dispatch(agent, number, department="station-city", now=when)
    return people


def test_pdf_as_the_first_leader(
    october: dict[str, User], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "report.pdf"
    code, stdout, err = run(capsys, "report", "monthly", "2026-10", "-o", str(out))
    assert (code, err) == (0, "")
    assert stdout.startswith("Wrote the monthly report for 2026-10 (not generated yet")
    assert "as leader sees it" in stdout
    body = out.read_bytes()
    assert body.startswith(b"%PDF-")
    assert not list(tmp_path.glob(".*partial"))
    pdftotext = shutil.which("pdftotext")
    if pdftotext:
        text = subprocess.run(
            [pdftotext, str(out), "-"], capture_output=True, text=True, check=True
        ).stdout.replace(" ", "")
        assert "城区供电所" in text  # the ranking, in Chinese
        assert REPORTER not in text and "13911112222" not in text


def test_stored_report_is_used(
    october: dict[str, User], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    monthly.monthly_report_update(
        monthly.Month(2026, 10),
        user=october["supervisor"],
        typical_cases=[],
        corrective_actions="加强抄表人员管理",
        now=datetime(2026, 11, 2, 9, tzinfo=TZ),
    )
    out = tmp_path / "report.xlsx"
    code, stdout, _err = run(capsys, "report", "monthly", "2026-10", "-o", str(out))
    assert code == 0 and "(draft," in stdout
    book = load_workbook(io.BytesIO(out.read_bytes()))
    assert book["Corrective actions"]["A2"].value == "加强抄表人员管理"


def test_xlsx_in_a_department_view(
    october: dict[str, User], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    out = tmp_path / "station.XLSX"
    code, stdout, err = run(
        capsys, "report", "monthly", "2026-10", "-o", str(out), "--user", "liaison"
    )
    assert (code, err) == (0, ""), err
    assert "as liaison sees it" in stdout
    book = load_workbook(io.BytesIO(out.read_bytes()))
    summary = {r[0]: r[1] for r in book["Key figures"].iter_rows(min_row=5, values_only=True)}
    assert summary["Received"] == 1  # the station's own ticket only


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (
            ["2026-13", "-o", "{tmp}/r.pdf"],
            "invalid month '2026-13': expected YYYY-MM, e.g. 2026-10",
        ),
        (["26-10", "-o", "{tmp}/r.pdf"], "expected YYYY-MM"),
        (["2099-01", "-o", "{tmp}/r.pdf"], "2099-01 has not begun yet"),
        (["2026-10", "-o", "{tmp}/r.docx"], "the file name must end in .pdf or .xlsx"),
        (["2026-10", "-o", "{tmp}/nowhere/r.pdf"], "no such directory"),
        (["2026-10", "-o", "{tmp}/r.pdf", "--user", "nobody"], "no active user 'nobody'"),
    ],
)
def test_refusals(
    october: dict[str, User],
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    argv: list[str],
    fragment: str,
) -> None:
    code, _out, err = run(capsys, "report", "monthly", *[a.format(tmp=tmp_path) for a in argv])
    assert code == 1
    one_line_error(err, fragment)
    assert not [p for p in tmp_path.rglob("*") if p.is_file()]


def test_refuses_without_a_leader(
    october: dict[str, User], capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    User.objects.filter(roles__role="leader").update(is_active=False)
    code, _out, err = run(capsys, "report", "monthly", "2026-10", "-o", str(tmp_path / "r.pdf"))
    assert code == 1
    one_line_error(err, "no active leader")
    code, _out, err = run(
        capsys,
        "report",
        "monthly",
        "2026-10",
        "-o",
        str(tmp_path / "r.pdf"),
        "--user",
        "supervisor",
    )
    assert (code, err) == (0, "")


def test_usage(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _err = run(capsys, "--help")
    assert code == 0 and "report" in out
    code, _out, err = run(capsys, "report", "monthly", "2026-10")
    assert code == 2
    one_line_error(err, "the following arguments are required: -o/--output")
