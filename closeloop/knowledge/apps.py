from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgeConfig(AppConfig):
    name = "closeloop.knowledge"
    label = "knowledge"
    verbose_name = _("Knowledge base")

    def ready(self) -> None:
        # Tickets announce their actions; they never import the knowledge base.
        from closeloop.tickets.models import Ticket
        from closeloop.tickets.signals import action_done

        from .receivers import article_draft_on_resolve

        action_done.connect(
            article_draft_on_resolve, sender=Ticket, dispatch_uid="knowledge.article_draft"
        )
