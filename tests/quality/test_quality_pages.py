"""Quality pages: draw a sample, score a ticket, a correction recorded by the agent."""

from typing import Any

from django.test import Client

from closeloop.quality.models import Inspection
from closeloop.sla.models import Deadline


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_inspector_draws_scores_and_the_agent_corrects(hotline, october):
    inspector = login(hotline["inspector"])
    page = inspector.get("/quality/", {"period": "2026-10"})
    assert page.status_code == 200 and 'data-testid="draw-sample"' in page.content.decode()
    assert inspector.post("/quality/sample/", {"period": "2026-10"}).status_code == 302
    assert Inspection.objects.filter(period="2026-10").count() == 8
    body = inspector.get("/quality/", {"period": "2026-10"}).content.decode()
    assert body.count('data-testid="inspection-row"') == 8

    inspection = Inspection.objects.filter(agent=hotline["agent"]).first()
    assert inspection is not None
    number = inspection.ticket.number
    form = inspector.get(f"/quality/score/{number}/")
    assert form.status_code == 200 and "服务态度" in form.content.decode()
    bad = inspector.post(
        f"/quality/score/{number}/",
        {"score_attitude": "31", "score_communication": "20", "score_answer_quality": "10"},
    )
    assert bad.status_code == 400
    wrong_without_comment = inspector.post(
        f"/quality/score/{number}/",
        {
            "score_attitude": "20",
            "score_communication": "20",
            "score_answer_quality": "10",
            "wrong_answer": "on",
        },
    )
    assert wrong_without_comment.status_code == 400
    done = inspector.post(
        f"/quality/score/{number}/",
        {
            "score_attitude": "20",
            "score_communication": "20",
            "score_answer_quality": "10",
            "comment": "申报期限答错",
            "wrong_answer": "on",
        },
    )
    assert done.status_code == 302
    inspection.refresh_from_db()
    assert inspection.total == 50 and inspection.wrong_answer
    assert Deadline.objects.filter(ticket__number=number, milestone="correction").exists()

    # The agent sees the correction and records the re-contact; others do not see it.
    assert "申报期限答错" not in login(hotline["agent2"]).get("/quality/").content.decode()
    agent = login(hotline["agent"])
    body = agent.get("/quality/").content.decode()
    assert 'data-testid="correction-row"' in body and "申报期限答错" in body
    assert agent.post(f"/quality/correction/{number}/", {"note": "已回电更正"}).status_code == 302
    inspection.refresh_from_db()
    assert inspection.corrected_at is not None
    assert 'data-testid="correction-row"' not in agent.get("/quality/").content.decode()


def test_who_may_open_the_quality_pages(hotline, october):
    assert login(hotline["handler"]).get("/quality/").status_code == 403
    assert (
        login(hotline["agent"]).post("/quality/sample/", {"period": "2026-10"}).status_code == 403
    )
    number = october["agent"][0]
    assert login(hotline["agent"]).get(f"/quality/score/{number}/").status_code == 403
    assert login(hotline["inspector"]).get("/quality/score/NOPE/").status_code == 404
    assert Client().get("/quality/").status_code == 302


def test_nav_links(hotline):
    page = login(hotline["inspector"]).get("/quality/").content.decode()
    assert 'href="/knowledge/"' in page and 'href="/quality/"' in page
    page = login(hotline["handler"]).get("/knowledge/").content.decode()
    assert 'href="/knowledge/"' in page and 'href="/quality/"' not in page


def test_a_period_outside_the_accepted_dates_shows_the_current_month(hotline):
    """Years 0 and 10000 cannot be a date: the page falls back, as for any bad period."""
    inspector = login(hotline["inspector"])
    for period in ("0000-01", "9999-12", "1989-12", "2200-01"):
        page = inspector.get("/quality/", {"period": period})
        assert page.status_code == 200, period
        assert period not in page.content.decode()
