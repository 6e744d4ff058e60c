"""Video files, decoded with PyAV (bundled FFmpeg: more formats, rotation metadata)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

import av
import cv2
import numpy as np

from posecoach.errors import SourceError
from posecoach.sources.base import InfoAfterOpen, SourceInfo
from posecoach.types import Frame

log = logging.getLogger(__name__)

# Display-matrix rotation (degrees counter-clockwise) → the cv2 rotation that undoes it.
_ROTATIONS = {
    90: cv2.ROTATE_90_CLOCKWISE,
    -270: cv2.ROTATE_90_CLOCKWISE,
    180: cv2.ROTATE_180,
    -180: cv2.ROTATE_180,
    270: cv2.ROTATE_90_COUNTERCLOCKWISE,
    -90: cv2.ROTATE_90_COUNTERCLOCKWISE,
}


class VideoFileSource(InfoAfterOpen):
    """Frames of a video file, as fast as they can be decoded.

    Timestamps come from the stream's presentation times; where those are missing or do not
    increase, the frame index divided by the frame rate is used instead. The first frame is
    decoded on opening, so a file that cannot be decoded fails at once with a clear message.

    Args:
        path: the video file.
        start_frame: skip frames before this index (indices and timestamps are kept).
        max_frames: stop after this many frames (None: all).

    Raises:
        SourceError: the file is missing, is not a video, or cannot be decoded.
    """

    def __init__(self, path: str | Path, start_frame: int = 0,
                 max_frames: int | None = None) -> None:
        self.path = Path(path)
        self.start_frame = start_frame
        self.max_frames = max_frames
        self._container: av.container.InputContainer | None = None
        self._decoded: Iterator[av.VideoFrame] | None = None
        self._first: av.VideoFrame | None = None
        self._info: SourceInfo | None = None
        #: Set when decoding stopped early on damaged data: what happened, one line.
        self.error: str | None = None

    def __enter__(self) -> VideoFileSource:
        if not self.path.exists():
            raise SourceError(f"video not found: {self.path}", "check the path")
        if self.path.is_dir():
            raise SourceError(f"{self.path} is a folder, not a video",
                              "pass a video file (replay also takes a folder of images)")
        try:
            container = av.open(str(self.path))
        except (av.error.FFmpegError, OSError, UnicodeDecodeError) as exc:
            raise SourceError(f"cannot read video {self.path}: {_reason(exc)}",
                              "check that it is a video file and not damaged") from None
        try:
            if not container.streams.video:
                raise SourceError(f"{self.path} has no video stream", "pass a video file")
            stream = container.streams.video[0]
            stream.thread_type = "AUTO"
            self._decoded = iter(container.decode(stream))
            try:
                self._first = next(self._decoded)
            except StopIteration:
                raise SourceError(f"{self.path} holds no video frames",
                                  "check that the file is not empty or damaged") from None
            except av.error.FFmpegError as exc:
                raise SourceError(f"cannot decode video {self.path}: {_reason(exc)}",
                                  "check that the file is not damaged") from None
        except SourceError:
            container.close()
            raise
        height, width = _upright(self._first).shape[:2]
        fps = float(stream.average_rate or stream.guessed_rate or 30.0)
        count = stream.frames or None
        if count is not None:
            count = max(0, count - self.start_frame)
            if self.max_frames is not None:
                count = min(count, self.max_frames)
        self._container = container
        self._info = SourceInfo(name=self.path.name, width=width, height=height, fps=fps,
                                frame_count=count, live=False)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._container is not None:
            self._container.close()
            self._container = None

    def __iter__(self) -> Iterator[Frame]:
        if self._decoded is None or self._first is None:
            raise RuntimeError("open the source with `with` first")
        fps = self.info.fps
        last_t = -np.inf
        yielded = 0
        index = -1
        pending: av.VideoFrame | None = self._first
        self._first = None
        while self.max_frames is None or yielded < self.max_frames:
            if pending is None:
                try:
                    pending = next(self._decoded)
                except StopIteration:
                    expected = self.info.frame_count
                    if expected is not None and yielded < expected:
                        self.error = (f"video {self.path.name} ended after {yielded} of "
                                      f"{expected} frames: the file may be damaged")
                        log.warning(self.error)
                    return
                except av.error.FFmpegError as exc:
                    # A damaged tail: keep what was decoded and say where it stopped.
                    self.error = (f"video {self.path.name} is damaged after frame {index}: "
                                  f"{_reason(exc)}")
                    log.warning(self.error)
                    return
            av_frame, pending = pending, None
            index += 1
            if index < self.start_frame:
                continue
            t = float(av_frame.time) if av_frame.time is not None else index / fps
            if t <= last_t:
                t = max(index / fps, last_t + 1e-3)
            last_t = t
            yielded += 1
            yield Frame(image=_upright(av_frame), t=t, index=index)


def _upright(av_frame: av.VideoFrame) -> np.ndarray:
    """BGR pixels with the container's rotation metadata applied (phones record rotated)."""
    image = av_frame.to_ndarray(format="bgr24")
    rotation = _ROTATIONS.get(int(getattr(av_frame, "rotation", 0) or 0))
    if rotation is not None:
        image = cv2.rotate(image, rotation)
    return np.ascontiguousarray(image)


def _reason(exc: BaseException) -> str:
    text = getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
    return str(text).strip().splitlines()[0]


def paced(frames: Iterable[Frame], speed: float = 1.0) -> Iterator[Frame]:
    """Release frames no faster than their timestamps: a replay watched at its own speed, or a
    file delivered like a camera (``speed`` > 1 plays faster)."""
    start_wall: float | None = None
    for frame in frames:
        now = time.monotonic()
        if start_wall is None:
            start_wall = now - frame.t / speed
        delay = start_wall + frame.t / speed - now
        if delay > 0:
            time.sleep(delay)
        yield frame
