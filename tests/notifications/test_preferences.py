"""Each person chooses in-app / email / SMS per group of notifications; `notify()` honours it
(in one query for all recipients); without a choice, today's behaviour: in-app, and email and
SMS as the person's `notify_by_email` / `notify_by_sms` say. The page validates what it gets."""

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from closeloop.notifications.models import Notification, NotificationPreference, OutboxMessage
from closeloop.notifications.services import notify
from tests.conftest import Centre

pytestmark = pytest.mark.django_db


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def with_addresses(user: Any, **switches: bool) -> Any:
    user.email, user.phone = f"{user.username}@example.com", "13700000001"
    for name, value in switches.items():
        setattr(user, name, value)
    user.save()
    return user


def tell(people: list[Any], kind: str, key: str = "k") -> None:
    notify(people, kind=kind, text="20261203-000001 测试", key=key, now=timezone.now())


def channels(user: Any) -> set[str]:
    return set(OutboxMessage.objects.filter(key__contains=f":{user.pk}:").values_list(
        "channel", flat=True
    ))  # fmt: skip


def test_defaults_are_todays_behaviour(centre: Centre) -> None:
    both = with_addresses(centre.handler_a)
    email_only = with_addresses(centre.handler_a2, notify_by_sms=False)
    tell([both, email_only], "assign")
    assert Notification.objects.filter(kind="assign").count() == 2
    assert channels(both) == {"email", "sms"}
    assert channels(email_only) == {"email"}


def test_notify_honours_each_persons_choice_for_the_kinds_group(
    centre: Centre, django_assert_max_num_queries: Any
) -> None:
    quiet = with_addresses(centre.handler_a)
    loud = with_addresses(centre.handler_a2)
    NotificationPreference.objects.create(
        user=quiet, kind_group="reminders", in_app=False, email=False, sms=True
    )
    # One query reads the choices of every recipient: a bulk insert each for the two tables.
    with django_assert_max_num_queries(3):
        tell([quiet, loud], "remind", key="r")
    assert list(Notification.objects.values_list("recipient__username", flat=True)) == [
        "handler_a2"
    ]
    assert channels(quiet) == {"sms"}
    assert channels(loud) == {"email", "sms"}
    # Another group keeps the defaults.
    tell([quiet], "assign", key="a")
    assert Notification.objects.filter(recipient=quiet, kind="assign").exists()


def test_the_page_shows_defaults_and_saves_choices(centre: Centre) -> None:
    person = with_addresses(centre.handler_a, notify_by_sms=False)
    client = login(person)
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="assigned-in_app" checked' in page
    assert 'name="assigned-email" checked' in page
    assert 'name="assigned-sms" checked' not in page
    answer = client.post(
        "/notifications/preferences/",
        {"assigned-in_app": "on", "assigned-sms": "on", "digest-email": "on"},
    )
    assert answer.status_code == 302
    stored = {
        p.kind_group: (p.in_app, p.email, p.sms) for p in person.notification_preferences.all()
    }
    assert stored["assigned"] == (True, False, True)
    assert stored["digest"] == (False, True, False)
    assert stored["reminders"] == (False, False, False)  # every box unticked: nothing
    page = client.get("/notifications/preferences/").content.decode()
    assert 'name="assigned-sms" checked' in page and 'name="assigned-email" checked' not in page


@pytest.mark.parametrize(
    "form",
    [
        {"assigned-email": "on"},  # no email address on the record
        {"digest-sms": "on"},  # no phone
        {"assigned-in_app": "on", "assigned-fax": "on"},  # no such channel
        {"nosuch-email": "on"},  # no such group
    ],
)
def test_the_page_refuses_what_cannot_be_saved(centre: Centre, form: dict[str, str]) -> None:
    answer = login(centre.handler_a).post("/notifications/preferences/", form)
    assert answer.status_code == 400
    assert 'role="alert"' in answer.content.decode()
    assert not NotificationPreference.objects.exists()


def test_the_page_needs_a_login_and_a_csrf_token(centre: Centre) -> None:
    assert Client().get("/notifications/preferences/").status_code == 302
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(centre.handler_a)
    assert strict.post("/notifications/preferences/", {}).status_code == 403
    assert not NotificationPreference.objects.exists()
