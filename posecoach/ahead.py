"""Faster replay: pose estimation runs ahead of the analysis, beside it in a thread
(:class:`PosesBeside`) and, for the second part of a long video, in another process.

One PoseLandmarker keeps one core busy (docs/engineering.md §1.3), and a replay has the whole video
up front. While this process analyses the first part (inference, stages, overlay, encoding), a
worker process estimates poses for the rest; when this process gets there, the poses are
already waiting and only the cheap stages, overlay and encoding remain. The worker starts a
second (``warmup_s``) early so MediaPipe's tracking has settled at the split; analysis stays
sequential in this process, so smoothing and the coach see one continuous session.
"""

from __future__ import annotations

import contextlib
import logging
import multiprocessing as mp
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Protocol

from posecoach.config import ModelSettings
from posecoach.model import ModelFile
from posecoach.types import Frame, Pose

#: Python's thread switch interval while poses are estimated beside the analysis (see
#: PosesBeside), seconds: 0.2 ms gave the model thread its GIL back soonest (replay ÷ bare
#: on the roller clip 0.84 at 1 ms, 0.87 at 5 ms, 0.90 at 0.1-0.2 ms, 0.86 at 0.05 ms,
#: docs/engineering.md §5.7).
GIL_SWITCH_S = 0.0002

log = logging.getLogger(__name__)


class Estimator(Protocol):
    last_inference_ms: float

    def __call__(self, image_bgr, t_s: float) -> list[Pose]: ...

BATCH = 16
#: Below this many frames a second process costs more to start (~1–2 s) than it saves.
MIN_FRAMES = 450


#: This process's share of the inference. Besides its part of the model it decodes and
#: analyses every frame (~3-8 ms a frame) and, with a video, feeds the sink process, which
#: draws and encodes (~3 ms) on the same two cores, while the worker also estimates ~1 s of
#: warm-up: both pose processes finish together when the worker takes about half of all the
#: CPU, i.e. share ≈ 0.5 + warm-up / 2N − (other ms a frame) / (2 × model ms), with the model
#: at ~18 ms a frame (bench/bench_breakdown.py).
SHARE = 0.45
SHARE_WITH_VIDEO = 0.38


def split_frame(frame_count: int, share: float = SHARE) -> int:
    """Where the worker takes over: this process keeps the first ``share`` of the frames.

    Raises:
        ValueError: share not in (0, 1).
    """
    if not 0.0 < share < 1.0:
        raise ValueError(f"share must be in (0, 1), got {share}")
    return int(frame_count * share)


def _worker(video: str, model_path: str, model_settings: ModelSettings, start: int, split: int,
            out: mp.Queue) -> None:
    """Worker process: poses for frames ``split`` onward, in order, in batches."""
    from posecoach.estimator import PoseEstimator
    from posecoach.model import resolve_model
    from posecoach.sources.video import VideoFileSource

    try:
        model = resolve_model(model_path)
        batch: list[tuple[int, list[Pose], float]] = []
        with PoseEstimator(model, model_settings) as estimator, \
                VideoFileSource(video, start_frame=start) as source, \
                contextlib.closing(read_ahead(source)) as frames:
            for frame in frames:
                poses = estimator(frame.image, frame.t)
                if frame.index < split:
                    continue  # warm-up: lets tracking settle before the split
                batch.append((frame.index, poses, estimator.last_inference_ms))
                if len(batch) >= BATCH:
                    if not _put(out, batch):
                        return
                    batch = []
        if _put(out, batch):
            _put(out, None)
    except Exception as exc:  # reported to the parent, which then estimates itself
        _put(out, exc)


