"""Guided routines: timed phases with spoken prompts (docs/coaching.md §8).

A session with a routine walks through its phases: warm up with light, slow passes; work
tender spots with holds and slow breathing; finish lightly; rest and drink water. Each phase
has a prompt (shown and spoken when it starts) and a duration from
:class:`posecoach.config.RoutineSettings`. Phases adapt:

- a **spot** phase counts holds: a hold the analyzer measures (``roller.hold_s`` or
  ``ball.spot_s``) that reaches the minimum hold counts once; the phase ends when it has its
  holds or its time is up;
- a phase is **skipped** with ``n`` or by ending the set with the hand-on-head gesture;
- the clock stops while coaching is paused and while nobody is in view.

The routine's record (each phase: start, end, completed or skipped, holds) goes to the
session totals and, frame by frame, to ``metrics["routine.*"]`` in the log.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

from posecoach.config import RoutineSettings
from posecoach.types import Cue, Frame, FrameResult, Severity

log = logging.getLogger(__name__)

ROUTINES = ("roller", "ball", "desk-break")
SKIP_KEYS = (ord("n"), ord("N"))
START_KEYS = (ord("r"), ord("R"))
#: The routine ``r`` starts for the exercise being coached.
ROUTINE_FOR_EXERCISE = {"roller": "roller", "ball": "ball"}


class PhaseKind(Enum):
    TIMED = "timed"
    SPOTS = "spots"


@dataclass(frozen=True)
class Phase:
    """One step of a routine.

    Attributes:
        key: short name, e.g. ``"warm_up"``.
        title: shown on the overlay.
        prompt: shown and spoken when the phase starts.
        seconds: longest the phase lasts (s).
        kind: timed, or spots (ends early once ``holds`` holds were counted).
        holds: holds a spots phase asks for.
        min_hold_s: a hold counts once it lasts this long (s).
    """

    key: str
    title: str
    prompt: str
    seconds: float
    kind: PhaseKind = PhaseKind.TIMED
    holds: int = 0
    min_hold_s: float = 0.0


def phases_for(name: str, settings: RoutineSettings) -> tuple[Phase, ...]:
    """The phases of routine ``name`` (roller, ball or desk-break) with durations from
    ``settings`` (sources in docs/coaching.md §8)."""
    s = settings
    if name == "roller":
        return (
            Phase("warm_up", "Warm-up", "Warm up: roll slowly over your whole upper back, "
                  "light pressure", s.warm_up_s),
            Phase("spots", "Tender spots", "Find a tender spot, hold it and breathe slowly",
                  s.spots * s.roller_hold_max_s, PhaseKind.SPOTS, s.spots, s.roller_hold_min_s),
            Phase("finish", "Finish", "Finish with light, slow passes", s.finish_s),
            Phase("rest", "Rest", "Rest now, and drink some water", s.rest_s),
        )
    if name == "ball":
        return (
            Phase("warm_up", "Warm-up", "Warm up: move the ball gently around your upper back",
                  s.warm_up_s),
            Phase("spots", "Tender spots", "Find a tender spot beside your spine, hold it and "
                  "breathe slowly", s.spots * s.ball_hold_max_s, PhaseKind.SPOTS, s.spots,
                  s.ball_hold_min_s),
            Phase("finish", "Finish", "Finish with light, slow circles", s.finish_s),
            Phase("rest", "Rest", "Rest now, and drink some water", s.rest_s),
        )
    if name == "desk-break":
        return (
            Phase("stand", "Stand up", "Stand up and roll your shoulders slowly", s.break_move_s),
            Phase("walk", "Walk", "Walk around for a minute", s.break_walk_s),
            Phase("rest", "Back", "Sit back down tall, and drink some water", s.rest_s),
        )
    raise ValueError(f"routine must be one of {', '.join(ROUTINES)}, got {name!r}")


@dataclass(frozen=True)
class PhaseRecord:
    """What happened in one phase (times in s of the session's clock)."""

    key: str
    start_t: float
    end_t: float
    outcome: str  # "completed", "skipped" or "stopped" (the session ended during it)
    holds: int = 0


@dataclass(frozen=True)
class RoutineReading:
    """The routine's state for the overlay.

    Attributes:
        name: the routine.
        index: the phase's position (0-based); equal to ``count`` once the routine is done.
        count: number of phases.
        title: the phase's title ("" when done).
        left_s: the phase's time left (s).
        holds, holds_needed: holds counted and asked for in a spots phase.
    """

    name: str
    index: int
    count: int
    title: str
    left_s: float
    holds: int = 0
    holds_needed: int = 0

    @property
    def done(self) -> bool:
        return self.index >= self.count


class RoutineStage:
    """Runs a routine over the session; after the coach and gestures (a phase prompt takes the
    screen and the voice for ``prompt_s`` unless a safety or form cue is up). Idle until a
    routine starts (``name``, or :meth:`start`: the ``r`` key).

    Args:
        name: roller, ball or desk-break to start with the session; None: idle.
        settings: phase durations.
        is_paused: tells whether coaching is paused (the routine clock stops).
        prompt_s: how long a phase prompt stays on screen (s).
    """

    name = "routine"

    def __init__(self, routine: str | None = None, settings: RoutineSettings | None = None,
                 is_paused: Callable[[], bool] | None = None, prompt_s: float = 5.0) -> None:
        self.settings = settings or RoutineSettings()
        self.is_paused = is_paused or (lambda: False)
        self.prompt_s = prompt_s
        self.routine: str | None = None
        self.phases: tuple[Phase, ...] = ()
        self.records: list[PhaseRecord] = []
        self.index = 0
        self._start_t: float | None = None
        self._elapsed = 0.0
        self._last_t: float | None = None
        self._holds = 0
        self._hold_counted = False
        self._skip = False
        self._prompt_since: float | None = None
        self._prompt_said = False
        self._start_request: str | None = None
        self._stop_request = False
        self._pending: tuple[Phase, ...] = ()
        self._exercise: str | None = None
        if routine:
            self.start(routine)

    def start(self, routine: str) -> None:
        """Start ``routine`` (from its first phase) on the next frame; a routine in progress
        is stopped and kept in the record."""
        self._pending = phases_for(routine, self.settings)  # raises on an unknown name
        self._start_request = routine

    def on_key(self, key: int, t: float) -> None:
        if key in SKIP_KEYS and self.active:
            self.skip()
        elif key in START_KEYS:
            if self.active:
                self._stop_request = True
            else:
                self.start(ROUTINE_FOR_EXERCISE.get(self._exercise or "", "desk-break"))

    @property
    def active(self) -> bool:
        return self.routine is not None and self.index < len(self.phases)

    def skip(self) -> None:
        """Skip the current phase (``n``, or the set ended by gesture)."""
        self._skip = True

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        t = frame.t
        self._exercise = result.exercise_name
        if self._stop_request:
            self._stop_request = False
            self.close(t)
            self.routine = None
        if self._start_request is not None:
            self.close(t)
            self.routine, self._start_request = self._start_request, None
            self.phases, self.index, self._start_t = self._pending, 0, None
        if self.routine is None:
            return result
        if self.index < len(self.phases) and self._start_t is None:
            self._begin(t)
        dt = 0.0 if self._last_t is None else max(0.0, min(t - self._last_t, 1.0))
        self._last_t = t
        if self.index < len(self.phases):
            phase = self.phases[self.index]
            if result.pose is not None and not self.is_paused():
                self._elapsed += dt
            self._count_hold(phase, result)
            ended = None
            if self._skip:
                ended = "skipped"
            elif self._elapsed >= phase.seconds or (
                    phase.kind is PhaseKind.SPOTS and self._holds >= phase.holds):
                ended = "completed"
            self._skip = False
            if ended is not None:
                self._end(t, ended)
                if self.index < len(self.phases):
                    self._begin(t)
        return self._annotate(result, t)

    def close(self, t: float) -> None:
        """The session (or the routine) ended: record the phase in progress as stopped."""
        if self.routine is not None and self.index < len(self.phases) \
                and self._start_t is not None:
            self._end(t, "stopped")
            self.index = len(self.phases)

    def finish(self) -> dict[str, float]:
        """At the end of the session: the phase in progress is recorded as stopped; returns
        :meth:`totals`."""
        if self._last_t is not None:
            self.close(self._last_t)
        return self.totals()

    def totals(self) -> dict[str, float]:
        done = [r for r in self.records if r.outcome == "completed"]
        if not self.records:
            return {}
        return {"routine.phases": float(len(self.phases)),
                "routine.phases_completed": float(len(done)),
                "routine.phases_skipped": float(sum(r.outcome == "skipped"
                                                    for r in self.records)),
                "routine.holds": float(sum(r.holds for r in self.records))}

    def _begin(self, t: float) -> None:
        self._start_t, self._elapsed = t, 0.0
        self._holds, self._hold_counted = 0, False
        self._prompt_since, self._prompt_said = t, False
        log.info("routine %s: %s", self.routine, self.phases[self.index].title)

    def _end(self, t: float, outcome: str) -> None:
        phase = self.phases[self.index]
        start = self._start_t if self._start_t is not None else t
        self.records.append(PhaseRecord(phase.key, start, t, outcome, self._holds))
        self.index += 1
        self._start_t = None

    def _count_hold(self, phase: Phase, result: FrameResult) -> None:
        if phase.kind is not PhaseKind.SPOTS:
            return
        hold = result.metrics.get("roller.hold_s", result.metrics.get("ball.spot_s"))
        if hold is None or hold < 0.5:
            self._hold_counted = False  # moving again: the next hold can count
        elif hold >= phase.min_hold_s and not self._hold_counted:
            self._holds += 1
            self._hold_counted = True

    def _annotate(self, result: FrameResult, t: float) -> FrameResult:
        count = len(self.phases)
        metrics = {**result.metrics, "routine.phase_index": float(self.index)}
        cue, started = result.cue, result.cue_started
        if self.index < count:
            phase = self.phases[self.index]
            left = max(0.0, phase.seconds - self._elapsed)
            reading = RoutineReading(self.routine or "", self.index, count, phase.title, left,
                                     self._holds, phase.holds)
            metrics["routine.left_s"] = left
            metrics["routine.holds"] = float(self._holds)
            if self._prompt_since is not None and t - self._prompt_since < self.prompt_s \
                    and (cue is None or cue.severity is Severity.INFO):
                cue = Cue(f"routine.{phase.key}", phase.prompt, Severity.INFO)
                started = not self._prompt_said  # said once, when it first shows
                self._prompt_said = True
        else:
            reading = RoutineReading(self.routine or "", count, count, "", 0.0)
        return replace(result, metrics=metrics, cue=cue, cue_started=started,
                       routine=reading)
