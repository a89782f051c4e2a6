"""The run's time budget: past it, every time-bounded measurement loop does its minimum."""

import time
from collections.abc import Iterator

import pytest

from benchmarks import measure


@pytest.fixture
def spent() -> Iterator[None]:
    """A run whose budget is already spent."""
    measure.DEADLINE = time.monotonic() - 1
    yield
    measure.DEADLINE = float("inf")


def test_a_read_repeats_fully_within_the_budget() -> None:
    samples, value = measure.repeat(lambda: 42, 30)
    assert len(samples) == 30 and value == 42
    assert measure.seconds_left(15.0) == 15.0
    assert not measure.over_budget()


def test_past_the_budget_a_read_takes_its_minimum_samples(spent: None) -> None:
    samples, value = measure.repeat(lambda: 42, 30)
    assert len(samples) == 3 and value == 42  # still a median and a maximum
    assert measure.seconds_left(240, floor=10) == 10  # a load still runs, briefly
    assert measure.over_budget()
