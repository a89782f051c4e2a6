"""`closeloop sweep` and `closeloop calendar load|status`."""

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from closeloop.cli import main
from closeloop.sla.models import CalendarNotice, Deadline
from closeloop.tickets import services
from closeloop.tickets.services import TicketInput
from tests.conftest import demo_people

pytestmark = pytest.mark.django_db


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_sweep_marks_what_is_due(capsys: pytest.CaptureFixture[str]) -> None:
    people = demo_people("road-rescue")
    past = timezone.now() - timedelta(hours=1)
    ticket = services.ticket_register(
        actor=people["agent"],
        data=TicketInput(kind="complaint", channel="phone", subject="投诉"),
        now=past,
    )
    services.ticket_accept(people["agent"], ticket.number, now=past)
    code, out, err = run(capsys, "sweep")
    assert (code, err) == (0, "")
    assert "now overdue" in out
    assert Deadline.objects.get(ticket=ticket, milestone="dispatch").state == "overdue"
    code, out, _ = run(capsys, "sweep")
    assert "Checked 0 deadlines" in out


def test_calendar_load_and_status(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    notice = tmp_path / "2027.csv"
    notice.write_text(
        "kind,date,to,name\nyear,2027,,\nholiday,2027-01-01,2027-01-03,元旦\n", encoding="utf-8"
    )
    code, out, err = run(capsys, "calendar", "load", str(notice))
    assert (code, err) == (0, "")
    assert "Loaded the 2027 calendar: 3 holidays" in out
    assert CalendarNotice.objects.get().year == 2027
    code, out, _ = run(capsys, "calendar", "status")
    assert code == 0
    assert "Built-in official data: 2004–2026." in out
    assert "Loaded notice 2027" in out
    assert "after 2027 are provisional" in out


def test_calendar_load_refuses_a_bad_file(
    capsys: pytest.CaptureFixture[str], tmp_path: Any
) -> None:
    notice = tmp_path / "bad.yaml"
    notice.write_text(
        "year: 2027\nholidays:\n  - {name: 元旦, date: 2028-01-01}\n", encoding="utf-8"
    )
    code, _out, err = run(capsys, "calendar", "load", str(notice))
    assert code == 1
    assert err.startswith("closeloop: error: ")
    assert len(err.strip().splitlines()) == 1
    assert not CalendarNotice.objects.exists()
    example = Path("closeloop/sla/notices/example-2027.yaml")
    code, _out, err = run(capsys, "calendar", "load", str(example))
    assert code == 1
    assert "example" in err


def test_admin_upload_loads_a_notice(client: Any, tmp_path: Path) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tests.conftest import person

    admin = person("root", "admin")
    admin.is_staff = admin.is_superuser = True
    admin.save()
    client.force_login(admin)
    page = client.get("/admin/sla/calendarnotice/upload/")
    assert page.status_code == 200
    bad = SimpleUploadedFile("bad.yaml", b"year: 2027\nholidays: nonsense\n")
    response = client.post("/admin/sla/calendarnotice/upload/", {"file": bad})
    assert response.status_code == 200  # the form again, with the parser's message
    assert not CalendarNotice.objects.exists()
    good = SimpleUploadedFile(
        "2027.csv", "kind,date,to,name\nyear,2027,,\nholiday,2027-01-01,,元旦\n".encode()
    )
    response = client.post("/admin/sla/calendarnotice/upload/", {"file": good})
    assert response.status_code == 302
    assert CalendarNotice.objects.get().year == 2027
