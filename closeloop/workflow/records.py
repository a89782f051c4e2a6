"""What an action's record holds (`Action`) and the vocabularies its fields use: how far a
role reaches (`Scope`) and what the action does to the clocks (`ClockEffect`, `Stop`, `Hold`).
The records themselves are the catalogue, `workflow.actions`."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from django.utils.functional import Promise

from closeloop.directory.roles import Role


class Scope(Enum):
    """How far a role's right reaches for one action."""

    ANY = "any"  # any ticket the actor may see
    OWN_DEPARTMENT = "own_department"  # ticket is currently with the actor's department
    OWN_TICKET = "own_ticket"  # the actor is the ticket's handler


class Stop(Enum):
    """Which running clocks an action stops without meeting them."""

    NONE = "none"
    ALL = "all"  # the ticket is finished (a ticket in a final status stops them all, too)
    # Work is done: all but the clocks that run on after resolving (`AFTER_RESOLVE`), and a
    # recurring clock the action meets does not recur.
    WORK = "work"
    DEPARTMENT = "department"  # the clocks of the department the ticket leaves


class Hold(Enum):
    """Whose clocks they become: a breach is charged to whoever held the clock."""

    NONE = "none"
    # Every clock that was running, those the action just met included (an assignment: the
    # handler now answers for them).
    ALL = "all"
    RUNNING = "running"  # the clocks still running after the action (the receiving department)


@dataclass(frozen=True)
class ClockEffect:
    """What an action does to the ticket's deadlines (applied by the deadline engine)."""

    # Start events it emits: a milestone whose start event this is starts (`DEFAULT_START`).
    starts: tuple[str, ...] = ()
    meets: frozenset[str] = frozenset()  # milestones it meets
    # Milestones it meets when a leader takes it: a written instruction (批示) on the case.
    leader_meets: frozenset[str] = frozenset()
    stops: Stop = Stop.NONE
    pauses: bool = False
    resumes: bool = False
    hold: Hold = Hold.NONE
    # Sends the ticket back to work (when it leaves it open): the `reopened` start event, and
    # the reply and resolve clocks start again.
    reopens: bool = False


@dataclass(frozen=True)
class Action:
    name: str  # the glossary's name: the services' `ticket_<name>`
    # What events, notifications, error details and the staff pages call it. The same as the
    # name, except where a name changed after events were stored under the old one.
    code: str
    label: Promise  # in messages: "you may not %(action)s this ticket"
    sources: frozenset[str]
    # Allowed destinations; empty means the action leaves the status unchanged (an event only).
    targets: frozenset[str]
    who: Mapping[Role, Scope]
    # The API's `POST /tickets/{number}/{path}`, and the old paths that still answer
    # (deprecated in the schema). None: the action has an endpoint of its own.
    path: str | None
    old_paths: tuple[str, ...]
    summary: str  # the API operation's summary
    button: Promise | None  # the staff page's button; None: no form on the ticket page
    event_label: Promise | None  # the ticket's history; None: the button's label
    clock: ClockEffect
    notifies: tuple[str, ...]  # who hears of it (`tickets.recipients`), the actor left out
    notifies_if_reopened: tuple[str, ...]  # instead, when it sends the ticket back to work
    asks_approval: str | None  # "plan" or "extension": asked only of those who may decide it
    decides_approval: str | None  # the approval it decides (the pack's approver rule)
    # What the customer is told of it (the pack's `customer_messages` purpose), by SMS and
    # email (`tickets.messages`); None: nothing.
    tells_customer: str | None = None
    # Asked before it is taken (the page's confirm): for what cannot simply be taken back.
    confirm: Promise | None = None
    # What a decision did, by the decision ("approve", "reject"): the two must not read alike.
    decided: Mapping[str, Promise] = field(default_factory=dict)

    @property
    def history_label(self) -> Promise | None:
        return self.event_label or self.button
