"""Actions tell the rest of the project after they commit (`signals.action_done`); the
deadline engine is reached through the port tickets own; actions no caller nests are durable
transactions."""

from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from closeloop.sla.tickets_port import SlaClockEngine
from closeloop.tickets import clocks, services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from closeloop.tickets.signals import action_done

pytestmark = pytest.mark.django_db


def complaint() -> TicketInput:
    return TicketInput(
        kind="complaint",
        channel="phone",
        subject="窗口人员态度差",
        customer=CustomerInput(name="张三", phone="13800138000"),
    )


@pytest.fixture
def heard() -> Any:
    calls: list[tuple[str, str, str | None]] = []

    def receiver(sender: Any, *, ticket: Ticket, action: str, actor: Any, **_: Any) -> None:
        calls.append((ticket.number, action, actor.username if actor else None))

    action_done.connect(receiver, sender=Ticket, dispatch_uid="test.heard")
    yield calls
    action_done.disconnect(sender=Ticket, dispatch_uid="test.heard")


def test_each_action_is_announced_once_after_commit(
    centre: Any, heard: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        t = services.ticket_register(actor=centre.agent, data=complaint())
        services.ticket_accept(centre.agent, t.number)
        services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
        assert heard == []  # nothing before the commit
    agent = centre.agent.username
    assert heard == [
        (t.number, "register", agent),
        (t.number, "accept", agent),
        (t.number, "dispatch", agent),
    ]


def test_an_action_rolled_back_is_never_announced(
    centre: Any, heard: Any, django_capture_on_commit_callbacks: Any
) -> None:
    t = services.ticket_register(actor=centre.agent, data=complaint())
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(ZeroDivisionError),
        transaction.atomic(),
    ):
        services.ticket_accept(centre.agent, t.number)
        1 / 0  # noqa: B018 - anything that fails after the action, in its transaction
    assert heard == []
    assert Ticket.objects.get(pk=t.pk).status == "registered"


def test_the_sla_app_installs_the_deadline_engine() -> None:
    assert isinstance(clocks.clock_engine(), SlaClockEngine)


def test_no_deadline_engine_fails_loudly_and_writes_nothing(centre: Any, monkeypatch: Any) -> None:
    monkeypatch.setattr(clocks, "_engine", None)
    with pytest.raises(ImproperlyConfigured, match=r"closeloop\.sla"):
        services.ticket_register(actor=centre.agent, data=complaint())
    assert not Ticket.objects.exists()


def test_actions_no_caller_nests_refuse_to_run_nested(centre: Any) -> None:
    # Durable blocks: the portal's submission, attachments, send-back, reopen and the
    # customer's own rating each commit on their own.
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        services.ticket_register_public(data=complaint())
    t = services.ticket_register(actor=centre.agent, data=complaint())
    with transaction.atomic(), pytest.raises(RuntimeError, match="durable"):
        services.ticket_reopen(centre.supervisor, t.number, reason="again")
