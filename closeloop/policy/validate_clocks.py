"""The pack's clock rules: every case has a clock from the moment it arrives (or the pack
says why not), every clock can be met by some action, and a case reopened by a dissatisfied
visit runs under a clock again. Part of the pack's cross-reference pass (`validate`)."""

from __future__ import annotations

from closeloop.sla.milestones import (
    DEFAULT_START,
    STATUS_AT,
    meeting_actions,
    statuses_while_running,
    unmet_statuses,
)

from .schema import Condition, PackSpec, TimeLimit


def _start_of(limit: TimeLimit) -> str:
    return limit.start or DEFAULT_START[limit.milestone]


def _holds_for_every(cond: Condition | None, kind: str) -> bool | None:
    """True: the condition holds for every ticket of `kind`; False: for none; None: some."""
    # Keys given a value (a stored pack's JSON spells out the unset ones as null).
    keys = {k for k in (cond.model_fields_set if cond else ()) if getattr(cond, k) is not None}
    if cond is None or not keys:
        return True
    if cond.kind is not None and kind not in cond.kind:
        return False
    return True if keys <= {"kind"} else None


def registration_clock(spec: PackSpec, kind: str) -> int | None:
    """The index of a time limit that starts a clock at registration for every ticket of
    `kind`, or None. A milestone counts when the limits that can apply to such a ticket before
    an unconditional one (the first matching limit wins) all start at registration."""
    by_milestone: dict[str, list[int]] = {}
    for i, limit in enumerate(spec.time_limits):
        by_milestone.setdefault(limit.milestone, []).append(i)
    for indexes in by_milestone.values():
        for i in indexes:
            limit = spec.time_limits[i]
            holds = _holds_for_every(limit.when, kind)
            if holds is False:
                continue
            if _start_of(limit) != "registered":
                break  # some tickets of this kind get this milestone's clock later
            if holds:
                return i
    return None


def clock_problems(spec: PackSpec) -> list[tuple[str, str]]:
    """Every case has a clock from the moment it arrives (or the pack says why not), and every
    clock can be met by some action."""
    problems: list[tuple[str, str]] = []
    untimed: dict[str, str] = {}
    for i, entry in enumerate(spec.no_limit):
        for j, kind in enumerate(entry.kinds):
            path = f"no_limit[{i}].kinds[{j}]"
            if kind not in spec.kinds:
                problems.append((path, f"kind '{kind}' is not among this pack's kinds"))
            elif kind in untimed:
                problems.append((path, f"kind '{kind}' is listed twice (first at {untimed[kind]})"))
            else:
                untimed[kind] = path
    for i, kind in enumerate(spec.kinds):
        clock = registration_clock(spec, kind)
        if clock is None and kind not in untimed:
            problems.append(
                (
                    f"kinds[{i}]",
                    f"kind '{kind}' has no clock from registration: give it a time limit that "
                    f"starts at registration for every {kind} ticket, or list it under no_limit "
                    "with the basis for having none",
                )
            )
        elif clock is not None and kind in untimed:
            problems.append(
                (
                    untimed[kind],
                    f"kind '{kind}' has a clock from registration (time_limits[{clock}]), "
                    "so it cannot be under no_limit",
                )
            )

    running_in: dict[str, set[str]] = {}
    for i, limit in enumerate(spec.time_limits):
        start = _start_of(limit)
        running_in.setdefault(limit.milestone, set()).update(
            statuses_while_running(limit.milestone, STATUS_AT[start])
        )
        stuck = unmet_statuses(limit.milestone, STATUS_AT[start])
        if stuck:
            problems.append(
                (f"time_limits[{i}].milestone", _never_met(limit.milestone, start, stuck))
            )
    for i, esc in enumerate(spec.escalations):
        if esc.time_limit is None or esc.milestone not in running_in:
            continue
        # The escalation's own clock starts while the escalated one runs.
        where = frozenset(running_in[esc.milestone])
        stuck = unmet_statuses(esc.time_limit.milestone, where)
        if stuck:
            problems.append(
                (
                    f"escalations[{i}].time_limit.milestone",
                    _never_met(esc.time_limit.milestone, f"'{esc.milestone}' escalated", stuck),
                )
            )
    return problems


def _never_met(milestone: str, start: str, stuck: list[str]) -> str:
    actions = ", ".join(sorted(meeting_actions(milestone))) or "none"
    return (
        f"milestone '{milestone}' started at {start} can never be met when the ticket is "
        f"{' or '.join(stuck)}: none of the actions that meet it ({actions}) can follow from there"
    )


# Milestones a reopen restarts whatever their start event (see the deadlines engine).
REOPEN_MILESTONES = ("reply", "resolve")


def reopen_clock_problems(spec: PackSpec) -> list[tuple[str, str]]:
    """A dissatisfied visit reopens the case: every kind it can reopen needs a clock after the
    reopen — a `reply` or `resolve` limit, or one starting at `reopened` — that holds for every
    ticket of that kind (no condition but the kind), so no reopened case runs without one."""
    problems: list[tuple[str, str]] = []
    assert spec.return_visit is not None
    for i, kind in enumerate(spec.return_visit.kinds):
        covered = any(
            (limit.milestone in REOPEN_MILESTONES or limit.start == "reopened")
            and (limit.when is None or limit.when.model_dump(exclude_none=True).keys() <= {"kind"})
            and (limit.when is None or limit.when.kind is None or kind in limit.when.kind)
            for limit in spec.time_limits
        )
        if not covered:
            problems.append(
                (
                    f"return_visit.kinds[{i}]",
                    f"a dissatisfied visit reopens '{kind}' tickets, but no time limit runs "
                    f"after the reopen: give a reply or resolve limit, or one with "
                    f"start: reopened, whose condition is at most its kind",
                )
            )
    return problems
