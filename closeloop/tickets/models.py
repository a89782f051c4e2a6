import hashlib
from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from closeloop.common.models import AppendOnlyModel, TimeStampedModel
from closeloop.workflow.statuses import ACTIVE_STATUSES, OPEN_STATUSES, Status

from .choices import (
    Channel,
    CustomerType,
    EnclosureDisposition,
    ExtensionState,
    Kind,
    Satisfaction,
    Severity,
    Validity,
)
from .querysets import ESCALATION_ACTIONS, TicketEventQuerySet, TicketQuerySet

# The partial indexes' conditions, in the order every query writes them (StatusSet).
_OPEN = list(OPEN_STATUSES)
_ACTIVE = list(ACTIVE_STATUSES)


class Customer(TimeStampedModel):
    """Who contacted us (诉求人). Identity fields are masked by the selectors where required."""

    name = models.CharField(_("name"), max_length=100, blank=True)
    type = models.CharField(
        _("type"), max_length=20, choices=CustomerType.choices, default=CustomerType.INDIVIDUAL
    )
    phone = models.CharField(_("phone"), max_length=30, blank=True, db_index=True)
    email = models.EmailField(_("email"), blank=True)
    id_number = models.CharField(_("ID number"), max_length=40, blank=True)
    organisation = models.CharField(_("organisation"), max_length=200, blank=True)
    address = models.CharField(_("address"), max_length=300, blank=True)
    is_key_customer = models.BooleanField(_("key customer"), default=False)
    # The record of a report or confidential case: made for that ticket alone and never found,
    # reused or changed by another ticket, so the identity given on it reaches no other case.
    protected = models.BooleanField(_("protected"), default=False)
    # Declined the non-essential messages (the survey, greetings); a receipt, an acceptance or
    # refusal and the reply are still sent. Set by staff or by the link in every email.
    messages_opt_out = models.BooleanField(_("no non-essential messages"), default=False)

    class Meta:
        verbose_name = _("customer")
        verbose_name_plural = _("customers")

    def __str__(self) -> str:
        return self.name or self.phone or f"#{self.pk}"


