"""A dissatisfied portal rating (issue 12, item 7): the case goes back to whoever resolved it —
the department and handler, or the member of staff who answered it on the spot — with the
pack's reopen clock running; the handler and liaison are told, and so is the customer: on the
portal, and by SMS and email through the outbox where they gave a phone or an address."""

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from closeloop.notifications.models import Notification, OutboxMessage
from closeloop.policy.services import pack_active
from closeloop.sla.models import Deadline
from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from tests.conftest import Centre, demo_people, required_field_values
from tests.web.test_portal import solved

PHONE, EMAIL = "13700007777", "wangwu@example.com"


def submitted(**customer: str) -> Ticket:
    return services.ticket_register_public(
        data=services.TicketInput(
            kind="complaint",
            channel="web",
            subject="排队时间过长",
            description="等了两个小时",
            customer=services.CustomerInput(
                **{"name": "王五", "phone": PHONE, "email": EMAIL, **customer}
            ),
        )
    )


def rate_on_portal(client: Client, ticket: Ticket, satisfaction: str, **proof: str) -> str:
    """Prove the case on the portal, rate it, and return the status page shown next."""
    proof = proof or {"phone": PHONE}
    checked = client.post(
        "/portal/check/",
        {"number": ticket.number, **proof, **solved(client, "/portal/check/")},
    )
    assert checked.status_code == 302, checked.content.decode()[:500]
    rated = client.post("/portal/rate/", {"satisfaction": satisfaction, "comment": "没有解决"})
    assert (rated.status_code, rated["Location"]) == (302, "/portal/status/")
    return client.get("/portal/status/").content.decode()


def told(ticket: Ticket) -> list[OutboxMessage]:
    """What the customer was sent about the rating (the survey link sent with the reply is
    another occasion, `survey:…`)."""
    assert (
        OutboxMessage.objects.filter(address__in=[PHONE, EMAIL])
        .exclude(key__startswith="survey:")
        .exclude(key__startswith=f"customer:{ticket.pk}:")
        .count()
        == 0
    )
    return list(OutboxMessage.objects.filter(key__startswith=f"customer:{ticket.pk}:"))


def local(moment: Any) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def reopen_clock(ticket: Ticket) -> Deadline:
    return Deadline.objects.get(ticket=ticket, milestone="resolve", closed_at__isnull=True)


def test_an_answer_on_the_spot_goes_back_to_whoever_answered(
    centre: Centre, client: Client, login: Any
) -> None:
    t = submitted()
    services.ticket_accept(centre.agent, t.number)
    services.ticket_answer(centre.agent, t.number, reply="高峰时段请预约办理。")

    page = rate_on_portal(client, t, "dissatisfied")

    t.refresh_from_db()
    assert (t.status, t.department_id, t.reopen_count) == ("accepted", None, 1)
    assert t.handler == centre.agent  # not left to "all open": the agent who answered has it
    assert t.number in login(centre.agent).get("/tickets/?view=mine").content.decode()
    # The pack's reopen clock: 1 day (tax-service-outsourcing), from the rating, held by the agent.
    visit = t.events.filter(action="visit").latest("id")
    clock = reopen_clock(t)
    assert (clock.started_at, clock.due_at) == (visit.at, visit.at + timedelta(hours=24))
    assert clock.handler == centre.agent
    assert t.next_due_at == clock.due_at
    # Told: the agent in the workbench, the customer on the portal and by SMS and email.
    assert Notification.objects.filter(recipient=centre.agent, ticket=t, kind="visit").exists()
    assert 'data-testid="rated"' in page
    assert 'data-testid="reopened"' in page and local(clock.due_at) in page
    sent = {
        m.channel: m
        for m in OutboxMessage.objects.filter(address__in=[PHONE, EMAIL], purpose="reopened")
    }
    assert set(sent) == {"sms", "email"}
    assert (sent["sms"].address, sent["email"].address) == (PHONE, EMAIL)
    for message in sent.values():
        assert t.number in message.body and local(clock.due_at) in message.body


