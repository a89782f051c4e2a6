"""Passwords are held to Django's validators (length 10, not common, not all digits, not like
the person's name) wherever one is set: the command, the admin's add and change forms."""

from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.test import Client
from django.urls import reverse

from closeloop.cli import main
from closeloop.directory.models import User
from closeloop.directory.services import user_create
from closeloop.policy.services import pack_demo_people, pack_read

pytestmark = pytest.mark.django_db

GOOD = "Kx7#mq2-Lp9z"


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


@pytest.mark.parametrize(
    ("username", "password"),
    [
        ("root", "password"),  # common
        ("root", "1234567890"),  # all digits (and common)
        ("root", "Ab3$xyz9"),  # 8 characters
        ("zhangwei2024", "zhangwei2024"),  # the username
    ],
)
def test_the_command_refuses_a_weak_password(
    capsys: pytest.CaptureFixture[str], username: str, password: str
) -> None:
    code, out, err = _cli(
        capsys, "user", "add", username, "--role", "admin", "--password", password
    )
    assert code == 1 and out == ""
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("closeloop: error: Password refused: "), err
    assert not User.objects.exists()


def test_the_command_accepts_a_good_password(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = _cli(capsys, "user", "add", "root", "--role", "admin", "--password", GOOD)
    assert (code, err) == (0, "")
    assert User.objects.get(username="root").check_password(GOOD)


@pytest.fixture
def admin_client() -> Client:
    client = Client()
    client.force_login(user_create(username="boss", roles=["admin"], password=GOOD))
    return client


def _add(client: Client, username: str, password: str) -> int:
    response = client.post(
        reverse("admin:directory_user_add"),
        {
            "username": username,
            "display_name": "",
            "department": "",
            "password1": password,
            "password2": password,
            "roles-TOTAL_FORMS": "1",
            "roles-INITIAL_FORMS": "0",
            "roles-MIN_NUM_FORMS": "0",
            "roles-MAX_NUM_FORMS": "1000",
            "roles-0-role": "agent",
        },
    )
    return response.status_code


@pytest.mark.parametrize("password", ["password", "1234567890", "Ab3$xyz9", "li.ming.2024"])
def test_the_admin_refuses_a_weak_password_for_a_new_person(
    admin_client: Client, password: str
) -> None:
    assert _add(admin_client, "li.ming.2024", password) == 200  # the form again, with the error
    assert not User.objects.filter(username="li.ming.2024").exists()


def test_the_admin_adds_a_person_with_a_good_password(admin_client: Client) -> None:
    assert _add(admin_client, "li.ming.2024", GOOD) == 302
    assert User.objects.get(username="li.ming.2024").check_password(GOOD)


def test_the_admin_refuses_to_change_a_password_to_a_weak_one(admin_client: Client) -> None:
    person = user_create(username="liming", roles=["agent"], password=GOOD)
    url = reverse("admin:auth_user_password_change", args=[person.pk])
    response = admin_client.post(url, {"password1": "password", "password2": "password"})
    assert response.status_code == 200
    assert "This password is too common." in response.content.decode()
    person.refresh_from_db()
    assert person.check_password(GOOD)

    better = "Qw8!rt5-Zx3v"
    response = admin_client.post(url, {"password1": better, "password2": better})
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.check_password(better)


def test_every_pack_demo_password_passes() -> None:
    """`closeloop init --demo` sets these through the same validators."""
    packs = sorted(Path(settings.PACKS_DIR).glob("*/pack.yaml"))
    assert packs
    for path in packs:
        for person in pack_demo_people(pack_read(path)):
            user = User(username=person.username, display_name=person.display_name)
            validate_password(person.password, user)
