"""Keys for a live session beyond pause, calibrate and mute: help, snooze, switch exercise.

- ``h`` shows or hides the help panel (keys and gestures, :mod:`posecoach.overlay.help`);
- ``s`` snoozes coaching for 5 minutes, pressed again 15, then 30, then off; coaching resumes
  by itself when the time is up (or with ``p`` / both hands up);
- ``e`` switches the exercise: automatic, then each exercise this session can coach in turn.

Snooze works through the coach's pause, so the coach never reads a clock: times are the
frames' timestamps.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

from posecoach.overlay.base import clock
from posecoach.selector import Exercise
from posecoach.stages import CoachStage, ExerciseStage
from posecoach.types import Frame, FrameResult

SNOOZE_MINUTES = (5, 15, 30)
HELP_KEYS = (ord("h"), ord("H"), ord("?"))
SNOOZE_KEYS = (ord("s"), ord("S"))
EXERCISE_KEYS = (ord("e"), ord("E"))


@dataclass(frozen=True)
class ControlsReading:
    """What the keys set, for the overlay.

    Attributes:
        help: show the help panel.
        snooze_s: time left of a snooze (s), or None when not snoozed.
        forced_exercise: the exercise ``e`` forced (its name), or None while automatic.
    """

    help: bool = False
    snooze_s: float | None = None
    forced_exercise: str | None = None


class ControlsStage:
    """Handles the ``h``, ``s`` and ``e`` keys; runs after the coach and the gestures.

    Writes a :class:`ControlsReading` to ``FrameResult.controls`` (help panel, snooze time
    left, forced exercise) and the status line while snoozed.

    Args:
        coach: the coach stage (snooze pauses it).
        exercise: the exercise stage (``e`` forces its selector's exercise); None: no switch.
        modes: the exercises this session has analyzers for, in switching order.
    """

    name = "controls"

    def __init__(self, coach: CoachStage, exercise: ExerciseStage | None = None,
                 modes: tuple[Exercise, ...] = (Exercise.POSTURE, Exercise.ROLLER,
                                                Exercise.BALL)) -> None:
        self.coach = coach
        self.exercise = exercise
        self.modes = modes
        self.help = False
        self.snooze_step: int | None = None  # index into SNOOZE_MINUTES
        self.snoozed_until: float | None = None
        self._snooze_request: bool = False
        self._last_t = 0.0

    def on_key(self, key: int, t: float) -> None:
        if key in HELP_KEYS:
            self.help = not self.help
        elif key in SNOOZE_KEYS:
            self._next_snooze(t)
        elif key in EXERCISE_KEYS and self.exercise is not None:
            self._next_exercise()

    def _next_snooze(self, t: float) -> None:
        step = 0 if self.snooze_step is None else self.snooze_step + 1
        if step >= len(SNOOZE_MINUTES):
            self.snooze_step, self.snoozed_until = None, None
            self.coach.paused = False
            return
        self.snooze_step = step
        self.snoozed_until = t + 60.0 * SNOOZE_MINUTES[step]
        self.coach.paused = True

    def _next_exercise(self) -> None:
        selector = self.exercise.selector
        order: list[Exercise | None] = [None, *self.modes]
        now = order.index(selector.forced) if selector.forced in order else 0
        selector.forced = order[(now + 1) % len(order)]

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        snooze_s = None
        status = result.status
        if self.snoozed_until is not None:
            left = self.snoozed_until - frame.t
            if left <= 0 or not self.coach.paused:  # time up, or resumed with p / gesture
                self.snooze_step, self.snoozed_until = None, None
                self.coach.paused = False
            else:
                snooze_s = left
                status = f"snoozed — {clock(math.ceil(left))} left (s: longer / off)"
        if self.exercise is not None and self.exercise.selector.forced is not None:
            forced = self.exercise.selector.forced.value
        else:
            forced = None
        return replace(result, controls=ControlsReading(self.help, snooze_s, forced),
                       status=status)
