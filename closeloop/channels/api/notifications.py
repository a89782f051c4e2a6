"""A person's own notifications, for phone users: `GET /api/v1/notifications` (newest first,
paginated, `?unread=true`), `POST /api/v1/notifications/{id}/read` and
`POST /api/v1/notifications/read-all`. Only the caller's own, and of those only the ones whose
ticket they may still see (`tickets.selectors.notifications_for_user`)."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from closeloop.channels.api.pagination import Pagination
from closeloop.channels.api.serializers import StrictSerializer
from closeloop.directory.models import User
from closeloop.notifications import services
from closeloop.notifications.models import Notification
from closeloop.notifications.reasons import reason_for
from closeloop.notifications.selectors import unread_count
from closeloop.tickets.selectors import notifications_for_user


def _viewer(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class NotificationSerializer(serializers.ModelSerializer[Notification]):
    ticket: Any = serializers.SlugRelatedField(  # type: ignore[assignment]
        slug_field="number", read_only=True, allow_null=True
    )
    reason = serializers.SerializerMethodField()
    unread = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "reason", "text", "ticket", "created_at", "read_at", "unread"]

    def get_reason(self, notification: Notification) -> str:
        return str(reason_for(notification.kind).label)

    def get_unread(self, notification: Notification) -> bool:
        return notification.read_at is None


class NotificationQuerySerializer(serializers.Serializer[Any]):
    unread = serializers.BooleanField(
        required=False,
        allow_null=True,
        default=None,
        help_text="true: unread only; false: read only",
    )


class NotificationListView(generics.ListAPIView[Notification]):
    """The caller's notifications, newest first."""

    serializer_class = NotificationSerializer
    pagination_class = Pagination

    @extend_schema(parameters=[NotificationQuerySerializer])
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def get_queryset(self) -> QuerySet[Notification]:
        query = NotificationQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        mine = notifications_for_user(_viewer(self.request)).select_related("ticket")
        unread = query.validated_data.get("unread")
        if unread is not None:
            mine = mine.filter(read_at__isnull=unread)
        return mine


class ReadBodySerializer(StrictSerializer):
    """No fields."""


class ReadAllAnswerSerializer(serializers.Serializer[Any]):
    marked = serializers.IntegerField(help_text="How many were unread and are now read.")
    unread = serializers.IntegerField(help_text="Unread left (0).")


class NotificationReadView(APIView):
    @extend_schema(
        request=ReadBodySerializer,
        responses=NotificationSerializer,
        summary="Mark one of your notifications read",
        operation_id="notifications_read",
    )
    def post(self, request: Request, pk: int) -> Response:
        ReadBodySerializer(data=request.data).is_valid(raise_exception=True)
        found = services.notification_mark_read(notifications_for_user(_viewer(request)), pk)
        fresh = Notification.objects.select_related("ticket").get(pk=found.pk)
        return Response(NotificationSerializer(fresh).data)


class NotificationReadAllView(APIView):
    @extend_schema(
        request=ReadBodySerializer,
        responses=ReadAllAnswerSerializer,
        summary="Mark all your notifications read",
        operation_id="notifications_read_all",
    )
    def post(self, request: Request) -> Response:
        ReadBodySerializer(data=request.data).is_valid(raise_exception=True)
        mine = notifications_for_user(_viewer(request))
        marked = services.notifications_mark_all_read(mine)
        return Response({"marked": marked, "unread": unread_count(mine)})
