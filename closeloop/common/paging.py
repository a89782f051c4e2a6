"""One page of a long list, read in two steps.

A list page joins each ticket to its category, department, handler and customer. Asked for
`ORDER BY … LIMIT 25` over a few thousand matches in an order no index gives (newest first
among several statuses), the database joins every match and then keeps 25: at 1,000,000
tickets on PostgreSQL, 70–170 ms for a department inbox or the overdue list, most of it the
joins. Finding the page's ids first touches the ticket table alone; the joins then run for
those rows only.
"""

from typing import Any

from django.db.models import QuerySet

# No list here comes near a billion rows: a page starting further on is past the end, and
# is answered as such without asking the database, whose OFFSET (a 64-bit integer) a page
# number like 9223372036854775807 would overflow.
OFFSET_MAX = 1_000_000_000


def page_number(raw: str | None) -> int | None:
    """A page number from a URL (missing: 1), or None when it is not a whole number from 1.
    A number too long to matter reads as one past OFFSET_MAX: beyond the end of any list
    (and `int()` is spared the thousands of digits it refuses)."""
    digits = (raw or "1").strip()
    if not (digits.isascii() and digits.isdigit()):
        return None
    digits = digits.lstrip("0")
    if not digits:
        return None
    return int(digits) if len(digits) <= 12 else OFFSET_MAX + 1


def page_rows(queryset: QuerySet[Any], start: int, stop: int) -> list[Any]:
    """`list(queryset[start:stop])`, in the same order, with the same related rows."""
    if start > OFFSET_MAX:
        return []
    ids = list(queryset.values_list("pk", flat=True)[start:stop])
    if not ids:
        return []
    by_id = {row.pk: row for row in queryset.filter(pk__in=ids).order_by()}
    return [by_id[pk] for pk in ids if pk in by_id]
