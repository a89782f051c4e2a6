from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from closeloop.channels.api.serializers import (
    BuiltOnceModelSerializer,
    StrictSerializer,
    VersionedSerializer,
)
from closeloop.policy.schema import FIELD_TEXT_MAX
from closeloop.sla.engine import deadline_view
from closeloop.tickets import selectors
from closeloop.tickets.choices import (
    Channel,
    CustomerType,
    EnclosureDisposition,
    Kind,
    ReplyMethod,
    Satisfaction,
    Validity,
)
from closeloop.tickets.messages import ticket_customer_messages
from closeloop.tickets.models import Ticket, TicketEvent
from closeloop.tickets.services import CompensationInput, CustomerInput, EnclosureInput, TicketInput

phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 -]{2,28}[0-9]$", _("a phone number has digits, spaces or dashes only")
)
id_number_validator = RegexValidator(
    r"^[0-9A-Za-z-]{4,40}$", _("an ID number has letters, digits or dashes only")
)


def _text(max_length: int, **kwargs: Any) -> serializers.CharField:
    return serializers.CharField(max_length=max_length, trim_whitespace=True, **kwargs)


# --------------------------------------------------------------------------- input


def _yuan() -> serializers.DecimalField:
    """An optional amount of money in yuan: never negative, never absurd."""
    return serializers.DecimalField(
        max_digits=14,
        decimal_places=2,
        min_value=Decimal(0),
        max_value=Decimal(settings.ECONOMIC_LOSS_MAX),
        required=False,
        allow_null=True,
    )


class CustomerInSerializer(StrictSerializer):
    name = _text(100, required=False, allow_blank=True, default="")
    phone = _text(30, required=False, allow_blank=True, default="", validators=[phone_validator])
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True, default="")
    id_number = _text(
        40, required=False, allow_blank=True, default="", validators=[id_number_validator]
    )
    organisation = _text(200, required=False, allow_blank=True, default="")
    address = _text(300, required=False, allow_blank=True, default="")
    type = serializers.ChoiceField(CustomerType.choices, default=CustomerType.INDIVIDUAL)


class RespondentSerializer(StrictSerializer):
    department = serializers.SlugField(max_length=50, required=False, allow_blank=True)
    staff = _text(100, required=False, allow_blank=True, default="")


class LocationSerializer(StrictSerializer):
    address = _text(300, required=False, allow_blank=True, default="")
    lat = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-90),
        max_value=Decimal(90),
        required=False,
    )
    lng = serializers.DecimalField(
        max_digits=9,
        decimal_places=6,
        min_value=Decimal(-180),
        max_value=Decimal(180),
        required=False,
    )


class EnclosureSerializer(StrictSerializer):
    item = _text(100)
    quantity = serializers.IntegerField(min_value=1, max_value=10_000, default=1)
    disposition = serializers.ChoiceField(
        [EnclosureDisposition.RETURN, EnclosureDisposition.KEEP],
        default=EnclosureDisposition.KEEP,
    )
    note = _text(300, required=False, allow_blank=True, default="")


FIELDS_MAX = 50  # more than any pack declares

FIELDS_DOC = (
    "The centre's own fields for this case, `{code: value}` (户号, 纳税人识别号, plate number…), "
    "as the loaded policy pack declares them (`fields` in pack.yaml): each value a string (a "
    "number as digits, a date as YYYY-MM-DD, a choice as its code), checked against the "
    "field's form; fields the pack requires for the kind must be given. An unknown code, a "
    "value in the wrong form or a missing required field is a `400 validation_error` naming "
    "`fields.<code>`. The loaded pack's declarations (code, label, type, pattern, choices, "
    "kinds, required, identifies) are `fields` in `GET /api/v1/pack`."
)


