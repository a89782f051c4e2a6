"""The ledger (台账): every ticket the viewer may see, filtered and searched (see docs/ledger.md).

Reads only. Visibility and identity masking come from `tickets.selectors`, the filters and
the search from `tickets.filters` (`TicketFilterSet`, checked strictly here: an unknown name
or code is refused, so a typo never silently widens an export).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from closeloop.common.errors import ValidationFailed
from closeloop.directory.models import User
from closeloop.tickets import selectors
from closeloop.tickets.filters import TicketFilterSet
from closeloop.tickets.models import Ticket

# Counting stops here: an exact COUNT of a frequent word over a million tickets reads every
# match. The ledger page says "More than 1,000 tickets", the API sets `count_capped`.
COUNT_CAP = 1_000

# The order of the filters on the page (the pack's own fields follow), and of the problems
# when several are wrong.
LEDGER_ORDER = (
    "received_from",
    "received_to",
    "q",
    "kind",
    "category",
    "channel",
    "department",
    "department_tree",
    "handler",
    "urgency",
    "severity",
    "crisis",
    "validity",
    "status",
    "deadline_state",
    "satisfaction",
    "reopened",
    "compensation",
    "ordering",
)


def ledger_filterset(user: User, data: Mapping[str, Any] | None) -> TicketFilterSet:
    """The ledger's filters over every ticket `user` may see, newest first unless asked."""
    tickets = (
        selectors.ticket_list_for_user(user)
        .prefetch_related(None)
        .select_related("category", "department", "handler", "customer")
        .order_by("-received_at", "-id")
    )
    return TicketFilterSet(data, tickets, user=user, strict=True, order=LEDGER_ORDER)


def ledger_filters_check(user: User, filters: Mapping[str, Any]) -> TicketFilterSet:
    """The ledger's filters, given as raw values (strings, as from a URL or the CLI), checked:
    ValidationFailed names every bad one, by the name it was given. Unknown names are refused
    too, so a typo never silently widens an export."""
    unknown = sorted(set(filters) - TicketFilterSet.names())
    if unknown:
        raise ValidationFailed(
            f"{unknown[0]}: {_('unknown filter')}",
            details={name: [str(_("unknown filter"))] for name in unknown},
        )
    filterset = ledger_filterset(user, filters)
    if not filterset.is_valid():
        details = {name: [str(m) for m in msgs] for name, msgs in filterset.errors.items()}
        first = next(iter(details.items()))
        raise ValidationFailed(f"{first[0]}: {first[1][0]}", details=details)
    return filterset


def ledger_for_user(user: User, filters: Mapping[str, Any] | None = None) -> QuerySet[Ticket]:
    """Every ticket `user` may see, filtered by raw values (checked: `ledger_filters_check`)."""
    return ledger_filters_check(user, filters or {}).qs


def filters_of(data: Mapping[str, Any]) -> dict[str, str | list[str]]:
    """The ledger filters among request parameters (others, like `page`, are left out): a
    value, or the values of a filter given several (`?status=a&status=b`)."""
    getlist = getattr(data, "getlist", None)
    assert getlist is not None
    names = TicketFilterSet.names()
    found: dict[str, str | list[str]] = {}
    for name in data:
        values = [str(v) for v in getlist(name) if v not in (None, "")]
        if name in names and values:
            found[name] = values[0] if len(values) == 1 else values
    return found


def ledger_count_capped(qs: QuerySet[Ticket], cap: int = COUNT_CAP) -> tuple[int, bool]:
    """How many tickets, counting at most `cap`; True when there are more."""
    # Only the ids: the page's joins (category, department, customer…) would be read for
    # every row counted (260 of 360 ms for a frequent word at a million tickets).
    n = qs.order_by().select_related(None).prefetch_related(None).values("pk")[: cap + 1].count()
    return min(n, cap), n > cap
