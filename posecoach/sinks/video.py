"""Annotated video files: browser-playable H.264 MP4 through PyAV's bundled libx264.

OpenCV's VideoWriter cannot write H.264 on these machines (docs/engineering.md §2.1), so PyAV is
used.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

from posecoach.errors import PosecoachError
from posecoach.types import FrameResult

#: Seconds between key frames, so between MP4 fragments: at most this much video is lost
#: when the process is killed (x264's default, 250 frames, would be ~8 s at 30 fps).
KEYFRAME_EVERY_S = 2.0
#: x264 options added to the ultrafast preset: CABAC (~20 % smaller files) and the deblocking
#: filter (fewer block edges), for ~0.2 ms of CPU a frame (see VideoFileSink.DEFAULT_PRESET).
ULTRAFAST_EXTRAS = "cabac=1:deblock=0,0"


class VideoFileSink:
    """Encodes every frame it is given, timed by the frames' own timestamps.

    Args:
        path: output file (``.mp4`` recommended); parent folders are created.
        fps: nominal frame rate written in the header.
        size: (width, height) of the frames; odd sizes are cropped by one pixel (yuv420p).
        crf: x264 quality (lower = better, 23 = default).
        preset: x264 speed preset (see :data:`DEFAULT_PRESET`).
    """

    wants_image = True
    #: Measured with bench/bench_breakdown.py on annotated 640×480 sample clips (one thread):
    #: veryfast took ~4.1 ms of CPU a frame for ~2.0 kB, ultrafast with CABAC and the
    #: deblocking filter back on (ULTRAFAST_EXTRAS) ~2.1 ms for ~4.2-5.1 kB, at the same
    #: PSNR (43 dB on the raw clips). A replay's two cores go to pose inference, so half the
    #: encoding CPU is worth a file about twice the size (~0.45-0.55 GB per hour at 30 fps).
    DEFAULT_PRESET = "ultrafast"

    def __init__(self, path: str | Path, fps: float, size: tuple[int, int],
                 crf: int = 23, preset: str = DEFAULT_PRESET) -> None:
        self.path = Path(path)
        self.fps = fps
        self.width, self.height = size[0] - size[0] % 2, size[1] - size[1] % 2
        self.crf = crf
        self.preset = preset
        self._container: av.container.OutputContainer | None = None
        self._stream: av.video.stream.VideoStream | None = None
        self._last_pts = -1
        self.frames_written = 0

    def __enter__(self) -> VideoFileSink:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            # Fragmented MP4 (a fragment per key frame, ~2 s): the file is playable up to its
            # last fragment even when the process is killed before it can write an index.
            self._container = av.open(str(self.path), mode="w", options={
                "movflags": "frag_keyframe+empty_moov+default_base_moof"})
        except (OSError, av.error.FFmpegError) as exc:
            raise PosecoachError(f"cannot write video {self.path}: {exc}",
                                 "choose another --out path (.mp4)") from None
        rate = Fraction(self.fps).limit_denominator(1001)
        stream = self._container.add_stream("libx264", rate=rate)
        stream.width, stream.height = self.width, self.height
        stream.pix_fmt = "yuv420p"
        stream.time_base = Fraction(1, 1000)
        # The encoder counts in milliseconds too: a live camera's frames come at irregular
        # times (some 1 ms apart), which a 1/fps clock would round onto the same tick, and
        # x264 then hands the muxer a repeated timestamp ("Invalid argument").
        stream.codec_context.time_base = Fraction(1, 1000)
        # One thread: x264's own threads would only compete with pose inference for the two
        # cores. Speed: see DEFAULT_PRESET.
        options = {"crf": str(self.crf), "preset": self.preset, "threads": "1",
                   "g": str(max(1, round(KEYFRAME_EVERY_S * self.fps)))}
        if self.preset == "ultrafast":
            options["x264-params"] = ULTRAFAST_EXTRAS
        stream.options = options
        self._stream = stream
        try:
            self._container.start_encoding()  # opens the file now: a bad path fails here
        except (OSError, av.error.FFmpegError) as exc:
            self._container = None
            raise self._error(exc) from None
        return self

    def _error(self, exc: BaseException) -> PosecoachError:
        reason = getattr(exc, "strerror", None) or str(exc)
        return PosecoachError(f"cannot write video {self.path}: {reason}",
                              "choose another --out path, or free some disk space")

    def __exit__(self, *exc: object) -> None:
        if self._container is None:
            return
        try:
            if self._stream is not None:
                self._container.mux(self._stream.encode(None))
            self._container.close()
        except (OSError, av.error.FFmpegError) as exc:
            raise self._error(exc) from None
        finally:
            self._container = None

    def write(self, image: np.ndarray | None, result: FrameResult) -> None:
        if self._container is None or self._stream is None:
            raise RuntimeError("open the sink with `with` first")
        if image is None:
            raise ValueError("VideoFileSink needs the annotated image")
        # Convert to the encoder's YUV 4:2:0 with OpenCV, which releases the GIL, so the
        # conversion runs truly beside pose inference instead of stalling it.
        yuv = cv2.cvtColor(np.ascontiguousarray(image[: self.height, : self.width]),
                           cv2.COLOR_BGR2YUV_I420)
        frame = av.VideoFrame.from_ndarray(yuv, format="yuv420p")
        pts = max(int(round(result.t * 1000.0)), self._last_pts + 1)
        frame.pts, frame.time_base = pts, Fraction(1, 1000)
        self._last_pts = pts
        try:
            self._container.mux(self._stream.encode(frame))
        except (OSError, av.error.FFmpegError) as exc:
            raise self._error(exc) from None
        self.frames_written += 1
