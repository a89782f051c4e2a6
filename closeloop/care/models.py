"""What the centre does for its customers on a schedule (docs/care.md)."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from closeloop.directory.models import User
from closeloop.tickets.models import Ticket


class SuggestionBox(models.Model):
    """A box the pack declares (`care.suggestion_boxes`), with the person named to open it."""

    code = models.CharField(_("code"), max_length=80, unique=True)
    name = models.CharField(_("name"), max_length=100)
    place = models.CharField(_("place"), max_length=100)
    keeper = models.ForeignKey(
        User,
        verbose_name=_("keeper"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="suggestion_boxes",
        help_text=_("The person named to open the box (明确专人)."),
    )
    # Turn 0 of the cadence: the day the box was set up; the openings are planned from it.
    anchor = models.DateField(_("schedule starts"))
    active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("suggestion box")
        verbose_name_plural = _("suggestion boxes")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class BoxOpening(models.Model):
    """One scheduled opening of a box: due on a working day, recorded by whoever opened it,
    with the cases registered from what was found."""

    box = models.ForeignKey(
        SuggestionBox, verbose_name=_("box"), on_delete=models.CASCADE, related_name="openings"
    )
    planned = models.DateField(_("planned for"))
    due = models.DateField(_("due on"))
    due_at = models.DateTimeField(_("due by"))
    moved_for = models.CharField(_("moved because of"), max_length=40, blank=True)
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True)
    opened_by = models.ForeignKey(
        User,
        verbose_name=_("opened by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)
    tickets = models.ManyToManyField(Ticket, verbose_name=_("cases registered"), blank=True)
    overdue_notified_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("box opening")
        verbose_name_plural = _("box openings")
        ordering = ["due", "box"]
        constraints = [models.UniqueConstraint(fields=["box", "planned"], name="box_opening_once")]
        indexes = [
            models.Index(
                fields=["due_at"],
                condition=models.Q(opened_at__isnull=True),
                name="box_opening_waiting",
            )
        ]

    def __str__(self) -> str:
        return f"{self.box} {self.planned}"

    @property
    def moved_reason(self) -> str:
        """For people: the holiday's name, or "weekend" in their language."""
        return str(_("weekend")) if self.moved_for == "weekend" else self.moved_for


class ReceptionVisit(models.Model):
    """A case registered at a reception session (接待日): which of the pack's receptions, the
    day, and who received, as published. One per ticket."""

    ticket = models.OneToOneField(
        Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="+"
    )
    reception = models.CharField(_("reception"), max_length=80)
    day = models.DateField(_("day"))
    host = models.CharField(_("received by"), max_length=100)

    class Meta:
        verbose_name = _("visit at a reception session")
        verbose_name_plural = _("visits at reception sessions")
        indexes = [models.Index(fields=["day", "reception"], name="reception_visit_day")]

    def __str__(self) -> str:
        return f"{self.reception} {self.day}"
