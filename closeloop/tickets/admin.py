"""Admin views of tickets and customers: read-only (only services change a ticket), filtered by
the same visibility rule as the API, with identities masked by the same selector."""

from typing import Any

from django.contrib import admin
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from closeloop.common.admin import ReadOnlyAdmin, ReadOnlyInline
from closeloop.directory.models import User

from . import selectors
from .models import (
    Customer,
    Enclosure,
    IdentityDisclosure,
    SurveyInvitation,
    Ticket,
    TicketEvent,
)
from .querysets import TicketQuerySet, identity_hidden_q

EVENT_FIELDS = ("at", "actor", "action", "from_status", "to_status", "payload")
ENCLOSURE_FIELDS = ("item", "quantity", "disposition", "note")
CUSTOMER_FIELDS = ("shown_name", "shown_phone", "type", "is_key_customer")


class EventInline(ReadOnlyInline):
    model = TicketEvent
    fields = EVENT_FIELDS
    readonly_fields = EVENT_FIELDS


class EnclosureInline(ReadOnlyInline):
    model = Enclosure
    fields = ENCLOSURE_FIELDS
    readonly_fields = ENCLOSURE_FIELDS


def _viewer(request: HttpRequest) -> User:
    user = request.user
    assert isinstance(user, User)
    return user


def _customer_column(viewer: User) -> Any:
    """The customer as this viewer may see them (bound per request: admins are shared)."""

    @admin.display(description=_("customer"))
    def customer(ticket: Ticket) -> str:
        shown = selectors.customer_view(ticket, viewer)
        if shown is None:
            return "-"
        return " ".join(str(shown[k]) for k in ("name", "phone") if shown[k])

    return customer


def _fields_column(viewer: User) -> Any:
    """The pack's own fields as this viewer may see them (identifying ones masked)."""

    @admin.display(description=_("fields"))
    def fields(ticket: Ticket) -> str:
        shown = selectors.fields_view(ticket, viewer)
        return " · ".join(f"{code}: {value}" for code, value in shown.items()) or "-"

    return fields


@admin.register(Ticket)
class TicketAdmin(ReadOnlyAdmin):
    list_display = [
        "number",
        "kind",
        "status",
        "urgency",
        "severity",
        "crisis",
        "department",
        "handler",
        "received_at",
    ]
    list_filter = ["status", "kind", "channel", "urgency", "severity", "crisis", "department"]
    search_fields = ["number", "subject"]
    date_hierarchy = "received_at"
    list_select_related = ["department", "handler", "customer"]
    # The query code lets its holder act as the customer on the portal; like the API, the
    # admin never shows it. The pack's fields are shown through the selector, masked.
    exclude = [
        "customer",
        "public_code",
        "fields",
        "identity_fields",
        "fields_text",
        "identity_text",
    ]
    inlines = [EnclosureInline, EventInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Ticket]:
        tickets = super().get_queryset(request)
        assert isinstance(tickets, TicketQuerySet)
        return tickets.visible_to(_viewer(request))

    def get_list_display(self, request: HttpRequest) -> list[Any]:
        return [*self.list_display, _customer_column(_viewer(request))]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[Any]:
        viewer = _viewer(request)
        return [_customer_column(viewer), _fields_column(viewer)]

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        response = super().changelist_view(request, extra_context)
        cl = getattr(response, "context_data", {}).get("cl")
        rows = list(cl.result_list) if cl is not None else []
        selectors.identity_disclosures_record(rows, _viewer(request), "admin:list")
        return response

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        ticket = self.get_queryset(request).filter(pk=object_id).first()
        if ticket is not None:
            selectors.identity_disclosures_record([ticket], _viewer(request), "admin:detail")
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(Customer)
class CustomerAdmin(ReadOnlyAdmin):
    """Customers whose tickets are protected show masked to anyone who may not see them."""

    list_display = [
        "shown_name",
        "shown_phone",
        "type",
        "is_key_customer",
        "messages_opt_out",
        "created_at",
    ]
    list_filter = ["type", "is_key_customer", "messages_opt_out"]
    # One thing staff change here: the customer's wish for no non-essential messages.
    fields = (*CUSTOMER_FIELDS, "messages_opt_out")
    readonly_fields = CUSTOMER_FIELDS

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return admin.ModelAdmin.has_change_permission(self, request, obj)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Customer]:
        protected = Ticket.objects.filter(customer=OuterRef("pk")).filter(
            identity_hidden_q(_viewer(request))
        )
        return super().get_queryset(request).annotate(hidden=Exists(protected))

    def get_search_fields(self, request: HttpRequest) -> list[str]:
        # Searching by name or phone would reveal masked customers.
        return ["name", "phone"] if _viewer(request).may_see_identity else []

    @admin.display(description=_("name"))
    def shown_name(self, customer: Customer) -> str:
        return selectors.MASK if getattr(customer, "hidden", True) else customer.name

    @admin.display(description=_("phone"))
    def shown_phone(self, customer: Customer) -> str:
        return selectors.MASK if getattr(customer, "hidden", True) else customer.phone


@admin.register(IdentityDisclosure)
class IdentityDisclosureAdmin(ReadOnlyAdmin):
    list_display = ["at", "user", "ticket", "via"]
    list_filter = ["via"]
    list_select_related = ["user", "ticket"]


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin):
    """Whether a case's survey link went out, was used, expired or was replaced. The token is
    stored nowhere; its hash is not shown either."""

    list_display = ["ticket", "created_at", "expires_at", "used_at", "superseded_at"]
    exclude = ["token_hash"]
    list_select_related = ["ticket"]
    search_fields = ["ticket__number"]
