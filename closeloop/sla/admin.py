"""Deadlines are read-only here (only the engine changes them); calendar notices are loaded
by uploading the official notice file, through the same service as `closeloop calendar load`."""

import tempfile
from pathlib import Path
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from closeloop.common.admin import ReadOnlyAdmin
from closeloop.common.errors import ValidationFailed

from .calendar import notice_parse
from .models import CalendarNotice, CaseFile, Deadline
from .notices import calendar_notice_store


class NoticeUploadForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("notice file (YAML or CSV)"),
        help_text=gettext_lazy("A year's official holidays and make-up working days."),
    )


@admin.register(CalendarNotice)
class CalendarNoticeAdmin(admin.ModelAdmin):
    list_display = ["year", "source", "loaded_at"]
    readonly_fields = ["year", "data", "source", "loaded_at"]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def get_urls(self) -> list[Any]:
        upload = path(
            "upload/",
            self.admin_site.admin_view(self.upload_view),
            name="sla_calendarnotice_upload",
        )
        return [upload, *super().get_urls()]

    def add_view(
        self, request: HttpRequest, form_url: str = "", extra_context: Any = None
    ) -> HttpResponse:
        return HttpResponseRedirect(reverse("admin:sla_calendarnotice_upload"))

    def upload_view(self, request: HttpRequest) -> HttpResponse:
        form = NoticeUploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            suffix = Path(upload.name).suffix.lower()
            with tempfile.TemporaryDirectory() as folder:
                target = Path(folder) / f"notice{suffix}"
                target.write_bytes(upload.read())
                try:
                    notice = notice_parse(target)
                    recomputed = calendar_notice_store(notice)
                except ValidationFailed as exc:
                    form.add_error("file", exc.message)
                else:
                    messages.success(
                        request,
                        _("Loaded the %(year)s calendar; %(n)s running deadlines recomputed.")
                        % {"year": notice.year, "n": recomputed},
                    )
                    return HttpResponseRedirect(reverse("admin:sla_calendarnotice_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "title": _("Load an official holiday notice"),
            "form": form,
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/sla/calendarnotice/upload.html", context)


@admin.register(Deadline)
class DeadlineAdmin(ReadOnlyAdmin):
    list_display = ["ticket", "milestone", "state", "due_at", "provisional", "department"]
    list_filter = ["state", "milestone", "provisional", "department"]
    list_select_related = ["ticket", "department"]
    search_fields = ["ticket__number"]


@admin.register(CaseFile)
class CaseFileAdmin(DeadlineAdmin):
    list_display = ["ticket", "opened_at", "department", "responsible", "reason"]
    list_filter = ["department"]
    list_select_related = ["ticket", "department", "responsible"]
