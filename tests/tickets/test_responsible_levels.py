"""Responsible levels (issue 12, item 9; seed 000: 主管办理业务主任 一级责任人, 税务主任 二级).

People hold a level (`User.responsible_level`). Escalations name `responsible_<level>`: an
overdue complaint goes to the first level, and one limit later to the second. Plans and
extensions are approved by a holder of the pack's approver roles and, where the pack names a
level, of that level or a higher one. Until anybody holds a level, its role stands in."""

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.conf import LazySettings

from closeloop.cli import main
from closeloop.directory.models import Department, User
from closeloop.notifications.models import Notification
from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import services
from closeloop.tickets.models import Ticket, TicketEvent
from tests.conftest import demo_people, person

TZ = ZoneInfo("Asia/Shanghai")
T = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)  # a Monday
MINUTE = timedelta(minutes=1)


@pytest.fixture
def outsourcing(db: Any) -> dict[str, User]:
    """The tax-service-outsourcing demo (leader1 holds level 1, leader2 level 2) and a leader
    with no level."""
    people = demo_people("tax-service-outsourcing")
    people["plain-leader"] = person(
        "plain-leader", "leader", department=Department.objects.get(code="management")
    )
    return people


def complaint(people: dict[str, User], **extra: Any) -> Ticket:
    agent = people["agent"]
    t = services.ticket_register(
        actor=agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject="窗口人员态度差",
            customer=services.CustomerInput(name="张三", phone="13800138000"),
            **extra,
        ),
        now=T,
    )
    services.ticket_accept(agent, t.number, now=T)
    services.ticket_dispatch(agent, t.number, department="tax-hall", now=T)
    return services.ticket_assign(people["liaison"], t.number, handler="handler", now=T)


def escalated_to(ticket: Ticket) -> list[list[str]]:
    events = TicketEvent.objects.filter(ticket=ticket, action="escalate").order_by("id")
    return [e.payload["notified"] for e in events]


def test_overdue_goes_up_the_chain_of_responsible_persons(outsourcing: dict[str, User]) -> None:
    t = complaint(outsourcing)  # department_response: 24 hours

    deadlines_sweep(now=T + timedelta(hours=24) + MINUTE)
    assert escalated_to(t) == [["leader1", "supervisor"]]  # the 一级责任人, not every leader

    deadlines_sweep(now=T + timedelta(hours=47))
    assert len(escalated_to(t)) == 1  # a further day has not passed yet
    deadlines_sweep(now=T + timedelta(hours=48) + MINUTE)
    assert escalated_to(t)[1] == ["leader2"]  # still unanswered: the 二级责任人
    notified = Notification.objects.filter(ticket=t, kind="escalate")
    assert not notified.filter(recipient__username="plain-leader").exists()


def test_an_urgent_complaint_climbs_within_the_hour(outsourcing: dict[str, User]) -> None:
    t = complaint(outsourcing, on_site=True)  # urgent: department_response within 1 hour
    deadlines_sweep(now=T + timedelta(hours=1) + MINUTE)
    deadlines_sweep(now=T + timedelta(hours=2) + MINUTE)
    assert escalated_to(t) == [["leader1", "supervisor"], ["leader2"]]


def test_until_levels_are_given_the_role_stands_in(outsourcing: dict[str, User]) -> None:
    User.objects.update(responsible_level=None)
    t = complaint(outsourcing)
    deadlines_sweep(now=T + timedelta(hours=24) + MINUTE)
    assert escalated_to(t) == [["leader1", "leader2", "plain-leader", "supervisor"]]


def plan_submitted(people: dict[str, User]) -> Ticket:
    """A three-star complaint (a loss over 5,000 yuan) needs an approved plan."""
    t = complaint(people, economic_loss=6000)
    assert t.plan_required
    return services.ticket_submit_plan(people["handler"], t.number, plan="赔偿并道歉", now=T)


