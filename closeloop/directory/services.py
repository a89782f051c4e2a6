"""Departments and people: every write to the directory goes through these functions.

Each validates its whole input before it writes, raises `ValidationFailed` / `NotFound`
with a message fit to show an operator, and writes in one transaction, so a refusal
leaves the database as it was.
"""

import datetime
import logging
import re
from collections.abc import Iterable, Mapping

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from rest_framework.authtoken.models import Token

from closeloop.common.errors import NotFound, ValidationFailed

from .models import Department, DutyRota, User, UserRole
from .roles import Role

DEPARTMENT_CODE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")
DEPARTMENT_CODE_MAX = Department._meta.get_field("code").max_length or 50
DEPARTMENT_NAME_MAX = Department._meta.get_field("name").max_length or 100
USERNAME_MAX = User._meta.get_field("username").max_length or 150
DISPLAY_NAME_MAX = User._meta.get_field("display_name").max_length or 100

# A liaison or handler works for one department's inbox; without one they could see nothing.
ROLES_NEEDING_DEPARTMENT = frozenset({Role.LIAISON, Role.HANDLER})

security_log = logging.getLogger("closeloop.security")


def _department_by_code(code: str, *, field: str) -> Department:
    try:
        return Department.objects.get(code=code)
    except Department.DoesNotExist:
        raise ValidationFailed(
            f"Unknown department {code!r}.", details={field: f"unknown department {code!r}"}
        ) from None


def _clean_roles(roles: Iterable[str]) -> list[str]:
    cleaned: list[str] = []
    for role in roles:
        if role not in Role.values:
            raise ValidationFailed(
                f"Unknown role {role!r}; roles are: {', '.join(Role.values)}.",
                details={"roles": f"unknown role {role!r}"},
            )
        if role not in cleaned:
            cleaned.append(role)
    if not cleaned:
        raise ValidationFailed("A person needs at least one role.", details={"roles": "empty"})
    return cleaned


def _check_department_for_roles(roles: list[str], department: Department | None) -> None:
    needing = [r for r in roles if r in ROLES_NEEDING_DEPARTMENT]
    if needing and department is None:
        raise ValidationFailed(
            f"The role {needing[0]!r} needs a department.",
            details={"department": f"required for role {needing[0]!r}"},
        )


def _check_responsible_level(
    level: int | None, roles: list[str], declared: Mapping[int, str]
) -> None:
    if level is None:
        return
    if level not in declared:
        known = ", ".join(str(n) for n in sorted(declared)) or "none"
        raise ValidationFailed(
            f"The policy pack has no responsible level {level} (its levels: {known}).",
            details={"responsible_level": "unknown level"},
        )
    if declared[level] not in roles:
        raise ValidationFailed(
            f"Responsible level {level} is held by a {declared[level]}.",
            details={"responsible_level": f"needs the role {declared[level]!r}"},
        )


def _apply_admin_flags(user: User, roles: list[str]) -> None:
    # The admin role is what lets someone into the Django admin; no other role does.
    is_admin = Role.ADMIN in roles
    user.is_staff = is_admin
    user.is_superuser = is_admin


def department_create(*, code: str, name: str, parent_code: str | None = None) -> Department:
    code = (code or "").strip()
    name = (name or "").strip()
    if not DEPARTMENT_CODE_RE.match(code) or len(code) > DEPARTMENT_CODE_MAX:
        raise ValidationFailed(
            f"Invalid department code {code!r}: use letters, digits, '-' and '_' "
            f"(at most {DEPARTMENT_CODE_MAX} characters).",
            details={"code": "invalid"},
        )
    if not name:
        raise ValidationFailed("A department needs a name.", details={"name": "required"})
    if len(name) > DEPARTMENT_NAME_MAX:
        raise ValidationFailed(
            f"Department name is longer than {DEPARTMENT_NAME_MAX} characters.",
            details={"name": "too long"},
        )
    parent = _department_by_code(parent_code, field="parent") if parent_code else None
    if Department.objects.filter(code=code).exists():
        raise ValidationFailed(
            f"Department {code!r} already exists.", details={"code": "already exists"}
        )
    try:
        with transaction.atomic():
            return Department.objects.create(code=code, name=name, parent=parent)
    except IntegrityError:
        # Someone created the same code between our check and our insert.
        raise ValidationFailed(
            f"Department {code!r} already exists.", details={"code": "already exists"}
        ) from None


