"""What the services take in: a ticket to register, its customer and enclosures, a
compensation on resolve."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from ..choices import CustomerType, EnclosureDisposition


@dataclass
class CustomerInput:
    name: str = ""
    phone: str = ""
    email: str = ""
    id_number: str = ""
    organisation: str = ""
    address: str = ""
    type: str = CustomerType.INDIVIDUAL


@dataclass
class EnclosureInput:
    item: str
    quantity: int = 1
    disposition: str = EnclosureDisposition.KEEP
    note: str = ""


@dataclass
class TicketInput:
    kind: str
    channel: str
    subject: str
    description: str = ""
    category: str | None = None
    customer: CustomerInput | None = None
    anonymous: bool = False
    confidential: bool = False
    on_site: bool = False
    people_count: int = 1
    economic_loss: Decimal | None = None
    respondent_department: str | None = None
    respondent_staff: str = ""
    urgency: str | None = None
    occurred_at: datetime | None = None
    received_at: datetime | None = None
    location_address: str = ""
    location_lat: Decimal | None = None
    location_lng: Decimal | None = None
    enclosures: list[EnclosureInput] = field(default_factory=list)
    # The pack's own fields, {code: value} (`policy.fields`).
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class CompensationInput:
    kind: str
    amount: Decimal | None = None
    note: str = ""
