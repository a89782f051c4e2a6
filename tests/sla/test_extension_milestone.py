"""An extension moves the deadline it names — by default the one the requester answers for —
the approval page says which, and the pack's cap holds per milestone (issue 12, item 4)."""

from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import Client
from django.utils import timezone

from closeloop.common.errors import ValidationFailed
from closeloop.directory.models import User
from closeloop.sla.models import Deadline
from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import services
from closeloop.tickets.models import ExtensionRequest, Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import Centre, demo_people

TZ = ZoneInfo("Asia/Shanghai")


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=TZ)


def complaint(agent: User, now: datetime | None = None, **fields: Any) -> Ticket:
    data = TicketInput(
        **{
            "kind": "complaint",
            "channel": "phone",
            "subject": "窗口人员态度差",
            "customer": CustomerInput(name="张三", phone="13800138000"),
            **fields,
        }
    )
    return services.ticket_register(actor=agent, data=data, now=now)


def running(ticket: Ticket, milestone: str) -> Deadline:
    return Deadline.objects.get(ticket=ticket, milestone=milestone, closed_at__isnull=True)


@pytest.fixture
def overdue_and_supervised(centre: Centre) -> Ticket:
    """tax-service-outsourcing: the department's 24-hour answer is overdue, and the supervisor
    has issued a supervision order (督办) of her own, due in three days."""
    now = timezone.now()
    ticket = complaint(centre.agent)
    services.ticket_accept(centre.agent, ticket.number)
    services.ticket_dispatch(centre.agent, ticket.number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, ticket.number, handler=centre.handler_a.username)
    deadlines_sweep(now=now + timedelta(hours=25))
    assert running(ticket, "department_response").state == "overdue"
    services.ticket_supervise(
        centre.supervisor, ticket.number, note="请抓紧办理", due_at=now + timedelta(days=3)
    )
    return ticket


def test_a_liaisons_request_moves_the_departments_overdue_clock_not_the_supervision_order(
    api: Any, centre: Centre, overdue_and_supervised: Ticket
) -> None:
    ticket = overdue_and_supervised
    order = running(ticket, "supervision")
    until = timezone.now() + timedelta(days=2)
    response = api(centre.liaison_a).act(
        ticket.number, "extend", until=until.isoformat(), reason="需要调取监控录像"
    )
    assert response.status_code == 200, response.json()
    request = ExtensionRequest.objects.get(ticket=ticket)
    assert request.milestone == "department_response"
    (extend_event,) = [e for e in response.json()["events"] if e["action"] == "extend"]
    assert extend_event["payload"]["milestone"] == "department_response"

    # The supervisor sees which stage is to be extended, and approves it there.
    supervisor = Client()
    supervisor.force_login(centre.supervisor)
    page = supervisor.get("/approvals/").content.decode()
    row = page[page.index(f'id="extension-{ticket.number}"') :]
    cell = row[row.index('data-testid="extension-milestone"') :]
    assert cell.index("department response") < cell.index("</td>")
    assert "overdue" in cell[: cell.index("</td>")]
    assert "department response" in supervisor.get("/dashboard/").content.decode()
    ticket.refresh_from_db()
    supervisor.post(
        f"/tickets/{ticket.number}/row/approve_extension/",
        {
            "approve_extension-version": ticket.version,
            "approve_extension-decision": "approve",
            "approve_extension-comment": "同意",
        },
    )
    response_clock = Deadline.objects.get(ticket=ticket, milestone="department_response")
    assert (response_clock.due_at, response_clock.state) == (until, "on_track")
    assert response_clock.extended_from is not None
    order.refresh_from_db()
    assert order.extended_from is None  # the supervisor's own order did not move


def test_a_request_may_name_the_deadline_and_an_unknown_one_is_refused(
    api: Any, centre: Centre, overdue_and_supervised: Ticket
) -> None:
    ticket = overdue_and_supervised
    until = (timezone.now() + timedelta(days=5)).isoformat()
    refused = api(centre.handler_a).act(
        ticket.number, "extend", until=until, reason="复杂", milestone="resolve"
    )
    assert refused.status_code == 400
    assert "milestone" in refused.json()["error"]["details"]
    assert not ExtensionRequest.objects.filter(ticket=ticket).exists()
    named = api(centre.handler_a).act(
        ticket.number, "extend", until=until, reason="复杂", milestone="supervision"
    )
    assert named.status_code == 200, named.json()
    assert ExtensionRequest.objects.get(ticket=ticket).milestone == "supervision"


def test_the_cap_holds_per_milestone(db: Any) -> None:
    """letters-and-visits: extensions together may not pass 30 days (信访条例). The handler's
    request moves the department's most urgent clock — the 15-day reply — and the cap is the
    reply's own; the 30-day resolve deadline has its own cap, counted from its original due
    moment however often it was extended."""
    people = demo_people("letters-and-visits")
    agent, handler, t0 = people["agent"], people["handler"], at("2026-11-23 10:00")
    ticket = complaint(agent, t0, channel="visit")
    services.ticket_accept(agent, ticket.number, now=t0)
    services.ticket_dispatch(agent, ticket.number, department="township", now=t0)
    services.ticket_assign(people["liaison"], ticket.number, handler="handler", now=t0)
    assert running(ticket, "reply").due_at == at("2026-12-08 23:59:59")
    assert running(ticket, "resolve").due_at == at("2026-12-23 23:59:59")

    # Unnamed: the reply, capped at its own original due moment + 30 days (2027-01-07).
    with pytest.raises(ValidationFailed, match="2027-01-07 23:59"):
        services.ticket_extend(
            handler, ticket.number, until=at("2027-01-15 17:00"), reason="需要调查", now=t0
        )
    # The same moment is within resolve's own cap.
    services.ticket_extend(
        handler,
        ticket.number,
        until=at("2027-01-15 17:00"),
        reason="需要调查",
        milestone="resolve",
        now=t0,
    )
    services.ticket_approve_extension(people["leader"], ticket.number, now=t0)
    assert running(ticket, "resolve").due_at == at("2027-01-15 17:00")
    # A second extension of resolve still counts from its original due moment (2026-12-23).
    with pytest.raises(ValidationFailed, match="2027-01-22 23:59"):
        services.ticket_extend(
            handler,
            ticket.number,
            until=at("2027-01-23 17:00"),
            reason="再延",
            milestone="resolve",
            now=t0,
        )
    # The reply's cap is untouched by resolve's extension.
    services.ticket_extend(
        handler, ticket.number, until=at("2027-01-07 17:00"), reason="书面答复需会商", now=t0
    )
    assert ExtensionRequest.objects.get(ticket=ticket, state="pending").milestone == "reply"
