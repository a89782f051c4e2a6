"""The clocks port: how ticket services move a ticket's deadlines without importing `sla`.

The deadline engine (`closeloop.sla`) reads tickets, so tickets may not import it (the
import contracts in pyproject.toml). Every action still moves its ticket's clocks inside its
own transaction; tickets therefore declare here exactly the calls they make (`ClockEngine`),
and the sla app installs its engine when Django starts (`SlaConfig.ready`). Without one,
the first action fails with `ImproperlyConfigured` instead of leaving deadlines unkept.
"""

from datetime import datetime
from typing import TYPE_CHECKING, Any, Protocol

from django.core.exceptions import ImproperlyConfigured

from closeloop.directory.models import User
from closeloop.policy.classify import Classification, TicketFacts
from closeloop.policy.schema import PackSpec
from closeloop.workflow.records import Action

if TYPE_CHECKING:
    from .models import Ticket


class RunningDeadline(Protocol):
    """What ticket services read of a deadline the engine hands back."""

    @property
    def milestone(self) -> str: ...

    @property
    def due_at(self) -> datetime: ...


class ClockEngine(Protocol):
    """The deadline engine's calls, as ticket services make them."""

    def plan_for(
        self, pack: PackSpec, facts: TicketFacts, classification: Classification
    ) -> dict[str, Any]:
        """The time limits and escalations a new ticket runs under (`Ticket.sla_plan`)."""

    def deadlines_on_action(
        self, ticket: "Ticket", action: Action, actor: User | None, now: datetime
    ) -> None:
        """Meet, stop, pause, resume and start the ticket's deadlines after `action`."""

    def handling_seconds(self, ticket: "Ticket", resolved_at: datetime) -> int | None:
        """Business time from the case's arrival to its resolution."""

    def supervision_start(
        self, ticket: "Ticket", due_at: datetime, note: str, now: datetime
    ) -> RunningDeadline:
        """A supervisor's order (督办) with its own deadline."""

    def deadline_for_extension(
        self, ticket: "Ticket", milestone: str | None, requester: User | None = None
    ) -> RunningDeadline:
        """The running deadline an extension request moves."""

    def extension_check(
        self,
        ticket: "Ticket",
        milestone: str | None,
        until: datetime,
        requester: User | None = None,
    ) -> RunningDeadline:
        """The deadline to extend, refusing an extension the pack does not allow."""

    # `deadline` is what `deadline_for_extension` returned: the engine's own deadline row.
    def deadline_extend(self, deadline: Any, until: datetime, now: datetime) -> RunningDeadline:
        """Move `deadline` to `until`."""


_engine: ClockEngine | None = None


def clock_engine_install(engine: ClockEngine) -> None:
    """Make `engine` the one ticket services call (the sla app does, when Django starts)."""
    global _engine
    _engine = engine


def clock_engine() -> ClockEngine:
    """The installed deadline engine; refuses loudly when there is none."""
    if _engine is None:
        raise ImproperlyConfigured(
            "No deadline engine is installed: ticket services move deadlines through the one "
            "closeloop.sla installs when it starts (SlaConfig.ready). Is 'closeloop.sla' in "
            "INSTALLED_APPS, and has Django been set up?"
        )
    return _engine
