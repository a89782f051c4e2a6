"""The pack's cross-reference pass: what the pydantic models (`schema`) cannot check one field
at a time. References between parts of the pack (departments, categories, urgency levels,
referrals, milestones, responsible levels, demo people) must point somewhere, every case must
have a clock from registration, and every clock must be one some action can meet.

`pack_problems` returns `(path inside the YAML, problem)` pairs, one rule family at a time, in
the order the pack's sections are read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from .schema import (
    MESSAGE_PURPOSES,
    ROLES,
    Condition,
    Demo,
    PackSpec,
    ResponsibleLevel,
    placeholder_problems,
    responsible_level_of,
)
from .validate_clocks import clock_problems, reopen_clock_problems

Problems = list[tuple[str, str]]


@dataclass
class _Codes:
    """What the pack declares, each code with the path of its first declaration."""

    departments: dict[str, str]
    categories: dict[str, str]
    levels: dict[str, str]
    referrals: dict[str, str]
    kinds: set[str]
    channels: set[str]


def _tree_paths(
    nodes: list[Any], base: str
) -> Iterator[tuple[str, Any]]:  # (path like departments[0].children[1], node)
    for i, node in enumerate(nodes):
        path = f"{base}[{i}]"
        yield path, node
        yield from _tree_paths(node.children, f"{path}.children")


def pack_problems(spec: PackSpec) -> Problems:
    """Every reference that points nowhere, as (path inside the YAML, problem)."""
    codes, problems = _codes_declared(spec)
    problems += _severity_problems(spec, codes)
    problems += _rule_problems(spec, codes)
    problems += _time_limit_problems(spec, codes)
    problems += clock_problems(spec)
    problems += _escalation_problems(spec, codes)
    problems += _responsible_problems(spec)
    problems += _section_problems(spec, codes)
    problems += _field_problems(spec)
    problems += _accept_on_register_problems(spec, codes)
    problems += _customer_message_problems(spec, codes)
    problems += _care_problems(spec, codes)
    if spec.demo:
        problems += _demo_problems(spec.demo, codes.departments)
    return problems


def _care_problems(spec: PackSpec, codes: _Codes) -> Problems:
    """A suggestion box registers what it finds with the channel `suggestion_box`, as one of
    the pack's kinds: both must be the pack's; a reception session receives visits."""
    if spec.care is None:
        return []
    problems: Problems = []
    for i, box in enumerate(spec.care.suggestion_boxes):
        path = f"care.suggestion_boxes[{i}]"
        if "suggestion_box" not in codes.channels:
            problems.append(
                (path, "a suggestion box needs the channel 'suggestion_box' in `channels`")
            )
        if box.kind not in codes.kinds:
            problems.append((f"{path}.kind", f"kind '{box.kind}' is not among this pack's kinds"))
    if spec.care.receptions and "visit" not in codes.channels:
        problems.append(
            ("care.receptions", "reception sessions receive visits: add 'visit' to `channels`")
        )
    return problems


def _duplicate(problems: Problems, path: str, noun: str, code: str, seen: dict[str, str]) -> None:
    """Record `code` as first seen at `path`, or a problem if it was seen before."""
    if code in seen:
        problems.append((path, f"duplicate {noun} '{code}' (first at {seen[code]})"))
    else:
        seen[code] = path


def _codes_declared(spec: PackSpec) -> tuple[_Codes, Problems]:
    """The departments, categories, urgency levels and referrals the pack declares, and what
    is wrong with their declarations."""
    problems: Problems = []
    departments: dict[str, str] = {}
    for path, dept in _tree_paths(spec.departments, "departments"):
        _duplicate(problems, f"{path}.code", "department", dept.code, departments)
    categories: dict[str, str] = {}
    for path, cat in _tree_paths(spec.categories, "categories"):
        _duplicate(problems, f"{path}.code", "category", cat.code, categories)
        if cat.department and cat.department not in departments:
            problems.append((f"{path}.department", f"unknown department '{cat.department}'"))
    levels: dict[str, str] = {}
    for i, level in enumerate(spec.urgency.levels):
        _duplicate(problems, f"urgency.levels[{i}].code", "urgency level", level.code, levels)
    for required in ("normal", "urgent"):
        if required not in levels:
            problems.append(("urgency.levels", f"the level '{required}' is required"))
    if spec.urgency.default not in levels:
        problems.append(("urgency.default", f"unknown urgency level '{spec.urgency.default}'"))
    referrals: dict[str, str] = {}
    for i, referral in enumerate(spec.referrals):
        _duplicate(problems, f"referrals[{i}].code", "referral", referral.code, referrals)
    codes = _Codes(
        departments=departments,
        categories=categories,
        levels=levels,
        referrals=referrals,
        kinds=set(spec.kinds),
        channels=set(spec.channels),
    )
    return codes, problems


def _kind_problems(path: str, values: list[str] | None, codes: _Codes) -> Problems:
    return [
        (f"{path}[{j}]", f"kind '{kind}' is not among this pack's kinds")
        for j, kind in enumerate(values or [])
        if kind not in codes.kinds
    ]


def _channel_problems(path: str, values: list[str] | None, codes: _Codes) -> Problems:
    return [
        (f"{path}[{j}]", f"channel '{channel}' is not among this pack's channels")
        for j, channel in enumerate(values or [])
        if channel not in codes.channels
    ]


def _condition_problems(path: str, cond: Condition | None, codes: _Codes) -> Problems:
    if cond is None:
        return []
    problems = _kind_problems(f"{path}.kind", cond.kind, codes)
    problems += _channel_problems(f"{path}.channel", cond.channel, codes)
    for j, code in enumerate(cond.category or []):
        if code not in codes.categories:
            problems.append((f"{path}.category[{j}]", f"unknown category '{code}'"))
    for j, code in enumerate(cond.urgency or []):
        if code not in codes.levels:
            problems.append((f"{path}.urgency[{j}]", f"unknown urgency level '{code}'"))
    return problems


def _severity_problems(spec: PackSpec, codes: _Codes) -> Problems:
    problems = _kind_problems("severity_kinds", spec.severity_kinds, codes)
    if spec.severity_kinds and not spec.severity_bands:
        problems.append(("severity_kinds", "severity_kinds needs severity_bands"))
    return problems


def _rule_problems(spec: PackSpec, codes: _Codes) -> Problems:
    """Classification rules: unique ids, conditions and effects naming what the pack has."""
    problems: Problems = []
    rule_ids: dict[str, str] = {}
    for i, rule in enumerate(spec.rules):
        path = f"rules[{i}]"
        _duplicate(problems, f"{path}.id", "rule id", rule.id, rule_ids)
        problems += _condition_problems(f"{path}.when", rule.when, codes)
        effects = rule.set
        if effects.urgency and effects.urgency not in codes.levels:
            problems.append((f"{path}.set.urgency", f"unknown urgency level '{effects.urgency}'"))
        if effects.department and effects.department not in codes.departments:
            problems.append(
                (f"{path}.set.department", f"unknown department '{effects.department}'")
            )
        if effects.referral and effects.referral not in codes.referrals:
            problems.append((f"{path}.set.referral", f"unknown referral '{effects.referral}'"))
    return problems


def _time_limit_problems(spec: PackSpec, codes: _Codes) -> Problems:
    """Time limits: their conditions, and none shadowed by an earlier unconditional one."""
    problems: Problems = []
    unconditional: dict[str, str] = {}
    for i, limit in enumerate(spec.time_limits):
        path = f"time_limits[{i}]"
        problems += _condition_problems(f"{path}.when", limit.when, codes)
        if limit.milestone in unconditional:
            problems.append(
                (
                    path,
                    f"milestone '{limit.milestone}' already has an unconditional limit at "
                    f"{unconditional[limit.milestone]}, so this one never applies",
                )
            )
        elif limit.when is None or not limit.when.model_fields_set:
            unconditional[limit.milestone] = path
    return problems


def _escalation_problems(spec: PackSpec, codes: _Codes) -> Problems:
    """Escalations: of a milestone some time limit declares, under valid conditions."""
    problems: Problems = []
    declared = {limit.milestone for limit in spec.time_limits}
    for i, esc in enumerate(spec.escalations):
        path = f"escalations[{i}]"
        if esc.milestone not in declared:
            problems.append(
                (
                    f"{path}.milestone",
                    f"unknown milestone '{esc.milestone}' (no time limit declares it)",
                )
            )
        problems += _condition_problems(f"{path}.when", esc.when, codes)
        if esc.time_limit:
            problems += _condition_problems(f"{path}.time_limit.when", esc.time_limit.when, codes)
    return problems


def _section_problems(spec: PackSpec, codes: _Codes) -> Problems:
    """The optional sections: the kinds they name, the codes they declare, and a clock after
    every reopen a dissatisfied visit can cause."""
    problems: Problems = []
    if spec.return_visit:
        problems += _kind_problems("return_visit.kinds", spec.return_visit.kinds, codes)
        if spec.return_visit.reopen_on_dissatisfied:
            problems += reopen_clock_problems(spec)
    if spec.confidentiality:
        problems += _kind_problems("confidentiality.kinds", spec.confidentiality.kinds, codes)
    if spec.knowledge:
        problems += _kind_problems("knowledge.from_kinds", spec.knowledge.from_kinds, codes)
    if spec.quality:
        problems += _kind_problems("quality.kinds", spec.quality.kinds, codes)
    if spec.compensation:
        seen: dict[str, str] = {}
        for i, comp in enumerate(spec.compensation.kinds):
            _duplicate(
                problems, f"compensation.kinds[{i}].code", "compensation kind", comp.code, seen
            )
    enclosure_codes: dict[str, str] = {}
    for i, enc in enumerate(spec.enclosures):
        _duplicate(problems, f"enclosures[{i}].code", "enclosure kind", enc.code, enclosure_codes)
    return problems


def _accept_on_register_problems(spec: PackSpec, codes: _Codes) -> Problems:
    rule = spec.accept_on_register
    if rule is None:
        return []
    problems = _kind_problems("accept_on_register.kinds", rule.kinds, codes)
    problems += _channel_problems("accept_on_register.channels", rule.channels, codes)
    return problems


def _customer_message_problems(spec: PackSpec, codes: _Codes) -> Problems:
    """Every placeholder of every text must be one its purpose fills in; a text per kind must
    name one of the pack's kinds."""
    section = spec.customer_messages
    if section is None:
        return []
    problems: Problems = []
    for purpose in MESSAGE_PURPOSES:
        template = getattr(section, purpose)
        if template is None:
            continue
        base = f"customer_messages.{purpose}"
        texts = [(base, template)] + [
            (f"{base}.kinds.{kind}", text) for kind, text in template.kinds.items()
        ]
        for kind in template.kinds:
            if kind not in codes.kinds:
                problems.append(
                    (f"{base}.kinds.{kind}", f"kind '{kind}' is not among this pack's kinds")
                )
        for path, text in texts:
            for field in ("sms", "subject", "body"):
                for problem in placeholder_problems(purpose, getattr(text, field)):
                    problems.append((f"{path}.{field}", problem))
    return problems


