"""Reads about the active pack's data in the database."""

from .models import Category, MessageTemplate


def category_subtree_ids(code: str) -> set[int]:
    """The category with this code and every category below it (empty if none has it).
    Categories are few: one query loads the tree."""
    children: dict[int | None, list[int]] = {}
    root = None
    for pk, parent_id, category_code in Category.objects.values_list("pk", "parent_id", "code"):
        children.setdefault(parent_id, []).append(pk)
        if category_code == code:
            root = pk
    found: set[int] = set()
    frontier = [root] if root is not None else []
    while frontier:
        found.update(frontier)
        frontier = [c for p in frontier for c in children.get(p, []) if c not in found]
    return found


def message_template_for(pack: str, purpose: str, kind: str) -> MessageTemplate | None:
    """The text the centre sends for `purpose` on a ticket of `kind`: the kind's own, else
    the purpose's; None when the pack writes none."""
    rows = {
        row.kind: row
        for row in MessageTemplate.objects.filter(pack=pack, purpose=purpose, kind__in=[kind, ""])
    }
    return rows.get(kind) or rows.get("")
