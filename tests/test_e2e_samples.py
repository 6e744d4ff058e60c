"""Every labelled sample end to end: the real model and pipeline, scored against ground truth.

Latencies come from each sample's ground-truth segments (posecoach.evaluation); nothing here
names a frame. Where posecoach is known to fall short on a sample, the test is marked as an
expected failure with the reason, and fails loudly once it starts passing (strict).
"""

from __future__ import annotations

import json

import pytest

from posecoach.evaluation.runner import evaluate
from posecoach.evaluation.scoring import CLEAR_LIMIT_S, DETECT_WITHIN_S, ClearStatus
from tests.conftest import SAMPLES

pytestmark = pytest.mark.model

TRUTH_FILES = sorted((SAMPLES / "synthetic").glob("*.truth.json"))

#: (sample, test) → why posecoach does not yet pass it. Each is a known, reported limitation.
#: All of these appeared when the scoring stopped letting labels such as "holding" permit any
#: cue and the clearing limit became issue 11's 2 s (the coach itself did not change).
#: (The ball_wall_fast "Slow down" that stayed ~2.6 s after the ball stopped, and so was still
#: shown while holding, was fixed: the pace follows the latest speed down, and a carry to the
#: next spot ends it.)
KNOWN_LIMITS: dict[tuple[str, str], str] = {
    # Since the pace stays measured through held-over frames (session 5), the roller carried
    # up to the neck at a true 15.1 cm/s (limit 15) in the clip's unlabelled 2 s move reads
    # 15-17 cm/s and gets "Slow down" for ~0.6 s. A one-way move to a new spot is not yet
    # told apart from rolling (the ball coach does this: a carry ends "Slow down").
    ("roller_neck", "false_alarms"): "a one-way roller move at the pace limit reads as rolling",
}


def exercise_of(path) -> str:
    return json.loads(path.read_text())["exercise"]


def test_the_samples_cover_every_exercise():
    exercises = {exercise_of(p) for p in TRUTH_FILES}
    assert {"posture", "roller", "ball_wall", "ball_floor", "none"} <= exercises
    assert len(TRUTH_FILES) >= 15


@pytest.fixture(scope="module", params=TRUTH_FILES, ids=lambda p: p.name.split(".")[0])
def scored(request):
    return request.param, evaluate(request.param)


def known_limit(request, scored, test: str) -> None:
    reason = KNOWN_LIMITS.get((scored[1].name, test))
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))


def test_person_is_tracked(request, scored):
    path, score = scored
    if exercise_of(path) == "none":
        assert score.detection_rate < 0.05  # an empty room: nobody invented
    else:
        known_limit(request, scored, "tracked")
        assert score.detection_rate >= 0.95


def test_landmarks_are_on_the_body(request, scored):
    path, score = scored
    if exercise_of(path) == "none":
        pytest.skip("nobody in the empty room")
    known_limit(request, scored, "landmarks")
    assert score.landmark_error_pct is not None and score.landmark_error_pct <= 10.0


def test_every_fault_is_coached_within_3_s(request, scored):
    _, score = scored
    if not score.faults:
        pytest.skip("no fault in this sample")
    known_limit(request, scored, "faults")
    for fault in score.faults:
        where = f"{fault.label} at {fault.start_s} s"
        assert fault.onset_s is not None, f"{where}: never coached"
        assert fault.onset_s <= DETECT_WITHIN_S, f"{where}: {fault.onset_s} s"


def test_every_fault_clears_within_2_s(request, scored):
    """Faults that last until the clip ends are unscorable here (most of these samples)."""
    _, score = scored
    if not any(f.clear_scorable for f in score.faults):
        pytest.skip("no fault whose clearing can be seen")
    known_limit(request, scored, "clears")
    for fault in score.faults:
        if fault.clear_scorable:
            assert fault.clear is ClearStatus.CLEARED, (
                f"{fault.label} ending at {fault.end_s} s: cue gone after "
                f"{fault.clear_latency_s} s (limit {CLEAR_LIMIT_S} s)")


def test_no_corrective_cue_outside_a_fault_it_answers(request, scored):
    """Anywhere: in a stretch without a fault, or the wrong cue during another fault."""
    _, score = scored
    known_limit(request, scored, "false_alarms")
    assert score.false_alarms == (), [
        (a.cue, "+".join(a.labels), round(a.start_s, 1), round(a.end_s - a.start_s, 1))
        for a in score.false_alarms]


def test_prop_position_along_the_spine(request, scored):
    path, score = scored
    if exercise_of(path) not in ("roller", "ball_wall", "ball_floor"):
        pytest.skip("no prop")
    known_limit(request, scored, "prop")
    assert score.prop.spine_error_cm is not None and score.prop.spine_error_cm <= 5.0
