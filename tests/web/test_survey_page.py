"""The survey link's page on the portal (issue 14): GET shows the case as the public sees it
with the rating form; POST records the return visit and spends the link; a link that opens
nothing answers 404 or 410 with a page that says why, and changes nothing."""

import logging
from typing import Any

import pytest
from django.conf import settings
from django.test import Client, override_settings
from django.utils import timezone

from closeloop.directory.models import User
from closeloop.tickets import services
from closeloop.tickets.models import SurveyInvitation, Ticket
from tests.conftest import Centre
from tests.tickets.test_survey import EMAIL, PHONE, answered, survey_messages, token_in


def link_of(t: Ticket) -> tuple[str, str]:
    token = token_in(survey_messages(t)[0])
    return token, f"/portal/survey/{token}/"


def test_the_link_opens_the_case_and_the_rating_form(centre: Centre, client: Client) -> None:
    t = answered(centre)
    token, url = link_of(t)
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert t.number in html and "已增开窗口" in html  # the number and the reply
    assert 'name="satisfaction"' in html and 'name="comment"' in html
    assert f'name="token" value="{token}"' in html
    assert 'action="/portal/survey/"' in html  # the token is not in the address posted to
    assert page["Referrer-Policy"] == "same-origin"
    # The public view only: not the customer's phone or address, nor the handler.
    assert PHONE not in html and EMAIL not in html and centre.agent.username not in html


def test_a_satisfied_rating_closes_the_case(centre: Centre, client: Client) -> None:
    t = answered(centre)
    token, url = link_of(t)
    sent = client.post("/portal/survey/", {"token": token, "satisfaction": "satisfied"})
    assert (sent.status_code, sent["Location"]) == (302, "/portal/status/")
    result = client.get("/portal/status/").content.decode()
    assert 'data-testid="rated"' in result
    assert 'class="status s-closed"' in result
    t.refresh_from_db()
    assert (t.status, t.satisfaction) == ("closed", "satisfied")
    # Spent: the link now says so, and a second rating changes nothing.
    again = client.get(url)
    assert again.status_code == 410 and 'data-testid="survey-refused"' in again.content.decode()
    second = client.post("/portal/survey/", {"token": token, "satisfaction": "dissatisfied"})
    assert second.status_code == 410
    assert Ticket.objects.get(pk=t.pk).status == "closed"


def test_a_dissatisfied_rating_reopens_the_case_and_says_so(centre: Centre, client: Client) -> None:
    t = answered(centre)
    token, _url = link_of(t)
    sent = client.post(
        "/portal/survey/", {"token": token, "satisfaction": "dissatisfied", "comment": "仍在排队"}
    )
    assert sent.status_code == 302
    result = client.get("/portal/status/").content.decode()
    t.refresh_from_db()
    assert (t.status, t.reopen_count) == ("accepted", 1)
    assert t.events.filter(action="visit").get().payload["comment"] == "仍在排队"
    assert 'data-testid="reopened"' in result and t.number in result


@pytest.mark.parametrize(
    "data",
    [{}, {"satisfaction": "thrilled"}, {"satisfaction": "satisfied", "comment": "长" * 1001}],
)
def test_bad_input_is_400_with_a_message_and_changes_nothing(
    centre: Centre, client: Client, data: dict[str, str]
) -> None:
    t = answered(centre)
    token, _url = link_of(t)
    page = client.post("/portal/survey/", {"token": token, **data})
    assert page.status_code == 400
    html = page.content.decode()
    assert "errorlist" in html and 'name="satisfaction"' in html
    t.refresh_from_db()
    assert (t.status, t.satisfaction) == ("resolved", "")
    assert SurveyInvitation.objects.get(ticket=t).used_at is None


@pytest.mark.parametrize("token", ["nope", "x" * 43, "a" * 300])
def test_an_unknown_link_is_404(centre: Centre, client: Client, token: str) -> None:
    t = answered(centre)
    page = client.get(f"/portal/survey/{token}/")
    assert page.status_code == 404
    assert 'data-testid="survey-refused"' in page.content.decode()
    posted = client.post("/portal/survey/", {"token": token, "satisfaction": "satisfied"})
    assert posted.status_code == 404
    assert Ticket.objects.get(pk=t.pk).status == "resolved"


