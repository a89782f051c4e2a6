from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from closeloop.workflow.deadlines import DeadlineState


class CalendarNotice(models.Model):
    """A year's official holiday notice loaded by an administrator (beyond the built-in data).

    `data` holds {"holidays": {"YYYY-MM-DD": name}, "makeup_days": {"YYYY-MM-DD": name}}.
    """

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    data = models.JSONField(_("data"))
    source = models.CharField(_("source"), max_length=300, blank=True)
    loaded_at = models.DateTimeField(_("loaded at"), auto_now=True)

    class Meta:
        verbose_name = _("calendar notice")
        verbose_name_plural = _("calendar notices")
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class Deadline(models.Model):
    """One time limit running on a ticket: a milestone, its rule, its due moment and state.

    `closed_at` is null while the clock runs. `next_check_at` is when the sweep must look at it
    again (a warning, the due moment, a pending escalation); null when nothing is pending, so
    the sweep's cost follows the deadlines that are due, not the tickets that are open.
    """

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="deadlines",
    )
    milestone = models.CharField(_("milestone"), max_length=40)
    sequence = models.PositiveIntegerField(_("sequence"), default=1)
    rule = models.JSONField(_("rule"))
    explanation = models.JSONField(_("explanation"), default=list)
    department = models.ForeignKey(
        "directory.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    handler = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("handler"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    started_at = models.DateTimeField(_("started at"))
    due_at = models.DateTimeField(_("due at"))
    warn_at = models.DateTimeField(_("warn at"), null=True, blank=True)
    extended_from = models.DateTimeField(_("extended from"), null=True, blank=True)
    provisional = models.BooleanField(_("provisional"), default=False)
    state = models.CharField(
        _("state"), max_length=20, choices=DeadlineState.choices, default=DeadlineState.ON_TRACK
    )
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    next_check_at = models.DateTimeField(_("next check at"), null=True, blank=True)

    class Meta:
        verbose_name = _("deadline")
        verbose_name_plural = _("deadlines")
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["next_check_at"], name="deadline_next_check"),
            models.Index(fields=["ticket", "milestone"], name="deadline_ticket_milestone"),
            models.Index(fields=["department", "state"], name="deadline_department_state"),
            # The dashboard's running deadlines by milestone: a few thousand of millions.
            models.Index(
                fields=["milestone", "state"],
                condition=models.Q(closed_at__isnull=True),
                name="deadline_running_milestone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket_id} {self.milestone} due {self.due_at:%Y-%m-%d %H:%M}"

    @property
    def running(self) -> bool:
        return self.closed_at is None


class EscalationRecord(models.Model):
    """That the pack's escalation number `index` fired for a deadline: it fires exactly once."""

    deadline = models.ForeignKey(
        Deadline, verbose_name=_("deadline"), on_delete=models.CASCADE, related_name="escalations"
    )
    index = models.PositiveSmallIntegerField(_("escalation"))
    action = models.CharField(_("action"), max_length=20)
    fired_at = models.DateTimeField(_("fired at"))

    class Meta:
        verbose_name = _("escalation")
        verbose_name_plural = _("escalations")
        constraints = [
            models.UniqueConstraint(fields=["deadline", "index"], name="escalation_once")
        ]

    def __str__(self) -> str:
        return f"{self.deadline_id}#{self.index} {self.action}"


class CaseFile(models.Model):
    """投诉处理档案: opened when a complaint is not done in time, registered in the ledger.

    It names the department that must answer and the person responsible: the handler holding
    the late clock, or else the department's head (its leader, else its liaison)."""

    ticket = models.ForeignKey(
        "tickets.Ticket",
        verbose_name=_("ticket"),
        on_delete=models.CASCADE,
        related_name="case_files",
    )
    deadline = models.ForeignKey(
        Deadline, verbose_name=_("deadline"), on_delete=models.PROTECT, related_name="+"
    )
    department = models.ForeignKey(
        "directory.Department",
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    responsible = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("responsible person"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    opened_at = models.DateTimeField(_("opened at"))
    reason = models.CharField(_("reason"), max_length=500)

    class Meta:
        verbose_name = _("case file")
        verbose_name_plural = _("case files")
        ordering = ["-opened_at"]

    def __str__(self) -> str:
        return f"{self.ticket_id} @ {self.opened_at:%Y-%m-%d %H:%M}"
