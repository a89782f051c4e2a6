"""The draft article from a resolved hard question is queued after the resolution commits:
never inside its transaction, never for a resolution rolled back."""

from typing import Any

import pytest
from django.db import transaction

from closeloop.knowledge import tasks
from closeloop.knowledge.models import Article
from closeloop.tickets import services
from closeloop.tickets.models import Ticket

from .conftest import REPLY, hard_question_assigned

pytestmark = pytest.mark.django_db

SUBJECT = "红字发票怎么开具"
DESCRIPTION = "购买方已抵扣的专用发票需要开具红字发票,应当如何办理?"


class Rollback(Exception):
    pass


def test_the_draft_waits_for_the_resolution_to_commit(
    hotline: Any, django_capture_on_commit_callbacks: Any
) -> None:
    t = hard_question_assigned(hotline, subject=SUBJECT, description=DESCRIPTION)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_resolve(hotline["handler"], t.number, reply=REPLY)
        # Resolved but not committed: the worker has not been asked yet.
        assert not Article.objects.filter(source_ticket=t).exists()
    assert Article.objects.filter(source_ticket=t).count() == 1


def test_a_resolution_rolled_back_queues_no_draft(
    hotline: Any, monkeypatch: Any, django_capture_on_commit_callbacks: Any
) -> None:
    queued: list[int] = []
    monkeypatch.setattr(tasks, "article_draft_task", queued.append)
    t = hard_question_assigned(hotline, subject=SUBJECT, description=DESCRIPTION)
    with (
        django_capture_on_commit_callbacks(execute=True),
        pytest.raises(Rollback),
        transaction.atomic(),
    ):
        services.ticket_resolve(hotline["handler"], t.number, reply=REPLY)
        raise Rollback
    assert queued == []
    assert Ticket.objects.get(pk=t.pk).status == "in_progress"
    assert not Article.objects.exists()
