from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from posecoach.smoothing import OneEuroFilter, PoseSmoother
from tests.factories import make_pose


def test_still_target_with_jitter_gets_steadier():
    rng = np.random.default_rng(0)
    filt = OneEuroFilter(min_cutoff_hz=1.0, beta=0.02)
    raw = 100.0 + rng.normal(0.0, 3.0, size=300)
    out = np.array([filt.update(np.array([v]), i / 30.0)[0] for i, v in enumerate(raw)])
    assert np.std(out[60:]) < np.std(raw[60:]) / 2
    assert abs(np.mean(out[60:]) - 100.0) < 1.0


def test_fast_motion_lags_less_with_beta():
    t = np.arange(60) / 30.0
    target = 400.0 * t  # 400 px/s, a fast arm swing
    lag = {}
    for beta in (0.0, 0.05):
        filt = OneEuroFilter(min_cutoff_hz=1.0, beta=beta)
        out = [filt.update(np.array([v]), ti)[0] for v, ti in zip(target, t, strict=True)]
        lag[beta] = target[-1] - out[-1]
    assert lag[0.05] < lag[0.0] / 3
    assert lag[0.05] < 25.0  # under ~2 frames of motion behind


def test_first_sample_at_time_zero_is_treated_as_a_real_sample():
    # One-Euro reference code treats t=0 as "no timestamp"; ours must not.
    filt = OneEuroFilter(min_cutoff_hz=1.0, beta=0.0)
    filt.update(np.array([0.0]), 0.0)
    second = filt.update(np.array([10.0]), 1 / 30)
    assert 0.0 < second[0] < 10.0


def test_reset_forgets_the_past():
    filt = OneEuroFilter()
    filt.update(np.array([0.0]), 0.0)
    filt.reset()
    assert filt.update(np.array([50.0]), 0.1)[0] == 50.0


@pytest.mark.parametrize(
    "kwargs", [{"min_cutoff_hz": 0}, {"beta": -1}, {"derivative_cutoff_hz": 0}]
)
def test_bad_parameters_are_rejected(kwargs):
    with pytest.raises(ValueError):
        OneEuroFilter(**kwargs)


@given(st.lists(st.floats(-1e4, 1e4), min_size=1, max_size=50),
       st.floats(0.01, 10.0), st.floats(0.0, 1.0))
def test_output_stays_within_the_range_of_inputs(values, min_cutoff, beta):
    filt = OneEuroFilter(min_cutoff_hz=min_cutoff, beta=beta)
    low, high = np.inf, -np.inf
    for i, v in enumerate(values):
        low, high = min(low, v), max(high, v)
        out = filt.update(np.array([v]), i / 30.0)[0]
        assert low - 1e-6 <= out <= high + 1e-6


def test_pose_smoother_resets_after_the_person_is_lost():
    smoother = PoseSmoother(OneEuroFilter(min_cutoff_hz=0.5), reset_after_s=0.5)
    smoother.update(make_pose(), 0.0)
    assert smoother.update(None, 0.2) is None
    moved = make_pose(offset=(200.0, 0.0))
    # Back after 1 s: a fresh filter, so no smearing from the old position.
    again = smoother.update(moved, 1.0)
    np.testing.assert_allclose(again.xy, moved.xy)


def test_pose_smoother_smooths_between_close_frames():
    smoother = PoseSmoother(OneEuroFilter(min_cutoff_hz=0.5), reset_after_s=0.5)
    smoother.update(make_pose(), 0.0)
    moved = make_pose(offset=(30.0, 0.0))
    out = smoother.update(moved, 1 / 30)
    shift = out.xy[0, 0] - make_pose().xy[0, 0]
    assert 0.0 < shift < 30.0
