"""Landmark smoothing: a vectorised One-Euro filter (Casiez, Roussel & Vogel, CHI 2012).

The Tasks API output jitters by a few pixels from frame to frame (docs/engineering.md §1.4). The
One-Euro filter is a low-pass whose cut-off rises with speed: steady when the person is still,
little lag when they move. Timestamps come with the data; the filter never reads a clock.
"""

from __future__ import annotations

import math

import numpy as np

from posecoach.types import Pose


def _alpha(cutoff_hz: float | np.ndarray, dt_s: float) -> float | np.ndarray:
    tau = 1.0 / (2.0 * math.pi * cutoff_hz)
    return 1.0 / (1.0 + tau / dt_s)


class OneEuroFilter:
    """One-Euro filter over an array of any fixed shape.

    Args:
        min_cutoff_hz: cut-off frequency at zero speed (Hz), > 0.
        beta: how fast the cut-off rises with speed (per unit/s), >= 0.
        derivative_cutoff_hz: cut-off of the speed estimate (Hz), > 0.

    Raises:
        ValueError: a parameter is out of range.
    """

    def __init__(self, min_cutoff_hz: float = 1.0, beta: float = 0.0,
                 derivative_cutoff_hz: float = 1.0) -> None:
        if min_cutoff_hz <= 0:
            raise ValueError(f"min_cutoff_hz must be > 0, got {min_cutoff_hz}")
        if beta < 0:
            raise ValueError(f"beta must be >= 0, got {beta}")
        if derivative_cutoff_hz <= 0:
            raise ValueError(f"derivative_cutoff_hz must be > 0, got {derivative_cutoff_hz}")
        self.min_cutoff_hz = min_cutoff_hz
        self.beta = beta
        self.derivative_cutoff_hz = derivative_cutoff_hz
        self.reset()

    def reset(self) -> None:
        """Forget the past: the next value passes through unchanged."""
        self._last_t: float | None = None
        self._value: np.ndarray | None = None
        self._speed: np.ndarray | None = None

    def update(self, value: np.ndarray, t: float) -> np.ndarray:
        """Filter ``value`` observed at time ``t`` (s). Returns a new array of the same shape.

        A value at a time not after the previous one is returned as the last output (a
        duplicate frame carries no new information).
        """
        value = np.asarray(value, dtype=np.float64)
        if self._last_t is None or self._value is None:
            self._last_t, self._value = t, value.copy()
            self._speed = np.zeros_like(value)
            return value.copy()
        if value.shape != self._value.shape:
            raise ValueError(f"shape changed from {self._value.shape} to {value.shape}")
        dt = t - self._last_t
        if dt <= 0:
            return self._value.copy()
        raw_speed = (value - self._value) / dt
        speed_alpha = _alpha(self.derivative_cutoff_hz, dt)
        self._speed = self._speed + speed_alpha * (raw_speed - self._speed)
        cutoff = self.min_cutoff_hz + self.beta * np.abs(self._speed)
        self._value = self._value + _alpha(cutoff, dt) * (value - self._value)
        self._last_t = t
        return self._value.copy()


class PoseSmoother:
    """Smooths a person's landmark pixels over time; resets when the person is lost.

    Args:
        filter_: the filter applied to the (33, 2) pixel array.
        reset_after_s: a gap without a pose longer than this starts afresh.
    """

    def __init__(self, filter_: OneEuroFilter, reset_after_s: float = 0.5) -> None:
        self._filter = filter_
        self._reset_after_s = reset_after_s
        self._last_seen_t: float | None = None

    def reset(self) -> None:
        self._filter.reset()
        self._last_seen_t = None

    def update(self, pose: Pose | None, t: float) -> Pose | None:
        """The smoothed pose at time ``t`` (s), or None when nobody is seen."""
        if pose is None:
            if self._last_seen_t is not None and t - self._last_seen_t > self._reset_after_s:
                self.reset()
            return None
        if self._last_seen_t is not None and t - self._last_seen_t > self._reset_after_s:
            self._filter.reset()
        self._last_seen_t = t
        return pose.with_xy(self._filter.update(pose.xy, t))
