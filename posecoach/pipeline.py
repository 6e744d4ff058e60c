"""The one loop: source → pose → person → smoothing → stages (analyzers, coach) → sinks.

No domain logic lives here. Analyzers and the coach are :class:`Stage` objects that take the
frame's result so far and return it enriched. Drawing and encoding run beside the loop, in a
sink process for replays that write files and on a worker thread otherwise, so they overlap
with inference, which keeps one core busy by itself (docs/engineering.md §1.3, §5); the window,
which SDL needs on the main thread, is drawn there.
"""

from __future__ import annotations

import contextlib
import logging
import signal
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import numpy as np

from posecoach.errors import CameraLostError
from posecoach.overlay import Annotator, compose
from posecoach.sanitize import sanitize_poses
from posecoach.sink_workers import ProcessSinkWorker, ThreadSinkWorker
from posecoach.sinks.base import Sink
from posecoach.sinks.window import WindowSink
from posecoach.smoothing import PoseSmoother
from posecoach.tracking import PersonSelector
from posecoach.types import Frame, FrameResult, Pose

log = logging.getLogger(__name__)


class Estimator(Protocol):
    """Anything that returns the poses in an image taken at ``t_s`` seconds."""

    last_inference_ms: float

    def __call__(self, image_bgr: np.ndarray, t_s: float) -> list[Pose]: ...


class Stage(Protocol):
    """A step after pose estimation: reads the frame and the result so far, returns it enriched.

    Stages are called in order on the pipeline thread, once per frame.
    """

    def update(self, frame: Frame, result: FrameResult) -> FrameResult: ...


@dataclass
class SessionStats:
    """Totals of one run.

    Attributes:
        frames: frames processed.
        person_frames: frames in which a person was tracked.
        first_t, last_t: media time of the first and last frame (s).
        wall_s: wall-clock duration of the run (s).
        inference_ms_total: summed model time (ms).
        interrupted: True when the user stopped the run (Ctrl-C, q, window closed).
        source_error: a one-line note when the source ended early (damaged data, camera lost).
        camera_lost: True when the live camera went away and did not come back.
        cue_counts: how often each cue key was shown (counted on its appearance).
        totals: session totals the stages report (e.g. time in good posture, s).
        baselines: posture baselines recorded during the session.
    """

    frames: int = 0
    person_frames: int = 0
    first_t: float | None = None
    last_t: float | None = None
    wall_s: float = 0.0
    inference_ms_total: float = 0.0
    interrupted: bool = False
    source_error: str | None = None
    camera_lost: bool = False
    cue_counts: dict[str, int] = field(default_factory=dict)
    last_cue_key: str | None = field(default=None, repr=False)
    totals: dict[str, float] = field(default_factory=dict)
    baselines: list[Any] = field(default_factory=list)

    @property
    def media_s(self) -> float:
        if self.first_t is None or self.last_t is None:
            return 0.0
        return self.last_t - self.first_t

    @property
    def fps(self) -> float:
        return self.frames / self.wall_s if self.wall_s > 0 else 0.0

    @property
    def mean_inference_ms(self) -> float:
        return self.inference_ms_total / self.frames if self.frames else 0.0


class FpsMeter:
    """Throughput over a sliding window of recent frames (wall clock)."""

    def __init__(self, window: int = 30) -> None:
        self._times: list[float] = []
        self._window = window

    def tick(self, now: float) -> float:
        self._times.append(now)
        if len(self._times) > self._window:
            del self._times[0]
        if len(self._times) < 2:
            return 0.0
        return (len(self._times) - 1) / max(self._times[-1] - self._times[0], 1e-9)


