"""The states a deadline goes through, as data: the sla engine writes them, tickets keep their
worst running one (`Ticket.deadline_state`) and filter by them, reports count them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DeadlineState(models.TextChoices):
    ON_TRACK = "on_track", _("on track")
    WARNING = "warning", _("warning")
    OVERDUE = "overdue", _("overdue")
    MET = "met", _("met")
    MET_LATE = "met_late", _("met late")
    CANCELLED = "cancelled", _("cancelled")
