"""Plain data passed between the stages. Frozen; shapes and units stated.

A :class:`Check` is what an analyzer hands the coach: a measured value with the **onset**
threshold that makes it a problem and the **clear** threshold it must come back past to stop
being one (hysteresis), so the coach applies persistence, priority and cooldown without knowing
any anatomy. An analyzer says three different things with it: a value (judged), ``value=None``
(cannot be judged this frame: the coach holds its state briefly, then drops it), and
``withdrawn=True`` (the check no longer applies, e.g. the prop is gone: dropped at once).

Coordinates are image pixels with the origin at the top-left, x to the right, y down.
Times are seconds on the source's monotonic clock.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import Enum
from typing import TYPE_CHECKING

import numpy as np

from posecoach.landmarks import NUM_LANDMARKS

if TYPE_CHECKING:  # the readings' own modules import this one
    from posecoach.controls import ControlsReading
    from posecoach.desk import DeskReading
    from posecoach.exercises.ball import BallReading
    from posecoach.exercises.posture import PostureReading
    from posecoach.exercises.roller import RollerReading
    from posecoach.geometry import BodyGeometry
    from posecoach.gestures import GestureReading
    from posecoach.guidance import Framing
    from posecoach.props.ball import BallDetection
    from posecoach.props.roller import RollerDetection
    from posecoach.routine import RoutineReading
    from posecoach.selector import Exercise, ExerciseDecision
    from posecoach.stages import PropPosition


@dataclass(frozen=True)
class Frame:
    """One image from a source.

    Attributes:
        image: (H, W, 3) uint8 BGR pixels.
        t: timestamp in seconds, strictly increasing within one source.
        index: 0-based position in the source (frames a live camera dropped are not counted).
        captured: ``time.monotonic()`` when a live source read the frame from the device, for
            measuring capture → screen latency; None for files and folders.
    """

    image: np.ndarray
    t: float
    index: int
    captured: float | None = None

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
            (docs/engineering.md §1.4): kept for logs only.
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
class Check:
    """One measured quantity judged this frame.

    Attributes:
        cue: what to tell the user when this check is a problem (``cue.key`` identifies it).
        value: the measurement, or None when it cannot be judged this frame.
        onset: crossing this makes the check bad.
        clear: coming back past this makes it good again (between the two: unchanged).
        higher_is_worse: True when values above ``onset`` are bad, False when below.
        unit: for display, e.g. ``"°"``, ``"cm/s"``.
        source: where the thresholds come from, for display (e.g. ``"baseline"``,
            ``"heuristic: LearnOpenCV"``).
        withdrawn: the check no longer applies (its cause is gone: the roller was lost, the ball
            dropped); the coach forgets the problem and its cue at once. ``value`` is None.
    """

    cue: Cue
    value: float | None
    onset: float
    clear: float
    higher_is_worse: bool = True
    unit: str = ""
    source: str = ""
    withdrawn: bool = False

    def __post_init__(self) -> None:
        if self.withdrawn and self.value is not None:
            raise ValueError(f"{self.key}: a withdrawn check has no value, got {self.value}")
        if self.higher_is_worse and self.clear > self.onset:
            raise ValueError(f"{self.key}: clear {self.clear} must not exceed onset {self.onset}")
        if not self.higher_is_worse and self.clear < self.onset:
            raise ValueError(f"{self.key}: clear {self.clear} must not be below onset {self.onset}")

    @property
    def key(self) -> str:
        return self.cue.key

    def withdraw(self) -> Check:
        """This check, withdrawn: same cue and thresholds (for logs and plots), no value."""
        return replace(self, value=None, withdrawn=True)

    def is_bad(self, was_bad: bool) -> bool | None:
        """Bad this frame, given whether it was bad before (hysteresis); None: not judged."""
        if self.value is None:
            return None
        sign = 1.0 if self.higher_is_worse else -1.0
        if sign * (self.value - self.onset) > 0:
            return True
        if sign * (self.value - self.clear) < 0:
            return False
        return was_bad

    def fraction_to_onset(self) -> float | None:
        """0 at clear, 1 at onset (beyond 1: past onset), for gauges and colours."""
        if self.value is None or self.onset == self.clear:
            return None
        return (self.value - self.clear) / (self.onset - self.clear)


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
        checks: every threshold check the analyzers applied this frame.
        active: keys of the problems the coach considers present (shown or not).
        cue: the one cue to show now, or None.
        cue_started: the cue appeared, or is repeated to a user who has not acted on it, this
            frame: speak it.
        status: short human-readable state, e.g. ``"person found"``.
        captured: the frame's :attr:`Frame.captured` (monotonic s), or None.

    The typed readings below are filled by the stage named beside each, or stay None when that
    stage did not run or had nothing to say on this frame:

        geometry: the tracked person's body geometry, measured once per frame (exercise stage).
        selection: which exercise is coached and why (exercise stage).
        roller_detection, ball_detection: where the props were found (exercise stage).
        ball_searched: the ball was looked for on this frame (no ``ball_detection`` then means
            not found, rather than not looked for).
        posture, roller, ball: the analyzers' readings (their stages).
        prop: the coached prop's position along the back, for logs and eval (roller/ball).
        framing: which body parts the exercise needs in view and which are cut (guidance).
        desk: the adaptive frame rate of desk mode (desk stage).
        gesture: the gesture recognised, while its answer lasts (gesture stage).
        routine: the guided routine's phase and time left (routine stage).
        controls: help panel, snooze and forced exercise (controls stage).
        safety_note: the one-time safety note is on screen (safety-note stage).
    """

    frame_index: int
    t: float
    pose: Pose | None
    inference_ms: float
    fps: float = 0.0
    metrics: dict[str, float] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    active: tuple[str, ...] = ()
    cue: Cue | None = None
    cue_started: bool = False
    status: str = ""
    captured: float | None = None
    geometry: BodyGeometry | None = None
    selection: ExerciseDecision | None = None
    roller_detection: RollerDetection | None = None
    ball_detection: BallDetection | None = None
    ball_searched: bool = False
    posture: PostureReading | None = None
    roller: RollerReading | None = None
    ball: BallReading | None = None
    prop: PropPosition | None = None
    framing: Framing | None = None
    desk: DeskReading | None = None
    gesture: GestureReading | None = None
    routine: RoutineReading | None = None
    controls: ControlsReading | None = None
    safety_note: bool = False

    @property
    def exercise(self) -> Exercise | None:
        """The exercise being coached, or None before the exercise stage ran."""
        return self.selection.exercise if self.selection is not None else None

    @property
    def exercise_name(self) -> str | None:
        """:attr:`exercise` as its name (``"posture"``, ``"roller"``…), for logs."""
        return self.selection.exercise.value if self.selection is not None else None
