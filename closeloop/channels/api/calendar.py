"""`GET /api/v1/calendar/deadline`: the arithmetic the tickets use, for anyone to check."""

from datetime import time
from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from closeloop.channels.api.serializers import StrictSerializer
from closeloop.common.dates import validate_date_range
from closeloop.policy.services import pack_active
from closeloop.sla.notices import calendar_for
from closeloop.sla.timelimits import UNITS, TimeLimit, deadline_compute


class DeadlineQuerySerializer(StrictSerializer):
    start = serializers.DateTimeField(validators=[validate_date_range])
    amount = serializers.IntegerField(min_value=1, max_value=100_000)
    unit = serializers.ChoiceField([(u, u) for u in UNITS])
    calendar = serializers.ChoiceField(
        [("pack", "pack"), ("office", "office"), ("24x7", "24x7")], default="pack"
    )
    count_start_day = serializers.BooleanField(default=False)
    end_time = serializers.TimeField(required=False, format="%H:%M")
    roll_forward = serializers.BooleanField(default=False)


class DeadlineAnswerSerializer(serializers.Serializer):
    due_at = serializers.DateTimeField()
    provisional = serializers.BooleanField()
    explanation = serializers.ListField(child=serializers.CharField())


OFFICE_HOURS = [["08:30", "12:00"], ["13:30", "17:30"]]


class DeadlineCalculatorView(APIView):
    @extend_schema(parameters=[DeadlineQuerySerializer], responses=DeadlineAnswerSerializer)
    def get(self, request: Request) -> Response:
        query = DeadlineQuerySerializer(data=request.query_params.dict())
        query.is_valid(raise_exception=True)
        q: dict[str, Any] = query.validated_data
        if q["calendar"] == "pack":
            pack = pack_active()
            spec = {"business_hours": pack.business_hours, "tz": pack.timezone}
        else:
            hours = "24x7" if q["calendar"] == "24x7" else OFFICE_HOURS
            spec = {"business_hours": hours, "tz": "Asia/Shanghai"}
        end_time: time | None = q.get("end_time")
        limit = TimeLimit(
            amount=q["amount"],
            unit=q["unit"],
            count_start_day=q["count_start_day"],
            end_time=end_time,
            roll_forward=q["roll_forward"],
        )
        result = deadline_compute(q["start"], limit, calendar_for(spec))
        return Response(
            {
                "due_at": result.due_at,
                "provisional": result.provisional,
                "explanation": result.explanation,
            }
        )
