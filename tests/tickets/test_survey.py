"""The return-visit survey link (issue 14): a one-time token, offered when a case is replied
to and the pack wants a return visit, sent by SMS and email through the outbox; only its hash
is stored; it rates once, until it expires, and a newer round's link supersedes it."""

import re
from datetime import timedelta
from typing import Any

import pytest
from django.conf import settings
from django.test import override_settings
from django.utils import timezone

from closeloop.common.errors import Gone, NotFound, ValidationFailed
from closeloop.notifications.models import OutboxMessage
from closeloop.tickets import services
from closeloop.tickets.models import SurveyInvitation, Ticket
from tests.conftest import Centre, demo_people

PHONE, EMAIL = "13700006666", "zhaoliu@example.com"


def submitted(kind: str = "complaint", **customer: Any) -> Ticket:
    return services.ticket_register_public(
        data=services.TicketInput(
            kind=kind,
            channel="web",
            subject="发票领用排队太久",
            description="等了一个上午",
            customer=services.CustomerInput(
                **{"name": "赵六", "phone": PHONE, "email": EMAIL, **customer}
            ),
        )
    )


def answered(centre: Centre, **customer: Any) -> Ticket:
    t = submitted(**customer)
    services.ticket_accept(centre.agent, t.number)
    return services.ticket_answer(centre.agent, t.number, reply="已增开窗口,请预约办理。")


def survey_messages(t: Ticket) -> list[OutboxMessage]:
    return list(OutboxMessage.objects.filter(ticket=t, purpose="survey").order_by("id"))


def token_in(message: OutboxMessage) -> str:
    found = re.search(r"/portal/survey/([A-Za-z0-9_-]+)/", message.body)
    assert found is not None, message.body
    return found.group(1)


def test_a_reply_queues_the_survey_link_by_sms_and_email(centre: Centre) -> None:
    t = answered(centre)
    sent = {m.channel: m for m in survey_messages(t)}
    assert set(sent) == {"sms", "email"}
    assert (sent["sms"].address, sent["email"].address) == (PHONE, EMAIL)
    t.refresh_from_db()
    assert sent["sms"].key == f"customer:{t.pk}:survey:{t.version}:sms"
    token = token_in(sent["sms"])
    assert token == token_in(sent["email"])
    # The absolute link on the site's address, and the case's number.
    assert f"{settings.SITE_URL}/portal/survey/{token}/" in sent["sms"].body
    assert t.number in sent["email"].subject and t.number in sent["sms"].body
    # Only the hash is kept.
    invitation = SurveyInvitation.objects.get(ticket=t)
    assert invitation.token_hash == SurveyInvitation.token_hash_of(token) != token
    assert len(token) >= 40
    assert invitation.expires_at == invitation.created_at + timedelta(days=settings.SURVEY_DAYS)


def test_the_link_rates_once(centre: Centre) -> None:
    t = answered(centre)
    token = token_in(survey_messages(t)[0])
    rated = services.survey_invitation_redeem(token, satisfaction="satisfied", comment="满意")
    assert (rated.status, rated.satisfaction) == ("closed", "satisfied")
    visit = rated.events.filter(action="visit").get()
    assert visit.payload["via"] == "portal" and visit.payload["survey"] is True
    assert SurveyInvitation.objects.get(ticket=t).used_at == visit.at
    with pytest.raises(Gone) as refused:
        services.survey_invitation_redeem(token, satisfaction="dissatisfied")
    assert refused.value.details == {"token": "used"}
    t.refresh_from_db()
    assert (t.status, t.satisfaction, t.reopen_count) == ("closed", "satisfied", 0)


def test_a_dissatisfied_rating_reopens_and_tells_the_customer(centre: Centre) -> None:
    t = answered(centre)
    token = token_in(survey_messages(t)[0])
    rated = services.survey_invitation_redeem(token, satisfaction="dissatisfied", comment="没解决")
    assert (rated.status, rated.reopen_count, rated.handler) == ("accepted", 1, centre.agent)
    told = OutboxMessage.objects.filter(key__startswith=f"customer:{t.pk}:")
    assert {m.channel for m in told} == {"sms", "email"}


def test_an_expired_link_changes_nothing(centre: Centre) -> None:
    t = answered(centre)
    token = token_in(survey_messages(t)[0])
    later = timezone.now() + timedelta(days=settings.SURVEY_DAYS, minutes=1)
    with pytest.raises(Gone) as refused:
        services.survey_invitation_redeem(token, satisfaction="satisfied", now=later)
    assert refused.value.details == {"token": "expired"}
    t.refresh_from_db()
    assert (t.status, t.satisfaction) == ("resolved", "")
    assert SurveyInvitation.objects.get(ticket=t).used_at is None


