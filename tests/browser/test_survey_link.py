"""Issue 14, done means: the survey link opens the portal's rating page and a rating there
reopens or closes the ticket. The link is the one queued for the customer in the outbox."""

import re
from typing import Any

import pytest

from closeloop.notifications.models import OutboxMessage
from closeloop.tickets import services
from closeloop.tickets.models import Ticket

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def replied(centre: Any, phone: str) -> Ticket:
    t = services.ticket_register_public(
        data=services.TicketInput(
            kind="complaint",
            channel="web",
            subject="办税大厅空调不制冷",
            description="大厅闷热,等候人员多。",
            customer=services.CustomerInput(name="钱七", phone=phone),
        )
    )
    services.ticket_accept(centre.agent, t.number)
    services.ticket_dispatch(centre.agent, t.number, department=centre.dept_a.code)
    services.ticket_assign(centre.liaison_a, t.number, handler=centre.handler_a.username)
    return services.ticket_resolve(
        centre.handler_a, t.number, reply="已维修空调。", validity="valid"
    )


def survey_link(t: Ticket) -> str:
    """The link in the SMS queued for the customer when the case was replied to."""
    sms = OutboxMessage.objects.get(ticket=t, purpose="survey", channel="sms")
    found = re.search(r"https?://\S+/portal/survey/[A-Za-z0-9_-]+/", sms.body)
    assert found is not None, sms.body
    return found.group(0)


def rate(customer: Any, link: str, satisfaction: str, comment: str) -> Any:
    page = customer.page
    page.goto(link)
    assert page.locator("[data-testid=reply]").inner_text() == "已维修空调。"
    page.check(f"input[name=satisfaction][value={satisfaction}]")
    page.fill("#id_comment", comment)
    customer.shot(f"portal-survey-form-{satisfaction}")
    page.click("[data-testid=survey-form] button[type=submit]")
    page.wait_for_selector("[data-testid=rated]")
    return page


def test_a_dissatisfied_rating_by_the_link_reopens_the_case(
    centre: Any, person_at: Any, live_server: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    t = replied(centre, "13700001234")
    link = survey_link(t)
    assert link.startswith(live_server.url)
    customer = person_at(viewport=PHONE)
    page = rate(customer, link, "dissatisfied", "还是很热")
    assert t.number in page.locator("[data-testid=reopened]").inner_text()
    reopened = Ticket.objects.get(pk=t.pk)
    assert (reopened.status, reopened.reopen_count) == ("in_progress", 1)
    customer.shot("portal-survey-reopened")
    # The link is spent: opened again, it says so and offers no form.
    page.goto(link)
    assert page.locator("[data-testid=survey-refused]").is_visible()
    assert page.locator("[data-testid=survey-form]").count() == 0


def test_a_satisfied_rating_by_the_link_closes_the_case(
    centre: Any, person_at: Any, live_server: Any, settings: Any
) -> None:
    settings.SITE_URL = live_server.url
    t = replied(centre, "13700005678")
    customer = person_at(viewport=PHONE)
    page = rate(customer, survey_link(t), "satisfied", "谢谢")
    assert page.locator("[data-testid=public-status]").get_attribute("class") == "status s-closed"
    assert page.locator("[data-testid=reopened]").count() == 0
    assert Ticket.objects.get(pk=t.pk).status == "closed"
