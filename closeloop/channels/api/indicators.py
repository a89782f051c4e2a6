"""`GET /api/v1/reports/indicators?from=…&to=…&group_by=…`"""

from typing import Any

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from closeloop.channels.api.serializers import StrictSerializer
from closeloop.common.dates import validate_date_range
from closeloop.directory.models import User
from closeloop.reports.indicators import GROUPS, indicators, period_of, satisfied_values


class IndicatorQuerySerializer(StrictSerializer):
    """Days in the centre's time zone, both included: from=2026-10-01&to=2026-10-31 is
    October."""

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        # "from" is a Python keyword, so the fields cannot be class attributes.
        return {
            "from": serializers.DateField(validators=[validate_date_range]),
            "to": serializers.DateField(validators=[validate_date_range]),
            "group_by": serializers.ChoiceField([(g, g) for g in GROUPS], required=False),
        }

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if attrs["to"] < attrs["from"]:
            raise serializers.ValidationError({"to": [_("must not be before from")]})
        if (attrs["to"] - attrs["from"]).days > 3660:
            raise serializers.ValidationError({"to": [_("at most ten years at a time")]})
        return attrs


class IndicatorsView(APIView):
    """The report's figures for a period, totals and one entry per group, with the previous
    period of the same length beside them. Only tickets the caller may see are counted."""

    @extend_schema(parameters=[IndicatorQuerySerializer], responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        query = IndicatorQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        data = query.validated_data
        user = request.user
        assert isinstance(user, User)
        return Response(
            indicators(
                user,
                period_of(data["from"], data["to"]),
                group_by=data.get("group_by"),
                satisfied_values=satisfied_values(),
            )
        )
