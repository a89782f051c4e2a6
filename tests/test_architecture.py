"""The structure a newcomer is promised in docs/architecture.md is the structure the code has:
the layers drawn there are the import contracts `lint-imports` checks, and ticket records are
read outside the tickets app only through its read door."""

import ast
import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TICKET_MODELS = {"Ticket", "TicketEvent", "Customer"}
# What may follow `<ticket model>.objects` outside the tickets app: the methods of the tickets'
# own querysets (`visible_to(user)` for a person, `unscoped()` for the centre's workers, the
# named index-backed sets), and `none()`. Never a bare `filter`, `get` or `update`.
QUERYSETS = ROOT / "closeloop" / "tickets" / "querysets.py"


def _door() -> set[str]:
    tree = ast.parse(QUERYSETS.read_text(encoding="utf-8"))
    return {
        item.name
        for node in tree.body
        if isinstance(node, ast.ClassDef) and node.name.endswith("QuerySet")
        for item in node.body
        if isinstance(item, ast.FunctionDef) and not item.name.startswith("_")
    } | {"none"}


def _documented_layers() -> list[str]:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```layers block"
    return [line.strip() for line in block.group(1).splitlines() if line.strip()]


def _contract_layers() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    contracts = config["tool"]["importlinter"]["contracts"]
    (layers,) = [c["layers"] for c in contracts if c["type"] == "layers"]
    return [str(layer) for layer in layers]


def test_the_documented_layers_are_the_import_contracts() -> None:
    assert _documented_layers() == _contract_layers()


def test_every_app_is_in_a_layer() -> None:
    named = {name.strip() for layer in _contract_layers() for name in layer.split("|")}
    apps = {
        f"closeloop.{p.name if p.is_dir() else p.stem}"
        for p in (ROOT / "closeloop").iterdir()
        if (p.is_dir() and (p / "__init__.py").exists())
        or (p.suffix == ".py" and p.stem != "__init__")
    }
    assert apps == named


def _ticket_reads_outside_the_door() -> list[str]:
    door = _door()
    found = []
    for path in sorted((ROOT / "closeloop").rglob("*.py")):
        relative = path.relative_to(ROOT)
        if relative.parts[:2] == ("closeloop", "tickets") or "migrations" in relative.parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
        for node in ast.walk(tree):
            if not (
                isinstance(node, ast.Attribute)
                and node.attr == "objects"
                and isinstance(node.value, ast.Name)
                and node.value.id in TICKET_MODELS
            ):
                continue
            after = parents.get(node)
            if isinstance(after, ast.Attribute) and after.attr in door:
                continue
            found.append(f"{relative}:{node.lineno} {node.value.id}.objects")
    return found


def test_ticket_records_are_read_through_the_door_outside_tickets() -> None:
    assert _ticket_reads_outside_the_door() == []
