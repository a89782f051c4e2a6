"""The suggestion box page (power-95598): who may open it, the openings due with their state,
recording one with what was found, and bad input that changes nothing."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from closeloop.care.models import BoxOpening, SuggestionBox
from closeloop.care.services import box_openings_plan
from closeloop.directory.roles import Role
from closeloop.tickets.models import Ticket
from tests.conftest import demo_people


@pytest.fixture
def power(db: Any) -> dict[str, Any]:
    people = demo_people("power-95598")
    box_openings_plan(timezone.now() - timedelta(days=12))  # the box was set up 12 days ago
    box_openings_plan()
    return people


def someone(people: dict[str, Any], role: str) -> Any:
    return next(u for u in people.values() if role in u.role_set)


def waiting() -> BoxOpening:
    """The earliest opening past its day."""
    rows = BoxOpening.objects.filter(opened_at__isnull=True, due__lte=timezone.localdate())
    return rows.order_by("due").first()


def form(opening: BoxOpening, items: list[dict[str, str]], note: str = "") -> dict[str, str]:
    data = {
        f"o{opening.pk}-TOTAL_FORMS": str(len(items)),
        f"o{opening.pk}-INITIAL_FORMS": "0",
        "note": note,
    }
    for i, item in enumerate(items):
        for key, value in item.items():
            data[f"o{opening.pk}-{i}-{key}"] = value
    return data


def test_who_may_open_the_page(power: Any, login: Any) -> None:
    assert login(someone(power, Role.SUPERVISOR)).get("/care/boxes/").status_code == 200
    handler = someone(power, Role.HANDLER)
    assert login(handler).get("/care/boxes/").status_code == 403
    # The keeper named for the box may, whatever their role.
    SuggestionBox.objects.update(keeper=handler)
    assert login(handler).get("/care/boxes/").status_code == 200


def test_the_page_shows_the_box_its_cadence_and_the_openings_due(power: Any, login: Any) -> None:
    client = login(someone(power, Role.SUPERVISOR))
    html = client.get("/care/boxes/").content.decode()
    assert "营业厅客户意见箱" in html and "供电所营业厅" in html
    assert "Opened every 5 days" in html
    assert "供电所设立客户意见箱,明确专人每五天开启一次" in html
    assert "overdue" in html  # the openings of 12 days ago are past their day
    zh = client.get("/care/boxes/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "每 5 天开启一次" in zh and "超期" in zh and "days" not in zh


def test_recording_an_opening_registers_the_items(power: Any, login: Any) -> None:
    opening = waiting()
    client = login(someone(power, Role.AGENT))
    response = client.post(
        f"/care/boxes/openings/{opening.pk}/record/",
        form(
            opening,
            [
                {"subject": "建议延长营业厅周末营业时间"},
                {"subject": "", "description": ""},  # a blank row is no item
                {"subject": "电费单看不懂", "kind": "consultation", "name": "孙八"},
            ],
            note="两张意见卡",
        ),
    )
    assert response.status_code == 302
    flash = client.get(response["Location"]).content.decode()
    assert "Opening recorded; registered:" in flash
    opening.refresh_from_db()
    assert opening.opened_at is not None and opening.note == "两张意见卡"
    tickets = list(opening.tickets.order_by("id"))
    assert [(t.kind, t.channel) for t in tickets] == [
        ("suggestion", "suggestion_box"),
        ("consultation", "suggestion_box"),
    ]
    page = client.get("/care/boxes/").content.decode()
    assert all(t.number in page for t in tickets)
    assert all(t.number in page for t in tickets)


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        ([{"subject": "x", "kind": "nonsense"}], "nonsense"),
        ([{"subject": "", "description": "只有详情没有概要"}], "is required"),
    ],
)
def test_bad_items_are_refused_on_their_row_and_nothing_is_saved(
    power: Any, login: Any, items: list[dict[str, str]], problem: str
) -> None:
    opening = waiting()
    client = login(someone(power, Role.AGENT))
    response = client.post(f"/care/boxes/openings/{opening.pk}/record/", form(opening, items))
    assert response.status_code == 400
    assert problem in response.content.decode()
    assert Ticket.objects.count() == 0
    assert BoxOpening.objects.get(pk=opening.pk).opened_at is None


def test_a_missing_form_or_an_unknown_opening_is_a_clear_refusal(power: Any, login: Any) -> None:
    client = login(someone(power, Role.AGENT))
    opening = waiting()
    assert client.post(f"/care/boxes/openings/{opening.pk}/record/", {}).status_code == 400
    missing = BoxOpening(pk=999999)
    assert client.post("/care/boxes/openings/999999/record/", form(missing, [])).status_code == 404
    assert Ticket.objects.count() == 0


def test_an_opening_not_yet_due_cannot_be_recorded(db: Any, login: Any) -> None:
    people = demo_people("power-95598")
    box_openings_plan()  # set up today: the first opening is five days ahead
    assert BoxOpening.objects.get().planned == timezone.localdate() + timedelta(days=5)
    # A month ahead, whatever holidays lie between, is not due yet.
    ahead = timezone.localdate() + timedelta(days=30)
    BoxOpening.objects.update(planned=ahead, due=ahead)
    upcoming = BoxOpening.objects.get()
    client = login(someone(people, Role.AGENT))
    refused = client.post(f"/care/boxes/openings/{upcoming.pk}/record/", form(upcoming, []))
    assert refused.status_code == 409
    assert "not yet" in refused.content.decode()
    assert BoxOpening.objects.get().opened_at is None


def test_the_admin_names_the_keeper_and_adds_no_box(power: Any, login: Any) -> None:
    admin_user = someone(power, Role.ADMIN)
    admin_user.is_staff = admin_user.is_superuser = True
    admin_user.save()
    client = login(admin_user)
    box = SuggestionBox.objects.get()
    page = client.get(f"/admin/care/suggestionbox/{box.pk}/change/")
    assert page.status_code == 200
    keeper = someone(power, Role.AGENT)
    n = str(box.openings.count())
    saved = client.post(
        f"/admin/care/suggestionbox/{box.pk}/change/",
        {"keeper": keeper.pk, "openings-TOTAL_FORMS": n, "openings-INITIAL_FORMS": n},
    )
    assert saved.status_code == 302
    assert SuggestionBox.objects.get().keeper == keeper
    assert client.get("/admin/care/suggestionbox/add/").status_code == 403
