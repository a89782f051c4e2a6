"""Thin HTTP endpoints over the ticket services and selectors."""

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.db.models import QuerySet
from django.http import FileResponse, QueryDict
from django.utils.decorators import method_decorator
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from closeloop.channels.api.errors import error_response
from closeloop.channels.downloads import attachment_response
from closeloop.common.errors import NotFound
from closeloop.directory.models import User
from closeloop.policy.fields import field_value_parse
from closeloop.policy.services import pack_active
from closeloop.tickets import selectors, services
from closeloop.tickets.filter_fields import ALIASES
from closeloop.tickets.filters import TicketFilterSet
from closeloop.tickets.models import Ticket
from closeloop.workflow.actions import ACTIONS
from closeloop.workflow.records import Action

from . import serializers as s
from .pagination import CappedCountPagination

IDEMPOTENCY_KEY_MAX = 200


def _viewer(request: Request) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


class DisclosingListView(generics.ListAPIView[Ticket]):
    """A ticket list whose page is logged where it shows protected identities unmasked, and
    whose count stops at 1,000 (`count_capped`)."""

    serializer_class = s.TicketSerializer
    pagination_class = CappedCountPagination

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "viewer": _viewer(self.request)}

    def paginate_queryset(self, queryset: QuerySet[Ticket]) -> list[Ticket] | None:  # type: ignore[override]
        page = super().paginate_queryset(queryset)
        if page is not None:
            selectors.identity_disclosures_record(page, _viewer(self.request), "api:list")
        return page


# The names the ledger and the queues gave filters before the API's became everyone's.
OLD_FILTER_NOTES = {
    "from": "`received_from`, a day",
    "to": "`received_to`, a day (included)",
    "state": "`status`",
    "deadline": "`deadline_state`",
    "sort": "`ordering`: `new` is `-received_at`, `old` `received_at`, `due` "
    "`next_due_at,-received_at`",
}
OLD_FILTER_PARAMETERS = [
    OpenApiParameter(
        old,
        OpenApiTypes.DATE if old in ("from", "to") else OpenApiTypes.STR,
        deprecated=True,
        description=f"Deprecated: use {OLD_FILTER_NOTES[old]}.",
    )
    for old in ALIASES
]


class TicketListCreateView(DisclosingListView):
    filter_backends = [DjangoFilterBackend]
    filterset_class = TicketFilterSet

    queryset = Ticket.objects.none()  # for the schema generator; requests use get_queryset

    def get_queryset(self) -> QuerySet[Ticket]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        return selectors.ticket_list_for_user(_viewer(self.request)).order_by("-received_at", "-id")

    @extend_schema(
        description="The tickets you may see, newest first, filtered. The filters are the "
        "ledger's and the queues' too, with the same names (docs/ledger.md).",
        parameters=OLD_FILTER_PARAMETERS,
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        description="Register a ticket, checked and classified by the loaded policy pack. "
        "Where the pack's `accept_on_register` covers the case, `accept: true` also accepts it "
        "(受理) and `dispatch: true` also sends it to the department the rules chose (派单): "
        "one transaction, one event per step.",
        request=s.TicketCreateSerializer,
        responses={201: s.TicketDetailSerializer},
        parameters=[
            OpenApiParameter(
                "Idempotency-Key",
                OpenApiTypes.STR,
                OpenApiParameter.HEADER,
                description="The same key returns the same ticket, never a second one.",
            )
        ],
    )
    def post(self, request: Request) -> Response:
        key = request.headers.get("Idempotency-Key", "").strip() or None
        if key is not None and len(key) > IDEMPOTENCY_KEY_MAX:
            return error_response(
                "validation_error",
                str(_("The request is not valid.")),
                {"Idempotency-Key": [str(_("at most 200 characters"))]},
                400,
            )
        body = s.TicketCreateSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        viewer = _viewer(request)
        ticket = services.ticket_register(
            actor=viewer,
            data=body.to_input(),
            idempotency_key=key,
            accept=body.validated_data["accept"],
            dispatch=body.validated_data["dispatch"],
        )
        # Registration hands back a whole row (the one it wrote, with the related rows it was
        # built from, or an earlier request's for the same Idempotency-Key): only its timeline
        # is read, not the ticket again.
        return _detail_response(selectors.ticket_with_timeline(ticket), viewer, status=201)


def _ticket_response(ticket: Ticket, viewer: User, status: int = 200) -> Response:
    """The ticket after an action, re-read: the action's own instance may be partial."""
    return _detail_response(selectors.ticket_after_action(ticket), viewer, status)