@override_settings(SURVEY_DAYS=3)
def test_the_expiry_comes_from_the_settings(centre: Centre) -> None:
    t = answered(centre)
    invitation = SurveyInvitation.objects.get(ticket=t)
    assert invitation.expires_at - invitation.created_at == timedelta(days=3)


def test_a_new_round_supersedes_the_earlier_link(centre: Centre) -> None:
    t = answered(centre)
    first = token_in(survey_messages(t)[0])
    # Dissatisfied by phone: reopened, answered again — a new link for the new reply.
    services.ticket_return_visit(centre.agent, t.number, satisfaction="dissatisfied")
    services.ticket_answer(centre.agent, t.number, reply="已安排专人跟进。")
    messages = survey_messages(t)
    assert len(messages) == 4  # two rounds, SMS and email each
    second = token_in(messages[-1])
    assert second != first
    with pytest.raises(Gone) as refused:
        services.survey_invitation_redeem(first, satisfaction="satisfied")
    assert refused.value.details == {"token": "superseded"}
    assert Ticket.objects.get(pk=t.pk).status == "resolved"
    assert services.survey_invitation_redeem(second, satisfaction="satisfied").status == "closed"


def test_a_reply_after_the_resolution_sends_no_second_link(centre: Centre) -> None:
    t = answered(centre)
    services.ticket_reply(centre.agent, t.number, reply="电话告知", method="phone")
    assert len(survey_messages(t)) == 2
    assert SurveyInvitation.objects.filter(ticket=t).count() == 1


@pytest.mark.parametrize("token", ["", "nope", "x" * 43, "a" * 500])
def test_a_wrong_token_changes_nothing(centre: Centre, token: str) -> None:
    t = answered(centre)
    with pytest.raises(NotFound):
        services.survey_invitation_redeem(token, satisfaction="satisfied")
    t.refresh_from_db()
    assert (t.status, t.satisfaction) == ("resolved", "")


def test_a_bad_rating_leaves_the_link_unused(centre: Centre) -> None:
    t = answered(centre)
    token = token_in(survey_messages(t)[0])
    with pytest.raises(ValidationFailed):
        services.survey_invitation_redeem(token, satisfaction="thrilled")
    assert SurveyInvitation.objects.get(ticket=t).used_at is None
    assert services.survey_invitation_redeem(token, satisfaction="satisfied").status == "closed"


def test_no_link_without_an_address(centre: Centre) -> None:
    t = answered(centre, phone="", email="")
    assert survey_messages(t) == []
    assert not SurveyInvitation.objects.filter(ticket=t).exists()


def test_no_link_where_the_pack_wants_no_return_visit(centre: Centre) -> None:
    """tax-service-outsourcing visits complaints only."""
    t = submitted(kind="consultation")
    services.ticket_accept(centre.agent, t.number)
    services.ticket_answer(centre.agent, t.number, reply="请携带身份证件办理。")
    assert survey_messages(t) == []


def test_no_link_to_an_anonymous_reporter(db: Any) -> None:
    people = demo_people("tax-hotline-12366")  # visits reports and complaints
    t = services.ticket_register_public(
        data=services.TicketInput(
            kind="report", channel="web", subject="某公司虚开发票", anonymous=True
        )
    )
    services.ticket_answer(people["agent"], t.number, reply="已转稽查部门。")
    assert Ticket.objects.get(pk=t.pk).status == "resolved"
    assert survey_messages(t) == []
    assert not SurveyInvitation.objects.filter(ticket=t).exists()


def test_no_link_on_a_protected_identity(db: Any) -> None:
    """power-95598 keeps complaints confidential: the outbox, which admins read, would hold the
    protected phone beside the case."""
    people = demo_people("power-95598")
    t = submitted()
    assert t.identity_protected
    services.ticket_accept(people["agent"], t.number)
    services.ticket_dispatch(people["agent"], t.number, department="station-city")
    services.ticket_assign(people["liaison"], t.number, handler="handler")
    services.ticket_resolve(people["handler"], t.number, reply="已更换电表", validity="valid")
    assert Ticket.objects.get(pk=t.pk).status == "resolved"
    assert survey_messages(t) == []
    assert not OutboxMessage.objects.filter(address__in=[PHONE, EMAIL]).exists()


def test_issue_returns_a_fresh_token_and_stores_its_hash(centre: Centre) -> None:
    t = answered(centre)
    token = services.survey_invitation_issue(t, now=timezone.now())
    stored = SurveyInvitation.objects.filter(ticket=t).order_by("id")
    assert [i.superseded_at is None for i in stored] == [False, True]
    assert stored.last().token_hash == SurveyInvitation.token_hash_of(token)  # type: ignore[union-attr]
    assert not SurveyInvitation.objects.filter(token_hash=token).exists()
    assert services.survey_url(token) == f"{settings.SITE_URL}/portal/survey/{token}/"
