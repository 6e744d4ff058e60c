"""Test data builders: poses from a few named joints, frames, results."""

from __future__ import annotations

import numpy as np

from posecoach.landmarks import NUM_LANDMARKS, Landmark
from posecoach.types import Frame, FrameResult, Pose


def make_pose(points: dict[Landmark, tuple[float, float]] | None = None,
              offset: tuple[float, float] = (0.0, 0.0), scale: float = 1.0,
              visibility: float = 0.99) -> Pose:
    """A standing person facing the camera, about 300 px tall at ``scale=1`` around (320, 240),
    with any joints in ``points`` moved to the given pixel positions (before offset/scale)."""
    base = {
        Landmark.NOSE: (320, 110), Landmark.LEFT_EYE: (328, 104), Landmark.RIGHT_EYE: (312, 104),
        Landmark.LEFT_EAR: (338, 108), Landmark.RIGHT_EAR: (302, 108),
        Landmark.MOUTH_LEFT: (326, 122), Landmark.MOUTH_RIGHT: (314, 122),
        Landmark.LEFT_SHOULDER: (355, 150), Landmark.RIGHT_SHOULDER: (285, 150),
        Landmark.LEFT_ELBOW: (365, 205), Landmark.RIGHT_ELBOW: (275, 205),
        Landmark.LEFT_WRIST: (368, 255), Landmark.RIGHT_WRIST: (272, 255),
        Landmark.LEFT_HIP: (340, 260), Landmark.RIGHT_HIP: (300, 260),
        Landmark.LEFT_KNEE: (342, 330), Landmark.RIGHT_KNEE: (298, 330),
        Landmark.LEFT_ANKLE: (343, 400), Landmark.RIGHT_ANKLE: (297, 400),
    }
    xy = np.zeros((NUM_LANDMARKS, 2))
    for landmark in Landmark:
        xy[landmark] = base.get(landmark, _nearest_named(landmark, base))
    for landmark, point in (points or {}).items():
        xy[landmark] = point
    centre = np.array([320.0, 240.0])
    xy = (xy - centre) * scale + centre + np.asarray(offset)
    return Pose(xy=xy, visibility=np.full(NUM_LANDMARKS, visibility),
                presence=np.full(NUM_LANDMARKS, 0.99))


def _nearest_named(landmark: Landmark, base: dict) -> tuple[float, float]:
    name = landmark.name
    side = "LEFT" if name.startswith("LEFT") else "RIGHT"
    if "EYE" in name:
        return base[Landmark[f"{side}_EYE"]]
    if any(part in name for part in ("PINKY", "INDEX", "THUMB")) and "FOOT" not in name:
        return base[Landmark[f"{side}_WRIST"]]
    return base[Landmark[f"{side}_ANKLE"]]


def make_frame(index: int = 0, t: float | None = None, size: tuple[int, int] = (640, 480),
               value: int = 40) -> Frame:
    width, height = size
    image = np.full((height, width, 3), value, dtype=np.uint8)
    return Frame(image=image, t=index / 30.0 if t is None else t, index=index)


def make_result(index: int = 0, pose: Pose | None = None, **kwargs) -> FrameResult:
    return FrameResult(frame_index=index, t=index / 30.0, pose=pose,
                       inference_ms=kwargs.pop("inference_ms", 15.0), **kwargs)
