from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "closeloop.tickets"
    label = "tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        from .search import fts_after_migrate

        # A later migration of the tickets app may rebuild its table on SQLite, dropping
        # the search's triggers: check them after every migrate.
        post_migrate.connect(fts_after_migrate, dispatch_uid="ledger_fts_after_migrate")
