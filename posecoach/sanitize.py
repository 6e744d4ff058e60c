"""The guard where poses enter the pipeline: landmarks every later stage can trust.

A pose estimator (or a pose recorded elsewhere) can hand over landmarks that are not numbers,
lie far outside the picture, or collapse onto one point. Geometry, analyzers and the overlay
assume finite pixels near the frame, so the pipeline passes every pose through
:func:`sanitize_poses` first instead of guarding each computation.
"""

from __future__ import annotations

import numpy as np

from posecoach.landmarks import Landmark as L
from posecoach.types import Pose

_TORSO = [L.LEFT_SHOULDER, L.RIGHT_SHOULDER, L.LEFT_HIP, L.RIGHT_HIP]
#: A torso (mid-shoulder to mid-hip) shorter than this is a glitch or a person too far away to
#: judge (docs/engineering.md §1.5: > 4 m is already a known weakness at 640×480), not
#: someone to coach.
MIN_TORSO_PX = 4.0
#: Landmarks may lie outside the picture (MediaPipe extrapolates hidden joints), but not
#: farther than this many frame sizes: beyond that they carry no meaning and only overflow.
MARGIN_FRAMES = 1.0


def sanitize_pose(pose: Pose, width: int, height: int) -> Pose | None:
    """``pose`` with finite, bounded landmarks, or None when it is no usable person.

    Landmarks that are not finite become invisible (visibility and presence 0) and are put
    on the torso centre; all are clipped to within ``MARGIN_FRAMES`` of the frame; visibility
    and presence are clipped to [0, 1]. The pose is dropped when a shoulder or hip is not
    finite or the torso is shorter than ``MIN_TORSO_PX``.

    Args:
        pose: as the estimator gave it.
        width, height: frame size in pixels.
    """
    xy = np.array(pose.xy, dtype=np.float64)
    finite = np.isfinite(xy).all(axis=1)
    if not finite[_TORSO].all():
        return None
    visibility = _unit(pose.visibility)
    presence = _unit(pose.presence)
    visibility[~finite] = 0.0
    presence[~finite] = 0.0
    low = np.array([-MARGIN_FRAMES * width, -MARGIN_FRAMES * height])
    high = np.array([(1 + MARGIN_FRAMES) * width, (1 + MARGIN_FRAMES) * height])
    xy[~finite] = xy[_TORSO].mean(axis=0)
    xy = np.clip(xy, low, high)
    shoulders = xy[[L.LEFT_SHOULDER, L.RIGHT_SHOULDER]].mean(axis=0)
    hips = xy[[L.LEFT_HIP, L.RIGHT_HIP]].mean(axis=0)
    if float(np.linalg.norm(shoulders - hips)) < MIN_TORSO_PX:
        return None
    world = pose.world
    if world is not None and not np.isfinite(world).all():
        world = None
    return Pose(xy=xy, visibility=visibility, presence=presence, world=world)


def sanitize_poses(poses: list[Pose], width: int, height: int) -> list[Pose]:
    """The usable poses among ``poses``, each sanitised (see :func:`sanitize_pose`)."""
    kept = (sanitize_pose(pose, width, height) for pose in poses)
    return [pose for pose in kept if pose is not None]


def _unit(values: np.ndarray) -> np.ndarray:
    return np.clip(np.nan_to_num(np.asarray(values, dtype=np.float64), nan=0.0, posinf=1.0,
                                 neginf=0.0), 0.0, 1.0)