class PackFieldsField(serializers.DictField):
    """The pack's own fields as given: strings (numbers are taken as their digits), checked
    against the pack by the service (`policy.fields`)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            child=serializers.CharField(max_length=FIELD_TEXT_MAX, allow_blank=True),
            **kwargs,
        )

    def to_internal_value(self, data: Any) -> dict[str, Any]:
        if isinstance(data, dict) and len(data) > FIELDS_MAX:
            raise serializers.ValidationError(_("at most %(n)s fields") % {"n": FIELDS_MAX})
        return super().to_internal_value(data)


class PackFieldsFieldSchema(OpenApiSerializerFieldExtension):
    target_class = PackFieldsField

    def map_serializer_field(self, auto_schema: Any, direction: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": {"type": "string", "maxLength": FIELD_TEXT_MAX},
            "maxProperties": FIELDS_MAX,
            "description": FIELDS_DOC,
        }


class TicketCreateSerializer(StrictSerializer):
    kind = serializers.ChoiceField(Kind.choices)
    channel = serializers.ChoiceField(Channel.choices)
    subject = _text(settings.TICKET_SUBJECT_MAX)
    description = _text(settings.TICKET_TEXT_MAX, required=False, allow_blank=True, default="")
    category = serializers.SlugField(max_length=80, required=False, allow_null=True)
    customer = CustomerInSerializer(required=False, allow_null=True)
    anonymous = serializers.BooleanField(default=False)
    confidential = serializers.BooleanField(default=False)
    on_site = serializers.BooleanField(default=False)
    people_count = serializers.IntegerField(min_value=1, max_value=100_000, default=1)
    economic_loss = _yuan()
    respondent = RespondentSerializer(required=False, allow_null=True)
    urgency = serializers.SlugField(max_length=30, required=False, allow_null=True)
    occurred_at = serializers.DateTimeField(required=False, allow_null=True)
    received_at = serializers.DateTimeField(required=False, allow_null=True)
    location = LocationSerializer(required=False, allow_null=True)
    enclosures = serializers.ListField(child=EnclosureSerializer(), required=False, max_length=50)
    fields: Any = PackFieldsField(required=False, default=dict)
    accept = serializers.BooleanField(
        default=False,
        help_text="Registering is accepting (受理): the ticket is accepted at once. Only where "
        "the pack's `accept_on_register` covers the case's channel and kind (otherwise `400`, "
        "naming `accept`).",
    )
    dispatch = serializers.BooleanField(
        default=False,
        help_text="Register, accept and dispatch (派单) to the department the rules chose, in "
        "one transaction (three events). As `accept`, and `400` naming `dispatch` when the "
        "rules choose no department.",
    )

    def to_input(self) -> TicketInput:
        d = self.validated_data
        customer = d.get("customer")
        respondent = d.get("respondent") or {}
        location = d.get("location") or {}
        return TicketInput(
            kind=d["kind"],
            channel=d["channel"],
            subject=d["subject"],
            description=d["description"],
            category=d.get("category") or None,
            customer=CustomerInput(**customer) if customer else None,
            anonymous=d["anonymous"],
            confidential=d["confidential"],
            on_site=d["on_site"],
            people_count=d["people_count"],
            economic_loss=d.get("economic_loss"),
            respondent_department=respondent.get("department") or None,
            respondent_staff=respondent.get("staff", ""),
            urgency=d.get("urgency") or None,
            occurred_at=d.get("occurred_at"),
            received_at=d.get("received_at"),
            location_address=location.get("address", ""),
            location_lat=location.get("lat"),
            location_lng=location.get("lng"),
            enclosures=[EnclosureInput(**e) for e in d.get("enclosures", [])],
            fields=dict(d.get("fields") or {}),
        )


class EmptyActionSerializer(VersionedSerializer):
    pass


class RevealPhoneSerializer(StrictSerializer):
    """No body: the reveal is of the caller's own ticket, as it stands."""


class RevealedPhoneSerializer(serializers.Serializer[Any]):
    number = serializers.CharField()
    phone = serializers.CharField()


class DepartmentActionSerializer(VersionedSerializer):
    department = serializers.SlugField(max_length=50)


class OptionalDepartmentActionSerializer(VersionedSerializer):
    department = serializers.SlugField(max_length=50, required=False)


class ReasonSerializer(VersionedSerializer):
    reason = _text(1000)


