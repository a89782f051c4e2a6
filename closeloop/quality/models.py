"""Quality inspection (质检): one scored look at one agent's handling of one ticket."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Inspection(models.Model):
    """Created when a ticket is sampled (or when an inspector scores one outside the sample);
    scored once. A ticket is inspected at most once, so it is never sampled twice."""

    ticket = models.OneToOneField(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="inspection",
    )
    # The first contact owner: whose service is scored.
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("agent"),
        on_delete=models.PROTECT,
        related_name="inspections",
    )
    period = models.CharField(_("period"), max_length=7)  # YYYY-MM of the ticket's arrival
    sampled = models.BooleanField(_("sampled"), default=True)
    seed = models.CharField(_("sampling seed"), max_length=40, blank=True)
    inspector = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("inspector"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    total = models.PositiveIntegerField(_("total"), null=True, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    wrong_answer = models.BooleanField(_("wrong answer"), default=False)
    created_at = models.DateTimeField(_("created at"))
    scored_at = models.DateTimeField(_("scored at"), null=True, blank=True)
    correction_deadline = models.ForeignKey(
        "sla.Deadline",
        verbose_name=_("correction deadline"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    corrected_at = models.DateTimeField(_("corrected at"), null=True, blank=True)
    correction_note = models.TextField(_("correction note"), blank=True)

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["period", "agent", "id"]
        indexes = [
            models.Index(fields=["period", "agent"], name="inspection_period_agent"),
            models.Index(fields=["wrong_answer", "corrected_at"], name="inspection_correction"),
        ]

    def __str__(self) -> str:
        return f"{self.period} {self.ticket_id} {self.total if self.total is not None else '—'}"

    @property
    def correction_open(self) -> bool:
        return self.wrong_answer and self.corrected_at is None