def _unknown_level(path: str, level: int) -> tuple[str, str]:
    return (path, f"unknown responsible level {level} (responsible_levels)")


def _responsible_problems(spec: PackSpec) -> list[tuple[str, str]]:
    """Responsible levels are declared once, and every use names one the pack declares, held
    by its role."""
    problems: list[tuple[str, str]] = []
    levels_seen: dict[str, str] = {}
    for i, responsible in enumerate(spec.responsible_levels):
        _duplicate(
            problems,
            f"responsible_levels[{i}].level",
            "responsible level",
            str(responsible.level),
            levels_seen,
        )
    declared = {r.level: r for r in spec.responsible_levels}
    for i, esc in enumerate(spec.escalations):
        for j, recipient in enumerate(esc.notify):
            level = responsible_level_of(recipient)
            if level is not None and level not in declared:
                problems.append(_unknown_level(f"escalations[{i}].notify[{j}]", level))
    problems += _approver_level_problems(spec, declared)
    problems += _demo_level_problems(spec, declared)
    return problems


def _approver_level_problems(
    spec: PackSpec, declared: dict[int, ResponsibleLevel]
) -> list[tuple[str, str]]:
    """The level that approves plans and extensions is held by one of their approver roles."""
    problems: list[tuple[str, str]] = []
    for name in ("plan_approval", "extension"):
        section = getattr(spec, name)
        if section is None or section.level is None:
            continue
        if section.level not in declared:
            problems.append(_unknown_level(f"{name}.level", section.level))
        elif declared[section.level].role not in section.approver_roles:
            problems.append(
                (
                    f"{name}.level",
                    f"level {section.level} is held by a {declared[section.level].role}, "
                    f"which is not among approver_roles",
                )
            )
    return problems


