"""Small API building blocks shared by the apps' endpoints."""

import copy
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictSerializer(serializers.Serializer[Any]):
    """Refuses fields it does not know, so a typo is an error rather than silently ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise serializers.ValidationError({key: [_("unknown field")] for key in unknown})
        return super().to_internal_value(data)


class VersionedSerializer(StrictSerializer):
    """Body of a ticket action: may carry the `version` the client last saw."""

    version = serializers.IntegerField(required=False, min_value=1, max_value=2_147_483_647)


class BuiltOnceModelSerializer(serializers.ModelSerializer[Any]):
    """A ModelSerializer that reads its model once per class, not once per use.

    DRF rebuilds a ModelSerializer's fields from the model's metadata every time one is used:
    about a third of the CPU of answering with one ticket. The fields do not depend on the
    instance or the context, so they are built once and copied. These serializers only write
    answers: a plain field is copied shallowly (binding it sets only its own attributes; a deep
    copy re-runs its constructor), a nested serializer deeply, as DRF does.
    """

    _built_fields: ClassVar[dict[str, serializers.Field[Any, Any, Any, Any]] | None] = None

    def get_fields(self) -> dict[str, serializers.Field[Any, Any, Any, Any]]:
        cls = type(self)
        built = cls.__dict__.get("_built_fields")
        if built is None:
            built = super().get_fields()
            cls._built_fields = built
        return {
            name: copy.deepcopy(field)
            if isinstance(field, serializers.BaseSerializer)
            else copy.copy(field)
            for name, field in built.items()
        }
