"""Reads about the organisation."""

from .models import Department


def department_subtree_ids(department_id: int) -> frozenset[int]:
    """The department and every department below it (what a department role reaches)."""
    return Department.objects.subtree_ids(department_id)
