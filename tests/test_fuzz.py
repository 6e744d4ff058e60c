"""Fuzzing: hostile landmarks and timing through geometry, analyzers, coach and the whole
pipeline; random and truncated bytes through the video sources. Nothing may raise."""

from __future__ import annotations

import json
import math
import os

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from posecoach.coach import Coach, CoachState
from posecoach.config import Settings
from posecoach.errors import SourceError
from posecoach.exercises.ball import BallAnalyzer
from posecoach.exercises.posture import PostureAnalyzer
from posecoach.exercises.roller import RollerAnalyzer
from posecoach.geometry import body_geometry
from posecoach.landmarks import NUM_LANDMARKS
from posecoach.overlay import compose
from posecoach.pipeline import Pipeline
from posecoach.session import build_annotators, build_stages
from posecoach.sinks.jsonl import frame_record
from posecoach.smoothing import OneEuroFilter, PoseSmoother
from posecoach.sources import VideoFileSource
from posecoach.tracking import PersonSelector
from posecoach.types import Check, Cue, Frame, Pose
from tests.factories import make_pose, make_side_pose

WIDTH, HEIGHT = 320, 240
FUZZ = settings(max_examples=int(os.environ.get("FUZZ_EXAMPLES", "60")), deadline=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])

#: Coordinates a broken estimator or a glitch could hand over: in frame, far out of it, huge,
#: and not numbers at all.
hostile_coordinate = st.one_of(
    st.floats(-50, 400),
    st.floats(-1e6, 1e6),
    st.sampled_from([math.nan, math.inf, -math.inf, 0.0, 1e300, -1e300]),
)
unit_or_worse = st.one_of(st.floats(0, 1), st.sampled_from([math.nan, -1.0, 2.0, math.inf]))


@st.composite
def hostile_poses(draw) -> Pose:
    """A plausible person with some landmarks (or all) replaced by hostile values."""
    base = draw(st.sampled_from([make_pose(), make_side_pose(), make_side_pose(facing=-1),
                                 make_pose(scale=0.01)]))
    xy = base.xy.copy()
    visibility = base.visibility.copy()
    presence = base.presence.copy()
    mode = draw(st.sampled_from(["some", "all", "collapsed", "jump"]))
    if mode == "all":
        xy = np.array(draw(st.lists(hostile_coordinate, min_size=2 * NUM_LANDMARKS,
                                    max_size=2 * NUM_LANDMARKS))).reshape(NUM_LANDMARKS, 2)
    elif mode == "collapsed":
        xy[:] = draw(st.tuples(hostile_coordinate, hostile_coordinate))
    elif mode == "jump":
        xy = xy + np.array(draw(st.tuples(st.floats(-5000, 5000), st.floats(-5000, 5000))))
    indices = draw(st.lists(st.integers(0, NUM_LANDMARKS - 1), max_size=12))
    for index in indices:
        xy[index] = draw(st.tuples(hostile_coordinate, hostile_coordinate))
        visibility[index] = draw(unit_or_worse)
        presence[index] = draw(unit_or_worse)
    return Pose(xy=xy, visibility=visibility, presence=presence)


#: Frame times: mostly forward, sometimes repeated, backwards or jumping far ahead.
time_step = st.one_of(st.floats(0.001, 0.1), st.just(0.0), st.floats(-1.0, 0.0),
                      st.floats(1.0, 60.0))


@FUZZ
@given(pose=hostile_poses())
def test_geometry_and_analyzers_never_raise_on_hostile_landmarks(pose: Pose):
    geometry = body_geometry(pose)
    PostureAnalyzer().update(pose, 0.0)
    RollerAnalyzer().update(pose, geometry, None, "", 0.0)
    BallAnalyzer().update(pose, geometry, None, "", 0.0)


@FUZZ
@given(steps=st.lists(st.tuples(time_step, st.one_of(st.none(), st.floats(allow_nan=True)),
                                st.booleans()), min_size=1, max_size=60))
def test_coach_never_raises_and_shows_at_most_one_known_cue(steps):
    coach = Coach()
    state = CoachState()
    cue = Cue("test.slouch", "Sit tall")
    t = 0.0
    for dt, value, present in steps:
        t += dt
        check = Check(cue, value, onset=10.0, clear=5.0)
        state, decision = coach.step(state, t, [check], present)
        assert decision.cue in (None, cue)


