from django.apps import AppConfig
from django.db.models.signals import post_migrate
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
        from .search import fts_after_migrate

        pack_replacing.connect(
            pack_switch_refuse, sender=PolicyPack, dispatch_uid="tickets.pack_switch_refuse"
        )
        # A later migration of the tickets app may rebuild its table on SQLite, dropping
        # the search's triggers: check them after every migrate.
        post_migrate.connect(fts_after_migrate, dispatch_uid="ledger_fts_after_migrate")
