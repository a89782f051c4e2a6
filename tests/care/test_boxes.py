"""The suggestion box of seed 003 (power utility, 客户意见箱 opened every five days by a named
person), on a frozen clock and the official calendar: openings planned on day 5, 10, 15…,
each due on a working day; recording one registers what was found as cases with the channel
`suggestion_box`; a missed one is told to the keeper once; bad input changes nothing."""

from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase

from closeloop.care.models import BoxOpening, SuggestionBox
from closeloop.care.services import (
    BoxItem,
    box_opening_record,
    box_openings_plan,
    box_openings_sweep,
)
from closeloop.common.errors import InvalidTransition, NotAllowed, ValidationFailed
from closeloop.directory.roles import Role
from closeloop.notifications.models import Notification
from closeloop.tickets.models import Ticket
from tests.conftest import demo_people, person

TZ = ZoneInfo("Asia/Shanghai")
START = datetime(2026, 9, 10, 8, tzinfo=TZ)  # a Thursday: the box's turn 0


def at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=TZ)


@pytest.fixture
def power(db: Any) -> dict[str, Any]:
    people = demo_people("power-95598")
    box_openings_plan(START)
    box = SuggestionBox.objects.get(code="hall")
    box.keeper = person("box_keeper", Role.AGENT)
    box.save()
    return {**people, "box": box, "keeper": box.keeper}


def planned(box: SuggestionBox) -> list[tuple[date, date, str]]:
    return list(box.openings.order_by("planned").values_list("planned", "due", "moved_for"))


def test_openings_are_planned_every_five_days_and_due_on_working_days(power: Any) -> None:
    box = power["box"]
    assert box.anchor == date(2026, 9, 10)
    assert planned(box) == [(date(2026, 9, 15), date(2026, 9, 15), "")]  # the next one, ahead
    # A month on, the daily job has planned each turn up to today and the next one.
    box_openings_plan(at(date(2026, 10, 12)))
    box_openings_plan(at(date(2026, 10, 12)))  # idempotent
    assert planned(box) == [
        (date(2026, 9, 15), date(2026, 9, 15), ""),
        (date(2026, 9, 20), date(2026, 9, 20), ""),  # a Sunday, but a make-up working day
        (date(2026, 9, 25), date(2026, 9, 28), "中秋节"),
        (date(2026, 9, 30), date(2026, 9, 30), ""),
        (date(2026, 10, 5), date(2026, 10, 8), "国庆节"),
        (date(2026, 10, 10), date(2026, 10, 10), ""),  # a make-up Saturday
        (date(2026, 10, 15), date(2026, 10, 15), ""),  # the next one, ahead
    ]
    opening = box.openings.get(planned=date(2026, 10, 5))
    assert opening.due_at == datetime(2026, 10, 9, 0, tzinfo=TZ)  # by the end of its due day


def test_recording_an_opening_registers_each_item_as_a_case(power: Any) -> None:
    opening = power["box"].openings.get(planned=date(2026, 9, 15))
    with TestCase.captureOnCommitCallbacks(execute=True):
        box_opening_record(
            power["keeper"],
            opening.pk,
            items=[
                BoxItem(subject="建议营业厅增设老年人座椅"),
                BoxItem(
                    subject="抄表员态度生硬", kind="complaint", name="钱七", phone="13900007777"
                ),
            ],
            note="箱内两张意见卡",
            now=at(date(2026, 9, 15), 10),
        )
    opening.refresh_from_db()
    assert opening.opened_by == power["keeper"] and opening.note == "箱内两张意见卡"
    tickets = list(opening.tickets.order_by("id"))
    assert [(t.kind, t.channel, t.anonymous) for t in tickets] == [
        ("suggestion", "suggestion_box", True),
        ("complaint", "suggestion_box", False),
    ]
    assert tickets[1].customer.name == "钱七"
    # Recorded once: a second record is refused and registers nothing more.
    with pytest.raises(InvalidTransition, match="recorded"):
        box_opening_record(power["keeper"], opening.pk, items=[BoxItem(subject="x")])
    assert Ticket.objects.count() == 2


def test_an_empty_box_is_recorded_too(power: Any) -> None:
    opening = power["box"].openings.get(planned=date(2026, 9, 15))
    box_opening_record(power["keeper"], opening.pk, items=[], now=at(date(2026, 9, 15)))
    assert BoxOpening.objects.get(pk=opening.pk).opened_at is not None
    assert Ticket.objects.count() == 0


def test_bad_items_are_refused_all_at_once_and_nothing_is_saved(power: Any) -> None:
    opening = power["box"].openings.get(planned=date(2026, 9, 15))
    with pytest.raises(ValidationFailed) as refused:
        box_opening_record(
            power["keeper"],
            opening.pk,
            items=[
                BoxItem(subject="好"),
                BoxItem(subject="  "),
                BoxItem(subject="x", kind="nonsense"),
            ],
            now=at(date(2026, 9, 15)),
        )
    assert set(refused.value.details) == {"items[1].subject", "items[2].kind"}
    assert Ticket.objects.count() == 0
    assert BoxOpening.objects.get(pk=opening.pk).opened_at is None


def test_a_turn_ahead_cannot_be_recorded_and_a_handler_cannot_record(power: Any) -> None:
    opening = power["box"].openings.get(planned=date(2026, 9, 15))
    with pytest.raises(InvalidTransition, match="2026-09-15"):
        box_opening_record(power["keeper"], opening.pk, items=[], now=at(date(2026, 9, 10)))
    handler = next(u for u in power.values() if hasattr(u, "role_set") and "handler" in u.role_set)
    with pytest.raises(NotAllowed):
        box_opening_record(handler, opening.pk, items=[], now=at(date(2026, 9, 15)))
    assert BoxOpening.objects.get(pk=opening.pk).opened_at is None


def test_a_missed_opening_is_told_to_the_keeper_once(power: Any) -> None:
    box_openings_plan(at(date(2026, 9, 15)))
    assert box_openings_sweep(at(date(2026, 9, 15), 23)) == 0  # still its day
    with TestCase.captureOnCommitCallbacks(execute=True):
        assert box_openings_sweep(at(date(2026, 9, 16), 0)) == 1
    assert box_openings_sweep(at(date(2026, 9, 16), 8)) == 0
    told = Notification.objects.get(kind="box_overdue")
    assert told.recipient == power["keeper"]
    assert "2026-09-15" in told.text and "营业厅客户意见箱" in told.text


def test_with_no_keeper_the_supervisors_are_told(power: Any) -> None:
    SuggestionBox.objects.update(keeper=None)
    box_openings_sweep(at(date(2026, 9, 16), 8))
    recipients = set(
        Notification.objects.filter(kind="box_overdue").values_list(
            "recipient__username", flat=True
        )
    )
    supervisors = {
        u.username for u in power.values() if hasattr(u, "role_set") and "supervisor" in u.role_set
    }
    assert recipients == supervisors and supervisors
