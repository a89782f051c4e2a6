from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from closeloop.policy.models import Category
from closeloop.policy.services import pack_active


class CategorySerializer(serializers.ModelSerializer[Category]):
    parent: Any = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="code", read_only=True, allow_null=True
    )
    department: Any = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )

    class Meta:
        model = Category
        fields = ["code", "name", "parent", "department", "is_active"]


class CategoryListView(APIView):
    """The loaded pack's category tree (follow `parent`), with each default department."""

    @extend_schema(responses=CategorySerializer(many=True))
    def get(self, request: Request) -> Response:
        categories = Category.objects.select_related("parent", "department").order_by("code")
        return Response(CategorySerializer(categories, many=True).data)


class PackView(APIView):
    """The loaded policy pack: name, kinds, urgency levels, severity bands, time limits…"""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request) -> Response:
        pack = pack_active()
        data: dict[str, Any] = pack.model_dump(mode="json", by_alias=True, exclude={"demo"})
        return Response(data)
