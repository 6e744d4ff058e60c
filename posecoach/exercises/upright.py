"""The user's own upright posture, learned while coaching when nobody calibrated.

Absolute limits on MediaPipe landmarks do not carry over between bodies and cameras: on the
dev split the hip→shoulder line of upright sitters measured anywhere from -10° to +1° from
vertical, while a slouch just past the clinical limit moved it by 11–15° (docs/coaching.md
§2.4). A change from the person's own upright posture is what separates them. Without a
calibration, that posture is learned from the session itself: the most upright of the last
minutes (a low quantile of one-second medians), so a slouch cannot teach the reference to
slouch unless it lasts most of the window, and a person who sits up straighter raises it at
once. Each metric's reference is also capped at the least upright value seen in upright
people, so someone who starts the session slouched is still judged against upright posture.
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass

#: One reference sample per second of judged frames (medians damp landmark jitter).
BIN_S = 1.0
#: The reference forgets postures older than this, so it follows a person who changes chair or
#: camera during the day (a way out for the state it holds).
KEEP_S = 600.0
#: "Most upright" is this quantile of the kept one-second medians, toward the upright end:
#: robust to a stray second while following the best posture the person showed.
UPRIGHT_QUANTILE = 0.15


@dataclass(frozen=True)
class ReferenceRule:
    """How one metric's reference is learned.

    Attributes:
        metric: the metric's name.
        upright_is_high: True when larger values are more upright (e.g. head height).
        least_upright: the reference never goes past this toward the slouched side (the
            least upright value upright people showed); None for no cap.
        most_upright: nor past this toward the other side (the most upright value upright
            people showed): leaning back in the chair for a while must not make normal sitting
            look like a slouch; None for no bound.
    """

    metric: str
    upright_is_high: bool = False
    least_upright: float | None = None
    most_upright: float | None = None


class UprightReference:
    """Per-metric reference: the person's most upright posture over the last minutes.

    Args:
        rules: one rule per metric to learn.
        ready_after_s: judged time needed before the reference is used.
    """

    def __init__(self, rules: tuple[ReferenceRule, ...], ready_after_s: float = BIN_S) -> None:
        if ready_after_s < 0:
            raise ValueError(f"ready_after_s must be >= 0, got {ready_after_s}")
        self.rules = {rule.metric: rule for rule in rules}
        self.ready_after_s = ready_after_s
        self._bins: deque[tuple[float, dict[str, float]]] = deque()
        self._open: dict[str, list[float]] = {}
        self._open_start: float | None = None
        self._judged_s = 0.0
        self._last_t: float | None = None
        # References change only when a bin closes or expires: kept, not re-sorted per frame.
        self._learned: dict[str, float] = {}

    def reset(self) -> None:
        """Forget everything (another person, another view)."""
        self._bins.clear()
        self._open = {}
        self._open_start = None
        self._judged_s = 0.0
        self._last_t = None
        self._learned = {}

    def add(self, metrics: dict[str, float], t: float) -> None:
        """Record one judged frame's metrics at time ``t`` (s)."""
        if self._last_t is not None and t > self._last_t:
            # Gaps (nobody judged) do not count toward readiness.
            self._judged_s += min(t - self._last_t, BIN_S)
        self._last_t = t
        if self._open_start is None:
            self._open_start = t
        for name in self.rules:
            if name in metrics:
                self._open.setdefault(name, []).append(float(metrics[name]))
        changed = False
        if t - self._open_start >= BIN_S:
            self._close_bin(t)
            changed = True
        while self._bins and t - self._bins[0][0] > KEEP_S:
            self._bins.popleft()
            changed = True
        if changed:
            self._learned = {name: value for name in self.rules
                             if (value := self._learn(name)) is not None}

    @property
    def ready(self) -> bool:
        return bool(self._bins) and self._judged_s >= self.ready_after_s

    def value(self, metric: str) -> float | None:
        """The reference of ``metric``, or None before it is ready."""
        return self._learned.get(metric) if self.ready else None

    def values(self) -> dict[str, float]:
        """Every ready reference, by metric."""
        return dict(self._learned) if self.ready else {}

    def _learn(self, metric: str) -> float | None:
        rule = self.rules[metric]
        values = sorted(b[metric] for _, b in self._bins if metric in b)
        if not values:
            return None
        index = round(UPRIGHT_QUANTILE * (len(values) - 1))
        learned = values[-1 - index] if rule.upright_is_high else values[index]
        low, high = ((rule.least_upright, rule.most_upright) if rule.upright_is_high
                     else (rule.most_upright, rule.least_upright))
        if low is not None:
            learned = max(learned, low)
        if high is not None:
            learned = min(learned, high)
        return learned

    def _close_bin(self, t: float) -> None:
        medians = {name: statistics.median(v) for name, v in self._open.items() if v}
        if medians:
            self._bins.append((t, medians))
        self._open = {}
        self._open_start = t