def test_a_post_without_a_token_is_404(centre: Centre, client: Client) -> None:
    assert client.post("/portal/survey/", {"satisfaction": "satisfied"}).status_code == 404
    assert client.get("/portal/survey/").status_code == 405


def test_an_expired_link_is_410(centre: Centre, client: Client) -> None:
    t = answered(centre)
    token, url = link_of(t)
    SurveyInvitation.objects.filter(ticket=t).update(expires_at=timezone.now())
    page = client.get(url)
    assert page.status_code == 410
    assert str(services.SURVEY_SPENT["expired"]) in page.content.decode()
    posted = client.post("/portal/survey/", {"token": token, "satisfaction": "satisfied"})
    assert posted.status_code == 410
    assert Ticket.objects.get(pk=t.pk).status == "resolved"


def test_a_superseded_link_is_410(centre: Centre, client: Client) -> None:
    t = answered(centre)
    _token, url = link_of(t)
    services.survey_invitation_issue(t, now=timezone.now())
    assert client.get(url).status_code == 410


def test_a_case_already_visited_by_phone_is_410(centre: Centre, client: Client) -> None:
    t = answered(centre)
    token, url = link_of(t)
    services.ticket_return_visit(centre.agent, t.number, satisfaction="satisfied")
    assert client.get(url).status_code == 410
    posted = client.post("/portal/survey/", {"token": token, "satisfaction": "dissatisfied"})
    assert posted.status_code == 410
    assert Ticket.objects.get(pk=t.pk).status == "closed"


@override_settings(PORTAL_RATE_LIMITS={"survey": (2, 600)})
def test_ratings_are_rate_limited(centre: Centre, client: Client) -> None:
    t = answered(centre)
    token, _url = link_of(t)
    for _ in range(2):
        assert client.post("/portal/survey/", {"token": token}).status_code == 400
    limited = client.post("/portal/survey/", {"token": token, "satisfaction": "satisfied"})
    assert limited.status_code == 429
    assert Ticket.objects.get(pk=t.pk).status == "resolved"


def test_the_token_is_never_logged_in_full(centre: Centre, client: Client, caplog: Any) -> None:
    t = answered(centre)
    token, url = link_of(t)
    with caplog.at_level(logging.DEBUG):
        client.get(url)
        client.post("/portal/survey/", {"token": token})  # 400
        client.get(f"/portal/survey/{token[:-2]}xy/")  # 404
        client.post("/portal/survey/", {"token": token, "satisfaction": "satisfied"})
        client.get(url)  # 410: used
    assert caplog.records  # the refusals are logged…
    assert all(token[:-2] not in r.getMessage() for r in caplog.records)  # …shortened


def test_the_site_url_setting_makes_the_link(centre: Centre) -> None:
    with override_settings(SITE_URL="https://portal.example.gov.cn"):
        t = answered(centre)
    token = token_in(survey_messages(t)[0])
    assert f"https://portal.example.gov.cn/portal/survey/{token}/" in survey_messages(t)[0].body
    assert settings.SITE_URL != "https://portal.example.gov.cn"


def test_the_admin_lists_links_without_their_token(centre: Centre) -> None:
    t = answered(centre)
    token, _url = link_of(t)
    admin = User.objects.create_superuser("root", password="pw-root")
    client = Client()
    client.force_login(admin)
    page = client.get("/admin/tickets/surveyinvitation/")
    assert page.status_code == 200
    html = page.content.decode()
    assert t.number in html
    invitation = SurveyInvitation.objects.get(ticket=t)
    detail = client.get(f"/admin/tickets/surveyinvitation/{invitation.pk}/change/").content.decode()
    for secret in (token, invitation.token_hash):
        assert secret not in html and secret not in detail
