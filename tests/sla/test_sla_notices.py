"""Reading a year's official notice from YAML or CSV, and refusing bad files precisely."""

from datetime import date
from pathlib import Path

import pytest

from closeloop.common.errors import ValidationFailed
from closeloop.sla.calendar import calendar_with_notice, notice_parse

from .conftest import EXAMPLE_2027

GOOD_YAML = """\
year: 2027
source: 国务院办公厅关于2027年部分节假日安排的通知
holidays:
  - {name: 元旦, from: 2027-01-01, to: 2027-01-03}
  - name: 端午节
    date: 2027-06-09
makeup_days:
  - {date: 2027-02-20, for: 春节}
"""

GOOD_CSV = """\
# a comment line
kind,date,to,name
year,2027,,
source,,,国务院办公厅关于2027年部分节假日安排的通知
holiday,2027-01-01,2027-01-03,元旦
holiday,2027-06-09,,端午节
makeup,2027-02-20,,春节
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("name", "text"), [("n.yaml", GOOD_YAML), ("n.csv", GOOD_CSV)])
def test_good_notice_in_both_formats(tmp_path, name, text):
    notice = notice_parse(_write(tmp_path, name, text))
    assert notice.year == 2027
    assert notice.source == "国务院办公厅关于2027年部分节假日安排的通知"
    assert dict(notice.holidays) == {
        date(2027, 1, 1): "元旦",
        date(2027, 1, 2): "元旦",
        date(2027, 1, 3): "元旦",
        date(2027, 6, 9): "端午节",
    }
    assert dict(notice.makeup_days) == {date(2027, 2, 20): "春节"}
    assert notice.example is False


def test_the_shipped_example_is_labelled_and_refused_as_official(office):
    text = EXAMPLE_2027.read_text(encoding="utf-8")
    assert "EXAMPLE ONLY" in text and "NOT OFFICIAL DATA" in text
    notice = notice_parse(EXAMPLE_2027)
    assert notice.example is True and notice.year == 2027
    with pytest.raises(ValidationFailed, match="example, not official"):
        calendar_with_notice(office, notice)
    loaded = calendar_with_notice(office, notice, allow_example=True)
    assert loaded.is_covered(2027)


def _problems(tmp_path: Path, name: str, text: str) -> list[dict]:
    path = _write(tmp_path, name, text)
    with pytest.raises(ValidationFailed) as err:
        notice_parse(path)
    assert err.value.code == "invalid_calendar_notice"
    assert str(path) in err.value.message
    return err.value.details["errors"]


YAML_ERRORS = [
    (
        "year: 2027\nholidays:\n  - {name: 元旦, date: 2028-01-01}\n",
        3,
        "holidays[0].date",
        "2028-01-01 is outside the year 2027",
    ),
    (
        "year: 2027\nholidays:\n  - {name: 元旦, date: 2027/01/01}\n",
        3,
        "holidays[0].date",
        "bad date '2027/01/01', expected YYYY-MM-DD",
    ),
    (
        "year: 2027\nholidays:\n  - {name: 元旦, date: 2027-02-30}\n",
        3,
        "holidays[0].date",
        "'2027-02-30' is not a real date",
    ),
    (
        "year: 2027\nholidays:\n  - {name: 元旦, date: 2027-01-01}\n"
        "  - {name: 元旦, from: 2026-12-31, to: 2027-01-02}\n",
        4,
        "holidays[1].date",
        "2026-12-31 is outside the year 2027",
    ),
    (
        "year: 2027\nholidays:\n  - {name: 元旦, date: 2027-01-01}\n"
        "  - {name: 元旦, from: 2027-01-01, to: 2027-01-02}\n",
        4,
        "holidays[1].date",
        "duplicate holiday 2027-01-01 (already listed on line 3)",
    ),
    (
        "year: 2027\nholidays: []\nmakeup_days:\n  - {date: 2027-02-22, for: 春节}\n",
        4,
        "makeup_days[0].date",
        "make-up working day 2027-02-22 is a Monday, not a weekend day",
    ),
    (
        "year: 2027\nholidays:\n  - {name: 春节, date: 2027-02-20}\n"
        "makeup_days:\n  - {date: 2027-02-20, for: 春节}\n",
        5,
        "makeup_days.date",
        "2027-02-20 is both a holiday (line 3) and a make-up working day",
    ),
    (
        "year: 2027\nholidays:\n  - {name: 春节, from: 2027-02-13, to: 2027-02-06}\n",
        3,
        "holidays[0].to",
        "range ends 2027-02-06 before it starts 2027-02-13",
    ),
    (
        "year: 2027\nholidays:\n  - {date: 2027-02-13}\n",
        3,
        "holidays[0].name",
        "a holiday needs a name",
    ),
    ("year: 2027\nholiday:\n  - {name: x, date: 2027-02-13}\n", 2, "holiday", "unknown key"),
    ("year: twenty\nholidays: []\n", 1, "year", "'twenty' is not a year"),
    ("holidays: []\n", None, "year", "missing"),
    ("year: 2027\nholidays:\n  - {name: 春节, from: 2027-02-13}\n", 3, "holidays[0].to", "missing"),
    ("year: 2027\nholidays: {name: x}\n", 2, "holidays", "expected a list"),
    ("year: [2027\n", 2, "(file)", "not valid YAML"),
    ("- 2027\n", 1, "(file)", "expected a mapping"),
]


@pytest.mark.parametrize(("text", "line", "field", "problem"), YAML_ERRORS)
def test_yaml_errors_name_line_field_and_problem(tmp_path, text, line, field, problem):
    problems = _problems(tmp_path, "bad.yaml", text)
    assert any(
        p["line"] == line and p["field"] == field and problem in p["problem"] for p in problems
    ), problems


CSV_ERRORS = [
    ("kind,date,to,name\nyear,2027,,\nholiday,2026-12-31,,元旦\n", 3, "holiday.date", "outside"),
    ("kind,date,to,name\nyear,2027,,\nmakeup,2027-02-22,,春节\n", 3, "makeup.date", "make-up"),
    (
        "kind,date,to,name\nyear,2027,,\nholiday,2027-01-01,,元旦\nholiday,2027-01-01,,元旦\n",
        4,
        "holiday.date",
        "duplicate holiday 2027-01-01 (already listed on line 3)",
    ),
    ("kind,date,to,name\nyear,2027,,\nholiday,01/01/2027,,元旦\n", 3, "holiday.date", "bad date"),
    ("kind,date,to,name\nyear,2027,,\nholyday,2027-01-01,,元旦\n", 3, "kind", "unknown kind"),
    ("kind,day,name\nyear,2027,\n", 1, "(header)", "expected columns kind,date,to,name"),
    (
        "kind,date,to,name\nyear,2027,,\nmakeup,2027-02-20,2027-02-21,春节\n",
        3,
        "makeup.to",
        "a make-up working day is one date",
    ),
    ("# only a comment\n", None, "(file)", "empty file"),
]


@pytest.mark.parametrize(("text", "line", "field", "problem"), CSV_ERRORS)
def test_csv_errors_name_line_field_and_problem(tmp_path, text, line, field, problem):
    problems = _problems(tmp_path, "bad.csv", text)
    assert any(
        p["line"] == line and p["field"] == field and problem in p["problem"] for p in problems
    ), problems


def test_all_problems_are_reported_at_once(tmp_path):
    text = (
        "year: 2027\nholidays:\n  - {name: 元旦, date: 2028-01-01}\n"
        "makeup_days:\n  - {date: 2027-02-22, for: 春节}\n"
    )
    problems = _problems(tmp_path, "two.yaml", text)
    assert [p["line"] for p in problems] == [3, 5]


def test_message_reads_file_line_field_problem(tmp_path):
    path = _write(tmp_path, "m.yaml", "year: 2027\nholidays:\n  - {name: 元旦, date: 2028-01-01}\n")
    with pytest.raises(ValidationFailed) as err:
        notice_parse(path)
    assert err.value.message == (f"{path}:3: holidays[0].date: 2028-01-01 is outside the year 2027")


def test_missing_file_and_unknown_format(tmp_path):
    with pytest.raises(ValidationFailed, match="cannot read"):
        notice_parse(tmp_path / "nope.yaml")
    with pytest.raises(ValidationFailed, match="unknown format"):
        notice_parse(_write(tmp_path, "n.txt", "year: 2027"))
