from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "closeloop.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        # The policy app asks before another pack replaces the organisation; it does not
        # import tickets to count them.
        from closeloop.policy.models import PolicyPack
        from closeloop.policy.signals import pack_replacing

        from .receivers import pack_switch_refuse

        pack_replacing.connect(
            pack_switch_refuse, sender=PolicyPack, dispatch_uid="tickets.pack_switch_refuse"
        )
