from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    AGENT = "agent", _("agent")
    LIAISON = "liaison", _("liaison")
    HANDLER = "handler", _("handler")
    SUPERVISOR = "supervisor", _("supervisor")
    LEADER = "leader", _("leader")
    INSPECTOR = "inspector", _("inspector")
    ADMIN = "admin", _("admin")


# Roles that work for the whole centre and so see every ticket.
CENTRE_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.LEADER, Role.INSPECTOR, Role.ADMIN})
# Roles that may see a whistleblower's or confidential customer's identity.
IDENTITY_ROLES = frozenset({Role.AGENT, Role.SUPERVISOR, Role.LEADER})