def _detail_response(ticket: Ticket, viewer: User, status: int = 200) -> Response:
    selectors.identity_disclosures_record([ticket], viewer, "api:detail")
    data = s.TicketDetailSerializer(ticket, context={"viewer": viewer}).data
    return Response(data, status=status)


class TicketDetailView(APIView):
    @extend_schema(responses=s.TicketDetailSerializer)
    def get(self, request: Request, number: str) -> Response:
        viewer = _viewer(request)
        ticket = selectors.ticket_get_for_user(viewer, number)
        return _detail_response(selectors.ticket_with_timeline(ticket), viewer)


# The body each action's endpoint takes; its path, summary and service (`ticket_<name>`) come
# from its record in `workflow.actions`.
BODIES: dict[str, type[serializers.Serializer[Any]]] = {
    "accept": s.EmptyActionSerializer,
    "decline": s.ReasonSerializer,
    "answer": s.ReplySerializer,
    "dispatch": s.OptionalDepartmentActionSerializer,
    "transfer": s.DepartmentActionSerializer,
    "send_back": s.ReasonSerializer,
    "assign": s.AssignSerializer,
    "progress": s.NoteSerializer,
    "submit_plan": s.PlanSerializer,
    "approve_plan": s.CommentSerializer,
    "reject_plan": s.RequiredCommentSerializer,
    "suspend": s.ReasonSerializer,
    "resume": s.EmptyActionSerializer,
    "resolve": s.ResolveSerializer,
    "reply": s.CustomerReplySerializer,
    "return_visit": s.VisitSerializer,
    "close": s.OptionalNoteSerializer,
    "reopen": s.ReasonSerializer,
    "merge": s.MergeSerializer,
    "remind": s.OptionalNoteSerializer,
    "supervise": s.SuperviseSerializer,
    "extend": s.ExtendSerializer,
    "decide_extension": s.ApproveExtensionSerializer,
    "note": s.TextSerializer,
}


def action_service(action: Action) -> Callable[..., Ticket]:
    """The service that takes `action`: `services.ticket_<name>`."""
    service: Callable[..., Ticket] = getattr(services, f"ticket_{action.name}")
    return service


class TicketActionView(APIView):
    """`POST /tickets/{number}/{action}`: validate the body, call the action's service."""

    # Not `action`: DRF and the schema generator read that name as a viewset's action.
    workflow_action: Action
    body_class: type[serializers.Serializer[Any]] = s.EmptyActionSerializer

    def post(self, request: Request, number: str) -> Response:
        body = self.body_class(data=request.data)
        body.is_valid(raise_exception=True)
        kwargs = dict(body.validated_data)
        if "compensation" in kwargs:
            data = kwargs.pop("compensation")
            kwargs["compensation"] = services.CompensationInput(**data) if data else None
        viewer = _viewer(request)
        ticket = action_service(self.workflow_action)(viewer, number, **kwargs)
        return _ticket_response(ticket, viewer)


def _action_view(record: Action, path: str) -> type[TicketActionView]:
    body = BODIES[record.name]
    deprecated = path != record.path  # an old path, kept answering

    class View(TicketActionView):
        workflow_action = record
        body_class = body

        @extend_schema(
            request=body,
            responses=s.TicketDetailSerializer,
            summary=record.summary,
            description=f"Deprecated: use `{record.path}`." if deprecated else None,
            deprecated=deprecated,
            operation_id=f"tickets_{path.replace('-', '_')}",
        )
        def post(self, request: Request, number: str) -> Response:
            return super().post(request, number)

    View.__name__ = View.__qualname__ = f"Ticket{path.title().replace('-', '')}View"
    return View


# One view per path, in the catalogue's order: each action's path, then its old ones.
ACTION_VIEWS: dict[str, type[TicketActionView]] = {
    path: _action_view(record, path)
    for record in ACTIONS.values()
    if record.path is not None
    for path in (record.path, *record.old_paths)
}


class RevealPhoneView(APIView):
    """The handler assigned to a confidential case (never a report) reveals the customer's
    phone to call them, where the pack allows it; each reveal is logged."""

    @extend_schema(
        request=s.RevealPhoneSerializer,
        responses=s.RevealedPhoneSerializer,
        summary="Reveal the customer's phone to call them (handler of a confidential case)",
        operation_id="tickets_reveal_phone",
    )
    @method_decorator(never_cache)
    def post(self, request: Request, number: str) -> Response:
        s.RevealPhoneSerializer(data=request.data).is_valid(raise_exception=True)
        phone = selectors.ticket_phone_reveal(_viewer(request), number, via="api:reveal_phone")
        return Response({"number": number, "phone": phone})