class StageTimer:
    """Per-frame time of each step after the model, in ms (benchmarks; off by default).

    Args:
        clock: seconds; wall time by default. ``time.process_time`` gives the CPU time the
            steps used, which on a loaded machine leaves out the time spent waiting for it.

    Attributes:
        ms: step name → one duration per frame, in frame order ("person" = selection and
            smoothing, then each stage by its ``name`` or class name).
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter) -> None:
        self.clock = clock
        self.ms: dict[str, list[float]] = {}

    def add(self, name: str, started: float, now: float) -> None:
        self.ms.setdefault(name, []).append((now - started) * 1000.0)


class LatencyMeter:
    """Capture → screen latency of live frames, in ms (benchmarks; off by default).

    A frame counts once its picture, with the overlay and the cue, has been handed to the window
    (or, with no window, once its result is complete). Only frames with a capture time (live
    sources) count.

    Args:
        clock: ``time.monotonic`` seconds, the clock live sources stamp frames with.

    Attributes:
        latency_ms: capture → shown, one per frame, in frame order.
        model_ms: the model's own time on the same frames.
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.latency_ms: list[float] = []
        self.model_ms: list[float] = []

    def shown(self, result: FrameResult) -> None:
        if result.captured is None:
            return
        self.latency_ms.append((self.clock() - result.captured) * 1000.0)
        self.model_ms.append(result.inference_ms)

    def beyond_model_ms(self) -> np.ndarray:
        """Per frame: latency minus the model's time (what posecoach adds to the model)."""
        return np.asarray(self.latency_ms) - np.asarray(self.model_ms)


class Pipeline:
    """Turns frames into :class:`FrameResult` s and hands them to sinks.

    Args:
        estimator: the pose model.
        smoother: landmark smoothing.
        selector: keeps the tracked person among several.
        stages: analyzers and the coach, in order.
        annotators: overlay drawn for sinks that want an image.
        timer: records each step's time per frame, or None (the default: nothing kept).
        latency: records each live frame's capture → screen time, or None (the default).
    """

    def __init__(self, estimator: Estimator, smoother: PoseSmoother, selector: PersonSelector,
                 stages: Sequence[Stage] = (), annotators: Sequence[Annotator] = (),
                 timer: StageTimer | None = None, latency: LatencyMeter | None = None) -> None:
        self.estimator = estimator
        self.smoother = smoother
        self.selector = selector
        self.stages = list(stages)
        self.annotators = list(annotators)
        self.timer = timer
        self.latency = latency
        self._fps = FpsMeter()

    def process(self, frame: Frame, poses: list[Pose] | None = None,
                inference_ms: float | None = None) -> FrameResult:
        """One frame through estimation (unless ``poses`` are given), selection, smoothing and
        the stages."""
        if poses is None:
            poses = self.estimator(frame.image, frame.t)
            inference_ms = self.estimator.last_inference_ms
        poses = sanitize_poses(poses, *frame.size)  # finite, bounded landmarks from here on
        timer = self.timer
        started = timer.clock() if timer is not None else 0.0
        person = self.selector.update(poses, frame.t)
        smoothed = self.smoother.update(person, frame.t)
        result = FrameResult(frame_index=frame.index, t=frame.t, pose=smoothed,
                             inference_ms=inference_ms or 0.0,
                             fps=self._fps.tick(time.perf_counter()), captured=frame.captured,
                             metrics={"scene.people": float(self.selector.people_in_view)})
        if self.selector.people_in_view > 1:
            result = replace(result, status=f"{self.selector.people_in_view} people in view")
        if timer is not None:
            now = timer.clock()
            timer.add("person", started, now)
            started = now
        for stage in self.stages:
            result = stage.update(frame, result)
            if timer is not None:
                now = timer.clock()
                timer.add(getattr(stage, "name", type(stage).__name__), started, now)
                started = now
        return result

    def run(self, frames: Iterable[Frame], sinks: Sequence[Sink] = (),
            window: WindowSink | None = None,
            on_result: Callable[[FrameResult], None] | None = None,
            stop_when: Callable[[FrameResult], bool] | None = None,
            poses_for: Callable[[Frame], tuple[list[Pose], float] | None] | None = None,
            sink_process: bool = False,
            frame_shape: tuple[int, int, int] | None = None,
            sink_worker: ProcessSinkWorker | None = None) -> SessionStats:
        """Process every frame until the source ends, the user quits, Ctrl-C, or ``stop_when``
        returns True for a result. ``poses_for`` may supply poses computed elsewhere
        (``(poses, inference_ms)``, or None to estimate here). With ``sink_process`` (and the
        ``frame_shape`` of the source) the sinks run in a child process
        (:class:`~posecoach.sink_workers.ProcessSinkWorker`), else on a thread;
        ``sink_worker`` is such a process the caller already started for ``sinks``.

        Sinks are written in order on a worker thread; ``window`` (if any) on this thread.
        Whatever was processed is flushed to the sinks even when the run is interrupted.
        """
        stats = SessionStats()
        started = time.perf_counter()
        workers = sink_worker or self._sink_worker(sinks, sink_process, frame_shape)
        with workers as worker, _stop_between_frames() as stop:
            try:
                for frame in frames:
                    if stop.requested:
                        stats.interrupted = True
                        break
                    ready = poses_for(frame) if poses_for is not None else None
                    result = (self.process(frame) if ready is None
                              else self.process(frame, ready[0], ready[1]))
                    _count(stats, result)
                    annotated = None
                    if window is not None:
                        annotated = compose(frame.image, result, self.annotators)
                        window.write(annotated, result)
                        if window.last_key >= 0:
                            self._key(window.last_key, frame.t)
                            worker.on_key(window.last_key, frame.t)
                    if self.latency is not None:
                        self.latency.shown(result)  # on screen (or, with no window, complete)
                    worker.submit(frame.image, result, annotated=annotated is not None)
                    if on_result is not None:
                        on_result(result)
                    if window is not None and window.closed:
                        stats.interrupted = True
                        break
                    if stop_when is not None and stop_when(result):
                        break
            except KeyboardInterrupt:
                stats.interrupted = True
            except CameraLostError as exc:
                # Keep the session: sinks still flush; the caller reports the loss.
                stats.source_error = exc.one_line()
                stats.camera_lost = True
        stats.wall_s = time.perf_counter() - started
        return stats

    def _key(self, key: int, t: float) -> None:
        """Hand a key press from the window to the stages that take keys (c: calibrate,
        p: pause); the sink worker passes it to its sinks (m: mute)."""
        for stage in self.stages:
            on_key = getattr(stage, "on_key", None)
            if on_key is not None:
                on_key(key, t)

    def _sink_worker(self, sinks: Sequence[Sink], in_process: bool,
                     frame_shape: tuple[int, int, int] | None):
        if in_process and sinks and frame_shape is not None:
            return ProcessSinkWorker(sinks, self.annotators, frame_shape)
        return ThreadSinkWorker(sinks, self.annotators)


