"""Movement of a prop along the spine: speed and passes, shared by the roller and ball coaches."""

from __future__ import annotations

from collections import deque

import numpy as np


class SpineMotion:
    """Speed (cm/s) and one-direction passes of a position along the spine over time.

    The velocity is the least-squares slope of the position over the last ``window_s`` (long
    enough to average a detector's jitter of ~0.5 cm, whose slope noise is then ~1 cm/s). The
    speed is the ``percentile`` of |velocity| over the last ``speed_span_s``: rolling speed is
    the speed *during* passes, and a high percentile ignores the dips where the movement
    turns round, which short fast passes are full of. A pass is counted when the movement
    reverses after at least ``pass_min_cm``.
    """

    def __init__(self, window_s: float = 0.5, speed_span_s: float = 1.5,
                 percentile: float = 80.0, pass_min_cm: float = 4.0) -> None:
        if window_s <= 0 or speed_span_s <= 0:
            raise ValueError(f"windows must be > 0, got {window_s}, {speed_span_s}")
        self.window_s = window_s
        self.speed_span_s = speed_span_s
        self.percentile = percentile
        self.pass_min_cm = pass_min_cm
        self.passes = 0
        self._positions: deque[tuple[float, float]] = deque()
        self._speeds: deque[tuple[float, float]] = deque()
        self._direction = 0
        self._extreme: float | None = None

    @property
    def latest_speed(self) -> float | None:
        """|velocity| (cm/s) of the last window alone, None before there is one: it follows a
        stop at once, where the speed over ``speed_span_s`` still remembers the passes."""
        return self._speeds[-1][1] if self._speeds else None

    def break_track(self) -> None:
        """The position is unknown for a while: the next one starts a new speed estimate."""
        self._positions.clear()
        self._speeds.clear()

    def reset(self) -> None:
        self.break_track()
        self.passes = 0
        self._direction = 0
        self._extreme = None

    def update(self, t: float, position_cm: float) -> float | None:
        """Add a position at time ``t`` (s); returns the speed (cm/s) once the window holds
        enough samples, else None."""
        self._count_pass(position_cm)
        self._positions.append((t, position_cm))
        while self._positions and t - self._positions[0][0] > self.window_s:
            self._positions.popleft()
        if len(self._positions) < 3 or t - self._positions[0][0] < 0.6 * self.window_s:
            return None
        times = np.array([p[0] for p in self._positions])
        values = np.array([p[1] for p in self._positions])
        self._speeds.append((t, float(abs(np.polyfit(times - times.mean(), values, 1)[0]))))
        while t - self._speeds[0][0] > self.speed_span_s:
            self._speeds.popleft()
        return float(np.percentile([v for _, v in self._speeds], self.percentile))

    def _count_pass(self, position: float) -> None:
        if self._extreme is None:
            self._extreme = position
            return
        moved = position - self._extreme
        if self._direction == 0:
            if abs(moved) >= self.pass_min_cm:
                self._direction = 1 if moved > 0 else -1
                self._extreme = position
            return
        if moved * self._direction > 0:
            self._extreme = position  # still going the same way: the pass goes on
        elif abs(moved) >= self.pass_min_cm:
            self.passes += 1  # reversed after a real pass
            self._direction = -self._direction
            self._extreme = position
