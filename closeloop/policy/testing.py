"""Helpers for tests that replay a pack's rules (used by packs/*/test_*.py)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

from django.conf import settings

from .classify import Classification, TicketFacts, classify, time_limits_for
from .schema import PackSpec, TimeLimit
from .services import pack_read


def pack_named(name: str) -> PackSpec:
    return pack_read(Path(settings.PACKS_DIR) / name)


def make_facts(**overrides: Any) -> TicketFacts:
    """A plain phone complaint by an individual; override what the test is about."""
    values: dict[str, Any] = {
        "kind": "complaint",
        "channel": "phone",
        "category": None,
        "customer_type": "individual",
        "people_count": 1,
        "economic_loss": None,
        "subject": "",
        "description": "",
        "anonymous": False,
        "on_site": False,
    }
    values.update(overrides)
    if values["economic_loss"] is not None:
        values["economic_loss"] = Decimal(str(values["economic_loss"]))
    return TicketFacts(**values)


def classify_facts(pack: PackSpec, **overrides: Any) -> Classification:
    return classify(pack, make_facts(**overrides))


def limits_for(pack: PackSpec, **overrides: Any) -> dict[str, TimeLimit]:
    facts = make_facts(**overrides)
    return time_limits_for(pack, facts, classify(pack, facts))


def limit_tuple(limit: TimeLimit) -> tuple[int, str]:
    return (limit.amount, limit.unit)
