"""Posture coaching end to end: labelled sample videos through the real model and pipeline.

Latencies are computed from each sample's ground-truth segments (see posecoach.evaluation),
never from hard-coded frames.
"""

from __future__ import annotations

import pytest

from posecoach.evaluation.runner import evaluate
from posecoach.evaluation.scoring import CLEAR_LIMIT_S, ONSET_LIMIT_S
from tests.conftest import SAMPLES

pytestmark = pytest.mark.model

POSTURE_SAMPLES = sorted(
    p for p in (SAMPLES / "synthetic").glob("*.truth.json")
    if p.name.startswith(("seated_", "desk_"))
)


def test_there_are_posture_samples_in_both_views():
    names = [p.name for p in POSTURE_SAMPLES]
    assert any(n.startswith("seated_side") for n in names)
    assert any(n.startswith("desk_front") for n in names)


@pytest.fixture(scope="module", params=POSTURE_SAMPLES, ids=lambda p: p.name.split(".")[0])
def score(request):
    return evaluate(request.param)


def test_person_is_tracked(score):
    assert score.detection_rate >= 0.95


def test_every_slouch_is_coached_within_3_s_and_clears_within_3_s(score):
    slouches = [f for f in score.faults if f.label == "slouched"]
    assert slouches, "each posture sample has a slouch"
    for fault in slouches:
        assert fault.onset_latency_s is not None, f"slouch at {fault.segment.start_s} s missed"
        assert fault.onset_latency_s <= ONSET_LIMIT_S
        assert fault.clear_latency_s is not None and fault.clear_latency_s <= CLEAR_LIMIT_S


def test_no_posture_cue_while_upright_or_looking_down(score):
    assert score.false_alarms == [], [
        (a.cue, a.label, round(a.start_s, 1), round(a.duration_s, 1)) for a in score.false_alarms]


def test_leaning_is_coached_when_the_sample_has_it(score):
    for fault in (f for f in score.faults if f.label == "leaning"):
        assert fault.detected
