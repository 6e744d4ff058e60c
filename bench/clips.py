"""Benchmark clips made from the bundled real footage (nothing is downloaded)."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
REAL_CLIP = ROOT / "samples" / "real" / "pose2sim_cam01.mp4"


def letterbox(image: np.ndarray, width: int, height: int) -> np.ndarray:
    """Fit ``image`` into width×height keeping its aspect ratio, padding with black."""
    scale = min(width / image.shape[1], height / image.shape[0])
    resized = cv2.resize(image, (round(image.shape[1] * scale), round(image.shape[0] * scale)),
                         interpolation=cv2.INTER_AREA)
    canvas = np.zeros((height, width, 3), dtype=np.uint8)
    y0 = (height - resized.shape[0]) // 2
    x0 = (width - resized.shape[1]) // 2
    canvas[y0:y0 + resized.shape[0], x0:x0 + resized.shape[1]] = resized
    return canvas


def webcam_clip(target: Path, seconds: float = 60.0, fps: int = 30,
                size: tuple[int, int] = (640, 480), source: Path = REAL_CLIP) -> Path:
    """A webcam-like H.264 clip: the real footage letterboxed to ``size`` at ``fps``, played
    forward and back so the motion stays continuous, ``seconds`` long."""
    with av.open(str(source)) as container:
        images = [letterbox(f.to_ndarray(format="bgr24"), *size)
                  for f in container.decode(video=0)]
    cycle = images + images[-2:0:-1]
    with av.open(str(target), "w") as sink:
        stream = sink.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "23"}
        for i in range(int(seconds * fps)):
            frame = av.VideoFrame.from_ndarray(cycle[i % len(cycle)], format="bgr24")
            sink.mux(stream.encode(frame))
        sink.mux(stream.encode(None))
    return target
