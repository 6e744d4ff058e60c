"""The learned upright reference (posecoach.exercises.upright): properties of its state."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posecoach.exercises.upright import KEEP_S, ReferenceRule, UprightReference

LEAN = ReferenceRule("lean", least_upright=-3.0, most_upright=-12.0)
HEAD = ReferenceRule("head", upright_is_high=True, least_upright=0.5, most_upright=0.75)
FPS = 10.0


def feed(reference: UprightReference, values: list[float], start: float = 0.0,
         metric: str = "lean") -> float:
    t = start
    for value in values:
        reference.add({metric: value}, t)
        t += 1.0 / FPS
    return t


@given(st.lists(st.floats(-40.0, 40.0), min_size=1, max_size=20))
def test_the_reference_stays_between_its_bounds_and_the_values_seen(per_second):
    reference = UprightReference((LEAN,))
    feed(reference, [v for v in per_second for _ in range(int(FPS))])
    value = reference.value("lean")
    if value is None:  # not a full second judged yet
        return
    assert -12.0 <= value <= -3.0
    lowest = max(min(per_second), -12.0)
    highest = min(max(per_second), -3.0)
    assert min(lowest, highest) <= value <= max(lowest, highest)


@given(st.floats(-11.0, -4.0), st.floats(0.0, 20.0))
def test_a_slouch_shorter_than_most_of_the_window_never_becomes_the_reference(upright, extra):
    reference = UprightReference((LEAN,))
    t = feed(reference, [upright] * int(60 * FPS))
    feed(reference, [upright + extra] * int(20 * FPS), start=t)
    assert reference.value("lean") == pytest.approx(upright)


def test_the_reference_follows_a_new_posture_once_the_old_one_is_older_than_the_window():
    reference = UprightReference((HEAD,))
    t = feed(reference, [0.70] * int(30 * FPS), metric="head")
    assert reference.value("head") == pytest.approx(0.70)
    feed(reference, [0.60] * int((KEEP_S + 5) * FPS), start=t, metric="head")
    assert reference.value("head") == pytest.approx(0.60)


def test_not_ready_before_its_time_and_after_a_reset():
    reference = UprightReference((LEAN,), ready_after_s=2.0)
    feed(reference, [-8.0] * int(1.5 * FPS))
    assert reference.value("lean") is None
    feed(reference, [-8.0] * int(1.0 * FPS), start=1.5)
    assert reference.value("lean") == pytest.approx(-8.0)
    reference.reset()
    assert reference.value("lean") is None
    with pytest.raises(ValueError, match="ready_after_s"):
        UprightReference((LEAN,), ready_after_s=-1.0)
