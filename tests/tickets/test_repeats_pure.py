"""Text similarity for repeat detection: Chinese without word segmentation."""

import pytest

from closeloop.tickets.repeats import bigrams, similarity


def test_bigrams_ignore_spaces_and_punctuation() -> None:
    assert bigrams("停电， 停电！") == {"停电", "电停"}
    assert bigrams("a") == {"a"}
    assert bigrams("  ") == set()


@pytest.mark.parametrize(
    ("a", "b", "low", "high"),
    [
        ("小区从昨晚开始停电，至今未恢复", "小区从昨晚开始停电，至今未恢复", 1.0, 1.0),
        ("小区从昨晚开始停电，至今未恢复", "我们小区昨晚开始停电了，到现在还没恢复", 0.35, 0.9),
        ("小区从昨晚开始停电，至今未恢复", "发票开具有误，请求更正", 0.0, 0.1),
        ("", "任何内容", 0.0, 0.0),
    ],
)
def test_similarity(a: str, b: str, low: float, high: float) -> None:
    assert low <= similarity(a, b) <= high
    assert similarity(a, b) == similarity(b, a)
