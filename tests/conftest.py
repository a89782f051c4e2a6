"""Fixtures shared by the whole suite: a loaded pack, a small centre of people, API clients."""

from dataclasses import dataclass
from typing import Any

import pytest
from hypothesis import settings as hypothesis_settings
from rest_framework.test import APIClient

from closeloop.directory.models import Department, User, UserRole
from closeloop.directory.roles import Role

# Property tests check results, never speed: on a loaded two-core machine one example can take
# longer than Hypothesis' default 200 ms deadline, which is a timing assertion (speed is
# measured in `closeloop bench`).
hypothesis_settings.register_profile("closeloop", deadline=None)
hypothesis_settings.load_profile("closeloop")


def person(username: str, *roles: str, department: Department | None = None) -> User:
    user = User.objects.create_user(username=username, password="pw-" + username)
    user.department = department
    user.save()
    UserRole.objects.bulk_create([UserRole(user=user, role=r) for r in roles])
    return User.objects.get(pk=user.pk)


@dataclass
class Centre:
    dept_a: Department
    dept_b: Department
    agent: User
    supervisor: User
    leader: User
    inspector: User
    admin: User
    liaison_a: User
    handler_a: User
    handler_a2: User
    liaison_b: User
    handler_b: User


@pytest.fixture
def pack_name() -> str:
    return "tax-service-outsourcing"


@pytest.fixture
def pack(db: Any, pack_name: str) -> Any:
    from closeloop.policy.services import pack_load

    return pack_load(pack_name)


@pytest.fixture
def centre(pack: Any) -> Centre:
    dept_a = Department.objects.create(code="t-alpha", name="甲部门")
    dept_b = Department.objects.create(code="t-beta", name="乙部门")
    return Centre(
        dept_a=dept_a,
        dept_b=dept_b,
        agent=person("agent1", Role.AGENT),
        supervisor=person("super1", Role.SUPERVISOR),
        leader=person("leader1", Role.LEADER),
        inspector=person("inspector1", Role.INSPECTOR),
        admin=person("admin1", Role.ADMIN),
        liaison_a=person("liaison_a", Role.LIAISON, department=dept_a),
        handler_a=person("handler_a", Role.HANDLER, department=dept_a),
        handler_a2=person("handler_a2", Role.HANDLER, department=dept_a),
        liaison_b=person("liaison_b", Role.LIAISON, department=dept_b),
        handler_b=person("handler_b", Role.HANDLER, department=dept_b),
    )


class Api:
    """An API client acting as one person, with their real token."""

    def __init__(self, user: User) -> None:
        from rest_framework.authtoken.models import Token

        self.user = user
        self.client = APIClient()
        token, _ = Token.objects.get_or_create(user=user)
        self.client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/api/v1/{path}", params)

    def post(self, path: str, body: dict | None = None, **headers: str) -> Any:
        return self.client.post(f"/api/v1/{path}", body or {}, format="json", headers=headers)

    def act(self, number: str, action: str, **body: Any) -> Any:
        return self.post(f"tickets/{number}/{action}", body)


@pytest.fixture
def api() -> Any:
    return Api


COMPLAINT = {
    "kind": "complaint",
    "channel": "phone",
    "subject": "窗口人员态度差",
    "description": "办理发票业务时窗口人员态度生硬。",
    "customer": {"name": "张三", "phone": "13800138000", "type": "individual"},
}


def demo_people(pack_name: str) -> dict[str, User]:
    """Load a pack and create its demo people, by username."""
    from closeloop.policy.services import pack_active, pack_demo_people, pack_load

    pack_load(pack_name)
    people = {}
    for p in pack_demo_people(pack_active()):
        user = person(
            p.username,
            *p.roles,
            department=Department.objects.get(code=p.department) if p.department else None,
        )
        if p.level is not None:  # the responsible level, as `init --demo` gives it
            user.responsible_level = p.level
            user.save(update_fields=["responsible_level"])
        people[p.username] = user
    return people


def required_field_values(spec: Any, kind: str) -> dict[str, Any]:
    """Values for the pack fields `kind` requires (road rescue's 车辆位置 for help requests),
    for tests that register every kind of a pack and are about something else."""
    values: dict[str, Any] = {}
    for declared in spec.fields:
        if not declared.required_for(kind):
            continue
        if declared.type == "choice":
            values[declared.code] = declared.choices[0].code
        elif declared.type == "number":
            values[declared.code] = str(declared.min if declared.min is not None else 1)
        elif declared.type == "date":
            values[declared.code] = "2026-01-05"
        else:
            assert declared.pattern is None, f"give a value matching {declared.code}'s pattern"
            values[declared.code] = "测试位置"
    return values
