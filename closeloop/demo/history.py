"""A demo centre's recent history, made the way a real one is: through the services.

`demo_history_create` replays a few months of a centre's work on the active pack: callers
register matters, agents accept, dispatch or answer them, liaisons assign, handlers report
progress, submit plans, suspend and resolve, leaders approve, supervisors chase what runs
late, agents make the return visit and close. Every step is the real service called with
`now=` set to the moment it happened, in the order things happened, and the deadline sweep
runs at each moment a deadline comes due, as the worker does every minute. So deadlines,
escalations, case files, events, indicators and the monthly reports (generated on the first
working day, as the scheduler does) are what the pack's rules make of that history — nothing
is written behind the services' backs.

Deterministic: one seeded random generator decides every matter, moment and outcome, so the
same seed, pack and `now` give the same history. It adds nothing to a database that already
holds tickets, so a second `init --demo` changes nothing.
"""

from __future__ import annotations

import heapq
import random
from collections import Counter
from collections.abc import Callable, Generator, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.db.models import F, Min
from django.utils import timezone
from django.utils.translation import gettext as _

from closeloop.common.errors import ServiceError, ValidationFailed
from closeloop.directory.models import Department, User
from closeloop.directory.roles import Role
from closeloop.directory.selectors import department_subtree_ids
from closeloop.notifications.models import OutboxMessage
from closeloop.policy.classify import Classification, TicketFacts, classify, time_limits_for
from closeloop.policy.schema import PackSpec, walk_categories
from closeloop.policy.services import pack_active, pack_demo_people
from closeloop.reports import monthly
from closeloop.sla import clock
from closeloop.sla.models import Deadline
from closeloop.sla.notices import calendar_for
from closeloop.sla.sweep import deadlines_sweep
from closeloop.sla.timelimits import TimeLimit, deadline_compute
from closeloop.tickets import services as tickets
from closeloop.tickets.choices import Channel, ExtensionState, Kind, ReplyMethod, Satisfaction
from closeloop.tickets.models import ExtensionRequest, Ticket
from closeloop.workflow.actions import ACTIONS
from closeloop.workflow.milestones import AFTER_RESOLVE, DEFAULT_START
from closeloop.workflow.statuses import Status

from . import texts

DEMO_SEED = 12
# Full months before the current one: the oldest has a year-on-year gap, the last one is
# the "last closed month" whose report a newcomer opens.
HISTORY_MONTHS = 3
# Channels on which a matter reaches staff only while the centre is open.
STAFFED_CHANNELS = {Channel.PHONE, Channel.VISIT, Channel.ON_SITE, Channel.LETTER}
# The deadlines a step meets (its record's clock): the step that runs late runs past them.
RESOLVE_MILESTONES = ACTIONS["resolve"].clock.meets
PROGRESS_MILESTONES = ACTIONS["progress"].clock.meets
REPLY_MILESTONES = ACTIONS["reply"].clock.meets
# Clocks that run beside the work rather than pace it: the leader's review, the return visit.
OWN_TRACKS = {"leader_review", "return_visit", "correction"}
# The states an open matter of the recent days may wait in, and how often.
OPEN_FATES = {"accepted": 0.1, "dispatched": 0.22, "in_progress": 0.4, "pending_approval": 0.07,
              "suspended": 0.06, "resolved": 0.15}  # fmt: skip
# One ticket each, placed in the last days, so that every state shows at least once; and one
# left weeks ago where a clock runs, so that the dashboard has an overdue case to show.
COVERAGE_FATES = ["registered", "accepted", "dispatched", "in_progress", "pending_approval",
                  "suspended", "resolved", "declined", "merged", "overdue",
                  "extension"]  # fmt: skip
# The actions a ticket left in a state has been through (for the overdue one).
STUCK_CHAINS = {
    "dispatched": ["register", "accept", "dispatch"],
    "resolved": ["register", "accept", "dispatch", "assign", "progress", "resolve"],
    "accepted": ["register", "accept"],
    "registered": ["register"],
}
OVERDUE_AGE = timedelta(days=25)
LATE_STEPS = ("accept", "dispatch", "assign", "progress", "resolve", "visit")
MAX_STEPS = 60  # per ticket: a guard, far above any story


@dataclass
class DemoHistory:
    """What `demo_history_create` made."""

    tickets: int = 0
    first_day: date | None = None
    last_day: date | None = None
    statuses: dict[str, int] = field(default_factory=dict)
    overdue: int = 0
    reports: list[str] = field(default_factory=list)
    # Steps a service refused ("number: message"); the ticket stays where it was.
    refused: list[str] = field(default_factory=list)
    skipped: bool = False  # the database held tickets already: nothing was added


@dataclass
class _Plan:
    """One matter: what it is, when it arrives, and how far its story goes."""

    index: int
    case: texts.Case
    received_at: datetime
    channel: str
    agent: User
    fate: str = "closed"
    customer: tickets.CustomerInput | None = None
    anonymous: bool = False
    description: str = ""
    guaranteed: bool = False  # squeezed in before now, so that the fate is reached
    spot: bool = False  # answered during the first contact
    late: str | None = None  # the step that runs late
    plan: bool = False  # the handler submits a plan even if the pack does not ask for one
    reject_first: bool = False
    suspend: bool = False
    extend: bool = False
    satisfaction: str = Satisfaction.SATISFIED
    target: int | None = None  # department to dispatch to, when not the routed one
    worker: User | None = None  # who to assign, when a particular person
    duplicate_of: _Plan | None = None
    number: str = ""
    # What has happened in the story so far.
    progressed: int = -1  # the reopen round in which progress was last reported
    planned: bool = False
    rejected: bool = False
    suspended: bool = False
    extended: bool = False
    dissatisfied: bool = False
    reviewed: bool = False
    looked: bool = False  # the agent's first look at a ticket the rules accepted
    replied: int = -1  # the reopen round in which the agent last replied to the customer
    direct: bool = True  # dispatched straight to a department with staff


Story = Generator[datetime, None, None]
Action = Callable[[datetime], Ticket | None]
Step = tuple[datetime, str, Action]  # when, what (a ticket action's name), how


