"""Classification of a ticket by its pack's rules: pure functions, no database.

Order of work (documented in docs/policy-packs.md):
1. start from the pack's default urgency, the category's default department, the facts'
   on-site flag, and — for kinds in `severity_kinds` — the severity band of the loss;
2. apply every matching rule in order: urgency and severity only go up, flags only switch
   on, `department` and `referral` take the last matching rule's value, crisis reasons add
   up; a matching rule with `stop: true` ends the evaluation.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from .schema import SEVERITY_RANK, Condition, IntRange, PackSpec, TimeLimit, YuanRange


@dataclass(frozen=True)
class TicketFacts:
    kind: str
    channel: str
    category: str | None  # category code
    customer_type: str | None
    people_count: int
    economic_loss: Decimal | None
    subject: str
    description: str
    anonymous: bool
    on_site: bool


@dataclass(frozen=True)
class Classification:
    urgency: str  # a code from the pack's urgency levels
    severity: str  # "one_star"/"two_star"/"three_star" or "" when the pack has none for it
    crisis: bool
    crisis_reasons: list[str]  # human-readable reasons (Chinese, from the pack)
    on_site: bool
    department: str | None  # routing: department code to dispatch to
    referral: str  # "" or the referral text (e.g. the discipline-inspection line)
    decline: bool  # the pack says such tickets are declined (with the referral)
    no_dispatch: bool  # the centre handles it itself
    plan_approval: bool  # a handling plan must be approved before resolve
    matched_rules: list[str]
    confidential: bool = False  # the customer's identity is masked (e.g. 95598 complaints)
    key_customer: bool = False  # put the customer in the key-customer file
    referral_code: str = ""


@dataclass
class _State:
    urgency: str
    severity: str
    crisis: bool = False
    crisis_reasons: list[str] = field(default_factory=list)
    on_site: bool = False
    department: str | None = None
    referral_code: str = ""
    decline: bool = False
    no_dispatch: bool = False
    plan_approval: bool = False
    confidential: bool = False
    key_customer: bool = False
    matched: list[str] = field(default_factory=list)


def _loss(facts: TicketFacts) -> Decimal:
    # An unknown loss counts as none: the seeds' lowest severity is "no direct loss".
    return facts.economic_loss if facts.economic_loss is not None else Decimal(0)


def band_severity(pack: PackSpec, loss: Decimal) -> str:
    """The severity of the band holding `loss` ("" when the pack has no bands)."""
    for band in pack.severity_bands:
        if loss >= band.start and (band.end is None or loss < band.end):
            return band.severity
    return ""


def _within(value: int | Decimal, rng: IntRange | YuanRange) -> bool:
    """Both ends inclusive; a missing end does not bound."""
    return (rng.min is None or value >= rng.min) and (rng.max is None or value <= rng.max)


def _lists_hold(pack: PackSpec, cond: Condition, facts: TicketFacts) -> bool:
    """The "any of" keys on what the ticket is and where it came from."""
    if cond.kind is not None and facts.kind not in cond.kind:
        return False
    if cond.category is not None:
        # A rule on a parent category covers its sub-categories.
        lineage = pack.category_lineage(facts.category) if facts.category else []
        if not set(lineage) & set(cond.category):
            return False
    if cond.channel is not None and facts.channel not in cond.channel:
        return False
    return cond.customer_type is None or facts.customer_type in cond.customer_type


def _measures_hold(cond: Condition, facts: TicketFacts) -> bool:
    """The ranges and the words: how many people, how much loss, what the text says."""
    if cond.people_count is not None and not _within(facts.people_count, cond.people_count):
        return False
    if cond.economic_loss is not None and not _within(_loss(facts), cond.economic_loss):
        return False
    if cond.text_any is not None:
        text = f"{facts.subject}\n{facts.description}".casefold()
        if not any(word.casefold() in text for word in cond.text_any):
            return False
    return True


def _flags_hold(
    cond: Condition, facts: TicketFacts, *, urgency: str, severity: str, crisis: bool
) -> bool:
    """The yes/no facts and the classification so far."""
    if cond.anonymous is not None and facts.anonymous != cond.anonymous:
        return False
    if cond.on_site is not None and facts.on_site != cond.on_site:
        return False
    if cond.urgency is not None and urgency not in cond.urgency:
        return False
    if cond.severity is not None and severity not in cond.severity:
        return False
    return not (cond.crisis is not None and crisis != cond.crisis)


def condition_holds(
    pack: PackSpec,
    cond: Condition | None,
    facts: TicketFacts,
    *,
    urgency: str = "",
    severity: str = "",
    crisis: bool = False,
) -> bool:
    """True when every key of `cond` holds for the facts (and the classification so far)."""
    if cond is None:
        return True
    return (
        _lists_hold(pack, cond, facts)
        and _measures_hold(cond, facts)
        and _flags_hold(cond, facts, urgency=urgency, severity=severity, crisis=crisis)
    )


def classify(pack: PackSpec, facts: TicketFacts) -> Classification:
    """Apply the pack's bands and rules to the facts of one ticket."""
    levels = pack.urgency_codes()
    severity = ""
    if pack.severity_bands and (not pack.severity_kinds or facts.kind in pack.severity_kinds):
        severity = band_severity(pack, _loss(facts))
    state = _State(
        urgency=pack.urgency.default,
        severity=severity,
        on_site=facts.on_site,
        department=pack.category_department(facts.category) if facts.category else None,
        confidential=bool(pack.confidentiality and facts.kind in pack.confidentiality.kinds),
    )
    for rule in pack.rules:
        if not condition_holds(
            pack,
            rule.when,
            facts,
            urgency=state.urgency,
            severity=state.severity,
            crisis=state.crisis,
        ):
            continue
        state.matched.append(rule.id)
        effects = rule.set
        if effects.urgency and levels.index(effects.urgency) > levels.index(state.urgency):
            state.urgency = effects.urgency
        if effects.severity and SEVERITY_RANK[effects.severity] > SEVERITY_RANK[state.severity]:
            state.severity = effects.severity
        if effects.crisis:
            state.crisis = True
            if effects.reason and effects.reason not in state.crisis_reasons:
                state.crisis_reasons.append(effects.reason)
        state.on_site = state.on_site or bool(effects.on_site)
        if effects.department:
            state.department = effects.department
        if effects.referral:
            state.referral_code = effects.referral
        state.decline = state.decline or bool(effects.decline)
        state.no_dispatch = state.no_dispatch or bool(effects.no_dispatch)
        state.plan_approval = state.plan_approval or bool(effects.plan_approval)
        state.confidential = state.confidential or bool(effects.confidential)
        state.key_customer = state.key_customer or bool(effects.key_customer)
        if rule.stop:
            break
    return Classification(
        urgency=state.urgency,
        severity=state.severity,
        crisis=state.crisis,
        crisis_reasons=list(state.crisis_reasons),
        on_site=state.on_site,
        department=state.department,
        referral=pack.referral_text(state.referral_code) if state.referral_code else "",
        decline=state.decline,
        no_dispatch=state.no_dispatch,
        plan_approval=state.plan_approval,
        matched_rules=list(state.matched),
        confidential=state.confidential,
        key_customer=state.key_customer,
        referral_code=state.referral_code,
    )


def time_limits_for(
    pack: PackSpec, facts: TicketFacts, classification: Classification
) -> dict[str, TimeLimit]:
    """For each milestone, the first declared time limit whose `when` holds.

    Packs list the specific limits (e.g. urgent) before the general one of a milestone.
    """
    chosen: dict[str, TimeLimit] = {}
    for limit in pack.time_limits:
        if limit.milestone in chosen:
            continue
        if condition_holds(
            pack,
            limit.when,
            facts,
            urgency=classification.urgency,
            severity=classification.severity,
            crisis=classification.crisis,
        ):
            chosen[limit.milestone] = limit
    return chosen
