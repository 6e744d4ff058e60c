"""Gestures and the high-camera cue on rendered clips, through the real model (issue 14).

samples/guided holds short rendered clips (samplegen/guided.py: randomised people, cameras and
lights) where a person on the roller, the floor ball or at the wall shows one gesture for a
labelled span, and one where the camera looks down steeply. Each clip is replayed as a user
would; the coach must recognise exactly the labelled gesture, say "Lower the camera" only on
the high camera, and recognise no gesture on the rolling and ball clips of samples/synthetic.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest

from posecoach.evaluation.truth import Truth, load_truth
from posecoach.guidance import CUE_CAMERA_HIGH
from tests.conftest import SAMPLES

pytestmark = pytest.mark.model

GUIDED = sorted((SAMPLES / "guided").glob("*.truth.json.gz"))
GESTURE_CLIPS = [p for p in GUIDED if "-gesture_" in p.name]
CAMERA_HIGH_CLIPS = [p for p in GUIDED if "-camera_high-" in p.name]
ROLLING = sorted(p for p in (SAMPLES / "synthetic").glob("*.truth.json")
                 if json.loads(p.read_text())["exercise"] in ("roller", "ball_wall", "ball_floor"))
#: Clip → why the gesture on it is not recognised yet (reported limits, each seen on the clip).
KNOWN_MISSES: dict[str, str] = {
    "ball_floor-gesture_pause-1000202": "the far arm, behind the near one, flickers between "
                                        "up and down in the model's output (320×240, dim)",
    "ball_floor-gesture_pause-1000204": "the far arm's raise is placed 0.1–0.7 torso above its "
                                        "shoulder: only the near hand counts (read as pressure)",
    "ball_wall-gesture_pressure-1000301": "the model loses the person while the arm is up "
                                          "(320×240, dim one-sided light)",
    "ball_wall-gesture_end_set-1000303": "the far hand on the head is hidden by the head: the "
                                         "model puts it by the hip; the exercise stays 'none'",
}
#: A gesture is recognised once it has been held (1 s, 2 s to end a set) after the model
#: follows the arm; its label starts 1 s after the arm settles. Recognitions from 1 s before
#: the label to 2 s after its end count as that gesture.
EARLY_S, LATE_S = 1.0, 2.0


@dataclass(frozen=True)
class Replay:
    truth: Truth
    gestures: tuple[tuple[float, str], ...]  # (t, gesture name) of each recognition
    cues: tuple[tuple[float, str], ...]  # (t, cue key) of every frame showing a cue


@cache
def replay(path: Path) -> Replay:
    from posecoach.config import Settings
    from posecoach.session import Outputs, run_session
    from posecoach.sources import VideoFileSource

    truth = load_truth(path)
    gestures, cues = [], []

    def keep(result) -> None:
        reading = result.gesture
        if reading is not None and reading.recognised is not None:
            gestures.append((result.t, reading.recognised.name.lower()))
        if result.cue is not None:
            cues.append((result.t, result.cue.key))

    run_session(VideoFileSource(truth.video), Settings(), Outputs(), show_window=False,
                save_calibrations=False, parallel=False, on_result=keep)
    return Replay(truth, tuple(gestures), tuple(cues))


def test_the_guided_clips_cover_every_gesture_on_every_prop():
    shown = {(load_truth(p).family, s.label) for p in GESTURE_CLIPS
             for s in load_truth(p).segments if s.label.startswith("gesture_")}
    for family in ("roller", "ball_floor", "ball_wall"):
        for gesture in ("pressure", "pause", "end_set"):
            assert (family, f"gesture_{gesture}") in shown
    assert CAMERA_HIGH_CLIPS


@pytest.mark.parametrize("path", GESTURE_CLIPS, ids=lambda p: p.name.split(".")[0])
def test_the_labelled_gesture_is_recognised_once_and_nothing_else(request, path: Path):
    reason = KNOWN_MISSES.get(path.name.split(".")[0])
    if reason:
        request.applymarker(pytest.mark.xfail(strict=True, reason=reason))
    run = replay(path)
    (segment,) = [s for s in run.truth.segments if s.label.startswith("gesture_")]
    expected = segment.label.removeprefix("gesture_")
    assert [name for _, name in run.gestures] == [expected], run.gestures
    t = run.gestures[0][0]
    assert segment.start_s - EARLY_S <= t <= segment.end_s + LATE_S


@pytest.mark.parametrize("path", CAMERA_HIGH_CLIPS, ids=lambda p: p.name.split(".")[0])
def test_a_camera_looking_down_steeply_asks_to_be_lowered(path: Path):
    run = replay(path)
    assert CUE_CAMERA_HIGH.key in {key for _, key in run.cues}


@pytest.mark.parametrize("path", GESTURE_CLIPS + ROLLING, ids=lambda p: p.name.split(".")[0])
def test_a_camera_at_a_good_height_is_left_alone(path: Path):
    run = replay(path)
    assert CUE_CAMERA_HIGH.key not in {key for _, key in run.cues}


@pytest.mark.parametrize("path", ROLLING, ids=lambda p: p.name.split(".")[0])
def test_rolling_and_ball_work_makes_no_gesture(path: Path):
    assert replay(path).gestures == ()