class Ticket(TimeStampedModel):
    number = models.CharField(_("ticket number"), max_length=20, unique=True)
    # Given to the customer with the number, to check progress on the portal (anonymous too).
    public_code = models.CharField(_("query code"), max_length=12, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    channel = models.CharField(_("channel"), max_length=20, choices=Channel.choices)
    status = models.CharField(
        _("status"), max_length=20, choices=Status.choices, default=Status.REGISTERED
    )
    category = models.ForeignKey(
        "policy.Category",
        verbose_name=_("category"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    # Urgency levels come from the pack (packs may add levels), so no fixed choices here.
    urgency = models.CharField(_("urgency"), max_length=30, default="normal")
    severity = models.CharField(
        _("severity"), max_length=20, choices=Severity.choices, blank=True, default=""
    )
    crisis = models.BooleanField(_("crisis"), default=False)
    crisis_reasons = models.JSONField(_("crisis reasons"), default=list, blank=True)
    on_site = models.BooleanField(_("on-site"), default=False)
    people_count = models.PositiveIntegerField(_("people count"), default=1)
    economic_loss = models.DecimalField(
        _("economic loss (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    confidential = models.BooleanField(_("confidential"), default=False)
    anonymous = models.BooleanField(_("anonymous"), default=False)

    customer = models.ForeignKey(
        Customer,
        verbose_name=_("customer"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    respondent_department = models.ForeignKey(
        "directory.Department",
        verbose_name=_("respondent department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    respondent_staff = models.CharField(_("respondent staff"), max_length=100, blank=True)

    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received at"), db_index=True)
    location_address = models.CharField(_("location"), max_length=300, blank=True)
    # The pack's own fields (户号, 纳税人识别号, plate number…) as checked at registration
    # (`policy.fields`): {code: value}. Those that identify the person are kept apart and
    # masked with the customer's identity; the split is the pack's at registration, as the
    # deadline plan is. `*_text` is what the ledger's search reads of each (values and choice
    # names), indexed like the ticket's own text (reports/0005).
    fields = models.JSONField(_("fields"), default=dict, blank=True)
    identity_fields = models.JSONField(_("identifying fields"), default=dict, blank=True)
    fields_text = models.TextField(_("fields (searched)"), blank=True, default="")
    identity_text = models.TextField(_("identifying fields (searched)"), blank=True, default="")
    location_lat = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )
    location_lng = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True
    )

    first_contact_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("first contact owner"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    department = models.ForeignKey(
        "directory.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="tickets",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="handled_tickets",
    )

    # What the pack's rules decided at registration (kept so later steps need not re-classify).
    routed_department = models.ForeignKey(
        "directory.Department",
        verbose_name=_("routed department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    centre_handles = models.BooleanField(_("handled by the centre"), default=False)
    plan_required = models.BooleanField(_("plan approval required"), default=False)
    plan = models.TextField(_("handling plan"), blank=True)
    plan_approved = models.BooleanField(_("plan approved"), null=True, blank=True)
    reply = models.TextField(_("reply"), blank=True)
    cause = models.TextField(_("cause"), blank=True)
    validity = models.CharField(
        _("validity"), max_length=10, choices=Validity.choices, blank=True, default=""
    )
    compensation_kind = models.CharField(_("compensation kind"), max_length=40, blank=True)
    compensation_amount = models.DecimalField(
        _("compensation amount (yuan)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    compensation_note = models.CharField(_("compensation note"), max_length=500, blank=True)
    satisfaction = models.CharField(
        _("satisfaction"), max_length=30, choices=Satisfaction.choices, blank=True, default=""
    )
    satisfaction_comment = models.CharField(_("visit comment"), max_length=1000, blank=True)
    referral = models.CharField(_("referral"), max_length=500, blank=True)
    decline_reason = models.CharField(_("decline reason"), max_length=1000, blank=True)
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    reopen_count = models.PositiveIntegerField(_("times reopened"), default=0)
    # A likely repeat of earlier tickets (same caller, or same respondent and category, with
    # similar text), found at registration: [{"number", "similarity"}], most similar first.
    is_repeat = models.BooleanField(_("repeat"), default=False)
    repeat_candidates = models.JSONField(_("earlier similar tickets"), default=list, blank=True)
    # The time limits and escalations chosen for this ticket by its pack at registration.
    sla_plan = models.JSONField(_("deadline plan"), default=dict, blank=True)
    # Derived from the running deadlines by the deadline service, for fast queues.
    next_due_at = models.DateTimeField(_("next due at"), null=True, blank=True)
    deadline_state = models.CharField(_("deadline state"), max_length=20, blank=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)
    answered_on_the_spot = models.BooleanField(_("answered on the spot"), default=False)
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    # Business time from arrival to resolution, kept so reports need no calendar arithmetic.
    handling_seconds = models.PositiveIntegerField(_("handling time (s)"), null=True, blank=True)
    visited_at = models.DateTimeField(_("visited at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)

    objects = TicketQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["status", "department"], name="ticket_status_dept"),
            models.Index(fields=["department", "status", "received_at"], name="ticket_dept_inbox"),
            models.Index(fields=["handler", "status"], name="ticket_handler_status"),
            models.Index(fields=["kind", "received_at"], name="ticket_kind_received"),
            # A caller's tickets, newest first: the history beside the intake form, and the
            # earlier tickets registration compares a new one with (tickets.repeats).
            models.Index(fields=["customer", "-received_at"], name="ticket_customer_received"),
            models.Index(fields=["department", "next_due_at"], name="ticket_dept_due"),
            models.Index(fields=["handler", "next_due_at"], name="ticket_handler_due"),
            # Tickets in one deadline state, nearest first. Many share a due moment (the end of
            # a working day), so the index carries the whole order of the queues.
            models.Index(
                fields=["deadline_state", "next_due_at", "-received_at", "-id"],
                name="ticket_state_due_order",
            ),
            # The top bar's "my tickets near or past a deadline" on every page (benchmark:
            # 240 ms → 10 ms at 1M tickets on SQLite).
            models.Index(
                fields=["status", "first_contact_owner", "handler", "deadline_state"],
                name="ticket_open_cover",
            ),
            # The queues' "nearest deadline first" in exactly the order they ask for, so a page
            # of "all tickets" reads its 50 rows instead of sorting the whole table.
            models.Index(fields=["next_due_at", "-received_at", "-id"], name="ticket_due_order"),
            # Open tickets only (thousands among millions): the dashboard's counts per
            # department read this small index, and its crisis list walks the other in order.
            models.Index(
                fields=["department", "deadline_state"],
                condition=models.Q(status__in=_OPEN),
                name="ticket_open_department",
            ),
            # A department's inbox, nearest deadline first: its first page is the index's
            # first 50 entries for that department.
            models.Index(
                fields=["department", "next_due_at", "-received_at", "-id"],
                condition=models.Q(status__in=_ACTIVE),
                name="ticket_active_department_due",
            ),
            models.Index(
                fields=["next_due_at"],
                condition=models.Q(crisis=True, status__in=_OPEN),
                name="ticket_open_crisis",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def identity_protected(self) -> bool:
        """Reports (举报) and confidential tickets hide the customer's identity."""
        return self.confidential or self.kind == Kind.REPORT


class TicketEvent(AppendOnlyModel):
    """One action on a ticket. Append-only: never updated, never deleted."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events"
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("actor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"))
    action = models.CharField(_("action"), max_length=40)
    from_status = models.CharField(_("from status"), max_length=20, blank=True)
    to_status = models.CharField(_("to status"), max_length=20, blank=True)
    payload = models.JSONField(_("payload"), default=dict, blank=True)

    objects = TicketEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["ticket", "at"], name="event_ticket_at"),
            # The dashboard's latest escalations: a few among millions of events.
            models.Index(
                fields=["at"],
                condition=models.Q(action__in=ESCALATION_ACTIONS),
                name="event_escalation_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.action} @ {self.at:%Y-%m-%d %H:%M}"


class Assignment(models.Model):
    """Who held a ticket and when: the department (and handler) responsible for a stretch.

    Drives "tickets they handled before" visibility and, later, breach attribution.
    """

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="assignments"
    )
    department = models.ForeignKey(
        "directory.Department", verbose_name=_("department"), on_delete=models.PROTECT
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assignments",
    )
    started_at = models.DateTimeField(_("started at"))
    ended_at = models.DateTimeField(_("ended at"), null=True, blank=True)

    class Meta:
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        ordering = ["started_at", "id"]
        indexes = [models.Index(fields=["handler", "ticket"], name="assignment_handler")]

    def __str__(self) -> str:
        return f"{self.ticket_id} → {self.department_id}/{self.handler_id}"


class Enclosure(models.Model):
    """An item enclosed with a letter (证件, 现金, 光盘, 照片…) that is returned or kept."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="enclosures"
    )
    item = models.CharField(_("item"), max_length=100)
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    disposition = models.CharField(
        _("disposition"),
        max_length=20,
        choices=EnclosureDisposition.choices,
        default=EnclosureDisposition.KEEP,
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("enclosure")
        verbose_name_plural = _("enclosures")
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.item} ×{self.quantity}"


class Attachment(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to="attachments/%Y/%m/")
    filename = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("content type"), max_length=100)
    size = models.PositiveIntegerField(_("size (bytes)"))
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("uploaded by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    uploaded_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self) -> str:
        return self.filename


class ExtensionRequest(models.Model):
    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="extensions"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    until = models.DateTimeField(_("until"))
    milestone = models.CharField(_("milestone"), max_length=40, blank=True)
    reason = models.CharField(_("reason"), max_length=1000)
    state = models.CharField(
        _("state"), max_length=20, choices=ExtensionState.choices, default=ExtensionState.PENDING
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.CharField(_("comment"), max_length=1000, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["requested_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=models.Q(state="pending"),
                name="one_pending_extension",
            )
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} until {self.until:%Y-%m-%d}"


class TicketNumberCounter(models.Model):
    """Last ticket number issued per day; bumped atomically by `ticket_number_next`."""

    day = models.CharField(max_length=8, primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("ticket number counter")
        verbose_name_plural = _("ticket number counters")

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class IdempotencyKey(models.Model):
    """Remembers which ticket a client's `Idempotency-Key` created."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=200)
    request_digest = models.CharField(max_length=64)
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="unique_idempotency_key")
        ]

    def __str__(self) -> str:
        return self.key


class IdentityDisclosure(models.Model):
    """A record that someone saw a protected customer's identity unmasked (who, when, where)."""

    ticket = models.ForeignKey(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="disclosures"
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("viewer"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    via = models.CharField(_("via"), max_length=40)

    class Meta:
        verbose_name = _("identity disclosure")
        verbose_name_plural = _("identity disclosures")
        ordering = ["-at"]

    def __str__(self) -> str:
        return f"{self.ticket_id} seen by {self.user_id} via {self.via}"


class SurveyInvitation(models.Model):
    """A one-time link to rate a resolved case on the portal (the return-visit survey).

    Only the SHA-256 of the token is stored: the raw token lives in the message sent to the
    customer. It works once (`used_at`), until `expires_at`, and only while it is the ticket's
    latest invitation (`superseded_at` is set when a new round issues the next one)."""

    ticket = models.ForeignKey(
        Ticket,
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="survey_invitations",
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")

    def __str__(self) -> str:
        return f"{self.ticket_id} survey {self.created_at:%Y-%m-%d}"

    @staticmethod
    def token_hash_of(token: str) -> str:
        return hashlib.sha256(token.encode()).hexdigest()

    def spent(self, now: datetime) -> str:
        """Why the link no longer works ("used", "superseded", "expired"), or "" if it does."""
        if self.used_at is not None:
            return "used"
        if self.superseded_at is not None:
            return "superseded"
        if now >= self.expires_at:
            return "expired"
        return ""
