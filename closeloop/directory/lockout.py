"""Login lockout, on django-axes: a limit per rule, the time a person may try again, a log line
for every lockout. The policy (settings.LOCKOUT_RULES, LOCKOUT_MINUTES) is in docs/security.md.

Axes checks every `authenticate()` that carries a request (AxesStandaloneBackend, first in
AUTHENTICATION_BACKENDS) and records every failure in the database (LockoutHandler below). Its
own handler compares one count with one limit; here each rule has a limit of its own.
"""

import logging
import math
from datetime import datetime
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.handlers.proxy import AxesProxyHandler
from axes.helpers import get_cool_off, get_credentials
from axes.models import AccessAttempt
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.db.models import QuerySet, Sum
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

log = logging.getLogger("closeloop.security")


def client_address(request: HttpRequest) -> str | None:
    """REMOTE_ADDR, as the portal's rate limit takes it (channels/portal/guard.py): behind a
    reverse proxy, the proxy must set it to the client's address."""
    return request.META.get("REMOTE_ADDR") or None


def _failures(attempts: QuerySet[AccessAttempt]) -> int:
    return attempts.aggregate(n=Sum("failures_since_start"))["n"] or 0


class LockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, with a limit per rule (settings.LOCKOUT_RULES, in the order of
    AXES_LOCKOUT_PARAMETERS) instead of one limit for all."""

    def _rules(
        self, request: HttpRequest, credentials: dict[str, Any] | None
    ) -> list[tuple[QuerySet[AccessAttempt], int]]:
        """Each rule's failures within the cool-off that this attempt counts towards."""
        limits = [limit for _parameters, limit in settings.LOCKOUT_RULES]
        return list(zip(self.get_user_attempts(request, credentials), limits, strict=True))

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """The number axes compares with AXES_FAILURE_LIMIT, the smallest rule limit: the count
        of a rule that has reached its own limit, else a number below every limit."""
        counts = [
            (_failures(attempts), limit) for attempts, limit in self._rules(request, credentials)
        ]
        reached = [count for count, limit in counts if count >= limit]
        if reached:
            return max(reached)
        return min(max(count for count, _limit in counts), settings.AXES_FAILURE_LIMIT - 1)

    def lockout_until(
        self, request: HttpRequest, credentials: dict[str, Any] | None = None
    ) -> datetime | None:
        """When this attempt stops being locked out: for each rule past its limit, the moment
        enough of its failures have aged out of the cool-off (a record ages out whole, its
        latest failure plus the cool-off); the latest of those."""
        cool_off = get_cool_off(request)
        if cool_off is None:
            return None
        ends = []
        for attempts, limit in self._rules(request, credentials):
            rows = list(
                attempts.order_by("attempt_time").values_list(
                    "attempt_time", "failures_since_start"
                )
            )
            remaining = sum(failures for _at, failures in rows)
            end = None
            for attempt_time, failures in rows:  # the oldest age out first
                if remaining < limit:
                    break
                remaining -= failures
                end = attempt_time + cool_off
            if end is not None:
                ends.append(end)
        return max(ends, default=None)

    def user_logged_in(self, sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
        super().user_logged_in(sender, request, user, **kwargs)
        # The person knows the password: their own earlier mistakes from this address are
        # forgotten. Failures under other names, or from elsewhere, still count.
        AccessAttempt.objects.filter(
            username=user.get_username(), ip_address=getattr(request, "axes_ip_address", None)
        ).delete()


def lockout_until(request: HttpRequest, credentials: dict[str, Any] | None) -> datetime | None:
    handler = AxesProxyHandler.get_implementation()
    if isinstance(handler, LockoutHandler):
        return handler.lockout_until(request, credentials)
    return None


def _shown(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def lockout_message(until: datetime | None) -> str:
    if until is None:
        return _("Too many failed log-ins. Please try again later.")
    return _("Too many failed log-ins. You can try again after %(time)s.") % {"time": _shown(until)}


class LoginForm(AuthenticationForm):
    """The login form; when axes has locked the attempt out it says when to try again instead
    of 'wrong password' (the right password is refused too until then)."""

    def get_invalid_login_error(self) -> ValidationError:
        request = self.request
        if request is None or not getattr(request, "axes_locked_out", False):
            return super().get_invalid_login_error()
        credentials = getattr(request, "axes_credentials", None) or get_credentials(
            self.cleaned_data.get("username")
        )
        until = lockout_until(request, credentials)
        request.closeloop_lockout_until = until  # type: ignore[attr-defined]
        return ValidationError(lockout_message(until), code="locked_out")


class AdminLoginForm(LoginForm, AdminAuthenticationForm):
    pass


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """AXES_LOCKOUT_CALLABLE: the login page the attempt came from, its form saying when to try
    again, as 429 with Retry-After. An attempt from anywhere else gets a page of its own."""
    if original_response is not None and hasattr(request, "closeloop_lockout_until"):
        until = request.closeloop_lockout_until
        response = original_response
    else:
        until = lockout_until(request, credentials)
        response = render(request, "workbench/locked_out.html", {"message": lockout_message(until)})
    response.status_code = 429
    if until is not None:
        seconds = (until - timezone.now()).total_seconds()
        response["Retry-After"] = str(max(1, math.ceil(seconds)))
    return response


def lockout_logged(
    sender: Any, request: HttpRequest, username: str, ip_address: str, **kwargs: Any
) -> None:
    """Axes' user_locked_out signal: once when an attempt locks, then for each refused attempt
    while locked (axes counts the failures only before: AXES_RESET_COOL_OFF_ON_FAILURE_DURING_
    LOCKOUT is off). Passwords are never logged."""
    path = getattr(request, "axes_path_info", "")
    failures = getattr(request, "axes_failures_since_start", None)
    if failures is None:
        log.warning(
            "login refused while locked out: username=%r address=%s path=%s",
            username,
            ip_address,
            path,
        )
        return
    until = lockout_until(request, getattr(request, "axes_credentials", None))
    log.warning(
        "login locked out: username=%r address=%s path=%s failures=%s until=%s",
        username,
        ip_address,
        path,
        failures,
        _shown(until) if until else "-",
    )
