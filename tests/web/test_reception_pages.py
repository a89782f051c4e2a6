"""Reception days on the pages (power-95598, 所长接待日 every Monday): the portal publishes the
next sessions with the ones not held; intake offers the session held today for a visit, and
the case is linked to it and shows it; on another day intake offers none."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.test import Client

from closeloop.care.models import ReceptionVisit
from closeloop.directory.roles import Role
from closeloop.tickets.models import Ticket
from tests.conftest import demo_people

TZ = ZoneInfo("Asia/Shanghai")
MONDAY = datetime(2026, 10, 12, 9, 30, tzinfo=TZ)
TUESDAY = datetime(2026, 10, 13, 9, 30, tzinfo=TZ)


@pytest.fixture
def power(db: Any) -> dict[str, Any]:
    return demo_people("power-95598")


def agent(people: dict[str, Any], login: Any) -> Client:
    return login(next(u for u in people.values() if Role.AGENT in u.role_set))


def test_the_portal_publishes_the_next_sessions(power: Any) -> None:
    with time_machine.travel(datetime(2026, 9, 30, 9, tzinfo=TZ), tick=False):
        home = Client().get("/portal/").content.decode()
        page = Client().get("/portal/reception/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert "/portal/reception/" in home
    html = page.content.decode()
    assert page.status_code == 200
    assert "所长接待日" in html and "供电所营业厅" in html and "09:00–11:30" in html
    assert 'data-day="2026-10-05" class="not-held"' in html and "国庆节" in html
    assert 'data-day="2026-10-12">' in html and "供电所所长" in html


def test_a_visit_at_todays_session_is_linked_and_shown(power: Any, login: Any) -> None:
    with time_machine.travel(MONDAY, tick=False):
        client = agent(power, login)
        form = client.get("/intake/").content.decode()
        assert 'name="reception"' in form and "所长接待日 · 09:00–11:30 · 供电所所长" in form
        response = client.post(
            "/intake/",
            {
                "kind": "complaint",
                "channel": "visit",
                "customer_type": "individual",
                "subject": "线路改造后电压不稳",
                "phone": "13900003434",
                "reception": "director-monday",
                "people_count": "1",
                "enc-TOTAL_FORMS": "0",
                "enc-INITIAL_FORMS": "0",
                "next": "",
            },
        )
        assert response.status_code == 302
        ticket = Ticket.objects.get()
        assert ReceptionVisit.objects.get(ticket=ticket).host == "供电所所长"
        page = client.get(f"/tickets/{ticket.number}/").content.decode()
    assert 'data-testid="reception">所长接待日 · 2026-10-12 · 供电所所长' in page


def test_no_session_is_offered_on_another_day(power: Any, login: Any) -> None:
    with time_machine.travel(TUESDAY, tick=False):
        form = agent(power, login).get("/intake/").content.decode()
    assert 'name="reception"' not in form


def test_with_another_channel_the_session_is_left_out(power: Any, login: Any) -> None:
    """The session field belongs to a visit: with another channel it is left out."""
    with time_machine.travel(MONDAY, tick=False):
        response = agent(power, login).post(
            "/intake/",
            {
                "kind": "consultation",
                "channel": "phone",
                "customer_type": "individual",
                "subject": "电费怎么缴",
                "reception": "director-monday",
                "people_count": "1",
                "enc-TOTAL_FORMS": "0",
                "enc-INITIAL_FORMS": "0",
            },
        )
    assert response.status_code == 302
    assert ReceptionVisit.objects.count() == 0 and Ticket.objects.count() == 1
