"""The daily digest on a frozen clock: each active person with open cases near their deadline
(overdue, warning, or due by the end of the next working day) gets one `digest` notification
a day listing them — their own cases, a liaison's department, a supervisor's centre — with
email/SMS as they chose; again the same day, nothing; and it is sent in its hour only."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import override_settings

from closeloop.notifications.models import Notification, NotificationPreference, OutboxMessage
from closeloop.sla.digest import digest_due, digest_send
from closeloop.sla.tasks import digest_task
from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import Centre

pytestmark = pytest.mark.django_db

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 11, 23, 10, 0, tzinfo=TZ)
TUESDAY_8 = datetime(2026, 11, 24, 8, 0, tzinfo=TZ)


def paused(centre: Centre) -> Ticket:
    """Department B's case, suspended (waiting for the customer): its clocks are paused, so
    nothing of it is near a deadline."""
    t = case(centre, centre.handler_b, centre.dept_b, subject="等待客户补充材料")
    return services.ticket_suspend(
        centre.handler_b, t.number, reason="等待客户补充材料", now=MONDAY
    )


def case(centre: Centre, handler: Any, department: Any, **fields: Any) -> Ticket:
    data = {
        "kind": "complaint",
        "channel": "phone",
        "subject": "窗口人员态度差",
        "customer": CustomerInput(name="张三", phone="13800138000"),
        **fields,
    }
    t = services.ticket_register(actor=centre.agent, data=TicketInput(**data), now=MONDAY)
    services.ticket_accept(centre.agent, t.number, now=MONDAY)
    services.ticket_dispatch(centre.agent, t.number, department=department.code, now=MONDAY)
    liaison = centre.liaison_a if department == centre.dept_a else centre.liaison_b
    return services.ticket_assign(liaison, t.number, handler=handler.username, now=MONDAY)


def digests() -> dict[str, str]:
    return {
        n.recipient.username: n.text
        for n in Notification.objects.filter(kind="digest").select_related("recipient")
    }


def test_each_person_gets_one_digest_of_their_cases_near_the_deadline(centre: Centre) -> None:
    near = case(centre, centre.handler_a, centre.dept_a)
    far = paused(centre)
    near.refresh_from_db()
    far.refresh_from_db()
    assert near.next_due_at is not None and near.next_due_at < datetime(2026, 11, 26, tzinfo=TZ)
    assert far.next_due_at is None or far.next_due_at > datetime(2026, 11, 26, tzinfo=TZ)
    centre.handler_a.email = "a@example.com"
    centre.handler_a.save()
    NotificationPreference.objects.create(
        user=centre.handler_a, kind_group="digest", in_app=True, email=True, sms=False
    )

    run = digest_send(TUESDAY_8)
    sent = digests()
    # The handler (their case), the liaison (their department), the agent who took the call
    # (first contact), the supervisor (the centre's); not department B, not the leader.
    assert set(sent) == {"handler_a", "liaison_a", "agent1", "super1"}
    assert run.sent == 4
    text = sent["handler_a"]
    assert near.number in text and far.number not in text
    assert "窗口人员态度差" in text
    due = near.next_due_at.astimezone(TZ).strftime("%m-%d %H:%M")
    assert due in text
    digest_messages = OutboxMessage.objects.filter(key__startswith="digest:")
    assert list(digest_messages.values_list("key", "channel")) == [
        (f"digest:2026-11-24:{centre.handler_a.pk}:email", "email")
    ]

    # The same day again (a second worker, a repeated run): nothing new.
    again = digest_send(TUESDAY_8.replace(hour=8, minute=45))
    assert again.sent == 0 and again.skipped >= 4
    assert Notification.objects.filter(kind="digest").count() == 4
    assert digest_messages.count() == 1
    # The next day: a new one (the case is overdue by then, and still listed).
    digest_send(datetime(2026, 11, 25, 8, 0, tzinfo=TZ))
    assert Notification.objects.filter(kind="digest", recipient=centre.handler_a).count() == 2


def test_no_case_near_no_digest(centre: Centre) -> None:
    paused(centre)
    digest_send(TUESDAY_8)
    assert "handler_b" not in digests()


def test_a_closed_case_or_an_inactive_person_gets_none(centre: Centre) -> None:
    case(centre, centre.handler_a, centre.dept_a)
    for person in (centre.handler_a, centre.liaison_a, centre.agent, centre.supervisor):
        person.is_active = False
        person.save()
    assert digest_send(TUESDAY_8).sent == 0


@pytest.mark.parametrize("pack_name", ["power-95598"])  # reports with a resolve limit
def test_a_reports_subject_stays_out_of_the_digest(centre: Centre) -> None:
    report = case(
        centre,
        centre.handler_a,
        centre.dept_a,
        kind="report",
        subject="王小明实名举报某企业虚开发票",
        customer=CustomerInput(name="王小明", phone="13912345678"),
    )
    digest_send(datetime(2026, 11, 27, 8, 0, tzinfo=TZ))  # due Monday 30th
    report.refresh_from_db()
    assert report.next_due_at, report.deadline_state
    text = digests()["handler_a"]
    assert report.number in text
    assert "王小明" not in text and "虚开" not in text


def test_sent_in_its_hour_only(centre: Centre) -> None:
    case(centre, centre.handler_a, centre.dept_a)
    assert digest_due(TUESDAY_8) and digest_due(TUESDAY_8.replace(minute=59))
    assert not digest_due(TUESDAY_8.replace(hour=9))
    with override_settings(DIGEST_HOUR=7):
        assert not digest_due(TUESDAY_8)
    with time_machine.travel(TUESDAY_8.replace(hour=10), tick=False):
        assert digest_task.call_local() == 0
    assert not digests()
    with time_machine.travel(TUESDAY_8.replace(minute=15), tick=False):
        assert digest_task.call_local() == 4
    assert "handler_a" in digests()
