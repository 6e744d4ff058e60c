"""Pose estimation: the only module that imports MediaPipe.

Runs PoseLandmarker in VIDEO mode: it tracks the person between frames, which on these
2-core CPUs is both faster (~16 vs ~26 ms per frame) and finds the pose in far more frames than
IMAGE mode (docs/engineering.md §1.2). VIDEO mode needs strictly increasing millisecond timestamps.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import sys
import time
from collections.abc import Callable, Iterator
from types import TracebackType

import cv2
import numpy as np

from posecoach.config import ModelSettings
from posecoach.errors import ModelError
from posecoach.landmarks import NUM_LANDMARKS
from posecoach.model import ModelFile
from posecoach.privacy import keep_mediapipe_logging_local
from posecoach.types import Pose

log = logging.getLogger(__name__)


class PoseEstimator:
    """Wraps MediaPipe's PoseLandmarker; returns plain :class:`Pose` arrays in pixels.

    Use as a context manager so the native graph is released::

        with PoseEstimator(model, settings) as estimator:
            poses = estimator(image_bgr, t_s)

    Raises:
        ModelError: MediaPipe cannot load the model.
    """

    def __init__(self, model: ModelFile, settings: ModelSettings | None = None) -> None:
        self.model = model
        self._landmarker = self._create(settings or ModelSettings())
        self._detect = _detect_for_video(self._landmarker)
        self._last_ms = -1
        self._calls = 0
        self.last_inference_ms = 0.0

    def restart(self, settings: ModelSettings | None = None) -> None:
        """Start again as a new estimator would, for a new video: MediaPipe keeps tracking and
        smoothing state that no call resets (measured: after another video and blank frames,
        99 of 300 frames still differed by up to 1.5 px), so the native landmarker is created
        again from the model bytes (~0.4 s, against ~2.4 s for the first one in a process)."""
        self.close()
        self._landmarker = self._create(settings or ModelSettings())
        self._detect = _detect_for_video(self._landmarker)
        self._last_ms = -1
        self._calls = 0

    def _create(self, settings: ModelSettings):
        model = self.model
        # Before MediaPipe loads: newer wheels POST usage logs to Google from a native thread
        # (google-ai-edge/mediapipe#6291); this keeps them on the machine (see privacy.py).
        # Done here, not at import, so every process that makes a landmarker (this one, the
        # pose worker in ahead.py, doctor) is covered.
        keep_mediapipe_logging_local(os.environ)
        # Imported here, not at module import: importing MediaPipe takes ~1 s.
        from mediapipe.tasks.python import BaseOptions, vision

        options = vision.PoseLandmarkerOptions(
            base_options=BaseOptions(model_asset_buffer=model.read_bytes()),
            running_mode=vision.RunningMode.VIDEO,
            num_poses=settings.num_poses,
            min_pose_detection_confidence=settings.min_detection_confidence,
            min_pose_presence_confidence=settings.min_presence_confidence,
            min_tracking_confidence=settings.min_tracking_confidence,
        )
        try:
            with quiet_native_stderr():
                return vision.PoseLandmarker.create_from_options(options)
        except (RuntimeError, ValueError) as exc:
            text = str(exc).strip()
            first_line = text.splitlines()[0] if text else type(exc).__name__
            raise ModelError(
                f"MediaPipe cannot load {model.path}: {first_line}",
                "pass a PoseLandmarker .task file or rebuild the bundled one",
            ) from None

    def __enter__(self) -> PoseEstimator:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def close(self) -> None:
        landmarker, self._landmarker = getattr(self, "_landmarker", None), None
        if landmarker is not None:
            with quiet_native_stderr():
                landmarker.close()

    @staticmethod
    def prepare(image_bgr: np.ndarray) -> object:
        """The model's input for ``image_bgr`` (an RGB ``mp.Image``), for :meth:`__call__`'s
        ``prepared``: made on another thread (the one that decodes the frames), it keeps
        the colour conversion and its hand-overs of the GIL off the model thread."""
        import mediapipe as mp

        return mp.Image(image_format=mp.ImageFormat.SRGB,
                        data=cv2.cvtColor(image_bgr, cv2.COLOR_BGR2RGB))

    def __call__(self, image_bgr: np.ndarray, t_s: float,
                 prepared: object | None = None) -> list[Pose]:
        """All people found in ``image_bgr`` (H, W, 3 uint8) taken at ``t_s`` seconds;
        ``prepared``: :meth:`prepare` of the same image, if already made."""
        if self._landmarker is None:
            raise RuntimeError("PoseEstimator used after close()")
        timestamp_ms = max(int(round(t_s * 1000.0)), self._last_ms + 1)
        self._last_ms = timestamp_ms
        image = self.prepare(image_bgr) if prepared is None else prepared
        started = time.perf_counter()
        if self._calls == 0:
            # The first call prints one-time native warnings (memory alignment, ROI notes).
            with quiet_native_stderr():
                result = self._detect(image, timestamp_ms)
        else:
            result = self._detect(image, timestamp_ms)
        self.last_inference_ms = (time.perf_counter() - started) * 1000.0
        self._calls += 1
        height, width = image_bgr.shape[:2]
        worlds = result.pose_world_landmarks or []
        return [
            _to_pose(landmarks, worlds[i] if i < len(worlds) else None, width, height)
            for i, landmarks in enumerate(result.pose_landmarks or [])
        ]


def _detect_for_video(landmarker) -> Callable[[object, int], object]:
    """``landmarker.detect_for_video``, called on the caller's thread.

    MediaPipe's Python wrapper runs each native call on a one-thread executor of its own and
    waits for the result; the detection and the release of its result are two such trips,
    each handing Python's GIL between three threads (the caller, the executor, and the
    analysis running beside the model). With the analysis holding the GIL, each hand-over
    waits up to the switch interval: ~0.5-1 ms a frame on the model thread, measured
    (docs/engineering.md §5.7). The native function is the same ``ctypes`` function the
    executor calls (ctypes lets go of the GIL while it runs); calls stay one at a time, as
    one estimator is used by one thread at a time. Falls back to the public method when the
    wrapper's internals are not as in the pinned mediapipe (0.10.33)."""
    try:
        from mediapipe.tasks.python.core import mediapipe_c_utils
        from mediapipe.tasks.python.vision import pose_landmarker

        raw = landmarker._lib._lib  # the ctypes.CDLL behind the serial dispatcher
        detect = raw.MpPoseLandmarkerDetectForVideo
        close = raw.MpPoseLandmarkerCloseResult
        free_error = raw.MpErrorFree
        handle = landmarker._handle
        result_type = pose_landmarker.PoseLandmarkerResult
        result_c_type = pose_landmarker.PoseLandmarkerResultC
        handle_status = mediapipe_c_utils.handle_status
    except (AttributeError, ImportError):
        log.debug("mediapipe internals differ: detection through the public method")
        return landmarker.detect_for_video

    def detect_for_video(image, timestamp_ms: int):
        result_c = result_c_type()
        error = ctypes.c_char_p()
        status = detect(handle, image._image_ptr, None, timestamp_ms,
                        ctypes.byref(result_c), ctypes.byref(error))
        try:
            handle_status(status, error)
        finally:
            if error.value is not None:
                free_error(error)
        try:
            return result_type.from_ctypes(result_c)
        finally:
            close(ctypes.byref(result_c))

    return detect_for_video


