"""The pack's `quality` section: a scorecard the loader checks before anything uses it."""

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml

from closeloop.policy.services import PackInvalid, pack_read

PACK = Path(__file__).resolve().parents[2] / "packs" / "tax-hotline-12366" / "pack.yaml"


def read_with(tmp_path: Path, quality: Any) -> Any:
    data = yaml.safe_load(PACK.read_text(encoding="utf-8"))
    data = copy.deepcopy(data)
    if quality is None:
        data.pop("quality")
    else:
        data["quality"] = quality
    folder = tmp_path / "tax-hotline-12366"
    folder.mkdir()
    (folder / "pack.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return pack_read(folder)


ATTITUDE = {"code": "attitude", "name": "服务态度", "max_points": 50}
GOOD: dict[str, Any] = {
    "criteria": [
        ATTITUDE,
        {"code": "answer_quality", "name": "答复质量", "max_points": 50},
    ],
    "passing_score": 60,
    "sample_size": 3,
    "correction_limit": {"amount": 4, "unit": "working_hours"},
}


def test_a_scorecard_reads_and_is_optional(tmp_path):
    spec = read_with(tmp_path, GOOD)
    assert spec.quality.passing_score == 60 and spec.quality.kinds == []
    other = tmp_path / "without"
    other.mkdir()
    assert read_with(other, None).quality is None


@pytest.mark.parametrize(
    "change, message",
    [
        ({"passing_score": 101}, "passing_score 101 is more than the criteria's 100 points"),
        ({"criteria": []}, "criteria"),
        ({"sample_size": 0}, "positive"),
        ({"correction_limit": {"amount": 1, "unit": "weeks"}}, "weeks"),
        ({"kinds": ["help"]}, "kind 'help' is not among this pack's kinds"),
        ({"colour": "red"}, "colour"),
        (
            {"criteria": [ATTITUDE, ATTITUDE]},
            "duplicate criterion code(s): attitude",
        ),
        (
            {"criteria": [{"code": "attitude", "name": "服务态度", "max_points": 0}]},
            "positive",
        ),
    ],
)
def test_a_broken_scorecard_is_refused(tmp_path, change, message):
    with pytest.raises(PackInvalid) as caught:
        read_with(tmp_path, {**GOOD, **change})
    assert message in caught.value.message
