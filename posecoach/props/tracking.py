"""Temporal smoothing of a circle (centre, radius) shared by the ball and roller trackers."""

from __future__ import annotations

import math

import numpy as np


class CircleSmoother:
    """Exponential smoothing of a circle with a time constant, reset on a jump.

    Args:
        time_constant_s: smoothing time constant in seconds, >= 0 (0 = no smoothing).
        jump_radii: a new centre farther than this many radii from the smoothed one restarts
            the filter (the prop was moved or a different blob was found), > 0.

    Raises:
        ValueError: a parameter is out of range.
    """

    def __init__(self, time_constant_s: float = 0.08, jump_radii: float = 1.5) -> None:
        if not time_constant_s >= 0:
            raise ValueError(f"time_constant_s must be >= 0, got {time_constant_s}")
        if not jump_radii > 0:
            raise ValueError(f"jump_radii must be > 0, got {jump_radii}")
        self.time_constant_s = time_constant_s
        self.jump_radii = jump_radii
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next circle passes through unchanged."""
        self._t: float | None = None
        self._center: np.ndarray | None = None
        self._radius = 0.0

    def update(self, center_px: np.ndarray, radius_px: float, t_s: float
               ) -> tuple[np.ndarray, float]:
        """Smooth one observation at time ``t_s`` (s); returns ((2,) centre, radius)."""
        center = np.asarray(center_px, dtype=np.float64)
        if self._center is None or self._t is None:
            alpha = 1.0
        elif np.hypot(*(center - self._center)) > self.jump_radii * max(self._radius, 1.0):
            alpha = 1.0
        elif self.time_constant_s == 0:
            alpha = 1.0
        else:
            dt = max(t_s - self._t, 0.0)
            alpha = 1.0 - math.exp(-dt / self.time_constant_s) if dt > 0 else 0.0
        if self._center is None or alpha >= 1.0:
            self._center, self._radius = center.copy(), float(radius_px)
        else:
            self._center = self._center + alpha * (center - self._center)
            self._radius = self._radius + alpha * (float(radius_px) - self._radius)
        self._t = t_s
        return self._center.copy(), self._radius