class AssignSerializer(VersionedSerializer):
    handler = serializers.CharField(max_length=150)


class NoteSerializer(VersionedSerializer):
    note = _text(5000)


class OptionalNoteSerializer(VersionedSerializer):
    note = _text(5000, required=False, allow_blank=True, default="")


class TextSerializer(VersionedSerializer):
    text = _text(5000)


class ReplySerializer(VersionedSerializer):
    reply = _text(settings.TICKET_TEXT_MAX)


class CustomerReplySerializer(VersionedSerializer):
    reply = _text(settings.TICKET_TEXT_MAX, help_text="What the customer was told.")
    method = serializers.ChoiceField(ReplyMethod.choices, help_text="How they were told.")


class PlanSerializer(VersionedSerializer):
    plan = _text(settings.TICKET_TEXT_MAX)


class CommentSerializer(VersionedSerializer):
    comment = _text(5000, required=False, allow_blank=True, default="")


class RequiredCommentSerializer(VersionedSerializer):
    comment = _text(5000)


class CompensationSerializer(StrictSerializer):
    kind = _text(40)
    amount = _yuan()
    note = _text(500, required=False, allow_blank=True, default="")


class ResolveSerializer(VersionedSerializer):
    reply = _text(settings.TICKET_TEXT_MAX)
    validity = serializers.ChoiceField(Validity.choices, required=False, allow_blank=True)
    cause = _text(5000, required=False, allow_blank=True, default="")
    compensation = CompensationSerializer(required=False, allow_null=True)

    def compensation_input(self) -> CompensationInput | None:
        data = self.validated_data.get("compensation")
        return CompensationInput(**data) if data else None


class VisitSerializer(VersionedSerializer):
    satisfaction = serializers.ChoiceField(Satisfaction.choices)
    comment = _text(1000, required=False, allow_blank=True, default="")


class MergeSerializer(VersionedSerializer):
    into = serializers.RegexField(r"^\d{8}-\d{6}$", max_length=15)


class SuperviseSerializer(VersionedSerializer):
    note = _text(5000)
    due_at = serializers.DateTimeField(required=False, allow_null=True)


class ExtendSerializer(VersionedSerializer):
    until = serializers.DateTimeField()
    milestone = serializers.SlugField(
        max_length=40,
        required=False,
        help_text="The deadline to move; by default the one the requester answers for "
        "(a liaison's or handler's: the department's most urgent running one).",
    )
    reason = _text(1000)


class ApproveExtensionSerializer(VersionedSerializer):
    approved = serializers.BooleanField(default=True)
    comment = _text(1000, required=False, allow_blank=True, default="")


# --------------------------------------------------------------------------- output


def _decimal(value: Decimal | None) -> str | None:
    """Decimals travel as strings, as DRF's DecimalField does: no binary rounding."""
    return None if value is None else str(value)


class CustomerOutSerializer(serializers.Serializer[Any]):
    masked = serializers.BooleanField()
    type = serializers.CharField(allow_null=True)
    name = serializers.CharField()
    phone = serializers.CharField()
    email = serializers.CharField()
    id_number = serializers.CharField()
    organisation = serializers.CharField()
    address = serializers.CharField()


class RespondentOutSerializer(serializers.Serializer[Any]):
    department = serializers.CharField(allow_null=True)
    staff = serializers.CharField()


class LocationOutSerializer(serializers.Serializer[Any]):
    address = serializers.CharField()
    lat = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)
    lng = serializers.DecimalField(max_digits=9, decimal_places=6, allow_null=True)


class EnclosureOutSerializer(serializers.Serializer[Any]):
    item = serializers.CharField()
    quantity = serializers.IntegerField()
    disposition = serializers.ChoiceField(EnclosureDisposition.choices)
    note = serializers.CharField(allow_blank=True)


class CompensationOutSerializer(serializers.Serializer[Any]):
    kind = serializers.CharField()
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True)
    note = serializers.CharField(allow_blank=True)


