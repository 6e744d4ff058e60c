"""Keyframe interpolation: per-frame pose and placement values of a scene.

A keyframe states some values at time ``t``; missing values carry over from the previous
keyframe (or :data:`DEFAULTS`). Between two keyframes each value moves with the ease of the
later keyframe: ``linear`` (constant speed, used for rolling passes) or ``smooth`` (smoothstep,
zero speed at both ends). Before the first and after the last keyframe values are held.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samplegen.scene import Keyframe, Scene

#: Value of every pose/placement key when no keyframe states it (degrees, metres, fractions).
DEFAULTS: dict[str, float] = {
    "hip_flex": 0.0,
    "knee_flex": 0.0,
    "ankle_flex": 0.0,
    "spine_flex": 0.0,
    "spine_lat": 0.0,
    "neck_flex": 0.0,
    "head_flex": 0.0,
    "shoulder_flex": 0.0,
    "shoulder_abd": 0.0,
    "elbow_flex": 0.0,
    "shoulder_rot": 0.0,
    "yaw": 0.0,
    "pitch": 0.0,
    "x": 0.0,
    "y": 0.0,
    "on_prop": 1.0,
    "hip_lift": 0.0,
    "spine_fraction": 0.7,
    "lateral": 0.0,
    "attached": 1.0,
    "sit_offset": 0.35,
    "foot_dist": 0.9,
}


@dataclass(frozen=True)
class Span:
    """The interval between two consecutive keyframes, with the values at both ends."""

    start_s: float
    end_s: float
    start: dict[str, float]
    end: dict[str, float]
    ease: str

    def changed(self, tol: float = 1e-9) -> set[str]:
        """Names of the values that move during the span."""
        return {k for k in self.start if abs(self.start[k] - self.end[k]) > tol}


def full_keyframes(keyframes: tuple[Keyframe, ...]) -> list[dict[str, float]]:
    """Every keyframe's complete value set, with carried-over and default values filled in."""
    current = dict(DEFAULTS)
    out = []
    for kf in keyframes:
        unknown = set(kf.values) - set(DEFAULTS) - _side_keys()
        if unknown:
            raise ValueError(f"keyframe at t={kf.t}: unknown values {sorted(unknown)}")
        current = {**current, **kf.values}
        out.append(dict(current))
    # Side overrides must exist in every keyframe once used, so interpolation stays defined.
    keys = set().union(*(d.keys() for d in out)) if out else set()
    for d in out:
        for k in keys - set(d):
            base = k.rsplit("_", 1)[0]
            d[k] = d.get(base, DEFAULTS.get(base, 0.0))
    return out


def _side_keys() -> set[str]:
    return {f"{k}_{s}" for k in DEFAULTS for s in ("l", "r")}


def spans(scene: Scene) -> list[Span]:
    """The spans between consecutive keyframes of ``scene`` (empty for < 2 keyframes)."""
    full = full_keyframes(scene.keyframes)
    out = []
    kfs = scene.keyframes
    for i in range(1, len(full)):
        out.append(Span(kfs[i - 1].t, kfs[i].t, full[i - 1], full[i], kfs[i].ease))
    return out


def _ease(u: float, mode: str) -> float:
    u = min(max(u, 0.0), 1.0)
    return u if mode == "linear" else u * u * (3.0 - 2.0 * u)


def values_at(scene: Scene, t: float) -> dict[str, float]:
    """All pose/placement values at time ``t`` (s)."""
    full = full_keyframes(scene.keyframes)
    if not full:
        return dict(DEFAULTS)
    times = [k.t for k in scene.keyframes]
    if t <= times[0]:
        return dict(full[0])
    if t >= times[-1]:
        return dict(full[-1])
    j = int(np.searchsorted(times, t, side="right"))
    a, b = full[j - 1], full[j]
    w = _ease((t - times[j - 1]) / (times[j] - times[j - 1]), scene.keyframes[j].ease)
    return {k: a[k] + (b[k] - a[k]) * w for k in a}


def frame_times(scene: Scene) -> np.ndarray:
    """Timestamps of the frames, ``i / fps`` (s), shape ``(frame_count,)``."""
    return np.arange(scene.frame_count, dtype=np.float64) / scene.fps
