"""Reading, validating, loading and serving policy packs."""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from pydantic import ValidationError

from closeloop.common.errors import NotFound, ValidationFailed
from closeloop.directory.models import Department, DutyRota, User

from .models import Category, MessageTemplate, PolicyPack
from .schema import PackSpec, walk_categories, walk_departments
from .signals import pack_replacing
from .validate import pack_problems

PACK_FILE = "pack.yaml"


class PackInvalid(ValidationFailed):
    """A pack that cannot be loaded; the message names the file, the place and the problem."""

    code = "pack_invalid"

    def __init__(self, file: str, problems: list[tuple[str, str]]) -> None:
        lines = [f"{file}: {path}: {msg}" if path else f"{file}: {msg}" for path, msg in problems]
        super().__init__(
            "\n".join(lines),
            details={
                "file": file,
                "problems": [{"path": path, "message": msg} for path, msg in problems],
            },
        )
        self.file = file
        self.problems = problems


# --- reading ------------------------------------------------------------------------------


class _UniqueKeyLoader(yaml.SafeLoader):
    """SafeLoader that refuses a key given twice (PyYAML silently keeps the last one)."""


def _construct_mapping(loader: _UniqueKeyLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    seen: set[Any] = set()
    for key_node, _value in node.value:
        key = loader.construct_object(key_node)  # type: ignore[no-untyped-call]
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark
            )
        seen.add(key)
    return loader.construct_mapping(node)


_UniqueKeyLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG,
    _construct_mapping,  # type: ignore[arg-type]
)


def _display(path: Path) -> str:
    """The path as people see it in messages: relative to the project when inside it."""
    try:
        return str(path.resolve().relative_to(Path(settings.BASE_DIR).resolve()))
    except (ValueError, AttributeError):
        return str(path)


def _loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _pydantic_problems(error: ValidationError) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    for err in error.errors():
        loc = tuple(err["loc"])
        kind = err["type"]
        if kind == "extra_forbidden":
            where = _loc(loc[:-1]) or "the top level"
            problems.append(("", f"unknown field '{loc[-1]}' at {where}"))
        elif kind == "missing":
            problems.append((_loc(loc[:-1]), f"missing field '{loc[-1]}'"))
        elif kind in ("value_error", "assertion_error"):
            problems.append((_loc(loc), str(err["ctx"]["error"])))
        else:
            message = err["msg"]
            value = err.get("input")
            if isinstance(value, str | int | float | bool) or value is None:
                message = f"{message}, got {value!r}"
            problems.append((_loc(loc), message))
    return problems


def _pack_file(path: Path) -> Path:
    return path / PACK_FILE if path.is_dir() else path


def pack_parse(data: Any, file: str = "<pack>") -> PackSpec:
    """Validate already-loaded pack data (a dict); raise PackInvalid with every problem."""
    if not isinstance(data, dict):
        raise PackInvalid(file, [("", "the file must hold a mapping of pack fields")])
    try:
        spec = PackSpec.model_validate(data)
    except ValidationError as error:
        raise PackInvalid(file, _pydantic_problems(error)) from None
    problems = pack_problems(spec)
    if problems:
        raise PackInvalid(file, problems)
    return spec


def pack_read(path: Path | str) -> PackSpec:
    """Parse and validate a pack folder or its pack.yaml. No database."""
    file = _pack_file(Path(path))
    shown = _display(file)
    try:
        text = file.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PackInvalid(shown, [("", "no such file")]) from None
    except (OSError, UnicodeDecodeError) as error:
        raise PackInvalid(shown, [("", f"cannot read the file: {error}")]) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 (a SafeLoader subclass)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark else "YAML"
        problem = error.problem or error.context or "malformed YAML"
        raise PackInvalid(shown, [(where, f"malformed YAML: {problem}")]) from None
    except yaml.YAMLError as error:
        raise PackInvalid(shown, [("", f"malformed YAML: {error}")]) from None
    spec = pack_parse(data, shown)
    packs_dir = Path(settings.PACKS_DIR).resolve()
    folder = file.resolve().parent
    # Inside PACKS_DIR the folder name is how people load a pack: it must be the pack's name.
    if folder.parent == packs_dir and folder.name != spec.name:
        raise PackInvalid(
            shown, [("name", f"'{spec.name}' does not match its folder '{folder.name}'")]
        )
    return spec


