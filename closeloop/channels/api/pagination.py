from typing import Any

from django.core.paginator import Page
from django.core.paginator import Paginator as DjangoPaginator
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request

from closeloop.common.paging import page_rows


class TwoStepPaginator(DjangoPaginator[Any]):
    """Django's paginator, reading a queryset's page by ids first (`common.paging`)."""

    def page(self, number: Any) -> Page[Any]:
        if not isinstance(self.object_list, QuerySet):
            return super().page(number)
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = bottom + self.per_page
        if top + self.orphans >= self.count:
            top = self.count
        return Page(page_rows(self.object_list, bottom, top), number, self)


class CheckedPageNumberPagination(PageNumberPagination):
    """Page numbers as DRF has them (a page that does not exist is `404 not_found`), and a
    `page_size` that is refused when it is not a whole number from 1 to `max_page_size`,
    where DRF would silently use another one."""

    page_size = 25
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request: Request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "").strip()
        if not raw:
            return self.page_size
        size = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 0
        if not 1 <= size <= self.max_page_size:
            message = _("give a whole number from 1 to %(max)d") % {"max": self.max_page_size}
            raise ValidationError({self.page_size_query_param: [message]})
        return size

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
                parameter["description"] = (
                    "A page number, from 1. A page past the last is `404 not_found`."
                )
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
                parameter["description"] = (
                    f"Results per page, from 1 to {self.max_page_size} "
                    f"(default {self.page_size}); any other value is `400 validation_error`."
                )
        return parameters


class Pagination(CheckedPageNumberPagination):
    django_paginator_class = TwoStepPaginator
