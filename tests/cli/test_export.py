"""`closeloop export ledger`: the file, the person's view, progress on stderr, refusals."""

import csv
from pathlib import Path
from typing import Any

import pytest

from closeloop.cli import main
from closeloop.tickets import services
from closeloop.tickets.services import CustomerInput, TicketInput


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def tickets(centre: Any) -> list[str]:
    numbers = []
    for subject, confidential in (("虚开增值税专用发票", False), ("员工收受礼品", True)):
        t = services.ticket_register(
            actor=centre.agent,
            data=TicketInput(
                kind="complaint",
                channel="phone",
                subject=subject,
                confidential=confidential,
                customer=CustomerInput(name="诉求人丙", phone="13500000000"),
            ),
        )
        services.ticket_accept(centre.agent, t.number)
        services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
        numbers.append(t.number)
    return numbers


def read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig") as handle:
        return list(csv.reader(handle))


def test_exports_csv_as_the_user_sees_it(
    centre: Any, tickets: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ledger.csv"
    code, stdout, err = run(
        capsys, "export", "ledger", "--from", "2000-01-01", "--to", "2199-12-31",
        "--format", "csv", "-o", str(out), "--user", "liaison_a",
    )  # fmt: skip
    assert code == 0, err
    assert "Wrote 2 tickets" in stdout
    assert "exported 2 of 2 tickets (100%)" in err
    rows = read_csv(out)
    assert {r[0] for r in rows[1:]} == set(tickets)
    masked = next(r for r in rows if r[0] == tickets[1])
    assert "***" in masked and "诉求人丙" not in masked


def test_filters_and_xlsx(
    centre: Any, tickets: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "ledger.xlsx"
    code, stdout, err = run(
        capsys, "export", "ledger", "-q", "专用发票", "--department", "t-alpha",
        "--format", "xlsx", "-o", str(out), "--user", "super1",
    )  # fmt: skip
    assert code == 0, err
    assert "Wrote 1 tickets" in stdout
    assert out.read_bytes()[:2] == b"PK"


def test_refuses_without_a_user(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "export", "ledger", "--format", "csv", "-o", str(tmp_path / "x"))
    assert code == 2
    assert "--user" in err and len(err.strip().splitlines()) == 1


def test_refuses_bad_filters_naming_them(
    centre: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "x.csv"
    for args, field in (
        (["--kind", "gossip"], "kind"),
        (["--from", "2026-10-05", "--to", "2026-10-01"], "to"),
        (["--handler", "nobody"], "handler"),
    ):
        code, _out, err = run(
            capsys, "export", "ledger", *args, "--format", "csv", "-o", str(out), "--user", "super1"
        )
        assert code == 1
        assert err.startswith(f"closeloop: error: {field}: "), err
        assert not out.exists() and not list(tmp_path.iterdir())


def test_refuses_unknown_user(
    centre: Any, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _out, err = run(
        capsys,
        "export",
        "ledger",
        "--format",
        "csv",
        "-o",
        str(tmp_path / "x.csv"),
        "--user",
        "ghost",
    )
    assert code == 1 and "no active user 'ghost'" in err
