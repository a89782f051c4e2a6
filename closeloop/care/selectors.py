"""What the care pages read, as the person may see it."""

from dataclasses import dataclass, field
from datetime import date

from closeloop.directory.models import User
from closeloop.directory.roles import Role
from closeloop.tickets.models import Ticket

from .models import BoxOpening, SuggestionBox

READERS = (Role.AGENT, Role.SUPERVISOR, Role.LEADER, Role.ADMIN)
RECENT = 10


@dataclass
class BoxView:
    box: SuggestionBox
    waiting: list[BoxOpening] = field(default_factory=list)  # not yet opened, soonest first
    recent: list[BoxOpening] = field(default_factory=list)  # recorded, latest first
    tickets: dict[int, list[Ticket]] = field(default_factory=dict)  # by opening, as visible


def boxes_may_read(user: User) -> bool:
    return user.has_role(*READERS) or SuggestionBox.objects.filter(keeper=user).exists()


def boxes_for_user(user: User) -> list[BoxView]:
    """The boxes in use with their waiting and recent openings; the cases registered from
    them only as far as `user` may see each."""
    views = [
        BoxView(box) for box in SuggestionBox.objects.filter(active=True).select_related("keeper")
    ]
    by_box = {v.box.pk: v for v in views}
    openings = BoxOpening.objects.filter(box__in=by_box).select_related("opened_by")
    for opening in openings.filter(opened_at__isnull=True).order_by("due"):
        by_box[opening.box_id].waiting.append(opening)
    recent: list[BoxOpening] = []
    for view in views:
        view.recent = list(
            openings.filter(box=view.box, opened_at__isnull=False).order_by("-planned")[:RECENT]
        )
        recent += view.recent
    links = BoxOpening.tickets.through.objects.filter(boxopening__in=recent)
    visible = {
        t.pk: t
        for t in Ticket.objects.visible_to(user)
        .filter(pk__in=links.values("ticket_id"))
        .only("number", "subject", "kind", "status", "confidential")
    }
    view_of = {opening.pk: by_box[opening.box_id] for opening in recent}
    for opening_id, ticket_id in links.order_by("ticket_id").values_list(
        "boxopening_id", "ticket_id"
    ):
        if ticket_id in visible:
            view_of[opening_id].tickets.setdefault(opening_id, []).append(visible[ticket_id])
    return views


def opening_state(opening: BoxOpening, today: date) -> str:
    """upcoming, due (today) or overdue: for the badge."""
    if opening.due > today:
        return "upcoming"
    return "due" if opening.due == today else "overdue"