class AttachmentUploadView(APIView):
    """Attach files to a ticket (multipart field `file`, may repeat)."""

    parser_classes = [MultiPartParser]

    @extend_schema(
        request={
            "multipart/form-data": {
                "type": "object",
                "properties": {
                    "file": {"type": "array", "items": {"type": "string", "format": "binary"}},
                    "version": {"type": "integer"},
                },
                "required": ["file"],
            }
        },
        responses=s.TicketDetailSerializer,
        operation_id="tickets_attach",
    )
    def post(self, request: Request, number: str) -> Response:
        # A multipart body parses to a QueryDict; an empty body to a plain dict.
        form: Any = request.data if isinstance(request.data, (QueryDict, dict)) else {}
        unknown = sorted(set(form) - {"file", "version"})
        if unknown:
            raise serializers.ValidationError({key: [_("unknown field")] for key in unknown})
        version = s.VersionedSerializer(
            data={"version": form["version"]} if "version" in form else {}
        )
        version.is_valid(raise_exception=True)
        files = [
            services.FileInput(
                name=f.name or "file",
                content_type=(f.content_type or "").split(";")[0].strip(),
                size=f.size or 0,
                read=f.read,
            )
            for f in request.FILES.getlist("file")
        ]
        viewer = _viewer(request)
        ticket = services.ticket_attach(
            viewer, number, files=files, version=version.validated_data.get("version")
        )
        return _ticket_response(ticket, viewer)


class AttachmentDownloadView(APIView):
    """Download one attachment of a ticket the caller may see."""

    @extend_schema(
        # Served as the type it was checked to be on upload, always as a download.
        responses={(200, t): OpenApiTypes.BINARY for t in settings.ATTACHMENT_CONTENT_TYPES}
    )
    def get(self, request: Request, number: str, attachment_id: int) -> FileResponse:
        ticket = selectors.ticket_get_for_user(_viewer(request), number)
        attachment = ticket.attachments.filter(pk=attachment_id).first()
        if attachment is None:
            raise NotFound(str(_("attachment not found")))
        return attachment_response(attachment)


class CustomerHistoryView(DisclosingListView):
    """A caller's earlier tickets by phone, or by a key field of the pack (户号, plate
    number…) — only those whose identity the caller may see."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "phone", OpenApiTypes.STR, description="The caller's phone (or give `field`)."
            ),
            OpenApiParameter(
                "field",
                OpenApiTypes.STR,
                description="The code of one of the pack's key fields (`key: true`: 户号, "
                "纳税人识别号, plate number…), with `value`: the cases with that value too.",
            ),
            OpenApiParameter("value", OpenApiTypes.STR, description="The key field's value."),
        ],
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    queryset = Ticket.objects.none()  # for the schema generator; requests use get_queryset

    def get_queryset(self) -> QuerySet[Ticket]:
        if getattr(self, "swagger_fake_view", False):
            return self.queryset
        params = self.request.query_params
        phone = params.get("phone", "").strip()
        keys = _history_keys(params.get("field", "").strip(), params.get("value", ""))
        if not phone and not keys:
            raise serializers.ValidationError({"phone": [_("give the caller's phone number")]})
        if phone:
            try:
                s.phone_validator(phone)
            except Exception:
                raise serializers.ValidationError({"phone": [s.phone_validator.message]}) from None
        return selectors.customer_history_for_user(_viewer(self.request), phone, keys)


def _history_keys(code: str, value: str) -> dict[str, str]:
    """{code: value as stored} for a key field of the active pack; refused otherwise."""
    if not code and not value:
        return {}
    spec = pack_active().field(code) if code else None
    if spec is None or not spec.key:
        keys = ", ".join(f.code for f in pack_active().fields if f.key) or "—"
        raise serializers.ValidationError(
            {"field": [_("not a key field of this centre (key fields: %(keys)s)") % {"keys": keys}]}
        )
    stored, problem = field_value_parse(spec, value)
    if problem or not stored:
        raise serializers.ValidationError(
            {"value": [problem or _("give the value of %(label)s") % {"label": spec.label}]}
        )
    return {spec.code: stored}
