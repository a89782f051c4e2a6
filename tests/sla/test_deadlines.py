"""The packs' time limits replayed on real tickets with a frozen clock: deadlines start, warn,
fall overdue, escalate exactly once, follow transfers, pause, extend and recur."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from closeloop.directory.models import User
from closeloop.notifications.models import Notification, OutboxMessage
from closeloop.notifications.services import outbox_deliver
from closeloop.notifications.sms import MemoryBackend
from closeloop.sla.models import CaseFile, Deadline, EscalationRecord
from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import services
from closeloop.tickets.models import Ticket, TicketEvent
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import demo_people

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def deadline(ticket: Ticket, milestone: str, **filters: Any) -> Deadline:
    return Deadline.objects.filter(ticket=ticket, milestone=milestone, **filters).latest("id")


def register(agent: User, now: datetime, **fields: Any) -> Ticket:
    data = TicketInput(**{"kind": "complaint", "channel": "phone", "subject": "投诉", **fields})
    return services.ticket_register(actor=agent, data=data, now=now)


def events(ticket: Ticket, action: str) -> list[TicketEvent]:
    return list(TicketEvent.objects.filter(ticket=ticket, action=action))


# --------------------------------------------------------------------------- road rescue


@pytest.fixture
def rescue(db: Any) -> dict[str, User]:
    people = demo_people("road-rescue")
    for user in people.values():  # everyone reachable by email and SMS
        user.email, user.phone = f"{user.username}@example.com", "13900000000"
        user.save()
    return people


def test_road_rescue_chain(rescue: dict[str, User]) -> None:
    """5 minutes to dispatch → 12 h to handle → 24 h: supervisor + case file + daily 17:00
    progress → 48 h result (seed 004)."""
    agent, t0 = rescue["agent"], at("2026-11-23 10:00")  # a Monday
    ticket = register(agent, t0, subject="拖车收费过高")
    services.ticket_accept(agent, ticket.number, now=t0)
    dispatch = deadline(ticket, "dispatch")
    assert dispatch.due_at == t0 + timedelta(minutes=5)
    assert dispatch.warn_at == t0 + timedelta(minutes=3)
    assert deadline(ticket, "department_response").due_at == t0 + timedelta(hours=12)
    assert deadline(ticket, "resolve").due_at == t0 + timedelta(hours=48)

    # Minute 4: warning. Minute 6: overdue, the supervisor and the first contact are reminded.
    assert deadlines_sweep(now=t0 + timedelta(minutes=4)).warned == 1
    assert deadline(ticket, "dispatch").state == "warning"
    result = deadlines_sweep(now=t0 + timedelta(minutes=6))
    assert (result.overdue, result.escalated) == (1, 1)
    remind = events(ticket, "remind")[-1]
    assert remind.actor is None
    assert remind.payload["milestone"] == "dispatch"
    assert set(remind.payload["notified"]) >= {"agent"}
    # Idempotent: the same sweep again changes nothing.
    again = deadlines_sweep(now=t0 + timedelta(minutes=6))
    assert (again.warned, again.overdue, again.escalated) == (0, 0, 0)
    assert len(events(ticket, "remind")) == 1

    department = rescue["liaison"].department
    assert department is not None
    services.ticket_dispatch(
        agent, ticket.number, department=department.code, now=t0 + timedelta(minutes=7)
    )
    assert deadline(ticket, "dispatch").state == "met_late"
    handler = rescue["handler"]  # of the tow team, below the rescue department
    services.ticket_assign(
        rescue["liaison"], ticket.number, handler=handler.username, now=t0 + timedelta(minutes=9)
    )

    # 12 h: the department has not answered.
    deadlines_sweep(now=t0 + timedelta(hours=12, minutes=1))
    response = deadline(ticket, "department_response")
    assert response.state == "overdue"
    assert (response.department, response.handler) == (department, handler)
    assert not CaseFile.objects.exists()

    # 24 h after the first report: case file, supervisor and department head told, and a
    # progress report due by 17:00 each day.
    deadlines_sweep(now=t0 + timedelta(hours=24, minutes=1))
    case = CaseFile.objects.get(ticket=ticket)
    assert case.department == department
    assert events(ticket, "case_file")[0].payload["case_file"] == case.pk
    daily = deadline(ticket, "progress_report", closed_at__isnull=True)
    assert daily.due_at == at("2026-11-24 17:00")
    assert EscalationRecord.objects.filter(deadline=response).count() == 2
    deadlines_sweep(now=t0 + timedelta(hours=30))
    assert CaseFile.objects.count() == 1  # once only

    # The daily report is met at 16:00, and the next one runs to tomorrow 17:00.
    services.ticket_progress(
        handler, ticket.number, note="已与客户协商", now=at("2026-11-24 16:00")
    )
    assert deadline(ticket, "progress_report", sequence=daily.sequence).state == "met"
    assert deadline(ticket, "progress_report", closed_at__isnull=True).due_at == at(
        "2026-11-25 17:00"
    )
    # Missed the next day: overdue, and the day after runs.
    deadlines_sweep(now=at("2026-11-25 17:01"))
    assert deadline(ticket, "progress_report", sequence=daily.sequence + 1).state == "overdue"
    assert deadline(ticket, "progress_report", closed_at__isnull=True).due_at == at(
        "2026-11-26 17:00"
    )

    # The result within 48 h was missed too; resolving closes every running clock.
    services.ticket_submit_plan(
        handler, ticket.number, plan="退还多收费用", now=at("2026-11-25 18:00")
    )
    leader = next(u for u in rescue.values() if u.has_role("leader"))
    services.ticket_approve_plan(leader, ticket.number, now=at("2026-11-25 18:10"))
    services.ticket_resolve(
        handler, ticket.number, reply="已退还", validity="valid", now=at("2026-11-25 18:30")
    )
    assert deadline(ticket, "resolve").state == "met_late"
    assert (
        not Deadline.objects.filter(ticket=ticket, closed_at__isnull=True)
        .exclude(milestone="return_visit")
        .exists()
    )
    # Same-day return visit.
    visit = deadline(ticket, "return_visit")
    assert visit.due_at == at("2026-11-25 23:59:59")


def test_notifications_leave_through_the_outbox_once(rescue: dict[str, User]) -> None:
    agent, t0 = rescue["agent"], at("2026-11-23 10:00")
    ticket = register(agent, t0)
    services.ticket_accept(agent, ticket.number, now=t0)
    mail.outbox.clear()
    MemoryBackend.outbox.clear()
    deadlines_sweep(now=t0 + timedelta(minutes=6))
    notified = Notification.objects.filter(ticket=ticket, kind="remind")
    assert notified.exists()
    queued = OutboxMessage.objects.count()
    assert queued == 2 * notified.count()  # an email and an SMS each
    # Tasks run inline in tests, after commit; deliver whatever is left and again: nothing twice.
    outbox_deliver()
    outbox_deliver()
    assert OutboxMessage.objects.filter(sent_at__isnull=True).count() == 0
    assert len(mail.outbox) == notified.count()
    assert len(MemoryBackend.outbox) == notified.count()
    assert ticket.number in mail.outbox[0].subject


# --------------------------------------------------------------------------- letters and visits


@pytest.fixture
def letters(db: Any) -> dict[str, User]:
    return demo_people("letters-and-visits")


def test_fifteen_days_ending_in_the_national_day_holiday_roll_forward(
    letters: dict[str, User],
) -> None:
    """A letter received on Fri 2026-09-18: 15 days end on Sat 2026-10-03, inside 国庆
    (10-01 to 10-07), so the limit rolls to Thu 2026-10-08 (民法典 art. 203)."""
    ticket = register(
        letters["agent"],
        at("2026-09-21 09:00"),
        channel="letter",
        received_at=at("2026-09-18 10:00"),
    )
    reply = deadline(ticket, "reply")
    assert reply.started_at == at("2026-09-18 10:00")  # from receipt, not from typing it in
    assert reply.due_at == at("2026-10-08 23:59:59")
    assert not reply.provisional
    assert any("国庆" in line for line in reply.explanation)
    # Resolve: 30 days → Sun 2026-10-18 → Mon 2026-10-19.
    assert deadline(ticket, "resolve").due_at == at("2026-10-19 23:59:59")


def test_sixty_days_from_late_november_is_provisional_until_2027_is_loaded(
    letters: dict[str, User], tmp_path: Any
) -> None:
    from closeloop.policy.models import Category
    from closeloop.sla.calendar import notice_parse
    from closeloop.sla.notices import calendar_notice_store

    assert Category.objects.filter(code="superior-assigned").exists()
    ticket = register(letters["agent"], at("2026-11-23 10:00"), category="superior-assigned")
    resolve = deadline(ticket, "resolve")
    # 60 days → Fri 2027-01-22, a weekday in a year with no official data yet.
    assert resolve.due_at == at("2027-01-22 23:59:59")
    assert resolve.provisional
    assert Ticket.objects.get(pk=ticket.pk).next_due_at is not None

    notice = tmp_path / "2027.yaml"
    notice.write_text(
        "year: 2027\nsource: test notice (not official)\n"
        "holidays:\n  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}\n"
        "  - {name: 测试假日, date: 2027-01-22}\n"
        "makeup_days: []\n",
        encoding="utf-8",
    )
    # Only the resolve deadline reached 2027; reply (15 days) and leader review did not.
    assert calendar_notice_store(notice_parse(notice), now=at("2026-11-24 09:00")) == 1
    resolve.refresh_from_db()
    assert not resolve.provisional
    # Now 2027-01-22 is a holiday in this (test) notice: the limit rolls to Mon 2027-01-25.
    assert resolve.due_at == at("2027-01-25 23:59:59")


def test_extension_is_capped_by_the_pack_and_moves_the_deadline(letters: dict[str, User]) -> None:
    agent, t0 = letters["agent"], at("2026-11-23 10:00")
    ticket = register(agent, t0, channel="visit")
    resolve = deadline(ticket, "resolve")
    assert resolve.due_at == at("2026-12-23 23:59:59")
    services.ticket_accept(agent, ticket.number, now=t0)
    services.ticket_dispatch(agent, ticket.number, department="township", now=t0)
    services.ticket_assign(letters["liaison"], ticket.number, handler="handler", now=t0)
    handler = letters["handler"]
    # The cap: 30 days past the original deadline.
    with pytest.raises(Exception, match=r"at most .* \(30 days past the original deadline\)"):
        services.ticket_extend(
            handler,
            ticket.number,
            until=at("2027-01-30 17:00"),
            reason="复杂",
            milestone="resolve",
            now=t0,
        )
    services.ticket_extend(
        handler,
        ticket.number,
        until=at("2027-01-15 17:00"),
        reason="需要调查",
        milestone="resolve",
        now=t0,
    )
    services.ticket_decide_extension(letters["leader"], ticket.number, comment="同意", now=t0)
    resolve.refresh_from_db()
    assert resolve.due_at == at("2027-01-15 17:00")
    assert resolve.extended_from == at("2026-12-23 23:59:59")
    extended = TicketEvent.objects.filter(ticket=ticket, action="approve_extension").get()
    assert extended.payload["extended_from"].startswith("2026-12-23T15:59:59")


def test_transfer_starts_the_new_departments_clock_and_keeps_the_breach(db: Any) -> None:
    # 95598's first contact (2 h) is a department's own clock.
    people = demo_people("power-95598")
    agent, t0 = people["agent"], at("2026-11-23 10:00")
    ticket = register(agent, t0, customer=CustomerInput(name="用户", phone="13400000000"))
    services.ticket_accept(agent, ticket.number, now=t0)
    first = people["liaison"].department
    assert first is not None
    services.ticket_dispatch(agent, ticket.number, department=first.code, now=t0)
    contact = deadline(ticket, "first_contact")
    assert (contact.department, contact.due_at) == (first, t0 + timedelta(hours=2))
    deadlines_sweep(now=t0 + timedelta(hours=3))
    contact.refresh_from_db()
    assert contact.state == "overdue"

    other = next(
        u.department for u in people.values() if u.has_role("liaison") and u.department != first
    )
    assert other is not None
    services.ticket_transfer(
        agent, ticket.number, department=other.code, now=t0 + timedelta(hours=4)
    )
    contact.refresh_from_db()
    assert (contact.state, contact.department) == ("overdue", first)  # the breach stays with A
    assert contact.closed_at is not None
    new = deadline(ticket, "first_contact", closed_at__isnull=True)
    assert (new.department, new.state) == (other, "on_track")
    assert new.due_at == t0 + timedelta(hours=6)


def test_95598_complaint_three_working_days_skips_the_holiday(db: Any) -> None:
    people = demo_people("power-95598")
    ticket = register(people["agent"], at("2026-09-29 10:00"))
    # Working days after Tue 09-29: Wed 09-30, (国庆 10-01..10-07), Thu 10-08, Fri 10-09.
    resolve = deadline(ticket, "resolve")
    assert resolve.due_at.astimezone(TZ).date().isoformat() == "2026-10-09"
    # Warned one working day before: the end of two working days, Thu 10-08.
    assert resolve.warn_at is not None
    assert resolve.warn_at.astimezone(TZ).date().isoformat() == "2026-10-08"


def test_suspension_stops_and_resumes_the_clock(db: Any) -> None:
    people = demo_people("power-95598")
    agent, t0 = people["agent"], at("2026-11-23 10:00")  # Monday; 24×7 line
    ticket = register(agent, t0)
    services.ticket_accept(agent, ticket.number, now=t0)
    department = people["liaison"].department
    assert department is not None
    services.ticket_dispatch(agent, ticket.number, department=department.code, now=t0)
    handler = next(
        u for u in people.values() if u.has_role("handler") and u.department == department
    )
    services.ticket_assign(people["liaison"], ticket.number, handler=handler.username, now=t0)
    resolve = deadline(ticket, "resolve")
    assert resolve.due_at == at("2026-11-26 23:59:59")  # Thu: Tue, Wed, Thu
    # Suspended on Tuesday morning for a week: nothing falls due meanwhile.
    services.ticket_suspend(
        handler, ticket.number, reason="等待用户提供材料", now=at("2026-11-24 09:00")
    )
    assert deadlines_sweep(now=at("2026-11-27 09:00")).overdue == 0
    assert Ticket.objects.get(pk=ticket.pk).next_due_at is None
    # Resumed on Tue 12-01: Wed 11-25 and Thu 11-26 remained → Wed 12-02, Thu 12-03.
    services.ticket_resume(handler, ticket.number, now=at("2026-12-01 09:00"))
    resolve.refresh_from_db()
    assert resolve.due_at == at("2026-12-03 23:59:59")
    assert any("suspended" in line for line in resolve.explanation)


def test_sweep_cost_follows_the_due_deadlines(db: Any) -> None:
    people = demo_people("power-95598")
    agent, t0 = people["agent"], at("2026-11-23 10:00")
    for i in range(30):
        ticket = register(agent, t0 + timedelta(days=i))
        services.ticket_accept(agent, ticket.number, now=t0 + timedelta(days=i))
    running = Deadline.objects.filter(closed_at__isnull=True).count()
    assert running >= 30
    # Only the first ticket's resolve warning (the end of Wed 11-25) is due by Thursday 00:00.
    result = deadlines_sweep(now=at("2026-11-26 00:00:01"))
    assert (result.checked, result.warned) == (1, 1)
    assert deadlines_sweep(now=at("2026-11-26 00:00:01")).checked == 0


def test_api_shows_deadlines_filters_and_sorts_by_them(db: Any) -> None:
    from tests.conftest import Api

    people = demo_people("power-95598")
    agent, t0 = people["agent"], at("2026-11-23 10:00")
    late = register(agent, t0 - timedelta(days=10))
    soon = register(agent, t0 - timedelta(days=2))
    later = register(agent, t0)
    deadlines_sweep(now=t0)
    client = Api(people["supervisor"])
    detail = client.get(f"tickets/{late.number}").json()
    resolve = next(d for d in detail["deadlines"] if d["milestone"] == "resolve")
    assert resolve["state"] == "overdue"
    assert resolve["rule"]["unit"] == "working_days"
    assert resolve["explanation"]
    assert detail["deadline_state"] == "overdue"
    overdue = client.get("tickets", deadline_state="overdue").json()["results"]
    assert [t["number"] for t in overdue] == [late.number]
    ordered = client.get("tickets", ordering="next_due_at").json()["results"]
    assert [t["number"] for t in ordered] == [late.number, soon.number, later.number]


def test_calendar_deadline_endpoint_explains_itself(db: Any) -> None:
    from tests.conftest import Api

    people = demo_people("letters-and-visits")
    client = Api(people["agent"])
    answer = client.get(
        "calendar/deadline",
        start="2026-09-18T10:00:00+08:00",
        amount=15,
        unit="days",
        roll_forward="true",
    ).json()
    assert answer["due_at"] == "2026-10-08T23:59:59+08:00"
    assert answer["provisional"] is False
    assert any("国庆" in line for line in answer["explanation"])
    bad = client.get("calendar/deadline", start="2026-09-18T10:00:00+08:00", amount=0, unit="weeks")
    assert bad.status_code == 400
    assert set(bad.json()["error"]["details"]) == {"amount", "unit"}
    future = client.get(
        "calendar/deadline", start="2026-12-20T10:00:00+08:00", amount=20, unit="working_days"
    ).json()
    assert future["provisional"] is True


def test_staff_actions_notify_the_people_concerned(db: Any) -> None:
    people = demo_people("power-95598")
    agent, supervisor, t0 = people["agent"], people["supervisor"], at("2026-11-23 10:00")
    ticket = register(agent, t0)
    services.ticket_accept(agent, ticket.number, now=t0)
    liaison = people["liaison"]
    assert liaison.department is not None
    services.ticket_dispatch(agent, ticket.number, department=liaison.department.code, now=t0)
    assert Notification.objects.filter(recipient=liaison, ticket=ticket, kind="dispatch").exists()
    handler = next(
        u for u in people.values() if u.has_role("handler") and u.department == liaison.department
    )
    services.ticket_assign(liaison, ticket.number, handler=handler.username, now=t0)
    assert Notification.objects.filter(recipient=handler, kind="assign").exists()
    services.ticket_remind(supervisor, ticket.number, note="请今天回复", now=t0)
    reminded = set(
        Notification.objects.filter(kind="remind").values_list("recipient__username", flat=True)
    )
    assert reminded == {handler.username, liaison.username}
    # The actor is not told of their own action.
    assert not Notification.objects.filter(recipient=liaison, kind="assign").exists()


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_escalate_once(db: Any) -> None:
    import threading

    from django.db import connection

    people = demo_people("road-rescue")
    t0 = at("2026-11-23 10:00")
    for i in range(6):
        ticket = register(people["agent"], t0, subject=f"投诉{i}")
        services.ticket_accept(people["agent"], ticket.number, now=t0)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def sweep() -> None:
        try:
            barrier.wait()
            deadlines_sweep(now=t0 + timedelta(minutes=6), batch=2)
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sweep) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    assert EscalationRecord.objects.count() == 6
    assert TicketEvent.objects.filter(action="remind").count() == 6
    assert Deadline.objects.filter(milestone="dispatch", state="overdue").count() == 6


def test_people_choose_email_and_sms(db: Any) -> None:
    from closeloop.notifications.services import notify

    people = demo_people("power-95598")
    quiet = people["supervisor"]
    quiet.email, quiet.phone = "s@example.com", "13900000000"
    quiet.notify_by_sms = False
    quiet.save()
    ticket = register(people["agent"], at("2026-11-23 10:00"))
    queued = notify(
        [quiet], kind="remind", text="t", ticket=ticket, key="k", now=at("2026-11-23 10:00")
    )
    assert queued == 1
    assert list(OutboxMessage.objects.values_list("channel", flat=True)) == ["email"]
    assert Notification.objects.filter(recipient=quiet).count() == 1  # in-app always
