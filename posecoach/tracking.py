"""Keeping the same person when the model returns several.

With ``num_poses=1`` MediaPipe was seen to jump to a person walking past for about a second
(docs/engineering.md §1.5). Asking for more poses and keeping the one that continues the tracked
person's torso avoids that.
"""

from __future__ import annotations

import numpy as np

from posecoach.landmarks import Landmark as L
from posecoach.types import Pose

_TORSO = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]


def torso_centre(pose: Pose) -> np.ndarray:
    """Mean of shoulders and hips, (2,) px."""
    return pose.xy[_TORSO].mean(axis=0)


def torso_size(pose: Pose) -> float:
    """Distance mid-shoulder ↔ mid-hip in px (at least 1)."""
    shoulders = pose.xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]].mean(axis=0)
    hips = pose.xy[[L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=0)
    return max(1.0, float(np.linalg.norm(shoulders - hips)))


class PersonSelector:
    """Picks the tracked person among the poses of one frame.

    The first person chosen is the largest (usually the one nearest the camera); after that,
    the pose whose torso centre is nearest the last one, unless it is farther than
    ``max_jump_torsos`` torso lengths away, in which case nobody is reported for that frame.
    After ``forget_after_s`` without the person, the choice starts afresh.

    Attributes:
        people_in_view: number of poses in the last frame (for "only one person please").
    """

    def __init__(self, max_jump_torsos: float = 1.5, forget_after_s: float = 2.0) -> None:
        self.max_jump_torsos = max_jump_torsos
        self.forget_after_s = forget_after_s
        self._last: Pose | None = None
        self._last_t: float | None = None
        self.people_in_view = 0

    def reset(self) -> None:
        self._last, self._last_t = None, None

    def update(self, poses: list[Pose], t: float) -> Pose | None:
        """The tracked person's pose among ``poses`` at time ``t`` (s), or None."""
        self.people_in_view = len(poses)
        if self._last_t is not None and t - self._last_t > self.forget_after_s:
            self.reset()
        if not poses:
            return None
        if self._last is None:
            chosen = max(poses, key=torso_size)
        else:
            previous = torso_centre(self._last)
            chosen = min(poses, key=lambda p: float(np.linalg.norm(torso_centre(p) - previous)))
            jump = float(np.linalg.norm(torso_centre(chosen) - previous))
            if len(poses) > 1 and jump > self.max_jump_torsos * torso_size(self._last):
                return None
        self._last, self._last_t = chosen, t
        return chosen