def read_ahead(frames: Iterable[Frame], depth: int = 4) -> Iterator[Frame]:
    """``frames``, read on a thread up to ``depth`` frames ahead of the caller, so decoding
    overlaps the model (see :class:`PosesBeside`). An error of ``frames`` is raised here, in
    the caller's thread; closing the generator stops the thread."""
    decoded: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: tuple) -> bool:
        while not stop.is_set():
            try:
                decoded.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def read() -> None:
        try:
            for frame in frames:
                if not put(("frame", frame)):
                    return
            put(("end",))
        except BaseException as exc:  # raised in the caller's thread
            put(("error", exc))

    thread = threading.Thread(target=read, name="frames-ahead", daemon=True)
    thread.start()
    try:
        while True:
            item = decoded.get()
            if item[0] == "end":
                return
            if item[0] == "error":
                raise item[1]
            yield item[1]
    finally:
        stop.set()
        while thread.is_alive():  # unblock a reader waiting on a full queue
            with contextlib.suppress(queue.Empty):
                decoded.get(timeout=0.05)
        thread.join()


def _put(out: mp.Queue, item: object) -> bool:
    """Queue ``item`` for the parent; False when the parent died (killed), so the worker
    stops instead of estimating for nobody or waiting forever on a full queue."""
    parent = mp.parent_process()
    while parent is None or parent.is_alive():
        try:
            out.put(item, timeout=1.0)
            return True
        except queue.Full:
            continue
    out.cancel_join_thread()  # nobody will read what is queued: do not wait to flush it
    return False


class PosesAhead:
    """Poses for frames from ``split`` onward, computed by a worker process.

    Use as a context manager; call with a frame to get ``(poses, inference_ms)`` for frames the
    worker covers, or None for frames this process must estimate itself (before the split, or
    after the worker failed).
    """

    def __init__(self, video: Path, model: ModelFile, settings: ModelSettings, split: int,
                 warmup_frames: int) -> None:
        self.video = video
        self.model = model
        self.settings = settings
        self.split = split
        self.start = max(0, split - warmup_frames)
        self._queue: mp.Queue | None = None
        self._process: mp.process.BaseProcess | None = None
        self._pending: dict[int, tuple[list[Pose], float]] = {}
        self._done = False
        self.failed: str | None = None
        #: Seconds this process spent waiting for the worker's poses (an idle core, unless
        #: the sink process had work): the split was too late when this is large.
        self.waited_s = 0.0

    def __enter__(self) -> PosesAhead:
        context = mp.get_context("spawn")  # never fork a process with MediaPipe threads
        self._queue = context.Queue(maxsize=64)
        self._process = context.Process(
            target=_worker, name="posecoach-poses-ahead", daemon=True,
            args=(str(self.video), str(self.model.path), self.settings, self.start, self.split,
                  self._queue))
        self._process.start()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        log.info("pose worker: frames %d on; this process waited %.2f s for its poses",
                 self.split, self.waited_s)
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join(timeout=5)
            self._process = None

    def __call__(self, frame: Frame) -> tuple[list[Pose], float] | None:
        if frame.index < self.split or self.failed is not None:
            return None
        if frame.index not in self._pending and not self._done:
            started = time.perf_counter()
            while frame.index not in self._pending and not self._done:
                self._receive()
            self.waited_s += time.perf_counter() - started
        return self._pending.pop(frame.index, None)

    def _receive(self) -> None:
        assert self._queue is not None
        try:
            item = self._queue.get(timeout=60)
        except queue.Empty:
            item = RuntimeError("pose worker stopped answering")
        if item is None:
            self._done = True
        elif isinstance(item, BaseException):
            self.failed = f"{type(item).__name__}: {item}"
            log.warning("pose worker failed (%s); estimating in this process", self.failed)
            self._done = True
        else:
            for index, poses, ms in item:
                self._pending[index] = (poses, ms)


