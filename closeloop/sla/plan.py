"""A ticket's clock plan: the time limits and escalations its pack gives it at registration,
kept with the ticket so that a later pack change does not rewrite running deadlines."""

from typing import Any

from .notices import _hhmm
from .timelimits import TimeLimit


def plan_for(pack: Any, facts: Any, classification: Any) -> dict[str, Any]:
    """The time limits and escalations a new ticket runs under, chosen by its pack now and
    kept with the ticket, so a later pack change does not rewrite running deadlines."""
    from closeloop.policy.classify import condition_holds, time_limits_for

    limits = time_limits_for(pack, facts, classification)
    escalations = [
        escalation.model_dump(mode="json", exclude_none=True)
        for escalation in pack.escalations
        if escalation.milestone in limits
        and condition_holds(
            pack,
            escalation.when,
            facts,
            urgency=classification.urgency,
            severity=classification.severity,
            crisis=classification.crisis,
        )
    ]
    return {
        "pack": pack.name,
        "calendar": {"business_hours": pack.business_hours, "tz": pack.timezone},
        "limits": {
            m: limit.model_dump(mode="json", exclude_none=True) for m, limit in limits.items()
        },
        "escalations": escalations,
        "extension": pack.extension.model_dump(mode="json") if pack.extension else None,
    }


def time_limit_of(rule: dict[str, Any]) -> TimeLimit:
    return TimeLimit(
        amount=rule["amount"],
        unit=rule["unit"],
        count_start_day=rule.get("count_start_day", False),
        end_time=_hhmm(rule["end_time"]) if rule.get("end_time") else None,
        roll_forward=rule.get("roll_forward", False),
    )
