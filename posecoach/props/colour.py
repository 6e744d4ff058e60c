"""Colour models for the props: an HSV box for the ball, a Lab Gaussian for the roller.

Both can be learned from pixels the user (or a confident detection) points at, because
lighting shifts colours: a warm lamp pushes a fluorescent ball toward orange, a window toward
green, and over-exposure washes its saturation out (docs/coaching.md §4: "calibrate from the
frame").
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass, field

import cv2
import numpy as np

logger = logging.getLogger(__name__)


def _as_bgr_pixels(pixels: np.ndarray) -> np.ndarray:
    arr = np.asarray(pixels)
    if arr.ndim != 2 or arr.shape[1] != 3 or len(arr) == 0:
        raise ValueError(f"pixels must be (n >= 1, 3) BGR, got shape {arr.shape}")
    return np.clip(arr, 0, 255).astype(np.uint8).reshape(-1, 1, 3)


def disc_pixels(frame_bgr: np.ndarray, center_px: np.ndarray, radius_px: float) -> np.ndarray:
    """The (n, 3) uint8 BGR pixels of ``frame_bgr`` within ``radius_px`` of ``center_px``.

    Raises:
        ValueError: the disc holds no pixel of the frame.
    """
    h, w = frame_bgr.shape[:2]
    cx, cy = float(center_px[0]), float(center_px[1])
    x0, x1 = max(int(cx - radius_px), 0), min(int(cx + radius_px) + 1, w)
    y0, y1 = max(int(cy - radius_px), 0), min(int(cy + radius_px) + 1, h)
    if x1 <= x0 or y1 <= y0:
        raise ValueError(f"disc at {center_px} r={radius_px} is outside the {w}x{h} frame")
    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius_px ** 2
    if not inside.any():
        raise ValueError(f"disc at {center_px} r={radius_px} holds no pixel")
    return frame_bgr[y0:y1, x0:x1][inside]


@dataclass(frozen=True)
class BallColorModel:
    """An HSV box (OpenCV scale: H 0–180, S and V 0–255) that ball pixels fall in.

    Attributes:
        hue_lo, hue_hi: accepted hue interval; wraps through 0 when hue_lo > hue_hi;
            (0, 180) accepts any hue (a white or grey ball).
        sat_min, sat_max: accepted saturation interval.
        val_min, val_max: accepted value (brightness) interval.
        chroma_min: least absolute chroma, max − min of B, G, R (= S × V / 255), 0–255.
            Saturation is relative to brightness, so near-black pixels with a slight colour
            cast (a black shirt under a warm lamp, sensor noise) have a high S; this floor
            drops them.

    Raises:
        ValueError: a bound is outside its scale or an interval is empty.
    """

    hue_lo: float
    hue_hi: float
    sat_min: float
    sat_max: float = 255.0
    val_min: float = 0.0
    val_max: float = 255.0
    chroma_min: float = 0.0

    def __post_init__(self) -> None:
        if not 0 <= self.chroma_min <= 255:
            raise ValueError(f"BallColorModel.chroma_min must be in [0, 255], "
                             f"got {self.chroma_min}")
        for name in ("hue_lo", "hue_hi"):
            if not 0 <= getattr(self, name) <= 180:
                raise ValueError(f"BallColorModel.{name} must be in [0, 180], "
                                 f"got {getattr(self, name)}")
        for lo, hi in (("sat_min", "sat_max"), ("val_min", "val_max")):
            a, b = getattr(self, lo), getattr(self, hi)
            if not 0 <= a <= b <= 255:
                raise ValueError(f"BallColorModel needs 0 <= {lo} <= {hi} <= 255, got {a}, {b}")

    @classmethod
    def default(cls) -> BallColorModel:
        """Fluorescent yellow-green felt (docs/coaching.md §4: H 25–65, S > 80, V > 80), widened so
        warm and cool light, dim rooms and washed-out highlights still pass."""
        return cls(hue_lo=20.0, hue_hi=58.0, sat_min=60.0, val_min=30.0, chroma_min=20.0)

    @classmethod
    def from_pixels(cls, pixels_bgr: np.ndarray) -> BallColorModel:
        """Learn the box from (n, 3) BGR pixels of the ball with robust percentiles.

        A chromatic ball gets a hue interval around its circular hue mean (2nd–98th
        percentile ± 6); a grey or white ball (median saturation < 45) any hue and a
        saturation ceiling instead.
        """
        hsv = cv2.cvtColor(_as_bgr_pixels(pixels_bgr), cv2.COLOR_BGR2HSV).reshape(-1, 3)
        h, s, v = (hsv[:, i].astype(np.float64) for i in range(3))
        v_min = max(20.0, float(np.percentile(v, 5)) * 0.5)
        if np.median(s) < 45:
            s_max = min(255.0, float(np.percentile(s, 95)) + 25.0)
            return cls(0.0, 180.0, 0.0, s_max, v_min, 255.0)
        chroma = s >= 40
        ang = h[chroma] * (2 * math.pi / 180.0)
        mean = math.atan2(np.sin(ang).mean(), np.cos(ang).mean()) * 180.0 / (2 * math.pi)
        off = (h[chroma] - mean + 90.0) % 180.0 - 90.0
        lo = (mean + float(np.percentile(off, 2)) - 6.0) % 180.0
        hi = (mean + float(np.percentile(off, 98)) + 6.0) % 180.0
        s_min = max(30.0, float(np.percentile(s, 5)) * 0.6)
        chroma = s * v / 255.0
        return cls(lo, hi, s_min, 255.0, v_min, 255.0,
                   chroma_min=min(20.0, float(np.percentile(chroma, 5)) * 0.5))

    @classmethod
    def from_circle(cls, frame_bgr: np.ndarray, center_px: np.ndarray,
                    radius_px: float) -> BallColorModel:
        """Learn from the inner 75 % of a circle the user drew around an unoccluded ball."""
        return cls.from_pixels(disc_pixels(frame_bgr, center_px, 0.75 * radius_px))

    def mask(self, hsv: np.ndarray) -> np.ndarray:
        """(H, W) uint8 mask, 255 where the (H, W, 3) uint8 HSV image matches."""
        lo_sv, hi_sv = (self.sat_min, self.val_min), (self.sat_max, self.val_max)
        if self.hue_lo <= self.hue_hi:
            mask = cv2.inRange(hsv, (self.hue_lo, *lo_sv), (self.hue_hi, *hi_sv))
        else:
            upper = cv2.inRange(hsv, (self.hue_lo, *lo_sv), (180, *hi_sv))
            lower = cv2.inRange(hsv, (0, *lo_sv), (self.hue_hi, *hi_sv))
            mask = cv2.bitwise_or(upper, lower)
        if self.chroma_min > 0:
            chroma = hsv[..., 1].astype(np.uint16) * hsv[..., 2]
            mask[chroma < self.chroma_min * 255] = 0
        return mask


_MIN_SIGMA_LAB = np.array([7.0, 4.0, 4.0])  # L*, a*, b* floors (8-bit Lab units)
_L_INFLATION = 1.5  # shading along a cylinder end changes lightness far more than chroma
_LUT_BITS = 6  # Lab bins per channel = 2**6 = 64
_LUT_SHIFT = 8 - _LUT_BITS
_LUT_LEVELS = 1 << _LUT_BITS
_LUT_STEP = 1 << _LUT_SHIFT


@dataclass(frozen=True)
class RollerColorModel:
    """A Gaussian in OpenCV 8-bit Lab of the roller's colour; any colour, black and grey too.

    Attributes:
        mean_lab: (3,) float mean L*, a*, b* (OpenCV 8-bit scale: 0–255, a/b offset 128).
        inv_cov: (3, 3) float inverse covariance.
        max_distance: Mahalanobis distance below which a pixel is roller, > 0.
        others_lab: (k, 3) float Lab colours of the surroundings (floor, clothing, wall)
            or None. A pixel nearer (Euclidean Lab) to one of them than to ``mean_lab`` is
            not roller: this keeps dark trousers off a black roller, a grey wall off a
            grey one.

    Raises:
        ValueError: wrong shapes or max_distance <= 0.
    """

    mean_lab: np.ndarray
    inv_cov: np.ndarray
    max_distance: float = 3.0
    others_lab: np.ndarray | None = None
    _lut: np.ndarray = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.others_lab is not None:
            others = np.asarray(self.others_lab, dtype=np.float64).reshape(-1, 3)
            object.__setattr__(self, "others_lab", others)
        mean = np.asarray(self.mean_lab, dtype=np.float64)
        inv = np.asarray(self.inv_cov, dtype=np.float64)
        if mean.shape != (3,) or inv.shape != (3, 3):
            raise ValueError(f"RollerColorModel needs mean (3,) and inv_cov (3, 3), "
                             f"got {mean.shape} and {inv.shape}")
        if not self.max_distance > 0:
            raise ValueError(f"RollerColorModel.max_distance must be > 0, "
                             f"got {self.max_distance}")
        object.__setattr__(self, "mean_lab", mean)
        object.__setattr__(self, "inv_cov", inv)
        object.__setattr__(self, "_lut", self._grid_rule().ravel())

    def _grid_rule(self) -> np.ndarray:
        """The rule evaluated once on a 64³ grid of Lab bins (4 units wide), by broadcasting
        per-channel terms (no large matrix products): a frame's mask is then one table
        look-up per pixel (~1 ms for the roller's search box)."""
        q = np.arange(_LUT_LEVELS, dtype=np.float32) * _LUT_STEP + (_LUT_STEP - 1) / 2
        shapes = ((-1, 1, 1), (1, -1, 1), (1, 1, -1))
        axes = [q.reshape(shape) for shape in shapes]
        d = [axes[c] - np.float32(self.mean_lab[c]) for c in range(3)]
        inv = self.inv_cov.astype(np.float32)
        # Zero terms skipped (the learned covariance is diagonal): same sum, a third of it.
        m2 = sum(inv[i, j] * d[i] * d[j] for i in range(3) for j in range(3) if inv[i, j] != 0)
        ok = np.broadcast_to(m2 <= np.float32(self.max_distance ** 2),
                             (_LUT_LEVELS,) * 3).copy()
        if self.others_lab is not None:
            # |x − m|² < |x − o|²  ⇔  2 x·(o − m) < |o|² − |m|²: one half-space per colour.
            for other in self.others_lab:
                normal = 2.0 * (other - self.mean_lab)
                bound = float(other @ other - self.mean_lab @ self.mean_lab)
                ok &= sum(np.float32(normal[c]) * axes[c] for c in range(3)) < bound
        return ok

    @classmethod
    def from_pixels(cls, pixels_bgr: np.ndarray, max_distance: float = 3.0,
                    others_lab: np.ndarray | None = None) -> RollerColorModel:
        """Learn from (n, 3) BGR roller pixels; lightness spread is widened for shading.

        ``others_lab``: (k, 3) Lab colours of the surroundings to keep apart, or None."""
        lab = cv2.cvtColor(_as_bgr_pixels(pixels_bgr), cv2.COLOR_BGR2LAB).reshape(-1, 3)
        lab = lab.astype(np.float64)
        mean = np.median(lab, axis=0)
        # Diagonal covariance: robust with few pixels or a two-tone (patterned) roller.
        sigma = np.maximum(lab.std(axis=0), _MIN_SIGMA_LAB)
        sigma[0] *= _L_INFLATION
        return cls(mean, np.diag(1.0 / sigma ** 2), max_distance, others_lab)

    @classmethod
    def from_region(cls, frame_bgr: np.ndarray, box: tuple[int, int, int, int],
                    max_distance: float = 3.0) -> RollerColorModel:
        """Learn from the pixels in ``box`` = (x0, y0, x1, y1), x1/y1 exclusive, that the
        user drew inside the visible roller.

        Raises:
            ValueError: the box is empty or outside the frame.
        """
        x0, y0, x1, y1 = (int(v) for v in box)
        h, w = frame_bgr.shape[:2]
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 <= x0 or y1 <= y0:
            raise ValueError(f"box {box} is empty inside the {w}x{h} frame")
        return cls.from_pixels(frame_bgr[y0:y1, x0:x1].reshape(-1, 3), max_distance)

    def distance(self, lab: np.ndarray) -> np.ndarray:
        """(H, W) float32 Mahalanobis distance of each pixel of an (H, W, 3) Lab image."""
        d = lab.reshape(-1, 3).astype(np.float32) - self.mean_lab.astype(np.float32)
        inv = self.inv_cov.astype(np.float32)
        m2 = sum(inv[i, j] * d[:, i] * d[:, j] for i in range(3) for j in range(3))
        return np.sqrt(np.maximum(m2, 0)).reshape(lab.shape[:2])

    def mask(self, lab: np.ndarray) -> np.ndarray:
        """(H, W) uint8 mask, 255 where the (H, W, 3) uint8 Lab image is roller colour:
        within ``max_distance`` and nearer the roller than any of ``others_lab``, judged on
        4-unit Lab bins."""
        q = (lab >> _LUT_SHIFT).astype(np.int32)
        idx = (q[..., 0] << (2 * _LUT_BITS)) | (q[..., 1] << _LUT_BITS) | q[..., 2]
        return np.where(self._lut[idx], 255, 0).astype(np.uint8)
