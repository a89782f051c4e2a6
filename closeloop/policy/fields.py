"""The values of a pack's own fields (户号, 纳税人识别号, plate number…), checked against the
pack's declarations (`schema.FieldSpec`). Pure: no database.

Every value is stored as a string: text as given (trimmed, upper-cased where the pack says),
a number in its plain decimal form (`12.5`), a date as `YYYY-MM-DD`, a choice as its code.
The same form is what filters compare, so a value typed twice is found once.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

from closeloop.common.dates import date_problem
from closeloop.common.errors import ValidationFailed

from .schema import FIELD_TEXT_MAX, FieldSpec, PackSpec

NUMBER_MAX_CHARS = 30  # longer than any amount or count a centre records


@dataclass(frozen=True)
class FieldValues:
    """A ticket's field values, split by whether they identify the person."""

    open: dict[str, str] = field(default_factory=dict)
    identity: dict[str, str] = field(default_factory=dict)


def field_value_parse(spec: FieldSpec, raw: Any) -> tuple[str, str | None]:
    """(the value as stored, the problem or None); an empty value is ("", None)."""
    label = spec.label
    if isinstance(raw, bool) or not isinstance(raw, str | int | Decimal):
        return "", _("%(label)s must be given as text") % {"label": label}
    text = str(raw).strip()
    if not text:
        return "", None
    if any(ord(c) < 32 or ord(c) == 127 for c in text):
        return "", _("%(label)s must be one line of text") % {"label": label}
    if spec.type == "number":
        return _number(spec, text)
    if spec.type == "date":
        try:
            day = date.fromisoformat(text) if len(text) == 10 else None
        except ValueError:
            day = None
        if day is None:
            return "", _("%(label)s must be a date, YYYY-MM-DD") % {"label": label}
        if problem := date_problem(day):
            return "", f"{label}: {problem}"
        return day.isoformat(), None
    if spec.type == "choice":
        codes = [c.code for c in spec.choices]
        if text not in codes:
            names = ", ".join(f"{c.code} ({c.name})" for c in spec.choices)
            return "", _("%(label)s must be one of: %(choices)s") % {
                "label": label,
                "choices": names,
            }
        return text, None
    return _text(spec, text)


def _text(spec: FieldSpec, text: str) -> tuple[str, str | None]:
    label = spec.label
    if spec.upper:
        text = text.upper()
    longest = spec.max_length or FIELD_TEXT_MAX
    if len(text) > longest:
        return "", _("%(label)s must be at most %(n)s characters") % {"label": label, "n": longest}
    if spec.min_length and len(text) < spec.min_length:
        return "", _("%(label)s must be at least %(n)s characters") % {
            "label": label,
            "n": spec.min_length,
        }
    if spec.pattern and not re.fullmatch(spec.pattern, text):
        problem = _("%(label)s is not in the expected form") % {"label": label}
        return "", f"{problem}: {spec.help}" if spec.help else problem
    return text, None


def _number(spec: FieldSpec, text: str) -> tuple[str, str | None]:
    label = spec.label
    problem = _("%(label)s must be a number") % {"label": label}
    if len(text) > NUMBER_MAX_CHARS:
        return "", problem
    try:
        number = Decimal(text)
    except InvalidOperation:
        return "", problem
    if not number.is_finite():
        return "", problem
    if spec.min is not None and number < spec.min:
        return "", _("%(label)s must be at least %(n)s") % {"label": label, "n": spec.min}
    if spec.max is not None and number > spec.max:
        return "", _("%(label)s must be at most %(n)s") % {"label": label, "n": spec.max}
    # The plain form, the same however it was typed: 12.50 and 12.5 are one value.
    plain = format(number.normalize(), "f")
    return (plain if plain != "-0" else "0"), None


def field_values_clean(
    pack: PackSpec, kind: str, raw: Mapping[str, Any], *, require: bool = True
) -> FieldValues:
    """Check `raw` ({code: value}) against the pack for a case of `kind`.

    Refuses (ValidationFailed, `details = {"fields": {code: [problem]}}`) a code the pack does
    not declare, a value for a field not recorded for this kind, a value not in the field's
    form and, with `require`, a required field left empty. Staff registration requires; the
    public portal, which does not ask for these fields, does not.
    """
    problems: dict[str, list[str]] = {}
    values = FieldValues()
    for code, value in raw.items():
        spec = pack.field(str(code))
        if spec is None:
            known = ", ".join(f.code for f in pack.fields) or "—"
            problems[str(code)] = [
                _("unknown field '%(code)s' (this centre's fields: %(known)s)")
                % {"code": code, "known": known}
            ]
            continue
        stored, problem = field_value_parse(spec, value)
        if problem:
            problems[spec.code] = [problem]
        elif stored and not spec.applies_to(kind):
            problems[spec.code] = [
                _("%(label)s is not recorded for this kind of case") % {"label": spec.label}
            ]
        elif stored:
            (values.identity if spec.identifies else values.open)[spec.code] = stored
    if require:
        for spec in pack.fields:
            given = spec.code in values.open or spec.code in values.identity
            if spec.required_for(kind) and not given and spec.code not in problems:
                problems[spec.code] = [_("%(label)s is required") % {"label": spec.label}]
    if problems:
        first = next(iter(problems.values()))[0]
        raise ValidationFailed(first, details={"fields": problems})
    return values


def field_search_text(pack: PackSpec, values: Mapping[str, str]) -> str:
    """What the ledger's search reads for these values: each value, and a choice's name."""
    parts: list[str] = []
    for code, value in values.items():
        parts.append(value)
        spec = pack.field(code)
        if spec is not None and spec.type == "choice":
            parts.extend(c.name for c in spec.choices if c.code == value)
    return "\n".join(parts)


def field_label(pack: PackSpec | None, code: str) -> str:
    """The field's label in the pack, or its code when the pack no longer declares it."""
    spec = pack.field(code) if pack is not None else None
    return spec.label if spec is not None else code


def field_display(pack: PackSpec | None, code: str, value: str) -> str:
    """A value as people read it: a choice by its name."""
    spec = pack.field(code) if pack is not None else None
    if spec is not None and spec.type == "choice":
        return next((c.name for c in spec.choices if c.code == value), value)
    return value