def user_create(
    *,
    username: str,
    roles: list[str],
    department_code: str | None = None,
    password: str | None = None,
    display_name: str = "",
    responsible_level: int | None = None,
    responsible_levels: Mapping[int, str] | None = None,
) -> User:
    """Create a member of staff. Without a password they can use the API by token only.
    `responsible_level`: one of `responsible_levels`, the pack's levels of responsible persons
    (level → the role that holds it), which the caller reads from the pack: the directory sits
    below the policy packs and does not read them."""
    username = (username or "").strip()
    display_name = (display_name or "").strip()
    if not username:
        raise ValidationFailed("A username is required.", details={"username": "required"})
    if len(username) > USERNAME_MAX:
        raise ValidationFailed(
            f"Username is longer than {USERNAME_MAX} characters.",
            details={"username": "too long"},
        )
    try:
        UnicodeUsernameValidator()(username)
    except ValidationError:
        raise ValidationFailed(
            f"Invalid username {username!r}: use letters, digits and @ . + - _ only.",
            details={"username": "invalid"},
        ) from None
    if len(display_name) > DISPLAY_NAME_MAX:
        raise ValidationFailed(
            f"Display name is longer than {DISPLAY_NAME_MAX} characters.",
            details={"display_name": "too long"},
        )
    cleaned_roles = _clean_roles(roles)
    department = (
        _department_by_code(department_code, field="department") if department_code else None
    )
    _check_department_for_roles(cleaned_roles, department)
    _check_responsible_level(responsible_level, cleaned_roles, responsible_levels or {})
    if User.objects.filter(username=username).exists():
        raise ValidationFailed(
            f"User {username!r} already exists.", details={"username": "already exists"}
        )

    user = User(
        username=username,
        display_name=display_name,
        department=department,
        responsible_level=responsible_level,
    )
    if password is None:
        user.set_unusable_password()
    else:
        try:
            validate_password(password, user)
        except ValidationError as exc:
            raise ValidationFailed(
                "Password refused: " + " ".join(exc.messages), details={"password": exc.messages}
            ) from None
        user.set_password(password)
    _apply_admin_flags(user, cleaned_roles)
    try:
        with transaction.atomic():
            user.save()
            UserRole.objects.bulk_create(UserRole(user=user, role=r) for r in cleaned_roles)
    except IntegrityError:
        raise ValidationFailed(
            f"User {username!r} already exists.", details={"username": "already exists"}
        ) from None
    return user


def user_reset(
    *,
    username: str,
    roles: list[str],
    department_code: str | None = None,
    password: str,
    display_name: str = "",
) -> User:
    """Give an existing account a new definition and make it active again: its roles,
    department, display name and password are replaced. Used when a demo centre changes
    organisation and a demo username comes back with another role."""
    user = user_get(username)
    cleaned_roles = _clean_roles(roles)
    department = (
        _department_by_code(department_code, field="department") if department_code else None
    )
    _check_department_for_roles(cleaned_roles, department)
    user.display_name = (display_name or "").strip()[:DISPLAY_NAME_MAX]
    user.department = department
    user.is_active = True
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationFailed(
            "Password refused: " + " ".join(exc.messages), details={"password": exc.messages}
        ) from None
    user.set_password(password)
    _apply_admin_flags(user, cleaned_roles)
    with transaction.atomic():
        user.save()
        UserRole.objects.filter(user=user).delete()
        UserRole.objects.bulk_create(UserRole(user=user, role=r) for r in cleaned_roles)
    return user_get(username)


def user_roles_set(*, username: str, roles: list[str]) -> User:
    """Replace a person's roles with exactly `roles`."""
    user = user_get(username)
    cleaned_roles = _clean_roles(roles)
    _check_department_for_roles(cleaned_roles, user.department)
    with transaction.atomic():
        UserRole.objects.filter(user=user).exclude(role__in=cleaned_roles).delete()
        have = set(UserRole.objects.filter(user=user).values_list("role", flat=True))
        UserRole.objects.bulk_create(
            UserRole(user=user, role=r) for r in cleaned_roles if r not in have
        )
        _apply_admin_flags(user, cleaned_roles)
        user.save(update_fields=["is_staff", "is_superuser"])
    # `role_set` is cached on the instance; a fresh read shows the new roles.
    return user_get(username)


def user_get(username: str) -> User:
    try:
        return User.objects.get(username=username)
    except User.DoesNotExist:
        raise NotFound(f"Unknown user {username!r}.", details={"username": "unknown"}) from None


def user_unlock(username: str) -> int:
    """Lift a person's login lockout: forget their failed log-ins from every address. Returns
    how many records were cleared (0: there were none). An address locked by failures under
    other names stays locked; the admin's "access attempts" clear those."""
    from axes.utils import reset

    user = user_get(username)
    cleared = reset(username=user.get_username())
    security_log.warning("login unlocked: username=%r records=%d", user.get_username(), cleared)
    return cleared


def user_token(username: str) -> str:
    """The user's API token (`Authorization: Token …`), created on first request."""
    user = user_get(username)
    if not user.is_active:
        raise ValidationFailed(
            f"User {username!r} is deactivated; a token would not work.",
            details={"username": "inactive"},
        )
    with transaction.atomic():
        token, _created = Token.objects.get_or_create(user=user)
    return token.key


def duty_rota_add(*, department_code: str, username: str, day: datetime.date) -> DutyRota:
    """Put a member of a department on duty at the centre on `day` (带班); idempotent."""
    department = _department_by_code(department_code, field="department")
    user = user_get(username)
    if not user.is_active:
        raise ValidationFailed(
            f"User {username!r} is deactivated.", details={"username": "inactive"}
        )
    with transaction.atomic():
        entry, _created = DutyRota.objects.get_or_create(department=department, user=user, day=day)
    return entry