class EventSerializer(BuiltOnceModelSerializer):
    """One step of a ticket's timeline: who did what, when, from which status to which."""

    actor = serializers.SerializerMethodField()

    class Meta:
        model = TicketEvent
        fields = ["at", "actor", "action", "from_status", "to_status", "payload"]

    def get_actor(self, event: TicketEvent) -> str | None:
        return event.actor.username if event.actor else None


class AttachmentSerializer(serializers.Serializer[Any]):
    id = serializers.IntegerField()
    filename = serializers.CharField()
    content_type = serializers.CharField()
    size = serializers.IntegerField()
    uploaded_at = serializers.DateTimeField()


class TicketSerializer(BuiltOnceModelSerializer):
    """A ticket as the viewer in `context["viewer"]` may see it."""

    category: Any = serializers.SlugRelatedField(slug_field="code", read_only=True, allow_null=True)
    department: Any = serializers.SlugRelatedField(
        slug_field="code", read_only=True, allow_null=True
    )
    handler: Any = serializers.SlugRelatedField(
        slug_field="username",
        read_only=True,
        allow_null=True,
        help_text="The handler's username; null until one is assigned.",
    )
    customer = serializers.SerializerMethodField()
    respondent = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    enclosures = serializers.SerializerMethodField()
    compensation = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    public_code = serializers.SerializerMethodField()
    # Not `get_fields`: that name is DRF's own (the serializer's fields).
    fields: Any = serializers.SerializerMethodField(
        method_name="fields_shown",
        help_text="The centre's own fields (`{code: value}`, see the pack); values that "
        "identify the person are `***` where the customer's identity is masked.",
    )
    is_repeat = serializers.SerializerMethodField()
    repeat_candidates = serializers.SerializerMethodField()
    merged_into: Any = serializers.SlugRelatedField(
        slug_field="number", read_only=True, allow_null=True
    )

    class Meta:
        model = Ticket
        fields = [
            "number",
            "public_code",
            "kind",
            "channel",
            "status",
            "subject",
            "description",
            "category",
            "urgency",
            "severity",
            "crisis",
            "crisis_reasons",
            "on_site",
            "people_count",
            "economic_loss",
            "confidential",
            "anonymous",
            "validity",
            "department",
            "handler",
            "customer",
            "respondent",
            "location",
            "fields",
            "enclosures",
            "attachments",
            "plan",
            "plan_approved",
            "reply",
            "cause",
            "compensation",
            "satisfaction",
            "satisfaction_comment",
            "referral",
            "decline_reason",
            "merged_into",
            "reopen_count",
            "is_repeat",
            "repeat_candidates",
            "next_due_at",
            "deadline_state",
            "version",
            "occurred_at",
            "received_at",
            "resolved_at",
            "visited_at",
            "closed_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        # Read-only model fields lose their blank choice in DRF; "" means not decided yet.
        extra_kwargs = {
            name: {"allow_blank": True} for name in ("severity", "validity", "satisfaction")
        }

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_public_code(self, ticket: Ticket) -> str | None:
        # Whoever holds the code can rate the outcome as the customer: only the centre's
        # agents, supervisors and leaders, who hand it to the customer, see it.
        return ticket.public_code if self.context["viewer"].may_see_identity else None

    def _links_shown(self, ticket: Ticket) -> bool:
        # Linking a report to the reporter's earlier cases would identify them.
        return self.context["viewer"].may_see_identity or not ticket.identity_protected

    @extend_schema_field(serializers.BooleanField(allow_null=True))
    def get_is_repeat(self, ticket: Ticket) -> bool | None:
        return ticket.is_repeat if self._links_shown(ticket) else None

    @extend_schema_field(serializers.ListField(child=serializers.DictField()))
    def get_repeat_candidates(self, ticket: Ticket) -> list[dict[str, Any]]:
        return selectors.repeat_candidates_shown(ticket, self.context["viewer"])

    @extend_schema_field(CustomerOutSerializer(allow_null=True))
    def get_customer(self, ticket: Ticket) -> dict[str, Any] | None:
        return selectors.customer_view(ticket, self.context["viewer"])

    @extend_schema_field(serializers.DictField(child=serializers.CharField()))
    def fields_shown(self, ticket: Ticket) -> dict[str, str]:
        return selectors.fields_view(ticket, self.context["viewer"])

    @extend_schema_field(RespondentOutSerializer(allow_null=True))
    def get_respondent(self, ticket: Ticket) -> dict[str, Any] | None:
        if ticket.respondent_department_id is None and not ticket.respondent_staff:
            return None
        department = ticket.respondent_department
        return {
            "department": department.code if department else None,
            "staff": ticket.respondent_staff,
        }

    @extend_schema_field(LocationOutSerializer(allow_null=True))
    def get_location(self, ticket: Ticket) -> dict[str, Any] | None:
        if not ticket.location_address and ticket.location_lat is None:
            return None
        return {
            "address": ticket.location_address,
            "lat": _decimal(ticket.location_lat),
            "lng": _decimal(ticket.location_lng),
        }

    @extend_schema_field(EnclosureOutSerializer(many=True))
    def get_enclosures(self, ticket: Ticket) -> list[dict[str, Any]]:
        return [
            {"item": e.item, "quantity": e.quantity, "disposition": e.disposition, "note": e.note}
            for e in ticket.enclosures.all()
        ]

    @extend_schema_field(AttachmentSerializer(many=True))
    def get_attachments(self, ticket: Ticket) -> list[dict[str, Any]]:
        return [
            {
                "id": a.pk,
                "filename": a.filename,
                "content_type": a.content_type,
                "size": a.size,
                "uploaded_at": a.uploaded_at,
            }
            for a in ticket.attachments.all()
        ]

    @extend_schema_field(CompensationOutSerializer(allow_null=True))
    def get_compensation(self, ticket: Ticket) -> dict[str, Any] | None:
        if not ticket.compensation_kind:
            return None
        return {
            "kind": ticket.compensation_kind,
            "amount": _decimal(ticket.compensation_amount),
            "note": ticket.compensation_note,
        }


class DeadlineSerializer(serializers.Serializer[Any]):
    milestone = serializers.CharField()
    sequence = serializers.IntegerField()
    started_at = serializers.DateTimeField()
    due_at = serializers.DateTimeField()
    state = serializers.CharField()
    provisional = serializers.BooleanField()
    suspended = serializers.BooleanField()
    running = serializers.BooleanField()
    department = serializers.CharField(allow_null=True)
    handler = serializers.CharField(allow_null=True)
    extended_from = serializers.DateTimeField(allow_null=True)
    rule = serializers.DictField()
    explanation = serializers.ListField(child=serializers.CharField())


class CustomerMessageSerializer(serializers.Serializer[Any]):
    """A message to the customer about the ticket, its address masked."""

    purpose = serializers.CharField()
    channel = serializers.CharField()
    address = serializers.CharField()
    created_at = serializers.DateTimeField()
    state = serializers.ChoiceField(choices=["queued", "held", "retrying", "sent", "failed"])
    held_until = serializers.DateTimeField(allow_null=True)
    sent_at = serializers.DateTimeField(allow_null=True)
    error = serializers.CharField()


class TicketDetailSerializer(TicketSerializer):
    events = EventSerializer(many=True, read_only=True)
    deadlines = serializers.SerializerMethodField()
    customer_messages = serializers.SerializerMethodField()

    class Meta(TicketSerializer.Meta):
        fields = [*TicketSerializer.Meta.fields, "deadlines", "events", "customer_messages"]
        read_only_fields = fields

    @extend_schema_field(CustomerMessageSerializer(many=True))
    def get_customer_messages(self, ticket: Ticket) -> list[dict[str, Any]]:
        """Newest first, as on the ticket page (`tickets.messages`)."""
        rows = ticket_customer_messages(ticket)
        return list(CustomerMessageSerializer(rows, many=True).data)

    @extend_schema_field(DeadlineSerializer(many=True))
    def get_deadlines(self, ticket: Ticket) -> list[dict[str, Any]]:
        rows = ticket.deadlines.select_related("department", "handler").order_by("started_at", "id")
        return [deadline_view(d) for d in rows]