class _StopRequest:
    requested = False


@contextlib.contextmanager
def _stop_between_frames() -> Iterator[_StopRequest]:
    """Ctrl-C and SIGTERM end the loop between two frames, so a frame is handed to every
    output or to none: the video and the log keep the same frames. A second one interrupts
    at once (a source that blocks, e.g. a camera that hangs). Only the main thread can take
    signals; elsewhere nothing changes, and a signal the process ignores stays ignored (batch
    workers leave Ctrl-C to their driver)."""
    stop = _StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield stop
        return

    def request(signum: int, frame: object) -> None:
        if stop.requested:
            raise KeyboardInterrupt
        stop.requested = True

    previous = {sig: signal.signal(sig, request) for sig in (signal.SIGINT, signal.SIGTERM)
                if signal.getsignal(sig) is not signal.SIG_IGN}
    try:
        yield stop
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _count(stats: SessionStats, result: FrameResult) -> None:
    stats.frames += 1
    stats.person_frames += result.pose is not None
    stats.inference_ms_total += result.inference_ms
    if stats.first_t is None:
        stats.first_t = result.t
    stats.last_t = result.t
    cue_key = result.cue.key if result.cue else None
    if cue_key is not None and cue_key != stats.last_cue_key:
        stats.cue_counts[cue_key] = stats.cue_counts.get(cue_key, 0) + 1
    stats.last_cue_key = cue_key
