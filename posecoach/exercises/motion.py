"""Movement of a prop along the spine: speed and passes, shared by the roller and ball coaches."""

from __future__ import annotations

from collections import deque

import numpy as np


def robust_slope(times: np.ndarray, values: np.ndarray) -> float:
    """Theil–Sen slope: the median of the slopes between every pair of samples. A detector's
    stray frame (the roller's other end, a spot on the clothes) only moves the pairs it is in,
    so up to ~29 % of such frames leave the slope unbent, where a least-squares fit follows
    them (Sen 1968)."""
    dt = times[None, :] - times[:, None]
    dv = values[None, :] - values[:, None]
    upper = np.triu(np.ones_like(dt, dtype=bool), k=1) & (dt > 0)
    if not upper.any():
        return 0.0
    return float(np.median(dv[upper] / dt[upper]))


class SpineMotion:
    """Speed (cm/s) and one-direction passes of a position along the spine over time.

    The velocity is the robust (Theil–Sen) slope of the position over the last ``window_s``
    (long enough to average a detector's jitter of ~0.5 cm, whose slope noise is then ~1 cm/s;
    a stray frame does not bend it, :func:`robust_slope`). The pace is the lower of two
    readings of |velocity|:

    - the ``percentile`` over the last ``speed_span_s``: rolling speed is the speed *during*
      passes, and a high percentile ignores the dips where the movement turns round, which
      short fast passes are full of (and, unlike the highest, the odd noisy slope of a
      near-miss pace);
    - the highest over the last ``recent_s``: it follows a stop within about
      ``window_s / 2 + recent_s`` instead of remembering the passes for the whole span.
      With ``reversal_cm_s`` set, that look-back reaches ``window_s`` further while the
      movement has just turned round (a slope of at least ``reversal_cm_s`` each way within
      the last ``recent_s``): the slopes whose window straddles the turn of a short fast pass
      read low although the prop never stopped, and a cap from them alone would read every
      turn as a slow-down. A stop or a slow-down without a turn is followed as before.

    So a fast stretch reads fast about 0.5 s after it starts and a slow-down reads slow
    about 0.6 s after it (docs/coaching.md §3.2, "Measuring the pace"): with the coach's 1 s
    of evidence and 0.6 s of clearing, a fast stretch is answered within ~1.5 s and the cue
    goes within ~1.2 s of slowing down. A pass is counted when the movement reverses after
    at least ``pass_min_cm``.

    Frames without a position (the prop missed for a moment, a held-over detection) go
    through :meth:`hold`: for up to ``max_gap_s`` the last pace stands; after a longer gap
    the pace is unknown until a new slope is measured (no slope spans a gap).
    """

    def __init__(self, window_s: float = 0.5, speed_span_s: float = 1.0,
                 percentile: float = 80.0, pass_min_cm: float = 4.0, recent_s: float = 0.3,
                 max_gap_s: float = 0.5, reversal_cm_s: float | None = None) -> None:
        if window_s <= 0 or speed_span_s <= 0 or recent_s <= 0:
            raise ValueError(f"windows must be > 0, got {window_s}, {speed_span_s}, "
                             f"{recent_s}")
        if max_gap_s < 0:
            raise ValueError(f"max_gap_s must be >= 0, got {max_gap_s}")
        if reversal_cm_s is not None and reversal_cm_s <= 0:
            raise ValueError(f"reversal_cm_s must be > 0 or None, got {reversal_cm_s}")
        self.window_s = window_s
        self.speed_span_s = speed_span_s
        self.percentile = percentile
        self.pass_min_cm = pass_min_cm
        self.recent_s = recent_s
        self.max_gap_s = max_gap_s
        self.reversal_cm_s = reversal_cm_s
        self.passes = 0
        self._positions: deque[tuple[float, float]] = deque()
        self._speeds: deque[tuple[float, float]] = deque()  # (t, signed slope)
        self._pace: float | None = None
        self._direction = 0
        self._extreme: float | None = None

    def break_track(self) -> None:
        """The position is unknown for a while: the next one starts a new speed estimate."""
        self._positions.clear()
        self._speeds.clear()
        self._pace = None

    def reset(self) -> None:
        self.break_track()
        self.reset_passes()

    def reset_passes(self) -> None:
        """Count passes afresh (a new set) without forgetting the movement so far."""
        self.passes = 0
        self._direction = 0
        self._extreme = None

    def rescale(self, factor: float) -> None:
        """The centimetre changed size (a learned trunk length replaced the average): the
        positions and speeds so far are multiplied by ``factor``, so the pace carries on at
        the new scale instead of reading a jump as movement."""
        if not factor > 0:
            raise ValueError(f"factor must be > 0, got {factor}")
        self._positions = deque((t, p * factor) for t, p in self._positions)
        self._speeds = deque((t, v * factor) for t, v in self._speeds)
        if self._pace is not None:
            self._pace *= factor
        if self._extreme is not None:
            self._extreme *= factor

    def hold(self, t: float) -> float | None:
        """A frame at ``t`` (s) without a position: the last pace while it is at most
        ``max_gap_s`` old, else None."""
        if not self._speeds or t - self._speeds[-1][0] > self.max_gap_s:
            return None
        return self._pace

    def update(self, t: float, position_cm: float) -> float | None:
        """Add a position at time ``t`` (s); returns the pace (cm/s) once the window holds
        enough samples, else None."""
        if self._positions and t - self._positions[-1][0] > self.max_gap_s:
            # A long gap: no slope across it (the movement in between is unknown); the
            # slopes before it still count toward the span's percentile while in the span.
            self._positions.clear()
        self._count_pass(position_cm)
        self._positions.append((t, position_cm))
        while self._positions and t - self._positions[0][0] > self.window_s:
            self._positions.popleft()
        if len(self._positions) < 3 or t - self._positions[0][0] < 0.6 * self.window_s:
            return self.hold(t)
        times = np.array([p[0] for p in self._positions])
        values = np.array([p[1] for p in self._positions])
        self._speeds.append((t, robust_slope(times, values)))
        while t - self._speeds[0][0] > self.speed_span_s:
            self._speeds.popleft()
        look_back = self.recent_s + (self.window_s if self._turned(t) else 0.0)
        recent = max(abs(v) for s, v in self._speeds if t - s <= look_back)
        span = float(np.percentile([abs(v) for _, v in self._speeds], self.percentile))
        self._pace = min(span, recent)
        return self._pace

    def _turned(self, t: float) -> bool:
        """The movement turned round within the last ``recent_s``: slopes of at least
        ``reversal_cm_s`` both ways (never with ``reversal_cm_s`` None). Only that long:
        the slopes measured after it soon tell a fast pass back from a slow one (a roll
        that slows down at a turn must still read slow within ~1 s)."""
        if self.reversal_cm_s is None:
            return False
        recent = [v for s, v in self._speeds if t - s <= self.recent_s]
        return (max(recent) >= self.reversal_cm_s
                and min(recent) <= -self.reversal_cm_s)

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
