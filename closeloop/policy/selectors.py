"""Reads about the active pack's data in the database."""

from .models import Category


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
