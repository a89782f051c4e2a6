"""`closeloop init --demo` on the shipped packs (issue 12, items 13–15): the demo history it
replays once, one organisation per database, and the URL it prints."""

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from closeloop.cli import main
from closeloop.directory.models import Department, DutyRota, User
from closeloop.policy.models import Category, PolicyPack
from closeloop.policy.services import pack_active, pack_read
from closeloop.tickets.models import Ticket, TicketEvent

pytestmark = pytest.mark.django_db

DEMO_TICKETS = 30


@pytest.fixture
def data_dir(tmp_path: Path, settings: Any) -> Path:
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    settings.STATIC_ROOT = tmp_path / "data" / "static"
    settings.DEMO_TICKETS = DEMO_TICKETS
    return Path(settings.DATA_DIR)


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def snapshot() -> tuple[int, ...]:
    return (
        PolicyPack.objects.count(),
        Department.objects.filter(is_active=True).count(),
        Category.objects.filter(is_active=True).count(),
        User.objects.filter(is_active=True).count(),
        DutyRota.objects.count(),
        Ticket.objects.count(),
        TicketEvent.objects.count(),
    )


def one_error_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("closeloop: error: "), err
    return lines[0]


class TestDemoHistory:
    def test_init_demo_replays_a_history_once(
        self, capsys: pytest.CaptureFixture[str], data_dir: Path
    ) -> None:
        code, out, err = run(capsys, "init", "--demo")
        assert (code, err) == (0, ""), err
        summary = re.search(
            r"Demo history: (\d+) tickets received (\d{4}-\d\d)-01 – .*monthly reports: (.*)\.",
            out,
        )
        assert summary is not None, out
        assert int(summary[1]) == Ticket.objects.count() == DEMO_TICKETS
        assert len(summary[3].split(", ")) == 3  # three closed months, each with its report
        assert "Demo logins" in out

        before = snapshot()
        code, out, _err = run(capsys, "init", "--demo")
        assert code == 0
        assert "Demo history: the database already holds tickets; none added." in out
        assert snapshot() == before

    def test_no_history_when_asked_for_none(
        self, capsys: pytest.CaptureFixture[str], data_dir: Path
    ) -> None:
        code, out, _err = run(capsys, "init", "--demo", "--demo-tickets", "0")
        assert code == 0 and "Demo history" not in out
        assert not Ticket.objects.exists()
        assert User.objects.filter(username="agent").exists()


class TestOneOrganisationPerDatabase:
    def test_another_pack_is_refused_once_there_are_tickets(
        self, capsys: pytest.CaptureFixture[str], data_dir: Path
    ) -> None:
        assert run(capsys, "init", "--demo")[0] == 0
        before = snapshot()

        code, out, err = run(capsys, "init", "--pack", "power-95598", "--demo")
        assert code == 1 and out == ""
        line = one_error_line(err)
        assert "tax-hotline-12366" in line and "power-95598" in line
        assert "CLOSELOOP_DATA_DIR=" in line and "DATABASE_URL" in line  # how to run it apart

        code, out, err = run(capsys, "pack", "load", "power-95598")
        assert code == 1 and out == ""
        assert "CLOSELOOP_DATA_DIR=" in one_error_line(err)

        assert snapshot() == before
        assert pack_active().name == "tax-hotline-12366"
        assert not Department.objects.filter(code="station-city").exists()

    def test_the_same_pack_in_a_new_version_still_loads(
        self, capsys: pytest.CaptureFixture[str], data_dir: Path, tmp_path: Path
    ) -> None:
        assert run(capsys, "init", "--demo")[0] == 0
        tickets = Ticket.objects.count()
        source = Path(django_settings.PACKS_DIR) / "tax-hotline-12366" / "pack.yaml"
        folder = tmp_path / "upgrade"
        folder.mkdir()
        text = source.read_text(encoding="utf-8").replace('version: "1.0"', 'version: "1.1"')
        (folder / "pack.yaml").write_text(text, encoding="utf-8")

        code, out, err = run(capsys, "pack", "load", str(folder))
        assert (code, err) == (0, ""), err
        assert "tax-hotline-12366 1.1" in out
        assert pack_active().version == "1.1"
        assert Ticket.objects.count() == tickets

    def test_without_tickets_the_switch_is_clean(
        self, capsys: pytest.CaptureFixture[str], data_dir: Path
    ) -> None:
        assert run(capsys, "init", "--demo", "--demo-tickets", "0")[0] == 0
        assert DutyRota.objects.exists()

        code, out, err = run(
            capsys, "init", "--pack", "power-95598", "--demo", "--demo-tickets", "0"
        )
        assert (code, err) == (0, ""), err
        power = pack_read(Path(django_settings.PACKS_DIR) / "power-95598")
        # Only the new organisation's departments and demo people are left working.
        active = set(Department.objects.filter(is_active=True).values_list("code", flat=True))
        assert active == set(power.department_codes())
        assert power.demo is not None
        people = {p.username: p for p in power.demo.people}
        working = User.objects.filter(is_active=True)
        assert set(working.values_list("username", flat=True)) == set(people)
        # A username both packs use now has the new pack's role and department.
        liaison = User.objects.get(username="liaison")
        assert liaison.department is not None and liaison.department.code == "station-city"
        assert liaison.check_password(people["liaison"].password)
        assert not User.objects.get(username="liaison-inspection").is_active
        assert not DutyRota.objects.filter(department__code="goods-tax").exists()
        assert "liaison        closeloop-demo  liaison  [station-city]" in out


class TestPrintedUrl:
    def test_init_prints_the_address_run_will_use(
        self, capsys: pytest.CaptureFixture[str], data_dir: Path
    ) -> None:
        code, out, _err = run(capsys, "init", "--demo", "--demo-tickets", "0", "--port", "8080")
        assert code == 0
        assert "http://127.0.0.1:8080/" in out and ":8000" not in out
        code, out, _err = run(
            capsys,
            "init",
            "--demo",
            "--demo-tickets",
            "0",
            "--host",
            "0.0.0.0",  # noqa: S104 - what a user may pass; nothing binds here
            "--port",
            "9001",
        )
        assert "http://127.0.0.1:9001/admin/" in out

    def test_an_impossible_port_is_refused(
        self, capsys: pytest.CaptureFixture[str], data_dir: Path
    ) -> None:
        code, out, err = run(capsys, "init", "--demo", "--port", "70000")
        assert code == 1 and out == ""
        assert "invalid port 70000" in one_error_line(err)
        assert not PolicyPack.objects.exists()

    def test_make_start_tells_init_the_port(self) -> None:
        shown = subprocess.run(
            ["make", "-n", "start", "PORT=8080"],  # noqa: S607 - make from PATH, as a user runs it
            cwd=django_settings.BASE_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        assert "closeloop init --demo --host 127.0.0.1 --port 8080" in shown
        assert "closeloop run --host 127.0.0.1 --port 8080" in shown
