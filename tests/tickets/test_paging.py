"""A page read in two steps (ids first, then the rows) is the page read in one."""

from typing import Any

from django.db import connection
from django.test.utils import CaptureQueriesContext

from closeloop.common.paging import page_rows
from closeloop.tickets.models import Ticket
from tests.conftest import COMPLAINT, Centre


def test_page_rows_is_the_slice_with_its_relations(api: Any, centre: Centre) -> None:
    for i in range(7):
        response = api(centre.agent).post(
            "tickets", {**COMPLAINT, "subject": f"第{i}件", "urgency": "urgent" if i % 2 else None}
        )
        assert response.status_code == 201, response.json()
    qs = Ticket.objects.select_related("customer").order_by("-urgency", "-received_at", "-id")

    for start, stop in [(0, 3), (2, 5), (5, 9), (7, 10)]:
        rows = page_rows(qs, start, stop)
        assert [t.pk for t in rows] == [t.pk for t in qs[start:stop]]

    rows = page_rows(qs, 1, 4)
    with CaptureQueriesContext(connection) as reads:
        phones = [t.customer.phone for t in rows]
    assert phones == [COMPLAINT["customer"]["phone"]] * 3
    assert len(reads.captured_queries) == 0  # the related rows came with the page
