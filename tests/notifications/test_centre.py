"""The notification centre for staff: the bell in the top bar, the notifications page with its
filters, mark read and all read, the JSON API for phones, mentions in notes, and what each
person may see of them (their own; not on tickets they no longer see; no masked data)."""

from typing import Any

import pytest
from django.test import Client

from closeloop.notifications.models import Notification, OutboxMessage
from closeloop.tickets import services
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import Centre

pytestmark = pytest.mark.django_db


def login(user: Any, **kwargs: Any) -> Client:
    client = Client(**kwargs)
    client.force_login(user)
    return client


def complaint(centre: Centre, **overrides: Any) -> Any:
    data: dict[str, Any] = {
        "kind": "complaint",
        "channel": "phone",
        "subject": "窗口人员态度差",
        "description": "办理发票业务时窗口人员态度生硬。",
        "customer": CustomerInput(name="张三", phone="13800138000"),
    }
    data.update(overrides)
    return services.ticket_register(actor=centre.agent, data=TicketInput(**data))


def assigned(centre: Centre, **overrides: Any) -> Any:
    """A complaint dispatched to department A (its liaison told) and assigned to handler_a."""
    t = complaint(centre, **overrides)
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    return services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username)


# --------------------------------------------------------------------------- the bell


def test_assignment_shows_on_the_handlers_bell_and_opens_the_ticket(centre: Centre) -> None:
    t = assigned(centre)
    handler = login(centre.handler_a)
    page = handler.get("/tickets/").content.decode()
    assert 'id="bell-count"' in page
    assert 'data-count="1"' in page
    assert "Notifications: 1 unread" in page  # the bell's accessible label
    notification = Notification.objects.get(recipient=centre.handler_a, kind="assign")
    assert f'href="/notifications/{notification.pk}/"' in page
    assert "assigned to you" in page  # the reason
    assert t.number in page

    opened = handler.get(f"/notifications/{notification.pk}/")
    assert opened.status_code == 302 and opened["Location"] == f"/tickets/{t.number}/"
    notification.refresh_from_db()
    assert notification.read_at is not None
    assert 'data-count="0"' in handler.get("/tickets/").content.decode()


def test_mark_all_read_needs_a_post_with_the_csrf_token(centre: Centre) -> None:
    t = assigned(centre)
    services.ticket_remind(centre.supervisor, t.number)
    assert Notification.objects.filter(recipient=centre.handler_a, read_at=None).count() == 2
    strict = login(centre.handler_a, enforce_csrf_checks=True)
    assert strict.post("/notifications/read-all/").status_code == 403
    assert strict.get("/notifications/read-all/").status_code == 405
    assert Notification.objects.filter(recipient=centre.handler_a, read_at=None).count() == 2
    answer = login(centre.handler_a).post("/notifications/read-all/", {"next": "/tickets/"})
    assert answer.status_code == 302 and answer["Location"] == "/tickets/"
    assert not Notification.objects.filter(recipient=centre.handler_a, read_at=None).exists()
    # Another person's are untouched.
    assert Notification.objects.filter(recipient=centre.liaison_a, read_at=None).exists()


def test_one_mark_read_and_never_anothers(centre: Centre) -> None:
    assigned(centre)
    mine = Notification.objects.get(recipient=centre.handler_a)
    theirs = Notification.objects.get(recipient=centre.liaison_a)
    handler = login(centre.handler_a)
    handler.post(f"/notifications/{theirs.pk}/read/")
    theirs.refresh_from_db()
    assert theirs.read_at is None
    assert handler.get(f"/notifications/{theirs.pk}/").status_code == 302
    theirs.refresh_from_db()
    assert theirs.read_at is None
    handler.post(f"/notifications/{mine.pk}/read/")
    mine.refresh_from_db()
    assert mine.read_at is not None


# --------------------------------------------------------------------------- scope


def test_notifications_on_a_ticket_no_longer_seen_drop_out_of_list_and_count(
    centre: Centre,
) -> None:
    t = complaint(centre)
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    liaison = login(centre.liaison_a)
    assert 'data-count="1"' in liaison.get("/tickets/").content.decode()
    services.ticket_transfer(centre.agent, t.number, department=centre.dept_b.code)
    # Transferred away: liaison A may no longer see it, nor what they were told about it.
    page = liaison.get("/notifications/").content.decode()
    assert t.number not in page
    assert 'data-count="0"' in page
    dispatched = Notification.objects.get(recipient=centre.liaison_a, kind="dispatch")
    assert liaison.get(f"/notifications/{dispatched.pk}/").status_code == 302
    dispatched.refresh_from_db()
    assert dispatched.read_at is None  # not found for them: nothing changed
    # Liaison B sees theirs.
    assert t.number in login(centre.liaison_b).get("/notifications/").content.decode()


@pytest.mark.parametrize("pack_name", ["tax-hotline-12366"])
def test_a_reports_subject_and_reporter_never_reach_the_texts(centre: Centre) -> None:
    """A whistleblower report whose subject names the reporter: the liaison and the handler,
    who may not see the reporter's identity, are told the number and the kind only — in the
    app and in the email and SMS that leave through the outbox."""
    for person in (centre.liaison_a, centre.handler_a):  # so email and SMS are queued too
        person.email, person.phone = f"{person.username}@example.com", "13700000000"
        person.save()
    t = assigned(
        centre,
        kind="report",
        subject="王小明实名举报某企业虚开发票",
        respondent_department=centre.dept_a.code,
        customer=CustomerInput(name="王小明", phone="13912345678", email="wxm@example.com"),
    )
    services.ticket_note(centre.liaison_a, t.number, text="@handler_a 请尽快核实")
    told = Notification.objects.filter(ticket=t)
    assert told.filter(recipient=centre.handler_a).count() == 2  # assigned, mentioned
    # The staff's copies (messages to the customer themselves are another matter).
    staff = OutboxMessage.objects.exclude(key__startswith="customer:")
    bodies = list(staff.values_list("body", flat=True))
    assert len(bodies) == 2 * told.count()  # an email and an SMS each
    texts = [n.text for n in told] + bodies
    for text in texts:
        assert "王小明" not in text and "虚开" not in text and "13912345678" not in text
        assert t.number in text
    page = login(centre.handler_a).get("/notifications/").content.decode()
    assert "王小明" not in page and "虚开" not in page
    api = login(centre.handler_a).get("/api/v1/notifications").content.decode()
    assert "王小明" not in api and "虚开" not in api


