"""Reads about the organisation."""

from .models import Department


def department_subtree_ids(department_id: int) -> frozenset[int]:
    """The department and every department below it. Departments are few, so one query
    loads the whole tree."""
    children: dict[int | None, list[int]] = {}
    for pk, parent_id in Department.objects.values_list("pk", "parent_id"):
        children.setdefault(parent_id, []).append(pk)
    found = {department_id}
    frontier = [department_id]
    while frontier:
        below = [c for parent in frontier for c in children.get(parent, []) if c not in found]
        found.update(below)
        frontier = below
    return frozenset(found)
