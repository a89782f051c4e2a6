"""One record per action (`workflow.actions`): every way in offers what the catalogue declares,
no layer keeps a list of its own, and the pack validator and the deadline engine read the same
tables."""

import ast
from pathlib import Path

from django.urls import reverse

from closeloop.channels.api.tickets import views as api_views
from closeloop.channels.web import actions as web_actions
from closeloop.policy import schema, validate_clocks
from closeloop.sla import engine
from closeloop.tickets import services
from closeloop.workflow import milestones
from closeloop.workflow.actions import ACTIONS, BY_CODE
from closeloop.workflow.records import Stop
from closeloop.workflow.statuses import FINAL_STATUSES

PACKAGE = Path(__file__).resolve().parents[2] / "closeloop"
CATALOGUE = PACKAGE / "workflow" / "actions.py"


def test_names_and_codes_are_one_to_one() -> None:
    assert len(BY_CODE) == len(ACTIONS)
    assert all(ACTIONS[a.name] is a and BY_CODE[a.code] is a for a in ACTIONS.values())
    # The glossary's names, under the codes events were stored with before.
    assert ACTIONS["return_visit"].code == "visit"
    assert ACTIONS["decide_extension"].code == "approve_extension"


def test_every_action_has_a_service() -> None:
    for action in ACTIONS.values():
        assert callable(getattr(services, f"ticket_{action.name}", None)), action.name


def test_every_action_has_an_api_endpoint_or_declares_its_own() -> None:
    paths = {a.path for a in ACTIONS.values() if a.path}
    old = {p for a in ACTIONS.values() for p in a.old_paths}
    assert set(api_views.ACTION_VIEWS) == paths | old
    assert set(api_views.BODIES) == {a.name for a in ACTIONS.values() if a.path}
    for action in ACTIONS.values():
        if action.path is None:
            continue
        assert action.summary, action.name
        for path in (action.path, *action.old_paths):
            view = api_views.ACTION_VIEWS[path]
            assert view.workflow_action is action
            assert reverse(f"ticket-{path}", args=["20261122-000001"]).endswith(f"/{path}")
    # Registering and attaching take bodies of their own, at endpoints of their own.
    assert {a.name for a in ACTIONS.values() if a.path is None} == {"register", "attach"}
    reverse("ticket-list")
    reverse("ticket-attachments", args=["20261122-000001"])


def test_every_button_is_an_action_form_and_every_form_a_button() -> None:
    assert set(web_actions.SPECS) == {a.code for a in ACTIONS.values() if a.button is not None}
    # Registering has its own page; a plan is rejected through approve_plan's decision form.
    assert {a.name for a in ACTIONS.values() if a.button is None} == {"register", "reject_plan"}
    for code, spec in web_actions.SPECS.items():
        assert spec.label is BY_CODE[code].button


def _gettext_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id in ("_", "_lazy", "gettext", "gettext_lazy")
    )


def test_no_other_module_defines_action_labels() -> None:
    """Nowhere but the catalogue a table of translated texts keyed by action (three or more
    keys, most of them actions), nor a web form spec with a label of its own."""
    actions = set(ACTIONS) | set(BY_CODE)
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        if path == CATALOGUE or "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Dict) and node.keys:
                keys = [k.value for k in node.keys if isinstance(k, ast.Constant)]
                named = [k for k in keys if k in actions]
                texts = [v for v in node.values if _gettext_call(v)]
                if len(named) >= 3 and 2 * len(named) > len(keys) and texts:
                    found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Name)
                and node.func.id == "ActionSpec"
                and any(_gettext_call(a) for a in [*node.args, *(k.value for k in node.keywords)])
            ):
                found.append(f"{path.relative_to(PACKAGE)}:{node.lineno}")
    assert found == []


def test_the_validator_and_the_engine_read_the_same_tables() -> None:
    # Not copies: the very objects of `workflow.milestones`.
    assert validate_clocks.DEFAULT_START is engine.DEFAULT_START is milestones.DEFAULT_START
    assert validate_clocks.ON_REOPEN is engine.ON_REOPEN is milestones.ON_REOPEN
    assert validate_clocks.meeting_actions is milestones.meeting_actions
    # The schema's own vocabularies name the same milestones and start events.
    assert set(schema.MILESTONES) == set(milestones.DEFAULT_START)
    assert set(schema.START_EVENTS) == set(milestones.STATUS_AT)


def test_every_start_event_is_emitted_or_an_escalation() -> None:
    emitted = {event for a in ACTIONS.values() for event in a.clock.starts}
    # `reopened` is emitted by an action that reopens (`ClockEffect.reopens`).
    assert any(a.clock.reopens for a in ACTIONS.values())
    assert set(milestones.STATUS_AT) == emitted | {"escalated", "reopened"}
    assert set(milestones.DEFAULT_START.values()) <= set(milestones.STATUS_AT)


def test_every_milestone_an_action_meets_exists_and_can_be_met() -> None:
    for action in ACTIONS.values():
        assert action.clock.meets | action.clock.leader_meets <= set(milestones.DEFAULT_START)
    for milestone in set(milestones.DEFAULT_START) - {"supervision"}:
        assert milestones.meeting_actions(milestone), milestone


def test_an_action_that_always_ends_the_ticket_stops_every_clock() -> None:
    for action in ACTIONS.values():
        ends = bool(action.targets) and action.targets <= FINAL_STATUSES
        assert ends == (action.clock.stops is Stop.ALL), action.name
