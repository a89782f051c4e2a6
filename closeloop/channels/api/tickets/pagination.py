"""The ticket list's pages: a count that stops at COUNT_CAP.

Counting every match of a frequent word over a million tickets costs more than the page
itself (3 s for 33,014 matches on PostgreSQL), and nobody pages through a thousand tickets:
`count` counts up to 1,000, and `count_capped` says when there are more. Pages are fetched
with one row more than asked, so `next` needs no count; a page that is not full gives the
exact count without a second query.
"""

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.utils.urls import remove_query_param, replace_query_param

from closeloop.channels.api.pagination import CheckedPageNumberPagination
from closeloop.common.paging import page_number, page_rows
from closeloop.reports.ledger import COUNT_CAP, ledger_count_capped


class CappedCountPagination(CheckedPageNumberPagination):
    last_page_strings = ()  # there is no last page without a full count

    def paginate_queryset(  # type: ignore[override]
        self, queryset: QuerySet[Any], request: Request, view: Any = None
    ) -> list[Any]:
        self.request = request
        size = self.get_page_size(request)
        number = page_number(request.query_params.get(self.page_query_param))
        if number is None:
            raise NotFound(_("Invalid page."))
        offset = (number - 1) * size
        # Ids first, then the joins; nothing at all past OFFSET_MAX.
        rows = page_rows(queryset, offset, offset + size + 1)
        self.has_next = len(rows) > size
        rows = rows[:size]
        if number > 1 and not rows:
            raise NotFound(_("Invalid page."))
        self.number = number
        seen = offset + len(rows)
        if not self.has_next:
            self.count, self.capped = seen, False  # this page is the last: exact
        elif seen >= COUNT_CAP:
            self.count, self.capped = COUNT_CAP, True
        else:
            self.count, self.capped = ledger_count_capped(queryset, COUNT_CAP)
        return rows

    def _url(self) -> str:
        assert self.request is not None  # set by paginate_queryset
        return self.request.build_absolute_uri()

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        url = self._url()
        return replace_query_param(url, self.page_query_param, self.number + 1)

    def get_previous_link(self) -> str | None:
        if self.number <= 1:
            return None
        url = self._url()
        if self.number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.number - 1)

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {
                "count": self.count,
                "count_capped": self.capped,
                "next": self.get_next_link(),
                "previous": self.get_previous_link(),
                "results": data,
            }
        )

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        base = super().get_paginated_response_schema(schema)
        properties = base["properties"]
        properties["count"] = {
            "type": "integer",
            "example": 123,
            "description": f"Tickets matching, counted up to {COUNT_CAP:,}.",
        }
        properties["count_capped"] = {
            "type": "boolean",
            "example": False,
            "description": f"True when more than {COUNT_CAP:,} tickets match: `count` is "
            f"then {COUNT_CAP:,}, a lower bound. Follow `next` to read further.",
        }
        order = ["count", "count_capped", "next", "previous", "results"]
        base["properties"] = {k: properties[k] for k in order if k in properties}
        base["required"] = ["count", "count_capped", "results"]
        return base
