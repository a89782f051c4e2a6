from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from closeloop.common.admin import ReadOnlyInline

from .models import BoxOpening, SuggestionBox


class OpeningInline(ReadOnlyInline):
    model = BoxOpening
    fields = ("planned", "due", "moved_for", "opened_at", "opened_by", "note")
    ordering = ("-planned",)
    verbose_name_plural = _("openings (recorded on the suggestion box page)")


@admin.register(SuggestionBox)
class SuggestionBoxAdmin(admin.ModelAdmin[SuggestionBox]):
    """The pack declares the boxes; an administrator names the person who opens each."""

    list_display = ("name", "place", "keeper", "anchor", "active")
    fields = ("code", "name", "place", "keeper", "anchor", "active")
    readonly_fields = ("code", "name", "place", "anchor", "active")
    autocomplete_fields = ("keeper",)
    inlines = (OpeningInline,)

    def has_add_permission(self, request: object) -> bool:
        return False  # boxes come from the pack (`care.suggestion_boxes`)

    def has_delete_permission(self, request: object, obj: object = None) -> bool:
        return False
