"""Desk mode: posture coaching all day at an adaptive frame rate.

One PoseLandmarker keeps a core busy at full rate (docs/engineering.md §1.3), too much for a
coach left running beside a day's work. While the person sits still and upright (or nobody is
in view), only ``still_fps`` frames a second go to the model; as soon as anything changes, every
frame does again:

- the picture moves: each camera frame, shrunk to a small grey image (a fraction of a
  millisecond), is compared with the last analysed one, so even a slow drift adds up;
- the landmarks move between analysed frames, or a posture check comes within half-way of
  its onset threshold, or a problem or cue is active, or calibration runs, or the exercise is
  not posture.

After a change, full rate holds until things have been calm for ``settle_s``. A fault therefore
starts at full rate whenever the body moves into it, and otherwise one slow interval later at
most; the coach's own timing (docs/coaching.md §1) is unchanged, since it runs on the frames'
timestamps.

:class:`DeskMode` is both the filter in front of the pipeline (:meth:`DeskMode.frames`) and
the last stage of it (:meth:`DeskMode.update`, which reads the finished result and puts a
:class:`DeskReading` in ``FrameResult.desk`` for the HUD).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace

import cv2
import numpy as np

from posecoach.landmarks import Landmark as L
from posecoach.selector import Exercise
from posecoach.stages import frame_geometry
from posecoach.types import Frame, FrameResult

#: Size of the grey image compared between frames (px). Area averaging over 8×8 blocks of a
#: 640×480 frame removes most sensor and compression noise before anything is compared.
MOTION_SIZE = (80, 60)
#: A block changed when its mean grey level moved by more than this (0–255), and the picture
#: moved when more than :data:`MOTION_SHARE` of the blocks changed (0.2 % = 10 of 4,800).
#: Chosen on the rendered seated clips of the dev split, comparing frames 1/3 s apart: in held
#: poses at most 8 blocks changed by more than 10 levels (the noisiest clip; 6 or 8 levels
#: woke on its noise), while 54 of 62 moves from one pose to the next woke it, half of them
#: within 0.27 s. The moves it misses are caught by the landmark and threshold checks at the
#: next slow frame; a wake it should not have made only costs CPU.
BLOCK_CHANGE = 10
MOTION_SHARE = 0.002
#: Landmarks used to tell whether the body moved between analysed frames: head and trunk.
BODY_POINTS = (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR, L.LEFT_SHOULDER, L.RIGHT_SHOULDER,
               L.LEFT_HIP, L.RIGHT_HIP)
#: The body moved when one of those points moved more than this share of the shoulder–hip
#: length since the calm began (5 %: a few cm, above the smoothed landmark jitter of a
#: few px on a ~150 px trunk, docs/engineering.md §1.4).
BODY_MOVE_SHARE = 0.05
#: A posture check this far from clear towards onset (0 clear, 1 onset) is no longer calm.
NEAR_ONSET = 0.5


@dataclass(frozen=True)
class DeskReading:
    """What desk mode is doing, for the HUD and logs.

    Attributes:
        slow: True while only ``fps`` frames a second are analysed.
        fps: the analysed frame rate while slow (frames per second).
    """

    slow: bool
    fps: float

    @property
    def label(self) -> str:
        """``desk mode: 3 fps`` while slow, else ``""``."""
        return f"desk mode: {self.fps:g} fps" if self.slow else ""


def small_grey(image: np.ndarray) -> np.ndarray:
    """(60, 80) int16 grey image for the motion check."""
    small = cv2.resize(image, MOTION_SIZE, interpolation=cv2.INTER_AREA)
    return cv2.cvtColor(small, cv2.COLOR_BGR2GRAY).astype(np.int16)


def motion_share(a: np.ndarray, b: np.ndarray) -> float:
    """Share of blocks whose grey level changed by more than :data:`BLOCK_CHANGE`."""
    return float(np.count_nonzero(np.abs(a - b) > BLOCK_CHANGE)) / a.size


class DeskMode:
    """Adaptive frame rate for posture coaching (see the module docstring).

    Args:
        still_fps: frames per second analysed while calm, > 0.
        settle_s: how long things must stay calm before the rate drops (s), >= 0.

    Attributes:
        skipped: camera frames not analysed because all was calm.
        slow: True while the rate is reduced.

    Raises:
        ValueError: still_fps <= 0 or settle_s < 0.
    """

    name = "desk"

    def __init__(self, still_fps: float = 3.0, settle_s: float = 2.0) -> None:
        if still_fps <= 0:
            raise ValueError(f"still_fps must be > 0, got {still_fps}")
        if settle_s < 0:
            raise ValueError(f"settle_s must be >= 0, got {settle_s}")
        self.still_fps = still_fps
        self.settle_s = settle_s
        self.skipped = 0
        self.slow = False
        self._calm_since: float | None = None
        self._reference: np.ndarray | None = None  # small grey of the last analysed frame
        self._last_t: float | None = None  # time of the last analysed frame
        self._anchor: np.ndarray | None = None  # head and trunk when the calm began

    def frames(self, frames: Iterable[Frame]) -> Iterator[Frame]:
        """The frames to analyse: all of them, or a few a second while calm."""
        for frame in frames:
            if self.admit(frame):
                yield frame
            else:
                self.skipped += 1

    def admit(self, frame: Frame) -> bool:
        """Whether ``frame`` goes to the model."""
        small = small_grey(frame.image)
        if self.slow and self._reference is not None and self._last_t is not None:
            if motion_share(small, self._reference) > MOTION_SHARE:
                self._wake()
            elif frame.t - self._last_t < 1.0 / self.still_fps - 1e-6:
                return False
        self._reference = small
        self._last_t = frame.t
        return True

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        """Stage: judge from the finished result whether all is calm; note the rate."""
        if self._calm(result):
            if self._calm_since is None:
                self._calm_since = frame.t
            if frame.t - self._calm_since >= self.settle_s:
                self.slow = True
        else:
            self._wake()
        reading = DeskReading(slow=self.slow, fps=self.still_fps)
        return replace(result, desk=reading)

    def _wake(self) -> None:
        self.slow = False
        self._calm_since = None
        self._anchor = None

    def _calm(self, result: FrameResult) -> bool:
        if result.cue is not None or result.active:
            return False
        if result.pose is None:
            return self._anchor is None  # nobody in view; a moving picture wakes it later
        if (result.exercise or Exercise.POSTURE) is not Exercise.POSTURE:
            return False
        reading = result.posture
        if reading is None or reading.calibration is not None:
            return False
        checks = [c for c in result.checks if c.key.startswith("posture.")]
        if not checks:
            return False  # posture not judged (e.g. turned at an angle): stay attentive
        for check in checks:
            near = check.fraction_to_onset()
            if check.value is None or (near is not None and near > NEAR_ONSET):
                return False
        return not self._body_moved(result)

    def _body_moved(self, result: FrameResult) -> bool:
        """True when the head or trunk left where they were when the calm began (a slow
        drift adds up)."""
        if result.pose is None:
            return True
        body = result.pose.xy[list(BODY_POINTS)]
        if self._anchor is None:
            self._anchor = body
            return False
        geometry = frame_geometry(result)
        if geometry is None or geometry.torso_px <= 0:
            return True
        step = float(np.linalg.norm(body - self._anchor, axis=1).max())
        return step > BODY_MOVE_SHARE * geometry.torso_px
