"""Poses estimated on a thread beside the analysis (posecoach.ahead.PosesBeside)."""

from __future__ import annotations

import sys
import threading

import pytest

from posecoach.ahead import GIL_SWITCH_S, PosesBeside, read_ahead
from posecoach.pipeline import Pipeline
from posecoach.smoothing import OneEuroFilter, PoseSmoother
from posecoach.tracking import PersonSelector

from .factories import make_frame, make_side_pose


class RecordingEstimator:
    """Returns one side pose per call; records the calls' timestamps and threads."""

    def __init__(self) -> None:
        self.calls: list[tuple[float, str]] = []
        self.last_inference_ms = 0.0

    def __call__(self, image, t_s: float):
        self.calls.append((t_s, threading.current_thread().name))
        self.last_inference_ms = 5.0
        return [make_side_pose()]


def _frames(n: int):
    return [make_frame(i, t=i / 15) for i in range(n)]


def _pipeline(estimator) -> Pipeline:
    return Pipeline(estimator, PoseSmoother(OneEuroFilter()), PersonSelector())


def test_every_frame_gets_its_pose_from_the_thread_in_order() -> None:
    estimator = RecordingEstimator()
    results = []
    with PosesBeside(_frames(30), estimator, depth=2) as beside:
        _pipeline(estimator).run(beside.frames(), [], on_result=results.append,
                                 poses_for=beside)
    assert [r.frame_index for r in results] == list(range(30))
    assert all(r.pose is not None and r.inference_ms == 5.0 for r in results)
    times = [t for t, _ in estimator.calls]
    assert times == sorted(times) and len(times) == 30  # VIDEO mode: once each, in order
    assert {name for _, name in estimator.calls} == {"poses-beside"}


def test_skipped_frames_are_estimated_by_the_pipeline_after_the_thread_is_done() -> None:
    """Frames the thread skips (another process covers them) reach the pipeline without a
    pose; when that process has none, the pipeline estimates them itself, and the thread
    never touches the estimator for them (no two threads on one landmarker)."""
    estimator = RecordingEstimator()
    results = []
    with PosesBeside(_frames(20), estimator, skip=lambda f: f.index >= 12) as beside:
        _pipeline(estimator).run(beside.frames(), [], on_result=results.append,
                                 poses_for=beside)
    assert len(results) == 20 and all(r.pose is not None for r in results)
    names = [name for _, name in estimator.calls]
    assert names[:12] == ["poses-beside"] * 12
    assert "poses-beside" not in names[12:] and len(names) == 20
    times = [t for t, _ in estimator.calls]
    assert times == sorted(times)


def test_a_source_error_reaches_the_caller_and_an_early_stop_ends_the_thread() -> None:
    def broken():
        yield from _frames(3)
        raise OSError("damaged data")

    estimator = RecordingEstimator()
    with PosesBeside(broken(), estimator) as beside:
        seen = []
        with pytest.raises(OSError, match="damaged"):
            for frame in beside.frames():
                seen.append(frame.index)
    assert seen == [0, 1, 2]

    endless = (make_frame(i, t=i / 15) for i in range(10**6))
    with PosesBeside(endless, estimator, depth=1) as beside:
        for frame in beside.frames():
            if frame.index == 5:
                break
    assert not beside._thread.is_alive()
    assert len(estimator.calls) < 3 + 20  # stopped within a few frames of the break


def test_depth_is_checked() -> None:
    with pytest.raises(ValueError, match="depth"):
        PosesBeside([], RecordingEstimator(), depth=0)


def test_the_source_is_read_on_its_own_thread_beside_the_model() -> None:
    """Decoding the next frame must not wait for the model's current one: the source is
    iterated on another thread than the estimator's, and still in order, each frame once."""
    readers: list[str] = []

    def source():
        for frame in _frames(12):
            readers.append(threading.current_thread().name)
            yield frame

    estimator = RecordingEstimator()
    with PosesBeside(source(), estimator, depth=2) as beside:
        indices = [frame.index for frame in beside.frames()]
    assert indices == list(range(12))
    assert len(readers) == 12 and set(readers).isdisjoint({"poses-beside", "MainThread"})
    assert {name for _, name in estimator.calls} == {"poses-beside"}


def test_read_ahead_keeps_order_raises_the_source_error_and_stops_when_closed() -> None:
    readers: list[str] = []

    def source(n: int, fail: bool = False):
        for frame in _frames(n):
            readers.append(threading.current_thread().name)
            yield frame
        if fail:
            raise OSError("damaged data")

    assert [f.index for f in read_ahead(source(9))] == list(range(9))
    assert set(readers) == {"frames-ahead"}  # read beside the caller, not by it
    seen = []
    with pytest.raises(OSError, match="damaged"):
        for frame in read_ahead(source(3, fail=True)):
            seen.append(frame.index)
    assert seen == [0, 1, 2]
    endless = (make_frame(i, t=i / 15) for i in range(10**6))
    frames = read_ahead(endless, depth=2)
    assert next(frames).index == 0
    frames.close()
    assert next(endless).index < 10  # the reader stopped a few frames ahead


class PreparingEstimator(RecordingEstimator):
    """A RecordingEstimator whose input is made apart (as PoseEstimator.prepare)."""

    def __init__(self) -> None:
        super().__init__()
        self.prepared_on: list[tuple[int, str]] = []
        self.given: list[object] = []

    def prepare(self, image):
        self.prepared_on.append((int(image[0, 0, 0]), threading.current_thread().name))
        return ("input", int(image[0, 0, 0]))

    def __call__(self, image, t_s: float, prepared=None):
        self.given.append(prepared)
        return super().__call__(image, t_s)


def test_the_model_input_is_made_on_the_reader_thread_not_the_model_thread() -> None:
    """The colour conversion and the model's image are made where the frames are decoded,
    so the model thread needs the GIL only around the model itself; skipped frames (another
    process estimates them) are not converted at all. The thread switch interval is
    shortened only while the thread runs."""
    frames = _frames(16)
    for frame in frames:
        frame.image[0, 0, 0] = frame.index
    estimator = PreparingEstimator()
    switch = sys.getswitchinterval()
    with PosesBeside(frames, estimator, skip=lambda f: f.index >= 10) as beside:
        assert sys.getswitchinterval() <= GIL_SWITCH_S
        for _ in beside.frames():
            pass
    assert sys.getswitchinterval() == switch
    assert [index for index, _ in estimator.prepared_on] == list(range(10))
    assert {name for _, name in estimator.prepared_on} == {"frames-ahead"}
    assert estimator.given == [("input", k) for k in range(10)]
    assert {name for _, name in estimator.calls} == {"poses-beside"}
