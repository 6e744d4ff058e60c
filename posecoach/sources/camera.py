"""Live cameras: frames captured on their own thread, the latest frame wins.

The capture thread reads as fast as the device delivers and keeps only the newest frame, so a
slow analysis step never builds up latency. When the device stops delivering (unplugged, USB
reset), the thread reopens it with a growing back-off until ``reconnect_timeout_s`` passes.

The device behind :class:`CameraSource` is a small :class:`Grabber`. :class:`OpenCvCamera` opens
a real camera; :class:`PacedFileCamera` plays a video file at its own frame rate, so the whole
live code path can be tested on machines without a webcam.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np

from posecoach.errors import CameraLostError, SourceError
from posecoach.sources.base import InfoAfterOpen, SourceInfo
from posecoach.sources.video import VideoFileSource, paced
from posecoach.types import Frame

log = logging.getLogger(__name__)


class Grabber(Protocol):
    """A device that delivers images one by one; ``read`` blocks until the next one."""

    name: str

    def open(self) -> tuple[int, int, float]:
        """Open the device; returns (width, height, fps). Raises SourceError if absent."""
        ...

    def read(self) -> np.ndarray | None:
        """The next BGR image, or None when the device stopped delivering."""
        ...

    def close(self) -> None: ...

    @property
    def finite(self) -> bool:
        """True when the device ends by itself (a file), False for a real camera."""
        ...


class OpenCvCamera:
    """A real camera through OpenCV's V4L2 backend.

    Args:
        device: an index (``"0"``), a device path (``/dev/video2``), or a camera name as listed
            by :func:`list_cameras`.
        width, height, fps: requested format; the real one is read back.
    """

    finite = False

    def __init__(self, device: str, width: int = 640, height: int = 480, fps: int = 30) -> None:
        self.device = device
        self.name = f"camera {device}"
        self._request = (width, height, fps)
        self._capture: cv2.VideoCapture | None = None

    def open(self) -> tuple[int, int, float]:
        target = _resolve_device(self.device)
        # OpenCV prints its own warnings for absent devices; our message says it better.
        previous = cv2.utils.logging.getLogLevel()
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
        try:
            capture = cv2.VideoCapture(target, cv2.CAP_V4L2)
            if not capture.isOpened():
                capture.release()
                raise SourceError(f"cannot open {self.name}",
                                  "check `posecoach doctor` for cameras, or pass --camera N")
        finally:
            cv2.utils.logging.setLogLevel(previous)
        width, height, fps = self._request
        capture.set(cv2.CAP_PROP_FRAME_WIDTH, width)
        capture.set(cv2.CAP_PROP_FRAME_HEIGHT, height)
        capture.set(cv2.CAP_PROP_FPS, fps)
        capture.set(cv2.CAP_PROP_BUFFERSIZE, 1)  # keep latency at one frame
        self._capture = capture
        real_fps = capture.get(cv2.CAP_PROP_FPS) or float(fps)
        return (int(capture.get(cv2.CAP_PROP_FRAME_WIDTH)),
                int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT)), float(real_fps))

    def read(self) -> np.ndarray | None:
        if self._capture is None:
            return None
        ok, image = self._capture.read()
        return image if ok and image is not None else None

    def close(self) -> None:
        if self._capture is not None:
            self._capture.release()
            self._capture = None


class PacedFileCamera:
    """A video file delivered at its own frame rate, like a camera (for tests and demos).

    Args:
        path: the video file.
        speed: playback speed factor (1.0 = real time).
        unplug_after_s: if given, the camera is "unplugged" after this many seconds of video:
            it stops delivering and cannot be reopened, as a real camera pulled from its USB
            port (for testing what a session keeps when that happens).
    """

    def __init__(self, path: str | Path, speed: float = 1.0,
                 unplug_after_s: float | None = None) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        if unplug_after_s is not None and unplug_after_s < 0:
            raise ValueError(f"unplug_after_s must be >= 0, got {unplug_after_s}")
        self.path = Path(path)
        self.name = f"simulated camera ({self.path.name})"
        self._speed = speed
        self._unplug_after_s = unplug_after_s
        self._unplugged = False
        self._source: VideoFileSource | None = None
        self._frames: Iterator[Frame] | None = None

    @property
    def finite(self) -> bool:
        """A file ends by itself, unless it plays an unplugged camera (which never ends)."""
        return self._unplug_after_s is None

    def open(self) -> tuple[int, int, float]:
        if self._unplugged:
            raise SourceError(f"{self.name} is unplugged", "plug it in again")
        self._source = VideoFileSource(self.path).__enter__()
        self._frames = paced(self._source, self._speed)
        info = self._source.info
        return info.width, info.height, info.fps

    def read(self) -> np.ndarray | None:
        if self._frames is None:
            return None
        frame = next(self._frames, None)
        if frame is not None and self._unplug_after_s is not None \
                and frame.t >= self._unplug_after_s:
            self._unplugged = True
            frame = None
        return None if frame is None else frame.image

    def close(self) -> None:
        if self._source is not None:
            self._source.__exit__(None, None, None)
            self._source = None
            self._frames = None


class CameraSource(InfoAfterOpen):
    """Live frames from a :class:`Grabber`, captured on a background thread.

    Frames carry ``time.monotonic()`` capture times relative to the first frame in ``t``, and
    the absolute one in ``captured`` (for latency). Iteration yields only the newest frame:
    frames the consumer was too slow for never queue up, they are counted in :attr:`dropped`
    (and all frames read from the device in :attr:`captured`).

    Args:
        grabber: the device.
        reconnect_timeout_s: how long to try reopening a device that stopped delivering.

    Raises:
        SourceError: on entering, when the device cannot be opened.
        CameraLostError: while iterating, when the device did not come back in time.
    """

    def __init__(self, grabber: Grabber, reconnect_timeout_s: float = 10.0) -> None:
        self._grabber = grabber
        self._reconnect_timeout_s = reconnect_timeout_s
        self._info: SourceInfo | None = None
        self._lock = threading.Condition()
        self._latest: tuple[np.ndarray, float, float] | None = None
        self._sequence = 0
        self._finished = False
        self._failure: Exception | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._t0: float | None = None
        self.dropped = 0
        #: True while the device is being reopened (for the overlay).
        self.reconnecting = False

    @property
    def captured(self) -> int:
        """Frames read from the device so far (handed over or dropped)."""
        with self._lock:
            return self._sequence

    def __enter__(self) -> CameraSource:
        width, height, fps = self._grabber.open()
        self._info = SourceInfo(name=self._grabber.name, width=width, height=height, fps=fps,
                                frame_count=None, live=True)
        self._thread = threading.Thread(target=self._capture_loop, name="camera-capture",
                                        daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)
        self._grabber.close()

    def __iter__(self) -> Iterator[Frame]:
        seen = 0
        index = 0
        while True:
            with self._lock:
                self._lock.wait_for(self._ready_after(seen), timeout=0.25)
                if self._sequence != seen and self._latest is not None:
                    self.dropped += self._sequence - seen - 1
                    seen = self._sequence
                    image, t, captured = self._latest
                elif self._failure is not None:
                    raise self._failure
                elif self._finished:
                    return
                else:
                    continue
            yield Frame(image=image, t=t, index=index, captured=captured)
            index += 1

    def _ready_after(self, seen: int):
        return lambda: self._sequence != seen or self._finished or self._failure is not None

    def _capture_loop(self) -> None:
        try:
            while not self._stop.is_set():
                image = self._grabber.read()
                if image is None:
                    if self._grabber.finite:
                        break
                    if not self._reconnect():
                        return
                    continue
                now = time.monotonic()
                if self._t0 is None:
                    self._t0 = now
                with self._lock:
                    self._latest = (image, now - self._t0, now)
                    self._sequence += 1
                    self._lock.notify_all()
        except Exception as exc:  # surfaced to the consumer thread, not swallowed
            with self._lock:
                self._failure = exc
                self._lock.notify_all()
            return
        with self._lock:
            self._finished = True
            self._lock.notify_all()

    def _reconnect(self) -> bool:
        """Reopen the device with back-off; False (and a failure set) when time runs out."""
        self.reconnecting = True
        log.warning("%s stopped delivering frames; reconnecting", self._grabber.name)
        deadline = time.monotonic() + self._reconnect_timeout_s
        delay = 0.25
        while not self._stop.is_set() and time.monotonic() < deadline:
            self._grabber.close()
            try:
                self._grabber.open()
                probe = self._grabber.read()
            except SourceError:
                probe = None
            if probe is not None:
                self.reconnecting = False
                log.warning("%s is back", self._grabber.name)
                return True
            self._stop.wait(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 2.0)
        with self._lock:
            if not self._stop.is_set():
                self._failure = CameraLostError(
                    f"{self._grabber.name} stopped delivering frames and did not come back "
                    f"within {self._reconnect_timeout_s:g} s",
                    "check the cable or another program using the camera, then start again",
                )
            self._finished = True
            self._lock.notify_all()
        return False


def _resolve_device(device: str) -> int | str:
    """An index, a /dev path, or a camera name → what cv2.VideoCapture takes."""
    if device.isdigit():
        index = int(device)
        if Path("/sys/class/video4linux").exists() or Path("/dev").exists():
            if not Path(f"/dev/video{index}").exists():
                raise SourceError(f"camera {device} not found (no /dev/video{index})",
                                  "check `posecoach doctor` for cameras, or pass --camera N")
        return index
    if device.startswith("/dev/"):
        if not Path(device).exists():
            raise SourceError(f"camera {device} not found",
                              "check `posecoach doctor` for cameras, or pass --camera N")
        return device
    for camera in list_cameras():
        if device.lower() in camera.name.lower():
            return camera.path
    raise SourceError(f"no camera named {device!r}",
                      "check `posecoach doctor` for camera names, or pass --camera N")


@dataclass(frozen=True)
class CameraInfo:
    """A camera device found on the system: its device path and its driver-reported name."""

    path: str
    name: str


def list_cameras() -> list[CameraInfo]:
    """Video capture devices with their names (Linux: from /sys/class/video4linux)."""
    root = Path("/sys/class/video4linux")
    cameras = []
    if root.is_dir():
        for entry in sorted(root.iterdir(), key=lambda p: p.name):
            name_file = entry / "name"
            name = name_file.read_text(errors="replace").strip() if name_file.exists() else "?"
            cameras.append(CameraInfo(f"/dev/{entry.name}", name))
    return cameras