def pack_list() -> list[tuple[str, str, str]]:
    """(name, title, version) of every pack folder under settings.PACKS_DIR, by name."""
    out: list[tuple[str, str, str]] = []
    packs_dir = Path(settings.PACKS_DIR)
    if not packs_dir.is_dir():
        return out
    for folder in sorted(p for p in packs_dir.iterdir() if (p / PACK_FILE).is_file()):
        # A light read: listing must work even when a pack has a mistake.
        try:
            data = yaml.safe_load((folder / PACK_FILE).read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, yaml.YAMLError):
            data = None
        if not isinstance(data, dict):
            data = {}
        out.append((folder.name, str(data.get("title", "")), str(data.get("version", ""))))
    return out


# --- loading ------------------------------------------------------------------------------


def pack_canonical(spec: PackSpec) -> tuple[dict[str, Any], str]:
    """The pack as JSON data (YAML field names) and the sha256 of its canonical form."""
    data = spec.model_dump(mode="json", by_alias=True)
    canonical = json.dumps(data, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return data, hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _resolve(name_or_path: str) -> Path:
    candidate = Path(name_or_path)
    if candidate.suffix in (".yaml", ".yml") or "/" in name_or_path or candidate.is_dir():
        return candidate
    folder = Path(settings.PACKS_DIR) / name_or_path
    if not (folder / PACK_FILE).is_file():
        known = ", ".join(name for name, _t, _v in pack_list()) or "none"
        raise NotFound(
            _("unknown policy pack '%(name)s' (packs: %(known)s)")
            % {"name": name_or_path, "known": known}
        )
    return folder


def pack_load(name_or_path: str) -> PolicyPack:
    """Validate a pack, then write its departments and categories and make it the active one.

    All in one transaction. Departments are created by code when missing; existing ones keep
    their name and parent, so an admin's edits survive a reload. Categories are created or
    updated by code; categories the pack no longer has are deactivated (tickets keep them).

    A database holds one organisation: another pack (by name) than the active one is refused
    once the database holds tickets, and replaces the previous organisation cleanly while it
    holds none (`pack_switch_check`, `_organisation_retire`). The same pack may always be
    loaded again, in any version.
    """
    spec = pack_read(_resolve(name_or_path))
    data, digest = pack_canonical(spec)
    with transaction.atomic():
        previous = pack_switch_check(spec)
        departments: dict[str, Department] = {
            d.code: d for d in Department.objects.filter(code__in=spec.department_codes())
        }
        for parent, dept in walk_departments(spec):
            if dept.code not in departments:
                departments[dept.code] = Department.objects.create(
                    code=dept.code,
                    name=dept.name,
                    parent=departments[parent] if parent else None,
                )
        categories: dict[str, Category] = {}
        for parent, cat in walk_categories(spec):
            categories[cat.code], _created = Category.objects.update_or_create(
                code=cat.code,
                defaults={
                    "name": cat.name,
                    "parent": categories[parent] if parent else None,
                    "department": departments[cat.department] if cat.department else None,
                    "is_active": True,
                },
            )
        Category.objects.exclude(code__in=list(categories)).update(is_active=False)
        if previous is not None:
            _organisation_retire(previous, spec, departments)
        message_templates_write(spec)
        PolicyPack.objects.filter(is_active=True).update(is_active=False)
        row = PolicyPack.objects.create(
            name=spec.name,
            title=spec.title,
            version=spec.version,
            data=data,
            digest=digest,
            is_active=True,
        )
    return row


def message_templates_write(spec: PackSpec) -> None:
    """Write the pack's customer messages (`customer_messages`) as editable templates.

    A text the pack has not changed since it was last written keeps an admin's edit; a
    changed one replaces it; texts the pack no longer has are removed (the pack's own text is
    then the default again)."""
    section = spec.customer_messages
    wanted: dict[tuple[str, str], tuple[dict[str, Any], str]] = {}
    for purpose, kind, text in section.templates() if section else ():
        fields = {
            "sms": text.sms,
            "subject": text.subject,
            "body": text.body,
            "at_night": text.at_night,
        }
        canonical = json.dumps(fields, sort_keys=True, ensure_ascii=False)
        wanted[(purpose, kind)] = fields, hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    rows = {(r.purpose, r.kind): r for r in MessageTemplate.objects.filter(pack=spec.name)}
    for key, old in rows.items():
        if key not in wanted:
            old.delete()
    for (purpose, kind), (fields, digest) in wanted.items():
        row = rows.get((purpose, kind))
        if row is None:
            MessageTemplate.objects.create(
                pack=spec.name, purpose=purpose, kind=kind, pack_digest=digest, **fields
            )
        elif row.pack_digest != digest:
            for name, value in fields.items():
                setattr(row, name, value)
            row.pack_digest = digest
            row.save()
    MessageTemplate.objects.exclude(pack=spec.name).delete()


def pack_switch_check(spec: PackSpec) -> PolicyPack | None:
    """The active pack when `spec` would replace it with another organisation, None when it
    is the same pack (or none is active). The apps that keep an organisation's records may
    refuse the switch (`signals.pack_replacing`): tickets do once the database holds any,
    because their departments, people and history belong to the organisation that made them."""
    active = PolicyPack.objects.filter(is_active=True).first()
    if active is None or active.name == spec.name:
        return None
    pack_replacing.send(sender=PolicyPack, active=active, spec=spec)
    return active


def _organisation_retire(
    previous: PolicyPack, spec: PackSpec, departments: dict[str, Department]
) -> None:
    """Replace the previous pack's organisation by `spec`'s in a database without tickets:
    its departments the new pack does not have are deactivated, those it shares take the new
    pack's name and place, and its demo people stop working here (deactivated, off the duty
    rota; `closeloop init --demo` gives a shared username the new pack's role). People an
    administrator added keep their accounts."""
    old_codes = {
        code
        for code in _department_codes(previous.data.get("departments", []))
        if code not in departments
    }
    Department.objects.filter(code__in=old_codes).update(is_active=False)
    for parent, dept in walk_departments(spec):
        row = departments[dept.code]
        row.name = dept.name
        row.parent = departments[parent] if parent else None
        row.is_active = True
        row.save(update_fields=["name", "parent", "is_active"])
    demo = previous.data.get("demo") or {}
    usernames = [p["username"] for p in demo.get("people", [])]
    User.objects.filter(username__in=usernames).update(is_active=False)
    DutyRota.objects.filter(user__username__in=usernames).delete()
    DutyRota.objects.filter(department__code__in=old_codes).delete()


def _department_codes(nodes: list[dict[str, Any]]) -> list[str]:
    codes: list[str] = []
    for node in nodes:
        codes.append(node["code"])
        codes += _department_codes(node.get("children") or [])
    return codes


# --- serving ------------------------------------------------------------------------------

_cache_lock = threading.Lock()
_cache: tuple[str, PackSpec] | None = None


def pack_active() -> PackSpec:
    """The active pack, parsed once per process per digest (one small query per call)."""
    global _cache
    digest = PolicyPack.objects.filter(is_active=True).values_list("digest", flat=True).first()
    if digest is None:
        raise NotFound(_("no policy pack is loaded; run `closeloop init`"))
    cached = _cache
    if cached is not None and cached[0] == digest:
        return cached[1]
    row = PolicyPack.objects.filter(is_active=True, digest=digest).values_list("data", flat=True)
    data = row.first()
    if data is None:  # replaced between the two queries: start over
        return pack_active()
    spec = pack_parse(data, f"policy pack {digest[:12]}")
    with _cache_lock:
        _cache = (digest, spec)
    return spec


# --- demo ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoPerson:
    username: str
    display_name: str
    roles: tuple[str, ...]
    department: str | None  # department code
    password: str
    level: int | None = None  # the responsible level they hold, if any


@dataclass(frozen=True)
class DemoDuty:
    weekday: int  # 0 = Monday, as date.weekday()
    username: str
    department: str


_WEEKDAY_INDEX = {"mon": 0, "tue": 1, "wed": 2, "thu": 3, "fri": 4, "sat": 5, "sun": 6}


def pack_demo_people(pack: PackSpec) -> list[DemoPerson]:
    """Demo people of the pack: at least one per role; liaisons and handlers have departments."""
    if pack.demo is None:
        raise ValidationFailed(
            _("policy pack '%(name)s' declares no demo people") % {"name": pack.name}
        )
    return [
        DemoPerson(p.username, p.display_name, tuple(p.roles), p.department, p.password, p.level)
        for p in pack.demo.people
    ]


def pack_demo_duty_rota(pack: PackSpec) -> list[DemoDuty]:
    """The pack's weekly demo duty rota (带班): who from which department on which weekday."""
    if pack.demo is None:
        return []
    return [
        DemoDuty(_WEEKDAY_INDEX[d.weekday], d.username, d.department) for d in pack.demo.duty_rota
    ]
