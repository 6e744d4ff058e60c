"""The tracked person's skeleton."""

from __future__ import annotations

import cv2
import numpy as np

from posecoach.landmarks import SKELETON_EDGES
from posecoach.overlay.base import DIM, NEUTRAL
from posecoach.types import FrameResult


class SkeletonAnnotator:
    """Bones and joints of the tracked person; joints the model barely sees are dimmed.

    Args:
        min_visibility: joints below this visibility are drawn dim (and their bones thin).
        thickness: line width at 640 px image width; scaled with the image.
    """

    def __init__(self, min_visibility: float = 0.5, thickness: int = 2) -> None:
        self.min_visibility = min_visibility
        self.thickness = thickness

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        pose = result.pose
        if pose is None:
            return image
        scale = max(1.0, image.shape[1] / 640.0)
        thick = max(1, int(round(self.thickness * scale)))
        points = np.round(pose.xy).astype(np.int32)
        seen = pose.visibility >= self.min_visibility
        for a, b in SKELETON_EDGES:
            both = bool(seen[a] and seen[b])
            cv2.line(image, tuple(points[a]), tuple(points[b]), NEUTRAL if both else DIM,
                     thick if both else 1, cv2.LINE_AA)
        radius = max(2, int(round(3 * scale)))
        for i, point in enumerate(points):
            cv2.circle(image, tuple(point), radius, NEUTRAL if seen[i] else DIM, -1, cv2.LINE_AA)
        return image
