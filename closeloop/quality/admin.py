"""Inspections in the admin are read-only: they change through the services."""

from django.contrib import admin

from closeloop.common.admin import ReadOnlyAdmin

from .models import Inspection


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("period", "ticket", "agent", "inspector", "total", "passed", "wrong_answer")
    list_filter = ("period", "passed", "wrong_answer")
