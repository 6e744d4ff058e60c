"""Webcam-like degradation of rendered frames and the H.264 mp4 writer.

Order per frame: exposure drift (gain), slight Gaussian blur, sensor noise, JPEG round trip
(MJPEG webcams), then libx264 (yuv420p, CRF) in the mp4. All randomness is seeded per frame.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType

import av
import cv2
import numpy as np

from samplegen.scene import DegradeSpec


def degrade(rgb: np.ndarray, spec: DegradeSpec, seed: int, i: int, fps: float) -> np.ndarray:
    """Degraded copy of frame ``i`` (H, W, 3) uint8 RGB."""
    rng = np.random.default_rng([seed, i])
    t = i / fps
    gain = 1.0 + spec.exposure_jitter * (
        0.7 * np.sin(2 * np.pi * t / 7.3 + seed) + 0.3 * np.sin(2 * np.pi * t / 2.9)
    )
    img = rgb.astype(np.float32) * gain
    if spec.blur_sigma_px > 0:
        img = cv2.GaussianBlur(img, (0, 0), spec.blur_sigma_px)
    if spec.noise_sigma > 0:
        img += rng.normal(0.0, spec.noise_sigma, img.shape).astype(np.float32)
        # Coarser luminance noise blobs, like a small sensor's demosaiced noise.
        blob = rng.normal(0.0, spec.noise_sigma * 0.6, (img.shape[0] // 2, img.shape[1] // 2, 1))
        img += cv2.resize(blob.astype(np.float32), (img.shape[1], img.shape[0]))[..., None]
    out = np.clip(img, 0, 255).astype(np.uint8)
    if spec.jpeg_quality < 100:
        params = [cv2.IMWRITE_JPEG_QUALITY, spec.jpeg_quality]
        ok, buf = cv2.imencode(".jpg", out[..., ::-1], params)
        if ok:
            out = cv2.imdecode(buf, cv2.IMREAD_COLOR)[..., ::-1]
    return np.ascontiguousarray(out)


class Mp4Sink:
    """Context-managed H.264 (libx264, yuv420p) mp4 writer for RGB frames."""

    def __init__(self, path: Path, width: int, height: int, fps: float, crf: int) -> None:
        self.path = path
        self._container = av.open(str(path), mode="w")
        rate = int(round(fps))
        self._stream = self._container.add_stream("libx264", rate=rate)
        self._stream.width, self._stream.height = width, height
        self._stream.pix_fmt = "yuv420p"
        self._stream.options = {
            "crf": str(crf),
            "preset": "medium",
            "movflags": "+faststart",
            "threads": "1",
        }

    def write(self, rgb: np.ndarray) -> None:
        """Encode one (H, W, 3) uint8 RGB frame."""
        frame = av.VideoFrame.from_ndarray(rgb, format="rgb24")
        for packet in self._stream.encode(frame):
            self._container.mux(packet)

    def __enter__(self) -> Mp4Sink:
        return self

    def __exit__(
        self, et: type[BaseException] | None, ev: BaseException | None, tb: TracebackType | None
    ) -> None:
        for packet in self._stream.encode():
            self._container.mux(packet)
        self._container.close()
