"""Reads about the organisation."""

from datetime import date

from .models import Department, DutyRota


def department_subtree_ids(department_id: int) -> frozenset[int]:
    """The department and every department below it (what a department role reaches)."""
    return Department.objects.subtree_ids(department_id)


def duty_on(day: date) -> list[DutyRota]:
    """Who is on duty at the centre (带班) on `day`, by department: the rota's active people."""
    return list(
        DutyRota.objects.filter(day=day, user__is_active=True)
        .select_related("user", "department")
        .order_by("department__name", "user__username")
    )