def _demo_level_problems(
    spec: PackSpec, declared: dict[int, ResponsibleLevel]
) -> list[tuple[str, str]]:
    """A demo person at a level has that level's role."""
    problems: list[tuple[str, str]] = []
    for i, person in enumerate(spec.demo.people if spec.demo else []):
        if person.level is None:
            continue
        if person.level not in declared:
            problems.append(_unknown_level(f"demo.people[{i}].level", person.level))
        elif declared[person.level].role not in person.roles:
            problems.append(
                (
                    f"demo.people[{i}].level",
                    f"level {person.level} is held by a {declared[person.level].role}",
                )
            )
    return problems


def _field_problems(spec: PackSpec) -> list[tuple[str, str]]:
    """Field declarations: unique codes, kinds the pack has, required only where recorded."""
    problems: list[tuple[str, str]] = []
    seen: dict[str, str] = {}
    for i, declared in enumerate(spec.fields):
        path = f"fields[{i}]"
        if declared.code in seen:
            problems.append(
                (
                    f"{path}.code",
                    f"duplicate field '{declared.code}' (first at {seen[declared.code]})",
                )
            )
        seen.setdefault(declared.code, path)
        required = declared.required if isinstance(declared.required, list) else []
        for name, kinds in (("kinds", declared.kinds), ("required", required)):
            for j, kind in enumerate(kinds):
                if kind not in spec.kinds:
                    problems.append(
                        (f"{path}.{name}[{j}]", f"kind '{kind}' is not among this pack's kinds")
                    )
        for j, kind in enumerate(required):
            if declared.kinds and kind not in declared.kinds:
                problems.append(
                    (
                        f"{path}.required[{j}]",
                        f"the field is not recorded for kind '{kind}' (see its kinds)",
                    )
                )
    return problems


def _demo_problems(demo: Demo, departments: dict[str, str]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    usernames: dict[str, str] = {}
    covered: set[str] = set()
    for i, person in enumerate(demo.people):
        path = f"demo.people[{i}]"
        if person.username in usernames:
            problems.append(
                (
                    f"{path}.username",
                    f"duplicate username '{person.username}' "
                    f"(first at {usernames[person.username]})",
                )
            )
        usernames.setdefault(person.username, path)
        covered.update(person.roles)
        if person.department and person.department not in departments:
            problems.append((f"{path}.department", f"unknown department '{person.department}'"))
        for role in ("liaison", "handler"):
            if role in person.roles and not person.department:
                problems.append((f"{path}.department", f"a {role} needs a department"))
    for role in ROLES:
        if role not in covered:
            problems.append(("demo.people", f"no demo person has the role '{role}'"))
    for i, duty in enumerate(demo.duty_rota):
        path = f"demo.duty_rota[{i}]"
        if duty.username not in usernames:
            problems.append((f"{path}.username", f"unknown demo person '{duty.username}'"))
        if duty.department not in departments:
            problems.append((f"{path}.department", f"unknown department '{duty.department}'"))
    return problems