class _Cast:
    """The pack's demo people by what they do."""

    def __init__(self, pack: PackSpec) -> None:
        names = [p.username for p in pack_demo_people(pack)]
        people = {
            u.username: u
            for u in User.objects.filter(username__in=names, is_active=True).prefetch_related(
                "roles"
            )
        }
        ordered = [people[n] for n in names if n in people]

        def having(role: str) -> list[User]:
            return [p for p in ordered if p.has_role(role)]

        self.agents = having(Role.AGENT) or having(Role.SUPERVISOR)
        self.supervisors = having(Role.SUPERVISOR)
        self.leaders = having(Role.LEADER)
        self.inspectors = having(Role.INSPECTOR)
        self.liaisons = [p for p in having(Role.LIAISON) if p.department_id]
        self.handlers = [p for p in having(Role.HANDLER) if p.department_id]
        self._subtrees: dict[int, frozenset[int]] = {}

    def subtree(self, department_id: int) -> frozenset[int]:
        if department_id not in self._subtrees:
            self._subtrees[department_id] = department_subtree_ids(department_id)
        return self._subtrees[department_id]

    def workers(self, department_id: int) -> list[User]:
        """Who may be assigned a ticket of this department: its handlers, else its liaisons."""
        inside = self.subtree(department_id)
        handlers = [p for p in self.handlers if p.department_id in inside]
        return handlers or [p for p in self.liaisons if p.department_id in inside]

    def assigner(self, department_id: int) -> User | None:
        """The department's liaison, else a supervisor (who may assign any ticket)."""
        for liaison in self.liaisons:
            if liaison.department_id is not None and department_id in self.subtree(
                liaison.department_id
            ):
                return liaison
        return self.supervisors[0] if self.supervisors else None

    def staffed_departments(self) -> list[int]:
        seen: list[int] = []
        for person in [*self.handlers, *self.liaisons]:
            if person.department_id is not None and person.department_id not in seen:
                seen.append(person.department_id)
        return seen


def demo_history_create(
    *, now: datetime | None = None, seed: int = DEMO_SEED, tickets_count: int | None = None
) -> DemoHistory:
    """Replay a few months of the active pack's centre at work, ending at `now`: about
    `tickets_count` tickets (default `settings.DEMO_TICKETS`).

    Needs the pack's demo people (`closeloop init --demo` creates them first). Adds nothing
    when the database already holds a ticket. One transaction: all of it, or none.
    """
    now = now or timezone.now()
    if tickets_count is None:
        tickets_count = settings.DEMO_TICKETS
    if tickets_count <= 0 or Ticket.objects.unscoped().exists():
        return DemoHistory(skipped=tickets_count > 0)
    pack = pack_active()
    with transaction.atomic():
        simulation = _Simulation(pack, _Cast(pack), now, seed)
        simulation.run(tickets_count)
        # The history's messages (receipts, replies, surveys to made-up customers; emails to
        # the demo staff) went out in the past it replays: recorded as sent then, so that the
        # worker does not send months of them today.
        OutboxMessage.objects.filter(sent_at__isnull=True).update(
            sent_at=F("created_at"), attempts=1
        )
    return simulation.summary()


