"""Repeat detection at registration, and who may see the link to earlier cases."""

from typing import Any

from closeloop.reports.indicators import Period, indicators
from tests.conftest import COMPLAINT, Api, Centre


def register(api: Any, centre: Centre, **fields: Any) -> dict:
    response = api(centre.agent).post("tickets", {**COMPLAINT, **fields})
    assert response.status_code == 201, response.json()
    return response.json()


def test_same_caller_same_matter_in_other_words(api: Any, centre: Centre) -> None:
    first = register(
        api,
        centre,
        subject="办税窗口人员态度生硬",
        description="办理发票时窗口人员态度生硬，不耐烦",
    )
    again = register(
        api,
        centre,
        subject="又是窗口人员态度生硬",
        description="今天办发票窗口人员还是态度生硬、不耐烦",
    )
    assert first["is_repeat"] is False
    assert again["is_repeat"] is True
    assert again["repeat_candidates"][0]["number"] == first["number"]
    assert 0.3 <= again["repeat_candidates"][0]["similarity"] <= 1


def test_same_caller_other_matter_is_not_a_repeat(api: Any, centre: Centre) -> None:
    register(api, centre, subject="办税窗口人员态度生硬", description="办理发票时窗口人员态度生硬")
    other = register(
        api, centre, subject="网站无法登录", description="电子税务局登录时提示系统错误"
    )
    assert other["is_repeat"] is False


def test_same_respondent_and_category_from_another_caller(
    api: Any, centre: Centre, pack: Any
) -> None:
    from closeloop.policy.models import Category

    category = Category.objects.order_by("code").first()
    assert category is not None
    body = {"respondent": {"department": "t-alpha"}, "category": category.code}
    register(
        api,
        centre,
        **body,
        subject="甲部门窗口排队两个小时无人办理",
        customer={"name": "甲", "phone": "13100000001"},
    )
    again = register(
        api,
        centre,
        **body,
        subject="甲部门窗口排队两小时没人办理",
        customer={"name": "乙", "phone": "13100000002"},
    )
    assert again["is_repeat"] is True


def test_the_link_is_hidden_on_reports_from_those_who_may_not_see_the_reporter(
    api: Any, centre: Centre
) -> None:
    from closeloop.policy.services import pack_load

    pack_load("letters-and-visits")
    reporter = {"name": "举报人", "phone": "13912345678"}
    register(
        api, centre, kind="report", channel="phone", subject="举报某单位违规收费", customer=reporter
    )
    again = register(
        api,
        centre,
        kind="report",
        channel="phone",
        subject="再次举报某单位违规收费",
        customer=reporter,
    )
    agent = Api(centre.agent)
    agent.act(again["number"], "accept")
    agent.act(again["number"], "dispatch", department="t-alpha")
    seen = Api(centre.liaison_a).get(f"tickets/{again['number']}").json()
    assert (seen["is_repeat"], seen["repeat_candidates"]) == (None, [])
    assert agent.get(f"tickets/{again['number']}").json()["is_repeat"] is True


def test_repeat_complaint_rate(api: Any, centre: Centre) -> None:
    from datetime import timedelta

    from django.utils import timezone

    register(api, centre, subject="窗口人员态度生硬", description="态度生硬不耐烦")
    register(api, centre, subject="窗口人员态度还是生硬", description="态度生硬、不耐烦")
    register(api, centre, kind="consultation", subject="如何开具发票", customer=None)
    now = timezone.now()
    totals = indicators(
        centre.supervisor, Period(now - timedelta(days=1), now + timedelta(days=1))
    )["totals"]
    assert (totals["complaints"], totals["repeat_complaints"]) == (2, 1)
    assert totals["repeat_complaint_rate"] == 0.5
