"""Every escalation, reminder and assignment a pack names produces a notification for each
person it names. For every seed pack: each ticket of `tests/sla/test_every_pack_limit.py`'s
rows (which between them start every milestone of every pack) is walked to its milestone, then
swept in the warning window and long after the due moment; every escalation that fired must
have told at least one person (where the roles it names are nobody yet — the handler of a
case not dispatched — the person who took the case stands in), and each person it told has a
notification of the escalation's kind on that ticket. Every escalation of every pack fires on
at least one of the tickets; every assignment tells the handler."""

from datetime import timedelta
from typing import Any

import pytest

from closeloop.notifications.models import Notification
from closeloop.policy.services import pack_active
from closeloop.sla.models import Deadline, EscalationRecord
from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import services
from closeloop.tickets.models import TicketEvent
from closeloop.tickets.services import TicketInput
from tests.conftest import demo_people, required_field_values
from tests.sla.test_every_pack_limit import ROWS, T, _walk

PACKS = sorted({row[0] for row in ROWS})
ESCALATION_EVENTS = ("remind", "supervise", "escalate", "case_file")


def _sweep_through(ticket: Any) -> None:
    """Sweep at each deadline's warning moment (earliest first), then at each due moment, then
    long after the last (escalations `after` the due moment); again for the deadlines the
    escalations started (a 督办's own)."""
    seen: set[int] = set()
    for _round in range(4):
        fresh = [d for d in Deadline.objects.filter(ticket=ticket) if d.pk not in seen]
        if not fresh:
            return
        seen |= {d.pk for d in fresh}
        warnings = sorted(d.warn_at for d in fresh if d.warn_at is not None)
        dues = sorted(d.due_at for d in fresh)
        for moment in [*warnings, *dues]:
            deadlines_sweep(now=moment + timedelta(seconds=1))
        deadlines_sweep(now=dues[-1] + timedelta(days=40))


@pytest.mark.parametrize("pack", PACKS)
def test_every_escalation_and_assignment_notifies(db: Any, pack: str) -> None:
    people = demo_people(pack)
    spec = pack_active()
    agent = next(u for u in people.values() if u.has_role("agent"))
    fired: set[int] = set()
    for row_pack, fields, steps, _milestone, _due in ROWS:
        if row_pack != pack:
            continue
        data = TicketInput(
            **{
                "kind": "complaint",
                "channel": "phone",
                "subject": "投诉",
                **fields,
                "fields": required_field_values(spec, fields.get("kind", "complaint")),
            }
        )
        ticket = services.ticket_register(actor=agent, data=data, now=T)
        _walk(people, ticket.number, steps)
        if "assign" in steps:
            ticket.refresh_from_db()
            assert Notification.objects.filter(
                recipient=ticket.handler, ticket=ticket, kind="assign"
            ).exists(), (pack, steps)
        _sweep_through(ticket)
        events = TicketEvent.objects.unscoped().filter(
            ticket=ticket, action__in=ESCALATION_EVENTS, actor__isnull=True
        )
        for event in events:
            notified = event.payload.get("notified") or []
            assert notified, (pack, event.action, event.payload)
            told = set(
                Notification.objects.filter(ticket=ticket, kind=event.action).values_list(
                    "recipient__username", flat=True
                )
            )
            assert set(notified) <= told, (pack, event.action, notified, told)
        plan = ticket.sla_plan["escalations"]  # the pack's escalations this case meets
        fired |= {
            _key(plan[index])
            for index in EscalationRecord.objects.filter(deadline__ticket=ticket).values_list(
                "index", flat=True
            )
        }
    declared = [e.model_dump(mode="json", exclude_none=True) for e in spec.escalations]
    assert declared, pack
    missed = [e for e in declared if _key(e) not in fired]
    assert not missed, missed


def _key(escalation: dict[str, Any]) -> tuple[Any, ...]:
    """An escalation as the pack declares it and as a ticket's plan keeps it."""
    return (
        escalation["milestone"],
        escalation["state"],
        escalation["action"],
        tuple(escalation["notify"]),
        str(escalation.get("after")),
        escalation.get("basis", ""),
    )
