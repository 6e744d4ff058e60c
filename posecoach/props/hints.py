"""The body hint: where the person is, computed by the caller from pose landmarks.

The prop detectors never see landmarks; they get this small summary instead, so they can be
tested with hand-made hints and synthetic pictures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


def _point(name: str, value: object) -> np.ndarray:
    arr = np.asarray(value, dtype=np.float64)
    if arr.shape != (2,) or not np.all(np.isfinite(arr)):
        raise ValueError(f"BodyHint.{name} must be a finite (2,) pixel position, got {value!r}")
    return arr


@dataclass(frozen=True)
class BodyHint:
    """Where the person's trunk is in the image (side view).

    Attributes:
        shoulder_px: (2,) float, mid-shoulder (x, y) in pixels.
        hip_px: (2,) float, mid-hip (x, y) in pixels.
        px_per_cm: image scale at the person's depth, pixels per centimetre, > 0
            (e.g. the hip→shoulder length in pixels ÷ ~47 cm, docs/coaching.md §3.2).
        lying: True when the person lies on the floor (roller, ball on the floor),
            False when standing or sitting (ball against a wall).
        head_px: (2,) float or None, the head (e.g. mid-ear) in pixels.
        floor_y_px: image row of the floor line under the person, or None when unknown
            (e.g. the lowest heel / foot-index landmark with the feet flat). The camera is
            assumed roughly level: "down" to the floor is +y.
        back_normal: (2,) unit vector from the hip → shoulder line toward the person's back
            (away from the face: toward the wall or the floor), or None when the back side
            cannot be told (a front view).

    Raises:
        ValueError: a position is not a finite (2,) vector, px_per_cm is not > 0, back_normal
            is not of unit length, or the shoulder and hip coincide.
    """

    shoulder_px: np.ndarray
    hip_px: np.ndarray
    px_per_cm: float
    lying: bool
    head_px: np.ndarray | None = None
    floor_y_px: float | None = None
    back_normal: np.ndarray | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "shoulder_px", _point("shoulder_px", self.shoulder_px))
        object.__setattr__(self, "hip_px", _point("hip_px", self.hip_px))
        if self.head_px is not None:
            object.__setattr__(self, "head_px", _point("head_px", self.head_px))
        if not (math.isfinite(self.px_per_cm) and self.px_per_cm > 0):
            raise ValueError(f"BodyHint.px_per_cm must be > 0, got {self.px_per_cm}")
        if self.floor_y_px is not None and not math.isfinite(self.floor_y_px):
            raise ValueError(f"BodyHint.floor_y_px must be finite, got {self.floor_y_px}")
        if self.back_normal is not None:
            back = _point("back_normal", self.back_normal)
            if abs(float(np.hypot(*back)) - 1.0) > 1e-3:
                raise ValueError(f"BodyHint.back_normal must have unit length, got {back}")
            object.__setattr__(self, "back_normal", back)
        if float(np.hypot(*(self.shoulder_px - self.hip_px))) < 1e-6:
            raise ValueError("BodyHint.shoulder_px and hip_px coincide: no spine axis")

    @property
    def trunk_length_px(self) -> float:
        """Hip→shoulder distance in pixels."""
        return float(np.hypot(*(self.shoulder_px - self.hip_px)))
