"""How tickets are read: `Ticket.objects.visible_to(user).open().search(user, "发票")`.

Two rules live here and nowhere else:
- visibility: centre staff see every ticket; liaisons and handlers see their departments'
  tickets, those assigned to them and those they held before;
- the status lists the partial indexes are built on (`open`, `active`): written into the SQL
  in the indexes' own order (`choices.StatusSet`, `common.lookups.literal_in`), which is the
  only way SQLite uses those indexes. Callers say `.open()`, never the list.

Whose identity is masked, and the disclosure log, stay in `selectors`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Self

from django.db.models import Exists, OuterRef, Q, QuerySet

from closeloop.workflow.statuses import ACTIVE_STATUSES, OPEN_STATUSES

from .choices import Kind

if TYPE_CHECKING:
    from closeloop.directory.models import User

    from .models import Ticket, TicketEvent  # noqa: F401 - the quoted bases below


def sees_every_ticket(user: User) -> bool:
    """Whether `user` sees every ticket: then a read needs no visibility test at all."""
    return user.is_active and user.is_centre_staff


def visibility_q(user: User) -> Q:
    """A filter on Ticket selecting what `user` may see (`TicketQuerySet.visible_to`)."""
    from .models import Assignment  # models builds its manager from this module

    if not user.is_active:
        return Q(pk__in=[])
    if user.is_centre_staff:
        return Q()
    if not user.role_set:
        return Q(pk__in=[])
    held_before = Exists(Assignment.objects.filter(ticket=OuterRef("pk"), handler=user))
    own = Q(department_id__in=user.department_scope)
    return own | Q(handler=user) | Q(held_before)


def identity_hidden_q(user: User) -> Q:
    """Tickets whose customer identity `user` may not see (reports and confidential cases,
    for everyone but agents, supervisors and leaders): a search or a field filter matches
    identifying values only outside them."""
    if user.may_see_identity:
        return Q(pk__in=[])
    return Q(confidential=True) | Q(kind=Kind.REPORT)


def open_q() -> Q:
    """The open tickets as a condition (`TicketQuerySet.open`), to combine with others."""
    return Q(status__literal_in=OPEN_STATUSES)


class TicketQuerySet(QuerySet["Ticket"]):
    def visible_to(self, user: User) -> Self:
        """The tickets `user` may see; unfiltered for who sees them all."""
        return self.filter(visibility_q(user))

    def unscoped(self) -> Self:
        """Every row, whoever asks: for the workers and services that act for the centre
        rather than for a person (the deadline sweep, a draft article, the demo replay, an
        inspection sample), and for subqueries tied to rows already read through
        `visible_to`. Named, so that each such read is deliberate and easy to find."""
        return self.all()

    def open(self) -> Self:
        """Registered to suspended: what still needs work (the `ticket_open_*` indexes)."""
        return self.filter(open_q())

    def active(self) -> Self:
        """Open, or resolved and waiting for the return visit: a department's inbox (the
        `ticket_active_department_due` index)."""
        return self.filter(status__literal_in=ACTIVE_STATUSES)

    def search(self, user: User, text: str) -> Self:
        """Tickets matching every word of `text`, as `user` may search them: a masked
        identity is never matched (`tickets.search`)."""
        from .search import search_q  # search reads the models this module serves

        return self.filter(search_q(user, text))


# Events a supervisor follows on the dashboard; `event_escalation_at` indexes exactly these.
ESCALATION_ACTIONS = ("case_file", "escalate", "supervise")


class TicketEventQuerySet(QuerySet["TicketEvent"]):
    def unscoped(self) -> Self:
        """Every event, whoever asks: for subqueries tied to tickets already read through
        `visible_to`, and for the centre's own workers (see `TicketQuerySet.unscoped`)."""
        return self.all()

    def escalations(self) -> Self:
        """Case files, escalations and supervision orders (the `event_escalation_at` index)."""
        return self.filter(action__literal_in=ESCALATION_ACTIONS)
