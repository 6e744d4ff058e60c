"""Which exercise is being done: posture at the desk, foam roller, tennis ball, or none.

One small pure state machine, :meth:`ExerciseSelector.step` ``(state, evidence, t) -> (state,
decision)``, with enter and exit hysteresis so that a one-frame false detection never switches
the coach and every mode can end (back to the desk after rolling, the ball put away).

Per frame, each mode gets a vote from the evidence: +1 supports it, -1 contradicts it, 0 says
nothing (e.g. a lying person whose roller is hidden under the body, or a frame where the ball
was not searched for). Votes add up over time:

- **Entering** a mode: its support level grows by the frame's duration on a +1, shrinks on a -1
  and leaks slowly on a 0; the mode is entered when the level reaches its ``enter`` time. So a
  prop mode needs about :data:`ENTER_PROP_S` of consistent sightings, never one frame.
- **Leaving** the current mode: contrary evidence (-1) accumulates, support (+1) pays it back;
  the mode ends after :data:`EXIT_S` net seconds of it, or, for the ball, after
  :data:`BALL_GONE_S` without the ball at the back. It falls back to posture when the person sits,
  else to none.
- Every switch resets all levels. A level grows by at most one frame's duration (capped at
  :data:`MAX_STEP_S`), so two switches are always at least ``min(ENTER_PROP_S, ENTER_POSTURE_S)``
  apart, whatever the evidence does.

Prop modes (roller, ball) take over from posture or none as soon as they are entered; posture
and none never take over from a prop mode, they follow from its end.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace
from enum import Enum

import numpy as np

from posecoach.geometry import BodyGeometry, BodyPosture, View
from posecoach.landmarks import Landmark as L
from posecoach.types import Pose

#: Consistent sightings of a prop at the back needed to start its coach (s). The roller and
#: the ball detectors each report a wrong colour blob now and then (clothes, a yellow mug); a
#: second of agreeing frames (≈ 15–30 frames) outvotes those, and is short next to the 2–4 s
#: set-up a person needs to lie down on a roller or pin a ball to the wall (docs/coaching.md §3–4).
ENTER_PROP_S = 1.0
#: Sitting this long starts the posture coach (s): long enough to ignore someone passing a
#: chair, short next to the coach's own ~2 s persistence before any posture cue.
ENTER_POSTURE_S = 1.0
#: Net contrary evidence that ends the current mode (s): getting up from a roller or sitting
#: down at the desk takes 2–3 s, and a 2.5 s wait rides out a few seconds of lost tracking
#: (lying poses are MediaPipe's weak spot, docs/engineering.md §1.5) without coaching the wrong
#: exercise for long.
EXIT_S = 2.5
#: The ball mode ends once the ball has not been at the back for this long (s), even while the
#: person still stands at the wall: time to pick up a dropped ball and place it again, while the
#: "ball dropped" cue stays meaningful, then the coach stops talking about a ball.
BALL_GONE_S = 10.0
#: Evidence that says nothing (0) still wears a support level down, at this fraction of the
#: frame's duration: a roller seen for half a second an hour ago is not half of the entry.
NEUTRAL_LEAK = 0.25
#: One frame never counts for more than this (s): a stalled camera is not a second of evidence.
MAX_STEP_S = 0.25

#: Walking: the hips move sideways faster than this (cm/s) over :data:`WALK_WINDOW_S`. People
#: walk at 100–140 cm/s (a slow stroll ~50 cm/s); someone shifting on a chair or rolling on
#: the floor moves their hips far less than 30 cm/s on average over a second.
WALK_CM_S = 30.0
WALK_WINDOW_S = 1.0

#: A ball counts as "at the back" when its centre sits between the back and the wall or floor:
#: this far from the hip→shoulder line, toward the back side (cm). The landmarks lie near the
#: middle of the trunk's depth; the back is about half a chest depth (≈ 10 cm) behind, plus the
#: ball's radius (3.3 cm, docs/coaching.md §4): ground truth of the rendered samples puts the ball
#: centre 8–15 cm behind the line. The limits leave room for landmark error.
BACK_MIN_CM = 3.0
BACK_MAX_CM = 24.0
#: ... and along the back: from just above the pelvis to the base of the skull, as fractions of
#: mid-hip → mid-shoulder (T12 ≈ 0.52, C7 ≈ 1.14, :mod:`posecoach.exercises.roller`). Below
#: 0.2 is the seat, the lap and the legs; a ball at the feet is far below 0.
BACK_MIN_FRACTION = 0.2
BACK_MAX_FRACTION = 1.35
#: A ball this close to a visible wrist is held, not pinned against a wall (cm): a
#: tennis ball in the palm is centred ~5–9 cm from the wrist landmark. Only a wrist behind the
#: trunk line can hold a ball there: arms folded over the chest (lying on a ball on the floor)
#: put the wrists in front of the trunk, and in a side view their image may still pass within
#: 10 cm of a ball pinned under the back.
IN_HAND_CM = 10.0


class Exercise(Enum):
    POSTURE = "posture"
    ROLLER = "roller"
    BALL = "ball"
    NONE = "none"


PROP_MODES = (Exercise.ROLLER, Exercise.BALL)


@dataclass(frozen=True)
class Evidence:
    """What one frame says about the exercise.

    Attributes:
        person: someone is tracked.
        posture: their posture class (unknown when the knees are out of view).
        walking: their hips move sideways at walking speed.
        roller_seen: a roller was seen (by colour or shape) behind the lying person's back;
            None when no roller search ran this frame.
        ball_at_back: a ball was seen between the back and the wall or floor; None when no
            ball search ran this frame.
    """

    person: bool
    posture: BodyPosture = BodyPosture.UNKNOWN
    walking: bool = False
    roller_seen: bool | None = None
    ball_at_back: bool | None = None


@dataclass(frozen=True)
class SelectorState:
    """Where the selector is. Levels are in seconds of net evidence.

    Attributes:
        exercise: the active exercise.
        reason: why it is active (short, for the HUD and the log).
        since: when it became active (s), None before the first frame.
        posture_s, roller_s, ball_s: support gathered toward entering each mode.
        against_s: contrary evidence gathered against the active mode.
        ball_gone_s: time the ball has not been at the back, in ball mode.
        last_t: the previous frame's time.
    """

    exercise: Exercise = Exercise.NONE
    reason: str = "starting"
    since: float | None = None
    posture_s: float = 0.0
    roller_s: float = 0.0
    ball_s: float = 0.0
    against_s: float = 0.0
    ball_gone_s: float = 0.0
    last_t: float | None = None

    def level(self, exercise: Exercise) -> float:
        return {Exercise.POSTURE: self.posture_s, Exercise.ROLLER: self.roller_s,
                Exercise.BALL: self.ball_s}.get(exercise, 0.0)


@dataclass(frozen=True)
class ExerciseDecision:
    """The selector's answer for one frame.

    Attributes:
        exercise: the exercise to coach.
        reason: why, e.g. ``"lying on a roller"``.
        switched: the exercise changed on this frame.
        considering: a prop mode gathering evidence to start (search for it every frame).
        sitting: this frame shows someone sitting (or at a desk with the legs out of view):
            the only frames where sitting-posture checks apply.
        forced: the exercise was set with ``--exercise``: coach it whatever the frame shows.
    """

    exercise: Exercise
    reason: str
    switched: bool = False
    considering: Exercise | None = None
    sitting: bool = False
    forced: bool = False


def _sitting(ev: Evidence) -> bool:
    """Sitting, or a still person whose legs are out of view (a laptop webcam at a desk)."""
    return ev.person and not ev.walking and ev.posture in (BodyPosture.SITTING,
                                                           BodyPosture.UNKNOWN)


def posture_vote(ev: Evidence) -> int:
    return 1 if _sitting(ev) else -1


def roller_vote(ev: Evidence) -> int:
    if not ev.person or ev.posture is not BodyPosture.LYING:
        return -1
    return 1 if ev.roller_seen else 0  # lying on a hidden roller says nothing


def ball_vote(ev: Evidence) -> int:
    """Wall (standing) or floor (lying) only: a seated person at a desk is not doing the ball
    exercise (docs/coaching.md §1), whatever yellow thing is behind them."""
    if not ev.person or ev.walking or ev.posture is BodyPosture.SITTING:
        return -1
    if ev.ball_at_back is None or ev.posture is BodyPosture.UNKNOWN:
        return 0
    return 1 if ev.ball_at_back else -1


def ball_stay_vote(ev: Evidence) -> int:
    """In ball mode, a frame without the ball at the back says nothing by itself (the ball
    dropped: the coach says so); :data:`BALL_GONE_S` of it ends the mode."""
    if not ev.person or ev.walking or ev.posture is BodyPosture.SITTING:
        return -1
    return 1 if ev.ball_at_back and ev.posture is not BodyPosture.UNKNOWN else 0


_VOTES = {Exercise.POSTURE: posture_vote, Exercise.ROLLER: roller_vote,
          Exercise.BALL: ball_vote}
#: Votes on staying in the active mode, where they differ from the votes on entering it.
_STAY_VOTES = {**_VOTES, Exercise.BALL: ball_stay_vote}


def reason_for(exercise: Exercise, ev: Evidence) -> str:
    """The short human reason for ``exercise`` given this frame."""
    if exercise is Exercise.ROLLER:
        return "lying on a roller"
    if exercise is Exercise.BALL:
        return ("ball between back and floor" if ev.posture is BodyPosture.LYING
                else "ball between back and wall")
    if exercise is Exercise.POSTURE:
        return "sitting" if ev.posture is BodyPosture.SITTING else "at the desk (legs out of view)"
    if not ev.person:
        return "nobody in view"
    if ev.walking:
        return "walking — no posture checks"
    if ev.posture is BodyPosture.STANDING:
        return "standing — no posture checks"
    if ev.posture is BodyPosture.LYING:
        return "lying down — no prop seen"
    return "sitting down"


class ExerciseSelector:
    """Decides the active exercise from per-frame evidence (see the module docstring).

    Args:
        forced: always this exercise (``--exercise``), whatever the evidence.
    """

    def __init__(self, forced: Exercise | None = None) -> None:
        self.forced = forced

    def initial(self) -> SelectorState:
        if self.forced is not None:
            return SelectorState(self.forced, f"set with --exercise {self.forced.value}")
        return SelectorState()

    def step(self, state: SelectorState, ev: Evidence,
             t: float) -> tuple[SelectorState, ExerciseDecision]:
        sitting = _sitting(ev)
        if self.forced is not None:
            state = replace(state, exercise=self.forced, last_t=t,
                            since=t if state.since is None else state.since)
            return state, ExerciseDecision(self.forced, state.reason, sitting=sitting,
                                           forced=True)
        dt = 0.0 if state.last_t is None else min(max(t - state.last_t, 0.0), MAX_STEP_S)
        current = state.exercise
        levels = {}
        for mode, vote in _VOTES.items():
            if mode is current:
                levels[mode] = 0.0
                continue
            v = vote(ev)
            gain = dt if v > 0 else (-dt if v < 0 else -NEUTRAL_LEAK * dt)
            levels[mode] = min(max(state.level(mode) + gain, 0.0), _enter_s(mode))
        against, gone = state.against_s, state.ball_gone_s
        if current in _STAY_VOTES:
            v = _STAY_VOTES[current](ev)
            against = min(max(against - v * dt, 0.0), EXIT_S)
        if current is Exercise.BALL:
            gone = 0.0 if ev.ball_at_back else gone + dt
        target = self._target(current, levels, against, gone, ev)
        if target is not None and state.since is not None:
            new = SelectorState(target, reason_for(target, ev), since=t, last_t=t)
            return new, ExerciseDecision(target, new.reason, switched=True, sitting=sitting)
        if state.since is None:  # first frame: start from what it shows, without a switch
            start = Exercise.POSTURE if sitting else Exercise.NONE
            new = SelectorState(start, reason_for(start, ev), since=t, last_t=t)
            considering = next((m for m in PROP_MODES if _VOTES[m](ev) > 0), None)
            return new, ExerciseDecision(start, new.reason, considering=considering,
                                         sitting=sitting)
        supported = current not in _STAY_VOTES or _STAY_VOTES[current](ev) > 0
        reason = reason_for(current, ev) if supported else state.reason
        new = SelectorState(current, reason, state.since, levels[Exercise.POSTURE],
                            levels[Exercise.ROLLER], levels[Exercise.BALL], against, gone, t)
        # A sighting this frame counts too: the first frame has no duration to add.
        considering = next((m for m in PROP_MODES if m is not current
                            and (levels[m] > 0.0 or _VOTES[m](ev) > 0)), None)
        return new, ExerciseDecision(current, reason, considering=considering, sitting=sitting)

    @staticmethod
    def _target(current: Exercise, levels: dict[Exercise, float], against: float,
                gone: float, ev: Evidence) -> Exercise | None:
        """The mode to switch to now, or None to stay."""
        ready = [m for m in PROP_MODES if m is not current and levels[m] >= _enter_s(m)]
        if ready:
            return ready[0]
        if current is Exercise.NONE and levels[Exercise.POSTURE] >= ENTER_POSTURE_S:
            return Exercise.POSTURE
        if current is not Exercise.NONE and (against >= EXIT_S or gone >= BALL_GONE_S):
            fallback = Exercise.POSTURE if _sitting(ev) else Exercise.NONE
            return fallback if fallback is not current else Exercise.NONE
        return None


def _enter_s(mode: Exercise) -> float:
    return ENTER_POSTURE_S if mode is Exercise.POSTURE else ENTER_PROP_S


class WalkDetector:
    """Walking from the hips' sideways speed over the last :data:`WALK_WINDOW_S`."""

    def __init__(self, speed_cm_s: float = WALK_CM_S, window_s: float = WALK_WINDOW_S) -> None:
        if speed_cm_s <= 0 or window_s <= 0:
            raise ValueError(f"WalkDetector needs speed_cm_s > 0 and window_s > 0, got "
                             f"{speed_cm_s}, {window_s}")
        self.speed_cm_s = speed_cm_s
        self.window_s = window_s
        self._track: deque[tuple[float, float]] = deque()

    def reset(self) -> None:
        self._track.clear()

    def update(self, geometry: BodyGeometry | None, t: float) -> bool:
        """True when the hips have moved sideways at walking speed over the last window."""
        if geometry is None:
            self.reset()
            return False
        # Pixels, turned into cm with today's scale: a scale that changes (the trunk
        # foreshortens as the person slouches) must not read as movement.
        self._track.append((t, float(geometry.mid_hip[0])))
        while self._track and t - self._track[0][0] > self.window_s:
            self._track.popleft()
        t0, x0 = self._track[0]
        if t - t0 < 0.5 * self.window_s:
            return False
        moved_cm = abs(self._track[-1][1] - x0) / geometry.px_per_cm
        return moved_cm / (t - t0) >= self.speed_cm_s


