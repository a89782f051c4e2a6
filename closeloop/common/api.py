"""Small API building blocks shared by the apps' endpoints."""

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class StrictSerializer(serializers.Serializer):
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
