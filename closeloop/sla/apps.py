from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SlaConfig(AppConfig):
    name = "closeloop.sla"
    label = "sla"
    verbose_name = _("Deadlines")

    def ready(self) -> None:
        # Ticket services reach the deadline engine through their port, never by import.
        from closeloop.tickets.clocks import clock_engine_install

        from .tickets_port import SlaClockEngine

        clock_engine_install(SlaClockEngine())