def test_an_ordinary_ticket_keeps_its_subject_in_the_text(centre: Centre) -> None:
    assigned(centre)
    assert "窗口人员态度差" in Notification.objects.get(recipient=centre.handler_a).text


# --------------------------------------------------------------------------- mentions


def test_a_note_mentioning_someone_tells_them_if_they_may_see_the_ticket(centre: Centre) -> None:
    t = assigned(centre)
    services.ticket_note(
        centre.handler_a, t.number, text="@handler_a2 @handler_b @nobody @handler_a 请协助"
    )
    mentioned = Notification.objects.filter(kind="mention")
    # handler_a2 (same department) yes; handler_b (another department) no; the writer no.
    assert list(mentioned.values_list("recipient__username", flat=True)) == ["handler_a2"]
    page = login(centre.handler_a2).get("/tickets/").content.decode()
    assert "mentioned" in page


# --------------------------------------------------------------------------- the page


def test_page_filters(centre: Centre) -> None:
    first = assigned(centre)
    second = assigned(centre, subject="办税大厅排队时间过长")
    services.ticket_remind(centre.supervisor, second.number)
    handler = login(centre.handler_a)
    handler.get(
        f"/notifications/{Notification.objects.filter(ticket=first).get(recipient=centre.handler_a).pk}/"
    )

    def rows(**params: Any) -> int:
        answer = handler.get("/notifications/", params)
        assert answer.status_code == 200, answer.content.decode()[:500]
        return answer.content.decode().count('data-testid="notification-row"')

    assert rows() == 3
    assert rows(unread="true") == 2
    assert rows(unread="false") == 1
    assert rows(kind="remind") == 1
    assert rows(kind="assign") == 2
    assert rows(number=second.number) == 2
    assert rows(number="20990101-999999") == 0
    assert rows(since="2020-01-01", until="2199-01-01") == 3
    assert rows(since="2199-01-01") == 0


@pytest.mark.parametrize(
    "params",
    [
        {"unread": "maybe"},
        {"kind": "<script>"},
        {"since": "yesterday"},
        {"since": "1800-01-01"},
        {"since": "2026-12-02", "until": "2026-12-01"},
        {"page": "-1"},
    ],
)
def test_bad_filters_are_refused_with_a_message(centre: Centre, params: dict[str, str]) -> None:
    assigned(centre)
    answer = login(centre.handler_a).get("/notifications/", params)
    assert answer.status_code == 400
    page = answer.content.decode()
    assert 'role="alert"' in page
    assert 'data-testid="notification-row"' not in page


def test_the_page_is_paginated(centre: Centre) -> None:
    t = assigned(centre)
    for _ in range(30):
        services.ticket_remind(centre.supervisor, t.number)
    handler = login(centre.handler_a)
    first = handler.get("/notifications/").content.decode()
    assert first.count('data-testid="notification-row"') == 25
    assert 'rel="next"' in first
    second = handler.get("/notifications/", {"page": "2"}).content.decode()
    assert second.count('data-testid="notification-row"') == 6
    assert handler.get("/notifications/", {"page": "99"}).status_code == 200


def test_pages_need_a_login(centre: Centre) -> None:
    answer = Client().get("/notifications/")
    assert answer.status_code == 302 and "/login/" in answer["Location"]


# --------------------------------------------------------------------------- the API


def test_api_lists_own_notifications_and_marks_them_read(centre: Centre, api: Any) -> None:
    t = assigned(centre)
    services.ticket_remind(centre.supervisor, t.number)
    handler = api(centre.handler_a)
    listed = handler.get("notifications")
    assert listed.status_code == 200
    body = listed.json()
    assert body["count"] == 2
    first = body["results"][0]
    assert first["kind"] == "remind" and first["reason"] == "reminded"
    assert first["ticket"] == t.number and first["unread"] is True
    assert handler.get("notifications", unread="true").json()["count"] == 2
    assert handler.get("notifications", unread="false").json()["count"] == 0
    bad = handler.get("notifications", unread="maybe")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"

    read = handler.post(f"notifications/{first['id']}/read")
    assert read.status_code == 200 and read.json()["unread"] is False
    assert handler.get("notifications", unread="true").json()["count"] == 1
    theirs = Notification.objects.get(recipient=centre.liaison_a, kind="dispatch")
    assert handler.post(f"notifications/{theirs.pk}/read").status_code == 404
    assert handler.post(f"notifications/{first['id']}/read", {"x": 1}).status_code == 400

    everything = handler.post("notifications/read-all")
    assert everything.status_code == 200 and everything.json() == {"marked": 1, "unread": 0}
    # The liaison's own list holds only theirs.
    assert [n["kind"] for n in api(centre.liaison_a).get("notifications").json()["results"]] == [
        "remind",
        "dispatch",
    ]


def test_api_needs_a_login(centre: Centre) -> None:
    from rest_framework.test import APIClient

    assert APIClient().get("/api/v1/notifications").status_code == 401
    assert APIClient().post("/api/v1/notifications/read-all").status_code == 401
