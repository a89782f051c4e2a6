"""Quality inspection: a deterministic monthly sample per agent, scoring against the pack's
scorecard, a wrong answer's correction with its own deadline, and agents' averages."""

from datetime import datetime
from typing import Any

import pytest

from closeloop.common.errors import Conflict, NotAllowed, NotFound, ValidationFailed
from closeloop.notifications.models import Notification
from closeloop.quality import services as qa
from closeloop.quality.models import Inspection
from closeloop.sla.models import Deadline
from closeloop.sla.sweep import deadlines_sweep
from closeloop.tickets import services
from closeloop.tickets.models import Ticket

from .conftest import answered, at

GOOD = {"attitude": 28, "communication": 27, "answer_quality": 36}  # 91: passes (80)
POOR = {"attitude": 20, "communication": 20, "answer_quality": 10}  # 50: fails


def sampled(period: str = "2026-10") -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for i in Inspection.objects.filter(period=period).select_related("agent", "ticket"):
        out.setdefault(i.agent.username, set()).add(i.ticket.number)
    return out


def test_sample_takes_each_agents_share_of_the_month(october):
    created = qa.inspection_sample("2026-10", seed=7, now=at(11, 2))
    assert len(created) == 5 + 3
    got = sampled()
    assert got["agent"] <= set(october["agent"]) and len(got["agent"]) == 5  # pack: 5
    assert got["agent2"] == set(october["agent2"])  # fewer than 5: all of them
    assert all(i.sampled and i.seed == "7" and i.total is None for i in created)
    # Again: nothing more (full samples; tickets are never drawn twice).
    assert qa.inspection_sample("2026-10", seed=8) == []
    assert qa.inspection_sample("2026-11", seed=7)[0].ticket.subject == "十一月的咨询"


def test_sample_is_deterministic_with_a_seed(october):
    qa.inspection_sample("2026-10", seed=7)
    first = sampled()
    Inspection.objects.all().delete()
    qa.inspection_sample("2026-10", seed=7)
    assert sampled() == first
    draws = set()
    for seed in range(1, 8):
        Inspection.objects.all().delete()
        qa.inspection_sample("2026-10", seed=seed)
        draws.add(frozenset(sampled()["agent"]))
    assert len(draws) > 1  # the seed matters


def test_sample_tops_up_and_never_repeats_a_ticket(hotline, october):
    # Scored outside the sample first: that ticket cannot be drawn again.
    outside = october["agent"][0]
    qa.inspection_score(hotline["inspector"], outside, GOOD)
    qa.inspection_sample("2026-10", seed=3)
    mine = Inspection.objects.filter(agent=hotline["agent"], period="2026-10")
    assert mine.count() == 6  # 1 outside the sample + 5 sampled
    assert mine.filter(sampled=True).count() == 5
    assert Inspection.objects.filter(ticket__number=outside).count() == 1


def test_bad_period(october):
    with pytest.raises(ValidationFailed):
        qa.inspection_sample("2026-13", seed=1)
    with pytest.raises(ValidationFailed):
        qa.inspection_sample("October", seed=1)


def test_score_against_the_scorecard(hotline, october):
    inspector = hotline["inspector"]
    qa.inspection_sample("2026-10", seed=7)
    inspection = Inspection.objects.filter(agent=hotline["agent"]).first()
    assert inspection is not None
    number = inspection.ticket.number
    scored = qa.inspection_score(inspector, number, GOOD, "语气亲切,答复准确")
    assert (scored.pk, scored.total, scored.passed) == (inspection.pk, 91, True)
    assert scored.scores == GOOD and scored.inspector == inspector
    assert scored.correction_deadline is None
    assert not Ticket.objects.get(number=number).events.filter(action="correction").exists()
    with pytest.raises(Conflict):
        qa.inspection_score(inspector, number, GOOD)  # scored once


@pytest.mark.parametrize(
    "scores, field",
    [
        ({"attitude": 30, "communication": 30}, "answer_quality"),  # missing
        ({**GOOD, "attitude": 31}, "attitude"),  # above the maximum
        ({**GOOD, "communication": -1}, "communication"),
        ({**GOOD, "answer_quality": "很好"}, "answer_quality"),
        ({**GOOD, "speed": 10}, "speed"),  # not on the scorecard
    ],
)
def test_scores_are_checked(hotline, october, scores, field):
    with pytest.raises(ValidationFailed) as caught:
        qa.inspection_score(hotline["inspector"], october["agent"][0], scores)
    assert field in caught.value.details
    assert not Inspection.objects.exists()


def test_who_may_score(hotline, october):
    number = october["agent"][0]
    for person in (hotline["agent2"], hotline["handler"], hotline["leader"]):
        with pytest.raises(NotAllowed):
            qa.inspection_score(person, number, GOOD)
    # A supervisor may score others, not their own first contacts.
    supervisor = hotline["supervisor"]
    assert qa.inspection_score(supervisor, number, GOOD).total == 91
    own = answered(supervisor, 15)
    with pytest.raises(NotAllowed):
        qa.inspection_score(supervisor, own, GOOD)


def test_wrong_answer_needs_a_comment(hotline, october):
    with pytest.raises(ValidationFailed) as caught:
        qa.inspection_score(hotline["inspector"], october["agent"][0], POOR, wrong_answer=True)
    assert "comment" in caught.value.details