@contextlib.contextmanager
def quiet_native_stderr() -> Iterator[None]:
    """Silence MediaPipe/LiteRT's native start-up chatter (dozens of INFO/WARNING lines written
    straight to file descriptor 2, not through Python). Set ``POSECOACH_NATIVE_LOGS=1`` to see
    them. Python-level errors still surface as exceptions."""
    if os.environ.get("POSECOACH_NATIVE_LOGS") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        saved = os.dup(2)
    except (OSError, ValueError):
        yield
        return
    try:
        with open(os.devnull, "w") as devnull:
            os.dup2(devnull.fileno(), 2)
            yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)


def _to_pose(landmarks: list, world: list | None, width: int, height: int) -> Pose:
    values = np.array(
        [(lm.x, lm.y, lm.visibility or 0.0, lm.presence or 0.0) for lm in landmarks],
        dtype=np.float64,
    )
    if values.shape[0] != NUM_LANDMARKS:
        raise ModelError(f"model returned {values.shape[0]} landmarks, expected {NUM_LANDMARKS}",
                         "pass a BlazePose PoseLandmarker .task file")
    xy = values[:, :2] * (width, height)
    world_xyz = (np.array([(w.x, w.y, w.z) for w in world], dtype=np.float64)
                 if world else None)
    return Pose(xy=xy, visibility=values[:, 2], presence=values[:, 3], world=world_xyz)