def test_a_department_answer_goes_back_to_the_department_and_handler(
    centre: Centre, client: Client, login: Any
) -> None:
    t = submitted(email="")
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username)
    services.ticket_resolve(centre.handler_a, t.number, reply="已增派人员", validity="valid")

    page = rate_on_portal(client, t, "dissatisfied")

    t.refresh_from_db()
    assert (t.status, t.department, t.handler) == ("in_progress", centre.dept_a, centre.handler_a)
    assert t.number in login(centre.liaison_a).get("/tickets/?view=department").content.decode()
    assert t.number in login(centre.handler_a).get("/tickets/?view=mine").content.decode()
    running = Deadline.objects.filter(ticket=t, closed_at__isnull=True)
    assert {d.milestone for d in running} == {"department_response", "resolve"}
    assert {(d.department, d.handler) for d in running} == {(centre.dept_a, centre.handler_a)}
    for person in (centre.handler_a, centre.liaison_a):
        assert Notification.objects.filter(recipient=person, ticket=t, kind="visit").exists()
    assert local(reopen_clock(t).due_at) in page
    # No email address given: the SMS alone (the receipt, acceptance and reply went before).
    reopened = OutboxMessage.objects.filter(ticket=t, purpose="reopened")
    assert list(reopened.values_list("channel")) == [("sms",)]


def test_a_confidential_complainant_is_told_on_the_portal_only(db: Any, client: Client) -> None:
    """power-95598 keeps complaints confidential: the outbox, which admins read, would hold the
    protected phone beside the case, so the portal alone tells the customer."""
    people = demo_people("power-95598")
    t = submitted()
    assert t.identity_protected
    services.ticket_accept(people["agent"], t.number)
    services.ticket_dispatch(people["agent"], t.number, department="station-city")
    services.ticket_assign(people["liaison"], t.number, handler="handler")
    services.ticket_resolve(people["handler"], t.number, reply="已更换电表", validity="valid")

    page = rate_on_portal(client, t, "dissatisfied", code=t.public_code)

    t.refresh_from_db()
    assert (t.status, t.handler) == ("in_progress", people["handler"])
    assert 'data-testid="reopened"' in page and local(reopen_clock(t).due_at) in page
    assert not OutboxMessage.objects.filter(address__in=[PHONE, EMAIL]).exists()


def test_a_satisfied_rating_sends_the_customer_nothing(centre: Centre, client: Client) -> None:
    t = submitted()
    services.ticket_accept(centre.agent, t.number)
    services.ticket_answer(centre.agent, t.number, reply="高峰时段请预约办理。")
    before = set(OutboxMessage.objects.values_list("id", flat=True))  # receipt, reply …
    page = rate_on_portal(client, t, "satisfied")
    assert 'data-testid="rated"' in page and 'data-testid="reopened"' not in page
    assert Ticket.objects.get(pk=t.pk).status == "closed"
    assert not OutboxMessage.objects.exclude(id__in=before).exists()


def test_a_staff_reopen_starts_the_reopen_clock_too(db: Any) -> None:
    """12366: a complaint the agent answered, closed by a satisfied visit, reopened by staff:
    the complaint's handling limit (5 working days, 服务言行) runs again from the reopen."""
    people = demo_people("tax-hotline-12366")
    agent = people["agent"]
    t = services.ticket_register(
        actor=agent,
        data=services.TicketInput(
            kind="complaint",
            channel="phone",
            subject="座席态度差",
            customer=services.CustomerInput(name="孙七", phone="13500005555"),
        ),
    )
    services.ticket_answer(agent, t.number, reply="已致歉")
    services.ticket_return_visit(agent, t.number, satisfaction="satisfied")
    reopened = services.ticket_reopen(agent, t.number, reason="纳税人再次来电")
    clock = reopen_clock(reopened)
    assert clock.started_at == reopened.events.latest("id").at
    assert (clock.rule["amount"], clock.rule["unit"]) == (5, "working_days")


PACKS = [
    "tax-service-outsourcing",
    "tax-hotline-12366",
    "finance-tax-firm",
    "power-95598",
    "letters-and-visits",
    "car-dealer",
    "road-rescue",
]


@pytest.mark.parametrize("name", PACKS)
def test_no_reopened_case_runs_without_a_clock(db: Any, name: str) -> None:
    """Every kind a pack visits and reopens gets a reply or resolve deadline from a
    dissatisfied visit, even a case answered on the spot (no department clock restarts)."""
    people = demo_people(name)
    agent = next(p for p in people.values() if p.has_role("agent"))
    spec = pack_active()
    assert spec.return_visit is not None and spec.return_visit.reopen_on_dissatisfied
    for kind in spec.return_visit.kinds:
        t = services.ticket_register(
            actor=agent,
            data=services.TicketInput(
                kind=kind,
                channel=spec.channels[0],
                subject="回访不满意",
                customer=services.CustomerInput(name="周八", phone="13400004444"),
                fields=required_field_values(spec, kind),
            ),
        )
        services.ticket_answer(agent, t.number, reply="当场答复")
        services.ticket_return_visit(agent, t.number, satisfaction="dissatisfied")
        clocks = Deadline.objects.filter(
            ticket=t, closed_at__isnull=True, milestone__in=("reply", "resolve")
        )
        assert clocks.exists(), (name, kind)