def wrong(hotline: dict[str, Any], number: str, day: int = 3) -> Inspection:
    return qa.inspection_score(
        hotline["inspector"],
        number,
        POOR,
        "申报期限答错:应为15日前,遇节假日顺延",
        wrong_answer=True,
        now=at(11, day),
    )


def test_wrong_answer_opens_a_correction_met_in_time(hotline, october):
    number = october["agent"][0]
    inspection = wrong(hotline, number)  # Tue 2026-11-03 10:00
    assert inspection.passed is False and inspection.total == 50
    ticket = Ticket.objects.get(number=number)
    event = ticket.events.get(action="correction")
    assert event.actor == hotline["inspector"]
    assert event.payload["inspection"] == inspection.pk
    assert event.payload["agent"] == "agent"
    deadline = Deadline.objects.get(ticket=ticket, milestone="correction")
    assert inspection.correction_deadline == deadline
    assert deadline.handler == hotline["agent"] and deadline.closed_at is None
    assert deadline.due_at > at(11, 3) and deadline.rule["unit"] == "working_days"
    assert datetime.fromisoformat(event.payload["due_at"]) == deadline.due_at
    assert deadline.due_at == at(11, 4, 17, 30)  # one working day: the end of Wednesday
    ticket.refresh_from_db()
    assert ticket.next_due_at == deadline.due_at and ticket.deadline_state == "on_track"
    assert Notification.objects.filter(recipient=hotline["agent"], kind="correction").exists()
    assert list(qa.corrections_outstanding(hotline["agent"])) == [inspection]

    # Someone else's correction is not theirs to record.
    with pytest.raises(NotAllowed):
        qa.correction_done(hotline["agent2"], number, "已回电")
    with pytest.raises(ValidationFailed):
        qa.correction_done(hotline["agent"], number, " ")
    done = qa.correction_done(
        hotline["agent"], number, "已回电纳税人更正申报期限", now=at(11, 3, 15)
    )
    assert done.corrected_at == at(11, 3, 15)
    deadline.refresh_from_db()
    assert (deadline.state, deadline.closed_at) == ("met", at(11, 3, 15))
    assert ticket.events.filter(action="correction_done").get().payload["late"] is False
    ticket.refresh_from_db()
    assert ticket.deadline_state == ""
    assert list(qa.corrections_outstanding()) == []
    with pytest.raises(NotFound):
        qa.correction_done(hotline["agent"], number, "again")


def test_correction_not_done_in_time_is_overdue(hotline, october):
    number = october["agent"][1]
    inspection = wrong(hotline, number)
    deadline = Deadline.objects.get(ticket__number=number, milestone="correction")
    deadlines_sweep(now=at(11, 3, 11))
    deadline.refresh_from_db()
    assert deadline.state == "on_track"
    result = deadlines_sweep(now=deadline.due_at)
    deadline.refresh_from_db()
    assert deadline.state == "overdue" and result.overdue == 1
    ticket = Ticket.objects.get(number=number)
    assert ticket.deadline_state == "overdue"
    overdue = ticket.events.get(action="overdue")
    assert overdue.payload["milestone"] == "correction"
    assert overdue.payload["handler"] == "agent"
    assert deadlines_sweep(now=deadline.due_at).overdue == 0  # idempotent
    summary = {row["agent__username"]: row for row in qa.quality_summary("2026-10")}
    assert summary["agent"]["overdue"] == 1
    # Done late: met late, and the summary says so.
    qa.correction_done(hotline["agent"], number, "已回电更正", now=deadline.due_at.replace(day=20))
    deadline.refresh_from_db()
    assert deadline.state == "met_late"
    assert ticket.events.filter(action="correction_done").get().payload["late"] is True
    inspection.refresh_from_db()
    summary = {row["agent__username"]: row for row in qa.quality_summary("2026-10")}
    assert (summary["agent"]["late"], summary["agent"]["open"], summary["agent"]["overdue"]) == (
        1,
        0,
        0,
    )


def test_closing_the_ticket_leaves_the_correction_running(hotline, october):
    number = october["agent"][2]
    wrong(hotline, number)
    services.ticket_close(hotline["agent"], number, now=at(11, 3, 11))
    deadline = Deadline.objects.get(ticket__number=number, milestone="correction")
    assert deadline.closed_at is None


def test_agent_scores_per_period(hotline, october):
    inspector = hotline["inspector"]
    a, b = october["agent"], october["agent2"]
    qa.inspection_score(inspector, a[0], GOOD)  # 91
    qa.inspection_score(inspector, a[1], POOR)  # 50
    qa.inspection_score(
        inspector, a[2], {"attitude": 30, "communication": 30, "answer_quality": 40}
    )
    qa.inspection_score(
        inspector, b[0], {"attitude": 25, "communication": 25, "answer_quality": 30}
    )
    qa.inspection_sample("2026-10", seed=1)  # unscored inspections do not count
    assert qa.agent_scores("2026-10") == {"agent": 80.3, "agent2": 80.0}
    assert qa.agent_scores("2026-11") == {}

    class Period:  # the report's period: any object with start and end
        start, end = at(10, 1, 0), at(11, 1, 0)

    assert qa.agent_scores(Period()) == {"agent": 80.3, "agent2": 80.0}
    row = {r["agent__username"]: r for r in qa.quality_summary("2026-10")}["agent"]
    assert (row["scored"], row["passed"], row["average"]) == (3, 2, 80.3)
    # 3 scored outside the sample, then the sample: the 4 tickets left (of 5 wanted).
    assert row["inspections"] == 7
