"""Who is on duty today (带班, seed 001's 业务科室带班管理制度) is on the dashboard and the
intake page: today's rota only, active people only, with their department."""

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from closeloop.directory.models import DutyRota

pytestmark = pytest.mark.django_db


def test_todays_duty_officers_are_on_the_dashboard_and_at_intake(centre: Any, login: Any) -> None:
    today = timezone.localdate()
    DutyRota.objects.create(department=centre.dept_a, user=centre.handler_a, day=today)
    DutyRota.objects.create(
        department=centre.dept_b, user=centre.handler_b, day=today - timedelta(days=1)
    )
    centre.handler_a2.is_active = False
    centre.handler_a2.save()
    DutyRota.objects.create(department=centre.dept_a, user=centre.handler_a2, day=today)
    for client, path in (
        (login(centre.supervisor), "/dashboard/"),
        (login(centre.agent), "/intake/"),
    ):
        html = client.get(path).content.decode()
        box = html.split('data-testid="on-duty"')[1].split("</section>")[0]
        assert "handler_a · 甲部门" in box, path
        assert "handler_b" not in box and "handler_a2" not in box, path


def test_an_empty_rota_says_so(centre: Any, login: Any) -> None:
    html = login(centre.agent).get("/intake/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "今日无带班人员" in html