class ScriptedEstimator:
    """Hands the pipeline whatever poses the test scripted for each call."""

    last_inference_ms = 1.0

    def __init__(self, script: list[list[Pose]]) -> None:
        self.script = list(script)

    def __call__(self, image, t):
        return self.script.pop(0) if self.script else []


@FUZZ
@given(data=st.data())
def test_pipeline_survives_hostile_landmarks_and_random_timing(data):
    n = data.draw(st.integers(1, 25))
    script = data.draw(st.lists(st.lists(hostile_poses(), max_size=2), min_size=n, max_size=n))
    steps = data.draw(st.lists(time_step, min_size=n, max_size=n))
    mode = data.draw(st.sampled_from(["auto", "posture", "roller", "ball"]))
    settings_ = Settings().with_overrides({"exercise.mode": mode})
    pipeline = Pipeline(ScriptedEstimator(script), PoseSmoother(OneEuroFilter(beta=0.02)),
                        PersonSelector(), build_stages(settings_), build_annotators(settings_))
    image = np.full((HEIGHT, WIDTH, 3), 90, np.uint8)
    t = 0.0
    for index, dt in enumerate(steps):
        t += dt
        result = pipeline.process(Frame(image=image, t=t, index=index))
        drawn = compose(image, result, pipeline.annotators)
        assert drawn.shape == image.shape
        json.dumps(frame_record(result), allow_nan=False)  # the log row stays valid JSON


def test_the_guard_drops_unusable_poses_and_bounds_the_rest():
    from posecoach.sanitize import sanitize_pose

    nan_hip = make_pose()
    nan_hip.xy[23] = math.nan
    assert sanitize_pose(nan_hip, WIDTH, HEIGHT) is None
    collapsed = make_pose()
    collapsed.xy[:] = 100.0
    assert sanitize_pose(collapsed, WIDTH, HEIGHT) is None
    wild = make_pose()
    wild.xy[0] = (math.inf, 5.0)  # the nose: not a number
    wild.xy[15] = (1e9, -1e9)  # a wrist: absurdly far out
    wild.visibility[16] = math.nan
    kept = sanitize_pose(wild, WIDTH, HEIGHT)
    assert kept is not None and np.isfinite(kept.xy).all()
    assert kept.visibility[0] == 0.0 and kept.presence[0] == 0.0
    assert -WIDTH <= kept.xy[15, 0] <= 2 * WIDTH and -HEIGHT <= kept.xy[15, 1] <= 2 * HEIGHT
    assert kept.visibility[16] == 0.0
    np.testing.assert_array_equal(kept.xy[11], make_pose().xy[11])  # good joints untouched


# --- video files: random bytes, truncations and damage through the sources -------------------

@pytest.fixture(scope="module")
def small_videos(tmp_path_factory) -> dict[str, bytes]:
    from tests.test_sources import write_test_video

    folder = tmp_path_factory.mktemp("fuzzvideo")
    return {suffix: write_test_video(folder / f"clip{suffix}", frames=20, size=(64, 48))
            .read_bytes() for suffix in (".mp4", ".mkv")}


def _read_all(path) -> int:
    """Frames a source yields from ``path``; only a SourceError may stop it from opening."""
    try:
        with VideoFileSource(path) as source:
            return sum(1 for _ in source)
    except SourceError as exc:
        assert "\n" not in exc.one_line() and str(path.name) in exc.one_line()
        return -1


@FUZZ
@given(data=st.binary(max_size=4096))
def test_random_bytes_are_refused_with_a_source_error(tmp_path_factory, data: bytes):
    path = tmp_path_factory.mktemp("bytes") / "random.mp4"
    path.write_bytes(data)
    assert _read_all(path) == -1


@FUZZ
@given(suffix=st.sampled_from([".mp4", ".mkv"]), cut=st.floats(0.0, 1.0),
       damage=st.lists(st.tuples(st.floats(0.0, 1.0), st.binary(min_size=1, max_size=64)),
                       max_size=3))
def test_truncated_or_damaged_videos_never_raise_past_the_source(
        tmp_path_factory, small_videos, suffix: str, cut: float, damage):
    data = bytearray(small_videos[suffix][: int(len(small_videos[suffix]) * cut)])
    for where, junk in damage:
        at = int(len(data) * where)
        data[at:at + len(junk)] = junk
    path = tmp_path_factory.mktemp("cut") / f"cut{suffix}"
    path.write_bytes(bytes(data))
    assert _read_all(path) <= 20
