"""Faster replay: pose estimation for the second part of a video runs ahead in another process.

One PoseLandmarker keeps one core busy (DESIGN.md §3), and a replay has the whole video up
front. While this process analyses the first part (inference, stages, overlay, encoding), a
worker process estimates poses for the rest; when this process gets there, the poses are
already waiting and only the cheap stages, overlay and encoding remain. The worker starts a
second (``warmup_s``) early so MediaPipe's tracking has settled at the split; analysis stays
sequential in this process, so smoothing and the coach see one continuous session.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
from pathlib import Path
from types import TracebackType

from posecoach.config import ModelSettings
from posecoach.model import ModelFile
from posecoach.types import Frame, Pose

log = logging.getLogger(__name__)

BATCH = 16
#: Below this many frames a second process costs more to start (~1–2 s) than it saves.
MIN_FRAMES = 450


def split_frame(frame_count: int, share: float = 0.45) -> int:
    """Where the worker takes over: this process also draws and encodes every frame, so it
    keeps a bit less than half of the inference."""
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
                VideoFileSource(video, start_frame=start) as source:
            for frame in source:
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
        if self._process is not None:
            if self._process.is_alive():
                self._process.terminate()
            self._process.join(timeout=5)
            self._process = None

    def __call__(self, frame: Frame) -> tuple[list[Pose], float] | None:
        if frame.index < self.split or self.failed is not None:
            return None
        while frame.index not in self._pending and not self._done:
            self._receive()
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
