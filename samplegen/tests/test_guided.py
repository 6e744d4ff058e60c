"""The guided-session clips: their seeds never repeat a split clip, and the gesture labels
follow the true landmarks. Light (no rendering, no body model)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from samplegen.guided import FIRST_SEED, GUIDED_CLIPS
from samplegen.labels import gesture_state

ROOT = Path(__file__).resolve().parents[2]


def test_guided_seeds_never_repeat_a_split_clip():
    manifest = json.loads((ROOT / "samples" / "generalisation" / "manifest.json").read_text())
    split_seeds = {c["seed"] for c in manifest["clips"]}
    seeds = [c.seed for c in GUIDED_CLIPS]
    assert len(set(seeds)) == len(seeds)
    assert min(seeds) >= FIRST_SEED > max(split_seeds)
    assert len({c.name for c in GUIDED_CLIPS}) == len(GUIDED_CLIPS)


def standing() -> np.ndarray:
    """World landmarks (33, 3) m of someone standing, arms hanging."""
    lm = np.zeros((33, 3))
    lm[0] = (0.0, -0.1, 1.62)  # nose
    lm[[7, 8]] = [(0.08, 0.0, 1.6), (-0.08, 0.0, 1.6)]  # ears
    lm[[11, 12]] = [(0.18, 0.0, 1.42), (-0.18, 0.0, 1.42)]  # shoulders
    lm[[13, 14]] = [(0.2, 0.0, 1.12), (-0.2, 0.0, 1.12)]  # elbows
    lm[[15, 16]] = [(0.2, 0.0, 0.85), (-0.2, 0.0, 0.85)]  # wrists
    lm[[23, 24]] = [(0.1, 0.0, 0.95), (-0.1, 0.0, 0.95)]  # hips
    return lm


@pytest.mark.parametrize("wrists, expected", [
    ({}, None),
    ({15: (0.2, 0.0, 1.85)}, "gesture_pressure"),
    ({15: (0.2, 0.0, 1.85), 16: (-0.2, 0.0, 1.85)}, "gesture_pause"),
    ({16: (-0.03, 0.0, 1.66)}, "gesture_end_set"),
    ({15: (0.25, -0.2, 1.5)}, None),  # a hand at chin height
])
def test_gesture_labels_follow_the_wrists(wrists, expected):
    lm = standing()
    for i, xyz in wrists.items():
        lm[i] = xyz
    assert gesture_state(lm) == expected
