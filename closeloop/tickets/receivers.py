"""What tickets do when something happens below them (connected in `TicketsConfig.ready`)."""

from typing import Any

from django.utils.translation import gettext as _

from closeloop.common.errors import Conflict
from closeloop.policy.models import PolicyPack
from closeloop.policy.schema import PackSpec

from .models import Ticket


def pack_switch_refuse(
    sender: type[PolicyPack], *, active: PolicyPack, spec: PackSpec, **_kwargs: Any
) -> None:
    """Refuse another organisation's pack once the database holds tickets: their departments,
    people and history belong to the organisation that made them."""
    count = Ticket.objects.count()
    if count:
        raise Conflict(
            _(
                "this database belongs to %(title)s (pack %(active)s) and already holds "
                "tickets (%(count)s); pack %(name)s would mix two organisations' departments "
                "and people. "
                "Run it as a separate centre with its own data, e.g. "
                "CLOSELOOP_DATA_DIR=var/%(name)s CLOSELOOP_PACK=%(name)s closeloop init --demo "
                "(or another DATABASE_URL)"
            )
            % {"title": active.title, "active": active.name, "count": count, "name": spec.name},
            details={"active": active.name, "pack": spec.name, "tickets": count},
        )
