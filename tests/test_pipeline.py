from __future__ import annotations

import json
import os
import signal
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from posecoach.errors import CameraLostError
from posecoach.overlay import HudAnnotator, SkeletonAnnotator
from posecoach.pipeline import LatencyMeter, Pipeline
from posecoach.sinks import JsonlSink
from posecoach.smoothing import OneEuroFilter, PoseSmoother
from posecoach.tracking import PersonSelector
from posecoach.types import Cue, FrameResult
from tests.factories import make_frame, make_pose


class FakeEstimator:
    """Returns a person in frames whose index is in ``with_person``."""

    def __init__(self, with_person=range(1000), people: int = 1) -> None:
        self.with_person = set(with_person)
        self.people = people
        self.last_inference_ms = 0.0
        self.calls = 0

    def __call__(self, image, t):
        self.calls += 1
        self.last_inference_ms = 12.5
        index = int(round(t * 30))
        if index not in self.with_person:
            return []
        return [make_pose(offset=(i * 250.0, 0.0), scale=1.0 - 0.3 * i) for i in range(self.people)]


class RecordingSink:
    wants_image = True

    def __init__(self) -> None:
        self.images: list[np.ndarray] = []
        self.results: list[FrameResult] = []
        self.closed = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.closed = True

    def write(self, image, result):
        self.images.append(image.copy())
        self.results.append(result)


class CueStage:
    """Shows a cue on frames 5..9 (stands in for the coach)."""

    def update(self, frame, result):
        if 5 <= frame.index < 10:
            from dataclasses import replace

            return replace(result, cue=Cue("test.cue", "Sit tall"))
        return result


def make_pipeline(estimator, stages=()) -> Pipeline:
    return Pipeline(estimator, PoseSmoother(OneEuroFilter()), PersonSelector(), stages,
                    [SkeletonAnnotator(), HudAnnotator()])


def frames(n: int):
    return [make_frame(i) for i in range(n)]


def test_every_frame_reaches_the_sinks_in_order_with_the_overlay_drawn():
    sink = RecordingSink()
    stats = make_pipeline(FakeEstimator(with_person=range(0, 5))).run(frames(10), [sink])
    assert [r.frame_index for r in sink.results] == list(range(10))
    assert sink.closed
    assert stats.frames == 10 and stats.person_frames == 5
    assert [r.pose is not None for r in sink.results] == [True] * 5 + [False] * 5
    # Skeleton drawn where the person is: the nose landmark's pixel is no longer background.
    nose = np.round(sink.results[0].pose.xy[0]).astype(int)
    assert sink.images[0][nose[1], nose[0]].mean() > 100
    assert sink.images[7][nose[1], nose[0]].mean() == pytest.approx(40, abs=1)


def test_cues_are_counted_once_per_appearance():
    stats = make_pipeline(FakeEstimator(), [CueStage()]).run(frames(15), [])
    assert stats.cue_counts == {"test.cue": 1}


def test_status_says_when_several_people_are_in_view():
    sink = RecordingSink()
    make_pipeline(FakeEstimator(people=2)).run(frames(3), [sink])
    assert sink.results[-1].status == "2 people in view"


def _interrupted_frames(n: int, error: BaseException):
    yield from frames(n)
    raise error


def test_ctrl_c_ends_the_run_and_keeps_what_was_logged(tmp_path: Path):
    log = tmp_path / "frames.jsonl"
    stats = make_pipeline(FakeEstimator()).run(_interrupted_frames(40, KeyboardInterrupt()),
                                               [JsonlSink(log)])
    assert stats.interrupted and stats.frames == 40
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [r["frame"] for r in rows] == list(range(40))
    assert len(rows[0]["landmarks"]) == 33


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_stop_signal_mid_frame_ends_the_run_with_that_frame_in_every_output(signum):
    # Ctrl-C while a frame is being handed out (here: after the sinks got it, before the
    # frame log's callback) must not leave it in one output and not the other.
    sink, logged = RecordingSink(), []

    def on_result(result: FrameResult) -> None:
        if result.frame_index == 5:
            os.kill(os.getpid(), signum)
        logged.append(result.frame_index)

    previous = signal.signal(signal.SIGTERM, signal.default_int_handler)
    try:
        stats = make_pipeline(FakeEstimator()).run(frames(40), [sink], on_result=on_result)
    finally:
        signal.signal(signal.SIGTERM, previous)
    assert stats.interrupted
    assert logged == [r.frame_index for r in sink.results] == list(range(6))
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler  # handler given back


