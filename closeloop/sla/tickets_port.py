"""The deadline engine as ticket services call it, behind the port they own
(`tickets.clocks.ClockEngine`); `SlaConfig.ready` installs it."""

from datetime import datetime
from typing import Any

from closeloop.directory.models import User
from closeloop.policy.classify import Classification, TicketFacts
from closeloop.policy.schema import PackSpec
from closeloop.tickets.models import Ticket
from closeloop.workflow.records import Action

from . import engine, extensions, plan
from .models import Deadline


class SlaClockEngine:
    """Each call goes to the sla module that owns it, looked up when called."""

    def plan_for(
        self, pack: PackSpec, facts: TicketFacts, classification: Classification
    ) -> dict[str, Any]:
        return plan.plan_for(pack, facts, classification)

    def deadlines_on_action(
        self, ticket: Ticket, action: Action, actor: User | None, now: datetime
    ) -> None:
        engine.deadlines_on_action(ticket, action, actor, now)

    def handling_seconds(self, ticket: Ticket, resolved_at: datetime) -> int | None:
        return engine.handling_seconds(ticket, resolved_at)

    def supervision_start(
        self, ticket: Ticket, due_at: datetime, note: str, now: datetime
    ) -> Deadline:
        return engine.supervision_start(ticket, due_at, note, now)

    def deadline_for_extension(
        self, ticket: Ticket, milestone: str | None, requester: User | None = None
    ) -> Deadline:
        return extensions.deadline_for_extension(ticket, milestone, requester)

    def extension_check(
        self,
        ticket: Ticket,
        milestone: str | None,
        until: datetime,
        requester: User | None = None,
    ) -> Deadline:
        return extensions.extension_check(ticket, milestone, until, requester)

    def deadline_extend(self, deadline: Deadline, until: datetime, now: datetime) -> Deadline:
        return extensions.deadline_extend(deadline, until, now)
