"""The reception days (接待日) on the portal: the next sessions, when, where and who receives,
and the ones not held for a holiday — what the seed has published in the hall."""

from datetime import timedelta
from zoneinfo import ZoneInfo

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils import timezone

from closeloop.care.receptions import reception_sessions
from closeloop.policy.services import pack_active

WEEKS_AHEAD = 8


def receptions(request: HttpRequest) -> HttpResponse:
    pack = pack_active()
    today = timezone.localtime(timezone.now(), ZoneInfo(pack.timezone)).date()
    sessions = reception_sessions(today, today + timedelta(weeks=WEEKS_AHEAD), pack)
    declared = pack.care.receptions if pack.care else []
    return render(
        request,
        "portal/receptions.html",
        {"pack": pack, "sessions": sessions, "declared": declared, "weeks": WEEKS_AHEAD},
    )


urlpatterns = [path("", receptions, name="receptions")]