class PosesBeside:
    """Pose estimation on a thread, a few frames ahead of the analysis, in this process.

    MediaPipe runs the model on its own native thread and the caller only waits for it (with
    Python's GIL released), so decoding the next frame and estimating its pose can overlap
    with the stages, overlay and sinks of the current one: a replay then runs at the model's
    own speed instead of the model's plus everything else's.

    The source is read (decoded) on a third thread, a few frames ahead of the model: the model
    thread then only runs the model, which alone sets the pace (decoding costs ~1 ms a frame
    at 640×480, bench/bench_breakdown.py; PyAV and OpenCV release the GIL while they work).

    Use as a context manager; iterate :meth:`frames` instead of the source, and pass the
    object as the pipeline's ``poses_for``. Frames for which ``skip`` is true are passed on
    without a pose (another process estimates them, see :class:`PosesAhead`). An error of
    the source is raised from :meth:`frames`, in the caller's thread.

    Args:
        source: the frames, in order (read only by the thread).
        estimator: called as ``estimator(image, t)``, with ``last_inference_ms``.
        skip: frames not to estimate, or None.
        depth: frames estimated ahead at most, >= 1 (memory stays bounded).

    Raises:
        ValueError: depth < 1.
    """

    def __init__(self, source: Iterable[Frame], estimator: Estimator,
                 skip: Callable[[Frame], bool] | None = None, depth: int = 2) -> None:
        if depth < 1:
            raise ValueError(f"depth must be >= 1, got {depth}")
        self._source = source
        self._estimator = estimator
        self._skip = skip
        self._queue: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="poses-beside", daemon=True)
        self._poses: dict[int, tuple[list[Pose], float]] = {}
        self._depth = depth

    def __enter__(self) -> PosesBeside:
        # When the model returns, its thread waits for the GIL until the analysis thread
        # lets go of it: by default up to 5 ms (sys.getswitchinterval), a quarter of a
        # frame's model time. A shorter interval, while this runs, keeps that wait short;
        # the analysis is made to let go only when another thread asks for the GIL.
        self._switch_s = sys.getswitchinterval()
        sys.setswitchinterval(min(self._switch_s, GIL_SWITCH_S))
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        while self._thread.is_alive():  # unblock a thread waiting on a full queue
            with contextlib.suppress(queue.Empty):
                self._queue.get(timeout=0.05)
        self._thread.join()
        sys.setswitchinterval(self._switch_s)

    def _put(self, item: tuple) -> bool:
        while not self._stop.is_set():
            try:
                self._queue.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def _read(self) -> Iterator[tuple[Frame, bool, object | None]]:
        """On the reader thread: each frame, whether to estimate it, and the model's input
        when the estimator makes it apart (``prepare``, as :class:`PoseEstimator`)."""
        prepare = getattr(self._estimator, "prepare", None)
        for frame in self._source:
            estimate = self._skip is None or not self._skip(frame)
            yield frame, estimate, (prepare(frame.image) if estimate and prepare else None)

    def _run(self) -> None:
        """The model thread: each frame's poses (unless skipped), in order; the frames are
        decoded, and the model's input made, on a reader thread (:func:`read_ahead`), so
        this thread needs the GIL only to start the model and to read its result."""
        try:
            with contextlib.closing(read_ahead(self._read(), self._depth + 2)) as frames:
                for frame, estimate, prepared in frames:
                    poses = None
                    if estimate:
                        found = (self._estimator(frame.image, frame.t) if prepared is None
                                 else self._estimator(frame.image, frame.t, prepared))
                        poses = (found, self._estimator.last_inference_ms)
                    if not self._put(("frame", frame, poses)):
                        return
            self._put(("end",))
        except BaseException as exc:  # handed to the caller's thread
            self._put(("error", exc))

    def frames(self) -> Iterator[Frame]:
        """The source's frames, each once its pose is ready."""
        while True:
            item = self._queue.get()
            if item[0] == "end":
                return
            if item[0] == "error":
                raise item[1]
            _, frame, poses = item
            if poses is not None:
                self._poses[frame.index] = poses
            yield frame

    def __call__(self, frame: Frame) -> tuple[list[Pose], float] | None:
        return self._poses.pop(frame.index, None)