def test_an_ignored_ctrl_c_stays_ignored():
    # A batch worker ignores Ctrl-C (its driver stops the batch): its video runs to the end.
    logged = []

    def on_result(result: FrameResult) -> None:
        if result.frame_index == 5:
            os.kill(os.getpid(), signal.SIGINT)
        logged.append(result.frame_index)

    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        stats = make_pipeline(FakeEstimator()).run(frames(20), [], on_result=on_result)
        assert signal.getsignal(signal.SIGINT) is signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)
    assert not stats.interrupted and logged == list(range(20))


def test_a_lost_camera_ends_the_run_with_its_data_flushed(tmp_path: Path):
    log = tmp_path / "frames.jsonl"
    lost = CameraLostError("camera 0 stopped delivering frames", "check the cable")
    stats = make_pipeline(FakeEstimator()).run(_interrupted_frames(12, lost), [JsonlSink(log)])
    assert stats.camera_lost
    assert "check the cable" in stats.source_error
    assert len(log.read_text().splitlines()) == 12


class BrokenSink(RecordingSink):
    def write(self, image, result):
        raise OSError(28, "No space left on device")


def test_a_failing_sink_stops_the_run_with_its_error():
    with pytest.raises(OSError, match="No space left"):
        make_pipeline(FakeEstimator()).run(frames(50), [BrokenSink()])


def test_p_pauses_and_resumes_coaching():
    from posecoach.config import CoachSettings
    from posecoach.stages import CoachStage
    from posecoach.types import Check

    stage = CoachStage(CoachSettings(form_min_s=0.0, clear_s=0.0))
    bad = Check(Cue("posture.slouch", "Sit tall"), 20.0, 10.0, 5.0)

    def step(i):
        frame = make_frame(i)
        return stage.update(frame, FrameResult(frame_index=i, t=frame.t, pose=make_pose(),
                                               inference_ms=1.0, checks=(bad,)))

    assert step(0).cue is not None
    stage.on_key(ord("p"), 0.1)
    paused = step(1)
    assert paused.cue is None and paused.status.startswith("paused")
    stage.on_key(ord("p"), 0.2)
    assert step(2).cue is not None


def test_capture_time_reaches_the_result_and_the_latency_meter():
    clock = iter([100.25, 100.5])
    meter = LatencyMeter(clock=lambda: next(clock))
    pipeline = Pipeline(FakeEstimator(), PoseSmoother(OneEuroFilter()), PersonSelector(),
                        latency=meter)
    frames = [replace(make_frame(i), captured=100.0 + 0.2 * i) for i in range(2)]
    results: list[FrameResult] = []
    pipeline.run(frames, on_result=results.append)
    assert [r.captured for r in results] == [100.0, 100.2]
    assert meter.latency_ms == pytest.approx([250.0, 300.0])
    assert meter.model_ms == [12.5, 12.5]
    assert meter.beyond_model_ms() == pytest.approx([237.5, 287.5])


def test_frames_without_a_capture_time_are_not_counted_as_latency():
    meter = LatencyMeter()
    pipeline = Pipeline(FakeEstimator(), PoseSmoother(OneEuroFilter()), PersonSelector(),
                        latency=meter)
    pipeline.run([make_frame(i) for i in range(3)])
    assert meter.latency_ms == []
