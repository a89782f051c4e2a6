"""The pack validator checks packs against `sla.milestones`; the deadline engine and the ticket
lifecycle must agree with those tables, or the validator would pass packs that fail."""

from closeloop.sla import milestones
from closeloop.sla.engine import EMITS
from closeloop.tickets.transitions import TRANSITIONS


def test_action_sources_are_the_transition_tables():
    for action, sources in milestones.ACTION_SOURCES.items():
        assert set(TRANSITIONS[action].sources) == set(sources), action


def test_every_meeting_action_is_known_to_the_validator():
    meeting = set(milestones.MET_BY) | set(milestones.LEADER_MEETS)
    assert meeting <= set(milestones.ACTION_SOURCES)
    assert meeting <= set(TRANSITIONS)


def test_every_start_event_is_emitted_or_an_escalation():
    emitted = {event for events in EMITS.values() for event in events}
    # `reopened` is emitted by a reopen or a dissatisfied visit (sla.engine), not a table.
    assert set(milestones.STATUS_AT) == emitted | {"escalated", "reopened"}
    assert set(milestones.DEFAULT_START.values()) <= set(milestones.STATUS_AT)
