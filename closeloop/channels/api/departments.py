from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from closeloop.directory.models import Department


class DepartmentSerializer(serializers.ModelSerializer[Department]):
    parent: Any = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Department
        fields = ["code", "name", "parent", "is_active"]


class DepartmentListView(APIView):
    """Every department (a tree: follow `parent`)."""

    @extend_schema(responses=DepartmentSerializer(many=True))
    def get(self, request: Request) -> Response:
        departments = Department.objects.select_related("parent").order_by("code")
        return Response(DepartmentSerializer(departments, many=True).data)
