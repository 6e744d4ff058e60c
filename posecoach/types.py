"""Plain data passed between the stages. Frozen; shapes and units stated.

Coordinates are image pixels with the origin at the top-left, x to the right, y down.
Times are seconds on the source's monotonic clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from posecoach.landmarks import NUM_LANDMARKS


@dataclass(frozen=True)
class Frame:
    """One image from a source.

    Attributes:
        image: (H, W, 3) uint8 BGR pixels.
        t: timestamp in seconds, strictly increasing within one source.
        index: 0-based position in the source (frames a live camera dropped are not counted).
    """

    image: np.ndarray
    t: float
    index: int

    def __post_init__(self) -> None:
        if self.image.ndim != 3 or self.image.shape[2] != 3 or self.image.dtype != np.uint8:
            raise ValueError(
                f"Frame.image must be (H, W, 3) uint8, got {self.image.shape} {self.image.dtype}"
            )

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        return int(self.image.shape[1]), int(self.image.shape[0])


@dataclass(frozen=True)
class Pose:
    """One person's 33 BlazePose landmarks.

    Attributes:
        xy: (33, 2) float pixel coordinates.
        visibility: (33,) in [0, 1], how likely the landmark is visible (not occluded).
        presence: (33,) in [0, 1], how likely the landmark is inside the frame.
        world: (33, 3) metres, hip-centred, or None. Not reliable for judging posture
            (DESIGN.md §3): kept for logs only.
    """

    xy: np.ndarray
    visibility: np.ndarray
    presence: np.ndarray
    world: np.ndarray | None = None

    def __post_init__(self) -> None:
        if self.xy.shape != (NUM_LANDMARKS, 2):
            raise ValueError(f"Pose.xy must be ({NUM_LANDMARKS}, 2), got {self.xy.shape}")
        for name in ("visibility", "presence"):
            shape = getattr(self, name).shape
            if shape != (NUM_LANDMARKS,):
                raise ValueError(f"Pose.{name} must be ({NUM_LANDMARKS},), got {shape}")
        if self.world is not None and self.world.shape != (NUM_LANDMARKS, 3):
            raise ValueError(f"Pose.world must be ({NUM_LANDMARKS}, 3), got {self.world.shape}")

    def with_xy(self, xy: np.ndarray) -> Pose:
        """A copy with other pixel coordinates (e.g. smoothed)."""
        return Pose(xy=xy, visibility=self.visibility, presence=self.presence, world=self.world)

    def bbox(self, min_visibility: float = 0.5) -> tuple[float, float, float, float] | None:
        """(x0, y0, x1, y1) around the landmarks seen with at least ``min_visibility``."""
        seen = self.xy[self.visibility >= min_visibility]
        if len(seen) == 0:
            return None
        x0, y0 = seen.min(axis=0)
        x1, y1 = seen.max(axis=0)
        return float(x0), float(y0), float(x1), float(y1)


class Severity(Enum):
    """How urgent a cue is. Safety cues win over form cues, form over information."""

    INFO = 0
    FORM = 1
    SAFETY = 2


@dataclass(frozen=True)
class Cue:
    """One short corrective phrase for the user.

    Attributes:
        key: stable identifier, e.g. ``"posture.slouch"``.
        text: the imperative phrase shown and spoken, e.g. ``"Sit tall"``.
        severity: priority class.
    """

    key: str
    text: str
    severity: Severity = Severity.FORM


@dataclass(frozen=True)
class FrameResult:
    """Everything the pipeline knows about one frame, for the overlay, sinks and logs.

    Attributes:
        frame_index: index of the source frame.
        t: its timestamp (s).
        pose: the smoothed pose of the tracked person, or None when nobody is tracked.
        inference_ms: wall time the pose model took on this frame.
        fps: pipeline throughput over the last second, frames per second.
        metrics: named numbers the analyzers measured (units in the names, e.g. ``neck_deg``).
        cue: the one cue to show now, or None.
        status: short human-readable state, e.g. ``"person found"``.
        extras: analyzer data for the overlay (zones, thresholds), keyed by analyzer name.
    """

    frame_index: int
    t: float
    pose: Pose | None
    inference_ms: float
    fps: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)
    cue: Cue | None = None
    status: str = ""
    extras: dict[str, Any] = field(default_factory=dict)