def test_a_plan_is_approved_by_a_responsible_person(api: Any, outsourcing: dict[str, User]) -> None:
    t = plan_submitted(outsourcing)
    # Asked of those who may decide it.
    asked = Notification.objects.filter(ticket=t, kind="submit_plan")
    assert set(asked.values_list("recipient__username", flat=True)) == {"leader1", "leader2"}

    refused = api(outsourcing["plain-leader"]).act(t.number, "approve-plan", comment="同意")
    assert refused.status_code == 403
    assert refused.json()["error"]["details"] == {"level": 1}
    assert (
        api(outsourcing["plain-leader"]).act(t.number, "reject-plan", comment="不行").status_code
        == 403
    )
    assert Ticket.objects.get(pk=t.pk).plan_approved is None

    approved = api(outsourcing["leader1"]).act(t.number, "approve-plan", comment="同意")
    assert approved.status_code == 200 and approved.json()["plan_approved"] is True
    # The second level stands above the first: it may decide too.
    other = plan_submitted(outsourcing)
    assert api(outsourcing["leader2"]).act(other.number, "approve-plan").status_code == 200


def test_the_approvals_page_follows_the_level(outsourcing: dict[str, User], client: Any) -> None:
    t = plan_submitted(outsourcing)
    client.force_login(outsourcing["plain-leader"])
    assert t.number not in client.get("/approvals/").content.decode()
    page = client.get(f"/tickets/{t.number}/").content.decode()
    assert 'data-action="approve_plan"' not in page
    client.force_login(outsourcing["leader1"])
    assert t.number in client.get("/approvals/").content.decode()
    assert 'data-action="approve_plan"' in client.get(f"/tickets/{t.number}/").content.decode()


def test_before_anyone_holds_the_level_any_leader_approves(
    api: Any, outsourcing: dict[str, User]
) -> None:
    User.objects.update(responsible_level=None)
    t = plan_submitted(outsourcing)
    assert api(outsourcing["plain-leader"]).act(t.number, "approve-plan").status_code == 200


def test_an_extension_follows_the_packs_roles_and_level(api: Any, db: Any) -> None:
    """power-95598: extensions by the centre head (第一责任人, a leader of level 1)."""
    people = demo_people("power-95598")
    plain = person("plain-leader", "leader")
    agent = people["agent"]
    t = services.ticket_register(
        actor=agent,
        data=services.TicketInput(kind="complaint", channel="phone", subject="电压偏低"),
    )
    services.ticket_accept(agent, t.number)
    services.ticket_dispatch(agent, t.number, department="station-city")
    services.ticket_assign(people["liaison"], t.number, handler="handler")
    resolve = t.deadlines.get(milestone="resolve")
    services.ticket_extend(
        people["handler"],
        t.number,
        until=resolve.due_at + timedelta(days=1),
        reason="需停电检修",
        milestone="resolve",
    )
    asked = Notification.objects.filter(ticket=t, kind="extend")
    assert set(asked.values_list("recipient__username", flat=True)) == {"leader"}

    supervisor = api(people["supervisor"]).act(t.number, "approve-extension")
    assert supervisor.status_code == 403  # the pack names leaders only
    assert supervisor.json()["error"]["details"] == {"approver_roles": ["leader"]}
    assert api(plain).act(t.number, "approve-extension").status_code == 403
    decided = api(people["leader"]).act(t.number, "approve-extension", comment="同意")
    assert decided.status_code == 200
    assert t.deadlines.get(milestone="resolve").extended_from == resolve.due_at


def run(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_people_are_given_their_level(capsys: pytest.CaptureFixture[str], pack: Any) -> None:
    """`closeloop user add --level N`: a level the pack declares, held by its role."""
    code, _out, err = run(capsys, "user", "add", "director", "--role", "leader", "--level", "2")
    assert (code, err) == (0, "")
    assert User.objects.get(username="director").responsible_level == 2
    code, _out, err = run(capsys, "user", "add", "x", "--role", "leader", "--level", "3")
    assert code == 1 and "no responsible level 3" in err
    code, _out, err = run(capsys, "user", "add", "y", "--role", "supervisor", "--level", "1")
    assert code == 1 and "held by a leader" in err
    assert not User.objects.filter(username__in=["x", "y"]).exists()


def test_init_demo_gives_the_demo_people_their_levels(
    capsys: pytest.CaptureFixture[str], db: Any, tmp_path: Path, settings: LazySettings
) -> None:
    settings.DATA_DIR = tmp_path / "data"
    settings.MEDIA_ROOT = tmp_path / "data" / "media"
    settings.STATIC_ROOT = tmp_path / "data" / "static"
    code, _out, err = run(capsys, "init", "--pack", "tax-service-outsourcing", "--demo")
    assert (code, err) == (0, ""), err
    levels = dict(
        User.objects.filter(responsible_level__isnull=False).values_list(
            "username", "responsible_level"
        )
    )
    assert levels == {"leader1": 1, "leader2": 2}
