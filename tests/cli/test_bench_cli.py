"""`closeloop bench` runs the benchmark from a source checkout; an installed product, which
does not ship it, says so in one line."""

import sys

import pytest

from closeloop.cli import main


def test_bench_runs_the_checkouts_benchmark(capfd: pytest.CaptureFixture[str]) -> None:
    # An unknown phase: the benchmark's own refusal, before it opens any database.
    code = main(["bench", "--phases", "nonsense"])
    _out, err = capfd.readouterr()
    assert code == 2
    assert "closeloop bench: unknown phases: nonsense" in err


def test_bench_without_the_benchmark_is_one_line_and_status_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "benchmarks", None)  # as if not installed
    code = main(["bench", "--quick"])
    _out, err = capsys.readouterr()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert lines[0].startswith("closeloop: error: the benchmark is not installed with closeloop")
