from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "closeloop.reports"
    label = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from .ledger import fts_after_migrate

        # A later migration of the tickets app may rebuild its table on SQLite, dropping
        # the ledger's search triggers: check them after every migrate.
        post_migrate.connect(fts_after_migrate, dispatch_uid="ledger_fts_after_migrate")
