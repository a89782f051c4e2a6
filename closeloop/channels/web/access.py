"""Who may open the workbench, and where each role starts."""

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import resolve_url
from django.utils.http import url_has_allowed_host_and_scheme

from closeloop.directory.models import User
from closeloop.directory.roles import Role

View = Callable[..., HttpResponseBase]


def staff_user(request: HttpRequest) -> User | None:
    user = request.user
    if isinstance(user, User) and user.is_authenticated and user.is_active:
        return user
    return None


def staff_required(*roles: str) -> Callable[[View], View]:
    """Logged-in staff only; with `roles`, only people holding one of them (others get 403).

    The login page is named here, not through settings.LOGIN_URL, which points at the admin.
    """

    def decorate(view: View) -> View:
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
            user = staff_user(request)
            if user is None:
                return redirect_to_login(request.get_full_path(), resolve_url("web:login"))
            if roles and not user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapped

    return decorate


def home_for(user: User) -> str:
    """The page a person most likely wants first."""
    if user.has_role(Role.AGENT):
        return "web:intake"
    if user.has_role(Role.SUPERVISOR):
        return "web:dashboard"
    if user.has_role(Role.LEADER):
        return "web:approvals"
    return "web:queue"


def safe_next(request: HttpRequest, target: str | None, fallback: str = "web:home") -> str:
    """Where to go after a form that names its own way back (`back`, `next`): `target` when
    it is a path on this site, otherwise `fallback`. A target from the request is never
    followed off the site (`//host`, `https:`), nor into `javascript:`, nor with control
    characters that would split the Location header."""
    if (
        target
        and target.startswith("/")
        and target.isprintable()
        and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
        )
    ):
        return target
    return resolve_url(fallback)
