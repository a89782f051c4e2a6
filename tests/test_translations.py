"""The Simplified-Chinese catalogue is complete, keeps every placeholder, and is compiled.

Refresh the catalogue after adding or changing strings:

    .venv/bin/python manage.py makemessages -l zh_Hans --ignore='.venv/*' --ignore='.tools/*' \
        --ignore='var/*' --ignore='test-artifacts/*' --ignore='tests/*' --ignore='packs/*' \
        --no-obsolete
    # translate every new or fuzzy entry in locale/zh_Hans/LC_MESSAGES/django.po, then
    .venv/bin/python manage.py compilemessages -l zh_Hans --ignore='.venv/*' --ignore='.tools/*'
"""

import re
from collections import Counter
from pathlib import Path
from typing import Any

import polib
import pytest
from django.conf import settings
from django.utils import translation

from closeloop.common.errors import StaleVersion
from closeloop.sla.timelimits import TimeLimit
from closeloop.tickets import services
from tests.conftest import COMPLAINT, Centre

CATALOGUE = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES"
PO_PATH = CATALOGUE / "django.po"
MO_PATH = CATALOGUE / "django.mo"

# %(name)s, %(n)d, %s, %d, %% ; {} and {name} ; HTML tags.
PLACEHOLDER = re.compile(
    r"%%|%\([^)]+\)[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]|%[-#0+]*\d*(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|\{[^{}]*\}|</?[A-Za-z][^>]*>"
)


def _placeholders(text: str) -> Counter[str]:
    return Counter(PLACEHOLDER.findall(text))


@pytest.fixture(scope="module")
def po() -> polib.POFile:
    return polib.pofile(str(PO_PATH))


def _entries(po: polib.POFile) -> list[polib.POEntry]:
    return [e for e in po if not e.obsolete]


def test_catalogue_exists_with_chinese_plural_rule(po: polib.POFile) -> None:
    assert len(_entries(po)) > 100
    assert po.metadata.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;"
    assert MO_PATH.is_file(), "run compilemessages and keep the .mo in the repository"


def test_every_entry_is_translated(po: polib.POFile) -> None:
    untranslated = [e.msgid for e in _entries(po) if not e.translated()]
    assert untranslated == []
    for entry in _entries(po):
        if entry.msgid_plural:
            assert set(entry.msgstr_plural) == {0}, entry.msgid  # Chinese has one form
            assert entry.msgstr_plural[0].strip(), entry.msgid
        else:
            assert entry.msgstr.strip(), entry.msgid


def test_no_fuzzy_entries(po: polib.POFile) -> None:
    assert not po.metadata_is_fuzzy
    assert [e.msgid for e in _entries(po) if "fuzzy" in e.flags] == []


def test_placeholders_are_kept(po: polib.POFile) -> None:
    problems = []
    for entry in _entries(po):
        if entry.msgid_plural:
            wanted = _placeholders(entry.msgid) | _placeholders(entry.msgid_plural)
            got = [_placeholders(s) for s in entry.msgstr_plural.values()]
        else:
            wanted = _placeholders(entry.msgid)
            got = [_placeholders(entry.msgstr)]
        for found in got:
            if found != wanted:
                problems.append((entry.msgid, dict(wanted), dict(found)))
    assert problems == []


def _as_dict(entries: Any) -> dict[tuple[str | None, str], Any]:
    out: dict[tuple[str | None, str], Any] = {}
    for e in entries:
        if not e.msgid or e.obsolete or "fuzzy" in e.flags:
            continue
        value = (e.msgid_plural, dict(e.msgstr_plural)) if e.msgid_plural else e.msgstr
        out[(e.msgctxt or None, e.msgid)] = value
    return out


def test_compiled_catalogue_matches_the_po(po: polib.POFile) -> None:
    mo = polib.mofile(str(MO_PATH))
    assert _as_dict(mo) == _as_dict(po), "the .mo is stale: run compilemessages"


def test_plural_strings_use_the_single_chinese_form() -> None:
    with translation.override("zh-hans"):
        assert TimeLimit(1, "working_days").describe() == "1 个工作日"
        assert TimeLimit(3, "working_days").describe() == "3 个工作日"
    with translation.override("en"):
        assert TimeLimit(1, "working_days").describe() == "1 working day"
        assert TimeLimit(3, "working_days").describe() == "3 working days"


def test_a_deadlines_rule_reads_in_the_right_plural() -> None:
    """The ticket page's line under each deadline (and the extension refusal) once read
    "1 working days"."""
    from closeloop.channels.web.deadlines import rule_text

    rule = {"amount": 1, "unit": "working_days", "basis": "首问负责"}
    with translation.override("en"):
        assert rule_text(rule) == "1 working day — 首问负责"
        assert rule_text({**rule, "amount": 2}) == "2 working days — 首问负责"
        assert rule_text({"amount": 1, "unit": "hours"}) == "1 hour"
    with translation.override("zh-hans"):
        assert rule_text(rule) == "1 个工作日 — 首问负责"


@pytest.mark.django_db
def test_service_refusal_speaks_the_active_language(centre: Centre, api: Any) -> None:
    number = api(centre.agent).post("tickets", COMPLAINT).json()["number"]

    with translation.override("zh-hans"), pytest.raises(StaleVersion) as zh:
        services.ticket_accept(centre.agent, number, version=99)
    assert zh.value.message == (
        f"工单 {number} 已被他人修改（当前版本 1，您提交的版本 99），请刷新后重试"
    )

    with translation.override("en"), pytest.raises(StaleVersion) as en:
        services.ticket_accept(centre.agent, number, version=99)
    assert en.value.message == (
        f"ticket {number} was changed by someone else (version 1, you sent 99); "
        "reload it and try again"
    )