@dataclass(frozen=True)
class BackPlacement:
    """Where a point (a ball's centre) sits relative to the back.

    Attributes:
        fraction: along mid-hip → mid-shoulder (0 hips, 1 shoulders).
        back_cm: signed distance from the hip→shoulder line, positive toward the back
            (away from the face), cm.
        in_hand: within :data:`IN_HAND_CM` of a visible wrist behind the trunk line.
    """

    fraction: float
    back_cm: float
    in_hand: bool

    @property
    def at_back(self) -> bool:
        """Between the back and the wall or floor: not in the lap, a hand or at the feet."""
        return (BACK_MIN_FRACTION <= self.fraction <= BACK_MAX_FRACTION
                and BACK_MIN_CM <= self.back_cm <= BACK_MAX_CM and not self.in_hand)


#: The wrists: MediaPipe's finger points are guessed from them and jitter more.
_HAND = (L.LEFT_WRIST, L.RIGHT_WRIST)


def back_direction(pose: Pose, geometry: BodyGeometry) -> np.ndarray | None:
    """(2,) unit normal of the hip → shoulder line pointing toward the back (the wall or the
    floor); None when the back side cannot be told (a front view, or the face on the trunk
    line)."""
    if geometry.view is View.FRONT:
        return None
    axis = geometry.mid_shoulder - geometry.mid_hip
    length = float(np.linalg.norm(axis))
    if not length > 0:
        return None
    normal = np.array([-axis[1], axis[0]]) / length
    # The face is in front of the trunk, standing, sitting or lying face up: the back is the
    # other side, toward the wall or the floor.
    front = float(normal @ (pose.xy[L.NOSE] - geometry.mid_shoulder))
    if abs(front) < 1e-6 or not math.isfinite(front):
        return None
    return -normal if front > 0 else normal


def back_placement(point_px: np.ndarray, pose: Pose, geometry: BodyGeometry
                   ) -> BackPlacement | None:
    """Place ``point_px`` (2,) relative to the back; None when the back side cannot be told
    (see :func:`back_direction`)."""
    normal = back_direction(pose, geometry)
    if normal is None:
        return None
    axis = geometry.mid_shoulder - geometry.mid_hip
    length = float(np.linalg.norm(axis))
    rel = np.asarray(point_px, dtype=np.float64) - geometry.mid_hip
    # A hand can hold a ball behind the back only from behind the trunk line (see IN_HAND_CM).
    hands = [h for h in _HAND if pose.visibility[h] >= 0.5
             and float((pose.xy[h] - geometry.mid_hip) @ normal) > 0.0]
    near = (min(float(np.linalg.norm(pose.xy[h] - point_px)) for h in hands)
            if hands else math.inf)
    return BackPlacement(fraction=float(rel @ axis) / (length * length),
                         back_cm=float(rel @ normal) / geometry.px_per_cm,
                         in_hand=near / geometry.px_per_cm <= IN_HAND_CM)