class _Simulation:
    def __init__(self, pack: PackSpec, cast: _Cast, now: datetime, seed: int) -> None:
        if not cast.agents:
            raise ValidationFailed(
                _("policy pack '%(name)s' has no demo agent or supervisor to register tickets")
                % {"name": pack.name}
            )
        self.pack = pack
        self.cast = cast
        self.now = now
        # Reproducible on purpose (the demo is replayed from its seed); not for secrets.
        self.rng = random.Random(f"{seed}:{pack.name}")  # noqa: S311
        self.cal = calendar_for({"business_hours": pack.business_hours, "tz": pack.timezone})
        self.tz = ZoneInfo(pack.timezone)
        self.texts = texts.PACKS.get(pack.name) or self._generic_texts()
        self.visit_kinds = set(pack.return_visit.kinds) if pack.return_visit else set()
        self.fallback = self._fallback_department()
        self.reviews = any(limit.milestone == "leader_review" for limit in pack.time_limits)
        self.plans: list[_Plan] = []
        self.reports: list[str] = []
        self.refused: list[str] = []
        today = now.astimezone(self.tz).date()
        self.current = monthly.Month.of(today)
        self.start = datetime.combine(
            self.current.shift(-HISTORY_MONTHS).first_day, time(0), tzinfo=self.tz
        )

    # ------------------------------------------------------------------ planning

    def _generic_texts(self) -> texts.PackTexts:
        categories = [(c.code, c.name) for _parent, c in walk_categories(self.pack)]
        return texts.PackTexts(cases=texts.generic_cases(list(self.pack.kinds), categories))

    def _fallback_department(self) -> int | None:
        staffed = self.cast.staffed_departments()
        if self.texts.fallback:
            code = Department.objects.filter(code=self.texts.fallback).values_list("id", flat=True)
            found = code.first()
            if found is not None and self.cast.workers(found):
                return found
        return staffed[0] if staffed else None

    def _pick(self, weights: dict[str, float]) -> str:
        names = list(weights)
        return self.rng.choices(names, weights=[weights[n] for n in names])[0]

    def _cases(self) -> list[texts.Case]:
        usable = [
            c
            for c in self.texts.cases
            if c.kind in self.pack.kinds and (c.channel is None or c.channel in self.pack.channels)
        ]
        return usable or texts.generic_cases(list(self.pack.kinds), [])

    def _case(self, cases: list[texts.Case], kind: str | None = None) -> texts.Case:
        if kind is None:
            shares = self.texts.kinds or texts.KIND_SHARES
            present = {c.kind for c in cases}
            weights = {k: shares.get(k, 0.05) for k in self.pack.kinds if k in present}
            kind = self._pick(weights)
        pool = [c for c in cases if c.kind == kind] or cases
        return self.rng.choices(pool, weights=[c.weight for c in pool])[0]

    def _channel(self, case: texts.Case) -> str:
        if case.channel:
            return case.channel
        shares = self.texts.channels or texts.CHANNEL_SHARES
        weights = {c: shares.get(c, 0.02) for c in self.pack.channels}
        return self._pick(weights)

    def _facts(self, case: texts.Case, channel: str) -> TicketFacts:
        return TicketFacts(
            kind=case.kind,
            channel=channel,
            category=case.category,
            customer_type=case.customer_type,
            people_count=case.people_count,
            economic_loss=case.economic_loss,
            subject=case.subject,
            description=case.description,
            anonymous=False,
            on_site=False,
        )

    def _classify(self, case: texts.Case, channel: str) -> Classification:
        return classify(self.pack, self._facts(case, channel))

    def _stuck_clock(self, case: texts.Case, channel: str, state: str) -> bool:
        """Whether a ticket of `case` left in `state` has a clock of the work running that
        nothing so far has met (so that, left long enough, it is overdue)."""
        facts = self._facts(case, channel)
        limits = time_limits_for(self.pack, facts, classify(self.pack, facts))
        actions = STUCK_CHAINS[state]
        emitted = {event for action in actions for event in ACTIONS[action].clock.starts}
        met = {milestone for action in actions for milestone in ACTIONS[action].clock.meets}
        for milestone, limit in limits.items():
            if milestone == "leader_review" or (state == "resolved") != (
                milestone in AFTER_RESOLVE
            ):
                continue
            start = limit.start or DEFAULT_START.get(milestone)
            if start in emitted and milestone not in met:
                return True
        return False

    def _workable(self, case: texts.Case, channel: str) -> bool:
        """A matter the centre sends to a department (not declined, referred or kept)."""
        result = self._classify(case, channel)
        return not (result.decline or result.referral or result.no_dispatch)

    def _fill(self, text: str) -> str:
        for key, values in texts.FILLS.items():
            marker = "{" + key + "}"
            if marker in text:
                text = text.replace(marker, self.rng.choice(values))
        return text

    def _person(self) -> tickets.CustomerInput:
        name = self.rng.choice(texts.SURNAMES) + self.rng.choice(texts.GIVEN)
        phone = "1" + self.rng.choice("3589") + "".join(self.rng.choices("0123456789", k=9))
        return tickets.CustomerInput(name=name, phone=phone)

    def _customer(self, case: texts.Case) -> tuple[tickets.CustomerInput | None, bool]:
        if case.kind == Kind.REPORT and self.rng.random() < 0.3:
            return None, True  # an anonymous report
        customer = self._person()
        if case.customer_type:
            customer.type = case.customer_type
        elif self.texts.companies and self.rng.random() < 0.4:
            customer.type = "company"
            customer.organisation = self.rng.choice(texts.COMPANIES)
        return customer, False

    def _moment(self, channel: str, open_total: int) -> datetime:
        """When a matter arrived: during opening hours on staffed channels, else any time
        (fewer at night)."""
        staffed = channel in STAFFED_CHANNELS or self.rng.random() < 0.8  # most write by day
        if staffed and not self.cal.always_open:
            offset = int(self.rng.random() * open_total)
            return clock.open_seconds_add(self.start, offset, self.cal)
        span = (self.now - self.start).total_seconds()
        for _attempt in range(3):
            moment = self.start + timedelta(seconds=self.rng.random() * span)
            if 7 <= moment.astimezone(self.tz).hour < 22 or self.rng.random() < 0.4:
                break
        return moment

    def _new_plan(self, case: texts.Case, received_at: datetime, channel: str, fate: str) -> _Plan:
        customer, anonymous = self._customer(case)
        plan = _Plan(
            index=len(self.plans),
            case=case,
            received_at=received_at,
            channel=channel,
            agent=self.rng.choice(self.cast.agents),
            fate=fate,
            customer=customer,
            anonymous=anonymous,
            description=self._fill(case.description),
        )
        plan.satisfaction = self._pick(
            {"satisfied": 0.78, "basically_satisfied": 0.15, "dissatisfied": 0.07}
        )
        plan.late = self.rng.choice(LATE_STEPS) if self.rng.random() < 0.14 else None
        plan.plan = self.rng.random() < 0.05
        plan.reject_first = self.rng.random() < 0.25
        plan.suspend = self.rng.random() < 0.05
        plan.extend = self.rng.random() < 0.05
        plan.direct = self.rng.random() < 0.7
        if case.kind == Kind.CONSULTATION:
            plan.spot = self.rng.random() < 0.5
        elif case.kind == Kind.PRAISE:
            plan.spot = self.rng.random() < 0.85
        return plan

    def _fate(self, received_at: datetime) -> str:
        age = (self.now - received_at).total_seconds() / 86400
        roll = self.rng.random()
        if roll < 0.025:
            return "declined"
        if roll < 0.05:
            return "merged"
        chance_open = 0.85 if age < 1 else 0.5 if age < 3 else 0.25 if age < 7 else 0.06
        if age > 30:
            chance_open = 0.015
        if self.rng.random() >= chance_open:
            return "closed"
        if age < 0.3 and self.rng.random() < 0.3:
            return "registered"
        return self._pick(OPEN_FATES)

    def plan(self, count: int) -> None:
        cases = self._cases()
        open_total = clock.open_seconds_between(self.start, self.now, self.cal)
        coverage = self._coverage_specs()[: max(0, count // 3)]
        for _index in range(count - len(coverage)):
            case = self._case(cases)
            channel = self._channel(case)
            received = self._moment(channel, open_total)
            self.plans.append(self._new_plan(case, received, channel, self._fate(received)))
        self.plans.sort(key=lambda p: p.received_at)
        for fate, target, worker in coverage:
            extra = self._coverage_plan(cases, fate, target, worker)
            if extra is not None:
                self.plans.append(extra)
        self.plans.sort(key=lambda p: p.received_at)
        for index, plan in enumerate(self.plans):
            plan.index = index
        self._pair_duplicates()

    def _coverage_specs(self) -> list[tuple[str, int | None, User | None]]:
        specs: list[tuple[str, int | None, User | None]] = [(f, None, None) for f in COVERAGE_FATES]
        specs += [("dispatched", p.department_id, None) for p in self.cast.liaisons]
        specs += [("in_progress", p.department_id, p) for p in self.cast.handlers]
        return specs

    def _coverage_plan(
        self, cases: list[texts.Case], fate: str, target: int | None, worker: User | None
    ) -> _Plan | None:
        """A recent matter that reaches `fate`; for a person, one in their department."""
        channel_default = (
            Channel.WEB if Channel.WEB in self.pack.channels else self.pack.channels[0]
        )
        if fate == "overdue":
            return self._overdue_plan(cases, channel_default)
        # Arrived on line or by phone in the last days, without a channel of its own (a visit
        # at night would read oddly), and sent to a department.
        pool = [c for c in cases if c.channel is None and self._workable(c, channel_default)]
        if fate == "resolved":
            pool = [c for c in pool if c.kind in self.visit_kinds] or pool
        if target is not None:
            inside = self.cast.subtree(target)
            near = [c for c in pool if self._routed(c, channel_default) in inside]
            pool = near or pool
        case = self.rng.choice(pool or cases)
        channel = case.channel or channel_default
        # Hours old for the first steps, days for those further along.
        hours = 1.5 if fate == "registered" else 30.0 if fate in ("accepted", "dispatched") else 80
        received = self.now - timedelta(hours=hours * (0.4 + 0.6 * self.rng.random()))
        received = max(received, self.start)
        plan = self._new_plan(case, received, channel, fate)
        plan.guaranteed = True
        plan.spot = False
        plan.late = None
        plan.target = target
        plan.worker = worker
        plan.suspend = plan.extend = plan.plan = False
        if fate == "resolved" or fate == "merged":
            plan.anonymous = False
            plan.customer = plan.customer or self._person()
        return plan

    def _overdue_plan(self, cases: list[texts.Case], channel: str) -> _Plan | None:
        """A matter left weeks ago in a state where one of its clocks runs: with a liaison
        who has not assigned it, by preference, else waiting for its return visit."""
        candidates = [c for c in cases if c.channel is None and self._workable(c, channel)]
        self.rng.shuffle(candidates)
        for state in STUCK_CHAINS:
            for case in candidates:
                if state == "resolved" and case.kind not in self.visit_kinds:
                    continue
                if self._stuck_clock(case, channel, state):
                    received = max(self.now - OVERDUE_AGE, self.start)
                    plan = self._new_plan(case, received, channel, state)
                    plan.guaranteed = True
                    plan.spot = plan.suspend = plan.extend = plan.plan = False
                    plan.late = None
                    if plan.customer is None:
                        plan.anonymous, plan.customer = False, self._person()
                    return plan
        return None

    def _routed(self, case: texts.Case, channel: str) -> int | None:
        result = self._classify(case, channel)
        code = result.department
        if code is None:
            return None
        return Department.objects.filter(code=code).values_list("id", flat=True).first()

    def _pair_duplicates(self) -> None:
        """A merged matter is a repeat call about an earlier one, by the same caller."""
        for plan in self.plans:
            if plan.fate != "merged":
                continue
            window = timedelta(days=10 if not plan.guaranteed else 10_000)
            earlier = [
                p
                for p in self.plans[: plan.index]
                if p.customer is not None
                and p.fate not in ("merged", "declined")
                and (p.case.kind == plan.case.kind or plan.guaranteed)
                and timedelta(0) < plan.received_at - p.received_at < window
            ]
            if not earlier:
                plan.fate = "closed" if not plan.guaranteed else "registered"
                continue
            original = earlier[-1]
            plan.duplicate_of = original
            plan.case = original.case
            plan.customer = original.customer
            plan.anonymous = False
            plan.description = original.description
            plan.channel = original.channel if not plan.guaranteed else plan.channel

    # ------------------------------------------------------------------ running

    def run(self, count: int) -> None:
        self.plan(count)
        queue: list[tuple[datetime, int, Story]] = []
        for plan in self.plans:
            queue.append((plan.received_at, len(queue), self._story(plan)))
        for job in self._monthly_jobs():
            queue.append((job[0], len(queue), job[1]))
        heapq.heapify(queue)
        while queue:
            moment, order, story = heapq.heappop(queue)
            if moment > self.now:
                story.close()
                continue
            self._sweep_until(moment)
            try:
                following = next(story)
            except StopIteration:
                continue
            heapq.heappush(queue, (following, order, story))
        self._sweep_until(self.now)
        deadlines_sweep(now=self.now)
        self._last_report()

    def _sweep_until(self, moment: datetime) -> None:
        """Sweep at each minute a deadline came due before `moment`, as the worker does."""
        for _round in range(100_000):
            first = Deadline.objects.filter(next_check_at__lte=moment).aggregate(
                first=Min("next_check_at")
            )["first"]
            if first is None:
                return
            minute = first.replace(second=0, microsecond=0)
            if minute < first:
                minute += timedelta(minutes=1)
            deadlines_sweep(now=min(minute, moment))

    def _after(self, moment: datetime, low_minutes: float, high_minutes: float) -> datetime:
        """Some working time after `moment` (any time in a 24x7 centre)."""
        minutes = low_minutes + (high_minutes - low_minutes) * self.rng.random()
        return clock.open_seconds_add(moment, max(60, int(minutes * 60)), self.cal)

    def _due(self, ticket: Ticket, milestones: Iterable[str] | None) -> datetime | None:
        """The nearest running deadline among `milestones` (None: every clock of the work)."""
        running = Deadline.objects.filter(
            ticket=ticket, closed_at__isnull=True, paused_at__isnull=True
        )
        if milestones is None:
            running = running.exclude(milestone__in=OWN_TRACKS)
        else:
            running = running.filter(milestone__in=list(milestones))
        return running.order_by("due_at").values_list("due_at", flat=True).first()

    def _when(
        self,
        ticket: Ticket,
        at: datetime,
        milestones: Iterable[str] | None,
        low: float,
        high: float,
    ) -> datetime:
        """The moment of the next step: an ordinary pause, or within the nearest deadline of
        the work (a share of the time left, at most a few ordinary pauses) — a centre that
        works to its clocks meets them, except where a step is meant to run late."""
        due = self._due(ticket, milestones)
        if due is not None and due > at:
            left = clock.open_seconds_between(at, due, self.cal)
            if left > 120:
                share = 0.1 + 0.5 * self.rng.random()
                seconds = min(left * share, high * 60 * 3)
                return clock.open_seconds_add(at, max(60, int(seconds)), self.cal)
        return self._after(at, low, high)

    def _late(self, ticket: Ticket, at: datetime, milestones: Iterable[str]) -> datetime | None:
        """A moment past the deadline the step meets, for the step that runs late."""
        due = self._due(ticket, milestones)
        if due is None or due <= at:
            return None
        left = max(clock.open_seconds_between(at, due, self.cal), 3600)
        return clock.open_seconds_add(due, int(left * (0.2 + 0.8 * self.rng.random())), self.cal)

    def _squeeze(self, plan: _Plan, at: datetime, moment: datetime) -> datetime:
        """A guaranteed story's next step happens before now, however early."""
        if not plan.guaranteed or moment < self.now:
            return moment
        return at + (self.now - at) * (0.3 + 0.4 * self.rng.random())

    def _story(self, plan: _Plan) -> Story:
        at = plan.received_at
        ticket = self._try(plan, "register", lambda now: self._register(plan, now), at)
        if ticket is None:
            return
        plan.number = ticket.number
        for _step in range(MAX_STEPS):
            step = self._next(plan, ticket, at)
            if step is None:
                return
            moment, name, action = step
            moment = self._squeeze(plan, at, moment)
            yield moment
            at = moment
            changed = self._try(plan, name, action, at)
            if changed is None:
                return
            ticket = changed

    def _try(self, plan: _Plan, name: str, action: Action, at: datetime) -> Ticket | None:
        try:
            return action(at)
        except ServiceError as error:
            if name in ("extend", "supervise", "remind"):
                return self._reload(plan)  # the pack's rules say no: the story goes on
            self.refused.append(f"{plan.number or plan.index} {name}: {error.message}")
            return None

    def _reload(self, plan: _Plan) -> Ticket | None:
        return Ticket.objects.unscoped().filter(number=plan.number).first()

    # ------------------------------------------------------------------ the steps

    def _register(self, plan: _Plan, at: datetime) -> Ticket:
        case = plan.case
        data = tickets.TicketInput(
            kind=case.kind,
            channel=plan.channel,
            subject=case.subject,
            description=plan.description,
            category=case.category,
            customer=plan.customer,
            anonymous=plan.anonymous,
            people_count=case.people_count,
            economic_loss=case.economic_loss,
            received_at=at,
            fields=self._required_fields(case.kind),
        )
        return tickets.ticket_register(actor=plan.agent, data=data, now=at)

    def _required_fields(self, kind: str) -> dict[str, str]:
        """Plausible values for the pack fields this kind requires (road rescue: 车辆位置)."""
        return {
            spec.code: self.rng.choice(texts.FIELD_VALUES[spec.code])
            for spec in self.pack.fields
            if spec.required_for(kind) and spec.code in texts.FIELD_VALUES
        }

    def _next(self, plan: _Plan, ticket: Ticket, at: datetime) -> Step | None:
        review = self._review(plan, ticket, at)
        if review is not None:
            return review
        status = ticket.status
        # Dispatched and in-progress stories stop inside their step (after a transfer, after
        # the first progress report).
        if status == plan.fate and status not in (Status.DISPATCHED, Status.IN_PROGRESS):
            return None
        steps: dict[str, Callable[[_Plan, Ticket, datetime], Step | None]] = {
            Status.REGISTERED: self._registered,
            Status.ACCEPTED: self._accepted,
            Status.DISPATCHED: self._dispatched,
            Status.IN_PROGRESS: self._in_progress,
            Status.PENDING_APPROVAL: self._pending_approval,
            Status.SUSPENDED: self._suspended,
            Status.RESOLVED: self._resolved,
        }
        step = steps.get(status)
        if step is None:
            return None  # closed, declined, merged
        return step(plan, ticket, at)

    def _review(self, plan: _Plan, ticket: Ticket, at: datetime) -> Step | None:
        """Where the pack gives the leader a clock to review the case (阅批), the leader
        writes an instruction on it — a note, which is what meets that clock."""
        if plan.reviewed or not self.cast.leaders or not self.reviews:
            return None
        if self._due(ticket, {"leader_review"}) is None:
            return None
        plan.reviewed = True
        leader, number = self.cast.leaders[0], ticket.number
        text = self.rng.choice(texts.REVIEWS)
        return (
            self._when(ticket, at, {"leader_review"}, 60, 480),
            "note",
            lambda now: tickets.ticket_note(leader, number, text=text, now=now),
        )

    def _chase(
        self, plan: _Plan, ticket: Ticket, at: datetime, step: str, milestones: Iterable[str]
    ) -> Step | None:
        """For the step that runs late: past its deadline, the supervisor chases it first."""
        if plan.late != step or plan.guaranteed:
            return None
        moment = self._late(ticket, at, milestones)
        plan.late = None
        if moment is None:
            return None
        supervisor = (self.cast.supervisors or self.cast.agents)[0]
        number = ticket.number
        if ticket.status == Status.RESOLVED or not supervisor.has_role(Role.SUPERVISOR):

            def remind(now: datetime) -> Ticket:
                note = self.rng.choice(texts.REMINDERS)
                return tickets.ticket_remind(supervisor, number, note=note, now=now)

            return moment, "remind", remind

        def supervise(now: datetime) -> Ticket:
            due = deadline_compute(now, TimeLimit(1, "working_days"), self.cal, explain=False)
            note = self.rng.choice(texts.SUPERVISIONS)
            return tickets.ticket_supervise(
                supervisor, number, note=note, due_at=due.due_at, now=now
            )

        return moment, "supervise", supervise

    def _first_look(self, plan: _Plan, ticket: Ticket, at: datetime) -> Step | None:
        """What the agent does at once, whether the rules left the ticket registered or took
        it on (a repeat call merged into the first; a matter declined or referred)."""
        agent, number = plan.agent, ticket.number
        original = plan.duplicate_of
        if plan.fate == "merged" and original is not None and original.number:
            into = original.number
            return (
                self._when(ticket, at, None, 5, 90),
                "merge",
                lambda now: tickets.ticket_merge(agent, number, into=into, now=now),
            )
        if plan.fate == "declined" or ticket.referral:
            reason = self.rng.choice(texts.DECLINES)
            if ticket.referral:
                reason = f"已告知反映人:{ticket.referral}"
            return (
                self._when(ticket, at, None, 5, 60),
                "decline",
                lambda now: tickets.ticket_decline(agent, number, reason=reason, now=now),
            )
        return None

    def _registered(self, plan: _Plan, ticket: Ticket, at: datetime) -> Step | None:
        agent, number = plan.agent, ticket.number
        first = self._first_look(plan, ticket, at)
        if first is not None:
            return first
        if plan.spot:
            reply = self.rng.choice(texts.SPOT_ANSWERS)
            return (
                self._when(ticket, at, None, 1, 8),
                "answer",
                lambda now: tickets.ticket_answer(agent, number, reply=reply, now=now),
            )
        chased = self._chase(plan, ticket, at, "accept", {"accept"})
        if chased is not None:
            return chased
        return (
            self._when(ticket, at, None, 2, 30),
            "accept",
            lambda now: tickets.ticket_accept(agent, number, now=now),
        )

    def _accepted(self, plan: _Plan, ticket: Ticket, at: datetime) -> Step | None:
        agent, number = plan.agent, ticket.number
        if not plan.looked:  # taken on by the rules at registration (12366 complaints)
            plan.looked = True
            first = self._first_look(plan, ticket, at)
            if first is not None:
                return first
        target = plan.target or ticket.routed_department_id
        if target is None or (plan.direct and not self.cast.workers(target)):
            # Nobody to work on it where the rules send it: the agent picks the department
            # that does the work (otherwise it goes there and is transferred on).
            target = self.fallback or target
        if ticket.centre_handles or target is None:
            # The centre takes it on itself (12366 service complaints): the agent answers.
            reply = self.rng.choice(texts.CENTRE_ANSWERS)
            return (
                self._when(ticket, at, None, 60, 420),
                "answer",
                lambda now: tickets.ticket_answer(agent, number, reply=reply, now=now),
            )
        chased = self._chase(plan, ticket, at, "dispatch", {"dispatch"})
        if chased is not None:
            return chased
        code = self._code(target)
        return (
            self._when(ticket, at, None, 10, 120),
            "dispatch",
            lambda now: tickets.ticket_dispatch(agent, number, department=code, now=now),
        )

    def _code(self, department_id: int) -> str:
        return Department.objects.values_list("code", flat=True).get(pk=department_id)

    def _dispatched(self, plan: _Plan, ticket: Ticket, at: datetime) -> Step | None:
        number = ticket.number
        department = ticket.department_id
        if department is None:
            return None
        if not self.cast.workers(department):
            # Nobody works there in the demo: the centre passes it on (转办).
            supervisor = (self.cast.supervisors or self.cast.agents)[0]
            target = plan.target or self.fallback
            if target is None or target == department or ticket.centre_handles:
                return None
            code = self._code(target)
            return (
                self._after(at, 30, 180),
                "transfer",
                lambda now: tickets.ticket_transfer(supervisor, number, department=code, now=now),
            )
        if plan.fate == "dispatched":
            return None
        assigner = self.cast.assigner(department)
        workers = self.cast.workers(department)
        worker = plan.worker if plan.worker in workers else self.rng.choice(workers)
        if assigner is None or worker is None:
            return None
        chased = self._chase(plan, ticket, at, "assign", {"assign"})
        if chased is not None:
            return chased
        username = worker.username
        return (
            self._when(ticket, at, None, 20, 240),
            "assign",
            lambda now: tickets.ticket_assign(assigner, number, handler=username, now=now),
        )

    def _in_progress(self, plan: _Plan, ticket: Ticket, at: datetime) -> Step | None:
        handler = ticket.handler
        if handler is None:
            return None
        if plan.progressed != ticket.reopen_count or plan.fate == "in_progress":
            return self._progress_report(plan, ticket, handler, at)
        pending = (
            plan.extended
            and ExtensionRequest.objects.filter(
                ticket=ticket, state=ExtensionState.PENDING
            ).exists()
        )
        if pending and plan.fate != "extension":
            return self._extension_decision(ticket, at)
        if plan.fate == "extension" or (plan.extend and not plan.extended):
            if not plan.extended:
                plan.extended = True
                request = self._extension_request(ticket, handler, at)
                if request is not None:
                    return request
            if plan.fate == "extension":
                return None  # the request waits for a decision (the approvals page)
        return self._toward_resolve(plan, ticket, handler, at)

    def _progress_report(
        self, plan: _Plan, ticket: Ticket, handler: User, at: datetime
    ) -> Step | None:
        number = ticket.number
        if plan.progressed != ticket.reopen_count:
            chased = self._chase(plan, ticket, at, "progress", PROGRESS_MILESTONES)
            if chased is not None:
                return chased
            note = self.rng.choice(texts.PROGRESS)
            plan.progressed = ticket.reopen_count

            return (
                self._when(ticket, at, None, 60, 360),
                "progress",
                lambda now: tickets.ticket_progress(handler, number, note=note, now=now),
            )
        # Left open: the handler keeps reporting while a progress clock runs (a daily
        # report after a case file, a supervision order).
        if self._due(ticket, PROGRESS_MILESTONES) is None:
            return None
        note = self.rng.choice(texts.PROGRESS)
        return (
            self._when(ticket, at, PROGRESS_MILESTONES, 60, 360),
            "progress",
            lambda now: tickets.ticket_progress(handler, number, note=note, now=now),
        )

    def _toward_resolve(
        self, plan: _Plan, ticket: Ticket, handler: User, at: datetime
    ) -> Step | None:
        """A plan to submit (again, after a rejection), a suspension, or else the resolution."""
        number = ticket.number
        needs_plan = ticket.plan_required and ticket.plan_approved is not True
        if (needs_plan or plan.plan or plan.fate == "pending_approval") and not plan.planned:
            plan.planned = True
            text = self.rng.choice(texts.PLANS)
            return (
                self._after(at, 120, 480),
                "submit_plan",
                lambda now: tickets.ticket_submit_plan(handler, number, plan=text, now=now),
            )
        if needs_plan:  # rejected: a revised plan
            text = self.rng.choice(texts.PLANS) + "(已按领导意见补充整改措施)"
            return (
                self._after(at, 60, 240),
                "submit_plan",
                lambda now: tickets.ticket_submit_plan(handler, number, plan=text, now=now),
            )
        if (plan.suspend or plan.fate == "suspended") and not plan.suspended:
            plan.suspended = True
            reason = self.rng.choice(texts.SUSPENSIONS)
            return (
                self._after(at, 60, 480),
                "suspend",
                lambda now: tickets.ticket_suspend(handler, number, reason=reason, now=now),
            )
        chased = self._chase(plan, ticket, at, "resolve", RESOLVE_MILESTONES)
        if chased is not None:
            return chased
        return self._resolve(ticket, handler, at)

    def _resolve(self, ticket: Ticket, handler: User, at: datetime) -> Step:
        number = ticket.number
        kind = ticket.kind
        reply = self.rng.choice(texts.REPLIES.get(kind) or texts.REPLIES["consultation"])
        validity = ""
        cause = ""
        if kind in (Kind.COMPLAINT, Kind.REPORT):
            validity = "valid" if self.rng.random() < 0.75 else "invalid"
            cause = self.rng.choice(texts.VALIDITY_CAUSES[validity])
        compensation = None
        if kind == Kind.COMPLAINT and self.pack.compensation and self.rng.random() < 0.3:
            compensation = tickets.CompensationInput(
                kind=self.rng.choice(self.pack.compensation.kinds).code,
                amount=Decimal(self.rng.choice([100, 200, 300, 500])),
            )
        return (
            self._when(ticket, at, None, 240, 1440),
            "resolve",
            lambda now: tickets.ticket_resolve(
                handler,
                number,
                reply=reply,
                validity=validity,
                cause=cause,
                compensation=compensation,
                now=now,
            ),
        )

    def _extension_request(self, ticket: Ticket, handler: User, at: datetime) -> Step | None:
        running = [
            d
            for d in Deadline.objects.filter(ticket=ticket, closed_at__isnull=True)
            if not d.rule.get("recurring") and d.paused_at is None
        ]
        by_milestone = {d.milestone: d for d in running}
        deadline = by_milestone.get("resolve") or by_milestone.get("reply")
        if deadline is None and running:
            deadline = max(running, key=lambda d: d.due_at)
        if deadline is None:
            return None
        moment = self._after(at, 60, 240)
        if moment >= deadline.due_at:
            return None
        until = deadline_compute(
            deadline.due_at, TimeLimit(1 + self.rng.randrange(2), "working_days"), self.cal,
            explain=False,
        ).due_at  # fmt: skip
        reason = self.rng.choice(texts.EXTENSIONS)
        number, milestone = ticket.number, deadline.milestone
        return (
            moment,
            "extend",
            lambda now: tickets.ticket_extend(
                handler, number, until=until, reason=reason, milestone=milestone, now=now
            ),
        )

    def _extension_decision(self, ticket: Ticket, at: datetime) -> Step:
        roles = self.pack.extension.approver_roles if self.pack.extension else [Role.LEADER]
        approvers = [
            p
            for p in [*self.cast.leaders, *self.cast.supervisors]
            if p.has_role(*roles) and p.has_role(Role.LEADER, Role.SUPERVISOR)
        ] or [*self.cast.leaders, *self.cast.supervisors]
        approver = approvers[0]
        comment = self.rng.choice(texts.EXTENSION_DECISIONS)
        number = ticket.number
        return (
            self._after(at, 60, 300),
            "approve_extension",
            lambda now: tickets.ticket_decide_extension(
                approver, number, approved=True, comment=comment, now=now
            ),
        )

    def _pending_approval(self, plan: _Plan, ticket: Ticket, at: datetime) -> Step | None:
        if not self.cast.leaders:
            return None
        leader = self.cast.leaders[0]
        number = ticket.number
        moment = self._when(ticket, at, {"leader_review"}, 60, 480)
        if plan.reject_first and not plan.rejected:
            plan.rejected = True
            comment = self.rng.choice(texts.PLAN_REJECTIONS)
            return (
                moment,
                "reject_plan",
                lambda now: tickets.ticket_reject_plan(leader, number, comment=comment, now=now),
            )
        comment = self.rng.choice(texts.PLAN_APPROVALS)
        return (
            moment,
            "approve_plan",
            lambda now: tickets.ticket_approve_plan(leader, number, comment=comment, now=now),
        )

    def _suspended(self, plan: _Plan, ticket: Ticket, at: datetime) -> Step | None:
        handler = ticket.handler
        if handler is None:
            return None
        number = ticket.number
        return (
            self._after(at, 420, 1800),
            "resume",
            lambda now: tickets.ticket_resume(handler, number, now=now),
        )

    def _resolved(self, plan: _Plan, ticket: Ticket, at: datetime) -> Step | None:
        agent, number = plan.agent, ticket.number
        if plan.replied != ticket.reopen_count and self._due(ticket, REPLY_MILESTONES):
            # The department has answered: the agent tells the customer (12366: 当日回复).
            plan.replied = ticket.reopen_count
            reply = ticket.reply or self.rng.choice(texts.REPLIES["consultation"])
            method = ReplyMethod.PHONE if ticket.customer_id else ReplyMethod.PORTAL
            return (
                self._when(ticket, at, REPLY_MILESTONES, 10, 120),
                "reply",
                lambda now: tickets.ticket_reply(
                    agent, number, reply=reply, method=method, now=now
                ),
            )
        needs_visit = (
            ticket.kind in self.visit_kinds and not ticket.anonymous and ticket.customer_id
        )
        if needs_visit and not ticket.satisfaction:
            if plan.fate == "resolved":
                return None
            chased = self._chase(plan, ticket, at, "visit", {"return_visit"})
            if chased is not None:
                return chased
            satisfaction = plan.satisfaction
            if satisfaction == Satisfaction.DISSATISFIED:
                if plan.dissatisfied:
                    satisfaction = Satisfaction.SATISFIED
                plan.dissatisfied = True
            comment = self.rng.choice(texts.VISIT_COMMENTS[satisfaction])
            return (
                self._when(ticket, at, {"return_visit"}, 60, 1440),
                "visit",
                lambda now: tickets.ticket_return_visit(
                    agent, number, satisfaction=satisfaction, comment=comment, now=now
                ),
            )
        if plan.fate == "resolved":
            return None
        note = self.rng.choice(texts.CLOSE_NOTES)
        return (
            # Within the day's reply clock, where one runs (12366: 当日回复纳税人).
            self._when(ticket, at, {"reply"}, 5, 60),
            "close",
            lambda now: tickets.ticket_close(agent, number, note=note, now=now),
        )

    # ------------------------------------------------------------------ reports

    def _monthly_jobs(self) -> list[tuple[datetime, Story]]:
        jobs = []
        for back in range(HISTORY_MONTHS - 1, -1, -1):
            month = self.current.shift(-back)
            first = datetime.combine(month.first_day, time(7), tzinfo=self.tz)
            jobs.append((first, self._monthly_job(month, first)))
        return jobs

    def _monthly_job(self, month: monthly.Month, first: datetime) -> Story:
        """The scheduler's 07:00 step on the first days of `month`: last month's report on the
        first working day; two days later the supervisor picks typical cases and publishes.
        In a pack with quality inspection, the inspector samples and scores that month."""
        moment = first
        report = None
        for _day in range(10):
            report = monthly.monthly_report_auto(moment)
            if report is not None:
                break
            moment += timedelta(days=1)
            yield moment
        if report is None:
            return
        closed = monthly.Month.parse(report.month)
        self.reports.append(report.month)
        if self.pack.quality is not None and self.cast.inspectors:
            moment = self._after(moment + timedelta(hours=2), 0, 60)
            yield moment
            self._inspect(closed, moment)
        moment = datetime.combine(
            moment.astimezone(self.tz).date() + timedelta(days=2), time(10), tzinfo=self.tz
        )
        yield moment
        self._publish(closed, moment)

    def _publish(self, month: monthly.Month, at: datetime) -> None:
        editors = [p for p in self.cast.supervisors if p.has_role(*monthly.EDITOR_ROLES)]
        if not editors:
            return
        cohort = (
            Ticket.objects.unscoped()
            .filter(received_at__gte=month.period().start, received_at__lt=month.period().end)
            .exclude(status=Status.MERGED)
        )
        picked: list[tuple[str, str]] = []
        late = (
            cohort.filter(deadlines__state__in=["overdue", "met_late"])
            .order_by("received_at")
            .values_list("number", flat=True)
            .first()
        )
        if late:
            picked.append((late, texts.TYPICAL_COMMENTS["overdue"]))
        liked = (
            cohort.filter(status=Status.CLOSED, satisfaction=Satisfaction.SATISFIED)
            .exclude(number__in=[number for number, _comment in picked])
            .order_by("received_at")
            .values_list("number", flat=True)
            .first()
        )
        if liked:
            picked.append((liked, texts.TYPICAL_COMMENTS["satisfied"]))
        editor = editors[0]
        monthly.monthly_report_update(
            month,
            user=editor,
            typical_cases=picked,
            corrective_actions=texts.CORRECTIVE_ACTIONS,
            now=at,
        )
        monthly.monthly_report_publish(month, user=editor, now=at)

    def _inspect(self, month: monthly.Month, at: datetime) -> None:
        from closeloop.quality import services as quality

        rules = self.pack.quality
        inspector = self.cast.inspectors[0]
        if rules is None:
            return
        sampled = quality.inspection_sample(str(month), seed=DEMO_SEED, now=at)
        for inspection in sampled:
            if inspection.agent_id == inspector.pk:
                continue  # nobody scores their own handling
            scores = {
                c.code: c.max_points - self.rng.choice([0, 0, 1, 2, 3, 5]) for c in rules.criteria
            }
            quality.inspection_score(
                inspector,
                inspection.ticket,
                scores,
                comment=self.rng.choice(texts.INSPECTION_COMMENTS),
                now=at,
            )

    def _last_report(self) -> None:
        """The last closed month's report exists even before its first working day (the
        scheduler would generate it then; the demo should not wait for it)."""
        month = self.current.shift(-1)
        if monthly.monthly_report_get(month) is not None:
            return
        leader = monthly.report_user_default()
        if leader is None:
            return
        monthly.monthly_report_generate(month, user=leader, now=self.now)
        self.reports.append(str(month))

    # ------------------------------------------------------------------ summary

    def summary(self) -> DemoHistory:
        numbers = [p.number for p in self.plans if p.number]
        rows = Ticket.objects.unscoped().filter(number__in=numbers)
        statuses = Counter(rows.values_list("status", flat=True))
        return DemoHistory(
            tickets=len(numbers),
            first_day=self.start.date(),
            last_day=self.now.astimezone(self.tz).date(),
            statuses=dict(sorted(statuses.items())),
            overdue=rows.filter(deadline_state="overdue").count(),
            reports=sorted(self.reports),
            refused=list(self.refused),
        )


def demo_statuses(history: DemoHistory) -> str:
    """The summary line's status counts, in the lifecycle's order."""
    order = [s.value for s in Status]
    parts = [f"{history.statuses[s]} {s}" for s in order if history.statuses.get(s)]
    return ", ".join(parts)
