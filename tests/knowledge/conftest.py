"""Fixtures for the knowledge base: the 12366 pack, its demo people, a hard question."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.test import TestCase

from closeloop.directory.models import User
from closeloop.knowledge import services as kb
from closeloop.tickets import services
from closeloop.tickets.models import Ticket
from closeloop.tickets.services import CustomerInput, TicketInput
from tests.conftest import demo_people

TZ = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def hotline(db: Any) -> dict[str, User]:
    return demo_people("tax-hotline-12366")


REPLY = "由购买方在电子税务局填开《开具红字增值税专用发票信息表》,销售方凭信息表开具红字发票。"


def hard_question(
    people: dict[str, User],
    *,
    subject: str = "红字发票怎么开具",
    description: str = "购买方已抵扣的专用发票需要开具红字发票,应当如何办理?",
    reply: str = REPLY,
    now: datetime | None = None,
) -> Ticket:
    """A consultation the agent could not answer: dispatched to 货物和劳务税科, answered."""
    t = hard_question_assigned(people, subject=subject, description=description, now=now)
    # The draft is queued once the resolution commits; a test's transaction never does, so
    # run what waits for the commit as it would.
    with TestCase.captureOnCommitCallbacks(execute=True):
        return services.ticket_resolve(people["handler"], t.number, reply=reply, now=now)


def hard_question_assigned(
    people: dict[str, User], *, subject: str, description: str, now: datetime | None = None
) -> Ticket:
    """The same consultation, with its handler and not yet answered."""
    agent, liaison, handler = people["agent"], people["liaison"], people["handler"]
    data = TicketInput(
        kind="consultation",
        channel="phone",
        subject=subject,
        description=description,
        category="invoice",
        customer=CustomerInput(name="纳税人甲", phone="13900000001"),
    )
    t = services.ticket_register(actor=agent, data=data, now=now)
    services.ticket_accept(agent, t.number, now=now)
    services.ticket_dispatch(agent, t.number, now=now)
    return services.ticket_assign(liaison, t.number, handler=handler.username, now=now)


def published(people: dict[str, User], title: str, answer: str, **kw: Any) -> Any:
    data = kb.ArticleInput(title=title, question=kw.pop("question", title), answer=answer, **kw)
    article = kb.article_create(people["agent"], data)
    return kb.article_publish(people["supervisor"], article.pk)
