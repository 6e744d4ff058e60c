"""Hands-free gestures from the pose, for someone on a roller or ball who cannot reach a key.

- **one hand raised** above the head, held 1 s: "too much pressure / it hurts"; the coach
  answers with a way to ease off (docs/coaching.md §5: too much pressure is the first mistake
  to avoid) and the event is logged;
- **both hands raised**, held 1 s: pause coaching, or resume it;
- **a hand on top of the head**, held 2 s: end the set (rest).

Each pose is classified per frame (:func:`classify_hold`), then :class:`GestureTracker`, a
pure state machine fed with timestamps, turns a pose held still long enough into one event. A
raised hand is raised by the upper arm (a forearm lifted from a low elbow is not), and an arm
passing through a raised pose does not hold it. Rolling moves the arms: hands behind the
head support it (docs/coaching.md §3.3) and sit at or below the ears, arms crossed on the chest
sit below the shoulders; neither is a raised hand, and the hand on the head means the crown,
beyond the ears along the body, not the back of the head.

"Up" for a raised hand is up in the picture (against gravity, for an upright camera): for
someone lying on their back that is toward the ceiling, for someone standing at a wall above
the head. Lengths are in torso lengths (mid-hip to mid-shoulder), so they hold for any body
size and distance.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from enum import Enum

import numpy as np

from posecoach.geometry import BodyGeometry, BodyPosture, body_geometry
from posecoach.landmarks import Landmark as L
from posecoach.selector import Exercise
from posecoach.types import Cue, Frame, FrameResult, Pose, Severity

log = logging.getLogger(__name__)

#: Standing: a raised wrist is at least this far (torso lengths) above the ears in the picture
#: (an arm raised straight puts it ≈ 0.65 above them: arm ≈ 1.15 torso, ears ≈ 0.5 above the
#: shoulders), and its elbow above the shoulder, so a noisy wrist alone does not raise an arm.
RAISED_ABOVE_EARS = 0.4
ELBOW_ABOVE_SHOULDER = 0.0
#: Lying: measured from the arm's own shoulder. On a roller the chest is higher than the
#: head, so the ears are no reference: arms folded on the chest put the wrists ≈ 0.5 torso
#: above the ears but at most 0.67 above their shoulders (rendered dev roller and floor-ball
#: clips, ground truth, 99th percentile ≤ 0.31 outside getting on and off). An arm raised to
#: the ceiling puts the wrist ≈ 1.15 torso above its shoulder (adult segment lengths: shoulder
#: → wrist ≈ 0.33 of the height, hip → shoulder ≈ 0.29; ≈ 0.9 on the rendered anny bodies,
#: 0.8 at 45°), the elbow ≈ 0.55. (The highest of ears and shoulders, used before, is often
#: the far shoulder, which a camera above the floor lifts in the picture: a raised arm on a
#: rendered roller clip missed it by 0.07.)
LYING_RAISED_ABOVE = 0.75
LYING_ELBOW_ABOVE_SHOULDER = 0.35
#: Lying: a raised hand points at the ceiling, not along the body toward the hips. With the
#: hips lifted off the floor (getting off a roller) the trunk slopes up to them, and an arm
#: resting along it puts the wrist high in the picture, ≈ 0.9 torso from its shoulder toward
#: the hips (the arm's length); an arm raised straight up has ≈ 0 along the trunk, one raised
#: 45° toward the feet ≈ 0.65. (A false "too much pressure" seen on a rendered roller clip.)
LYING_TOWARD_HIPS_MAX = 0.75
#: A hand raised above the head is raised by the upper arm: the shoulder lifts the elbow more
#: than it moves it sideways, so the shoulder → elbow line is within 45° of straight up in the
#: picture (shoulder flexion or abduction past 45° from the horizontal), lying or standing.
#: Folding the arms on the chest, resting the hands on the belly and getting on or off a roller
#: put the wrist high while the upper arm stays low and the forearm does the rising: on the
#: rendered dev roller and ball clips (getting on and off included) the upper arm of every
#: non-gesture frame with the wrist ≥ 0.55 torso above its shoulder was 58° or more from
#: vertical, and in every raised-hand frame of the gesture clips (samples/guided) 18° or less.
#: A ratio of lengths, so independent of how much the view foreshortens the torso.
UPPER_ARM_FROM_VERTICAL_MAX_DEG = 45.0
#: The crown: beyond the ears along the hip → shoulder direction by this range (torso
#: lengths; ear to the top of the head ≈ 12 cm ≈ 0.25 torso), and within CROWN_ACROSS of the
#: body line. Hands behind a lying head sit 0–0.1 beyond the ears and toward the floor.
CROWN_ALONG = (0.12, 0.38)
CROWN_ACROSS = 0.25
#: Landmarks of the arm nearer the camera below this visibility are not trusted for a gesture.
MIN_VISIBILITY = 0.5
#: The far arm in a side view stays behind the body, the near arm or the head even when it is
#: raised or on the head, and the model says so (visibility 0.2–0.5 on the rendered gesture
#: clips, samples/guided, while its position was right); below this it is a blind guess.
#: That lower bar is for the far arm beside a raised near arm (both hands up) or on the head:
#: a far arm raised *alone* needs MIN_VISIBILITY like the near one. Guessing a hidden far arm,
#: the model may copy the near one or take another person's: on a mirrored dev floor-ball clip
#: it put the far arm straight up (1.1 torso above its shoulder, visibility 0.17–0.42) while
#: both true arms lay folded on the chest.
FAR_MIN_VISIBILITY = 0.15


#: A held gesture is held still: its hand stays within this distance (torso lengths, ≈ 12 cm
#: on an adult torso of ≈ 50 cm) of where the hold began, or the hold starts again from where
#: the hand is. A hand held up sways a few cm (on the rendered holds of samples/guided the
#: model's wrist moved ≤ 0.18 torso in a hold's first second, the end of the rise included);
#: getting on or off a roller, pushing up from the floor or reaching for the ball moves it
#: further within the hold's 1 s.
STILL_RADIUS = 0.25

#: A hand's position (x, y), torso lengths from its shoulder.
Point = tuple[float, float]


class Gesture(Enum):
    PRESSURE = "too much pressure"
    PAUSE = "pause or resume"
    END_SET = "end the set"


#: Hold needed before a gesture counts (s): the issue asks ≥ 1 s; ending a set is final, so it
#: asks for 2 s.
HOLD_S = {Gesture.PRESSURE: 1.0, Gesture.PAUSE: 1.0, Gesture.END_SET: 2.0}

CUE_EASE_FLOOR = Cue("gesture.pressure", "Ease off — lower your hips a little", Severity.FORM)
CUE_EASE_WALL = Cue("gesture.pressure", "Ease off — lean back less", Severity.FORM)
CUE_SET_ENDED = Cue("gesture.end_set", "Set done — rest, breathe, drink some water",
                    Severity.INFO)


def _seen(pose: Pose, points: tuple[L, ...], geometry: BodyGeometry) -> bool:
    """Whether the arm landmarks ``points`` are trusted: the far arm's by a lower bar."""
    far = not points[0].name.startswith(geometry.near_side.upper())
    least = FAR_MIN_VISIBILITY if far else MIN_VISIBILITY
    return bool(min(pose.visibility[p] for p in points) >= least)


def _raised(pose: Pose, wrist: L, elbow: L, shoulder: L, top_y: float,
            geometry: BodyGeometry, lying: bool) -> bool:
    """``top_y``: the reference height standing, px (the ears); lying, the arm's shoulder."""
    torso = geometry.torso_px
    if lying:
        top_y = float(pose.xy[shoulder, 1])
    wrist_up = (top_y - float(pose.xy[wrist, 1])) / torso
    elbow_up = (float(pose.xy[shoulder, 1]) - float(pose.xy[elbow, 1])) / torso
    elbow_aside = abs(float(pose.xy[elbow, 0] - pose.xy[shoulder, 0])) / torso
    if elbow_aside > elbow_up * np.tan(np.radians(UPPER_ARM_FROM_VERTICAL_MAX_DEG)):
        return False  # the upper arm is not raised: a forearm lifted from a low elbow
    if lying:
        to_hips = (geometry.mid_hip - geometry.mid_shoulder) / torso
        toward_hips = float((pose.xy[wrist] - pose.xy[shoulder]) @ to_hips) / torso
        return (wrist_up >= LYING_RAISED_ABOVE and elbow_up > LYING_ELBOW_ABOVE_SHOULDER
                and toward_hips <= LYING_TOWARD_HIPS_MAX)
    return wrist_up >= RAISED_ABOVE_EARS and elbow_up > ELBOW_ABOVE_SHOULDER


def _on_crown(pose: Pose, wrist: L, ears: np.ndarray, geometry: BodyGeometry) -> bool:
    if not _seen(pose, (wrist,), geometry):
        return False
    axis = (geometry.mid_shoulder - geometry.mid_hip) / geometry.torso_px
    offset = (pose.xy[wrist] - ears) / geometry.torso_px
    along = float(offset @ axis)
    across = abs(float(offset[0] * axis[1] - offset[1] * axis[0]))
    return CROWN_ALONG[0] <= along <= CROWN_ALONG[1] and across <= CROWN_ACROSS


def classify(pose: Pose, geometry: BodyGeometry) -> Gesture | None:
    """The gesture this one frame shows, or None."""
    return classify_hold(pose, geometry)[0]


def classify_hold(pose: Pose, geometry: BodyGeometry) -> tuple[Gesture | None, Point | None]:
    """The gesture this one frame shows and where its hand is (for the stillness of a hold):
    the best-seen wrist making it, from its own shoulder, in torso lengths; (None, None)."""
    ears = (pose.xy[L.LEFT_EAR] + pose.xy[L.RIGHT_EAR]) / 2
    lying = geometry.posture is BodyPosture.LYING
    top_y = float(pose.xy[[L.LEFT_EAR, L.RIGHT_EAR], 1].min())
    arms = ((L.LEFT_WRIST, L.LEFT_ELBOW, L.LEFT_SHOULDER),
            (L.RIGHT_WRIST, L.RIGHT_ELBOW, L.RIGHT_SHOULDER))
    raised = [arm for arm in arms if _seen(pose, arm[:2], geometry)
              and _raised(pose, *arm, top_y, geometry, lying)]
    if len(raised) == 1 and float(pose.visibility[list(raised[0][:2])].min()) < MIN_VISIBILITY:
        raised = []  # a far arm raised alone, barely seen: a guess, not a gesture
    gesture = Gesture.PAUSE if len(raised) == 2 else Gesture.PRESSURE if raised else None
    if gesture is None:
        raised = [arm for arm in arms if _on_crown(pose, arm[0], ears, geometry)]
        gesture = Gesture.END_SET if raised else None
    if gesture is None:
        return None, None
    wrist, _, shoulder = max(raised, key=lambda arm: float(pose.visibility[arm[0]]))
    offset = (pose.xy[wrist] - pose.xy[shoulder]) / geometry.torso_px
    return gesture, (float(offset[0]), float(offset[1]))


@dataclass(frozen=True)
class GestureState:
    """The tracker's memory.

    Attributes:
        holding: the gesture being held (None: nothing, or a fired gesture not yet let go).
        since: when the hold began (s).
        last_seen_t: when the held (or fired) gesture was last seen (s).
        fired: the gesture that fired and is still held; it must be let go before anything
            else can fire.
        anchor: where the hand was when the hold began (torso lengths from its shoulder), or
            None when the frames gave no position.
    """

    holding: Gesture | None = None
    since: float = 0.0
    last_seen_t: float = 0.0
    fired: Gesture | None = None
    anchor: Point | None = None


@dataclass(frozen=True)
class GestureReading:
    """One frame's gesture news, for the overlay and the log.

    Attributes:
        holding: the gesture being held, not yet recognised.
        held_s: how long it has been held (s).
        needed_s: how long it must be held (s).
        recognised: the gesture recognised on this frame, else None.
        shown: the latest recognised gesture while its notice is on screen.
        answer: the answer to ``shown`` when it is kept to the gesture panel because a
            corrective cue holds the main cue slot (else None: the answer, if any, is the cue).
    """

    holding: Gesture | None
    held_s: float
    needed_s: float
    recognised: Gesture | None = None
    shown: Gesture | None = None
    answer: Cue | None = None


class GestureTracker:
    """Turns per-frame gesture classes into events: a gesture held ``HOLD_S`` fires once, and
    must then be let go (not seen for ``gap_s``) before any gesture can fire again.

    Landmarks flicker: a gesture missing for less than ``gap_s`` does not break its hold; a
    different gesture does (raising the second hand turns "one hand" into "both hands", which
    starts afresh, so "pause" never sends a "pressure" on the way), and so does a hand that
    moves more than ``still_radius`` from where the hold began (the hold starts again there):
    a gesture is a pose held still, not an arm passing through it.

    Args:
        gap_s: longest dropout bridged within a hold, and how long a fired gesture must be
            absent to count as let go (s).
        hold_s: hold needed per gesture (s); defaults to HOLD_S.
        still_radius: how far the hand may move during a hold (torso lengths).
    """

    def __init__(self, gap_s: float = 0.25, hold_s: dict[Gesture, float] | None = None,
                 still_radius: float = STILL_RADIUS) -> None:
        if gap_s < 0:
            raise ValueError(f"gap_s must be >= 0, got {gap_s}")
        if still_radius <= 0:
            raise ValueError(f"still_radius must be > 0, got {still_radius}")
        self.still_radius = still_radius
        self.gap_s = gap_s
        self.hold_s = dict(HOLD_S if hold_s is None else hold_s)
        for gesture, seconds in self.hold_s.items():
            if seconds <= 0:
                raise ValueError(f"hold for {gesture.name} must be > 0, got {seconds}")

    def step(self, state: GestureState, seen: Gesture | None, t: float,
             at: Point | None = None) -> tuple[GestureState, GestureReading]:
        """One frame at ``t`` (s) showing ``seen`` with its hand ``at`` (torso lengths from
        its shoulder; None: not known, stillness not judged)."""
        if state.fired is not None:
            if seen is state.fired:
                state = replace(state, last_seen_t=t)
            elif t - state.last_seen_t >= self.gap_s:
                state = GestureState()  # let go: free to fire again
            if state.fired is not None:
                return state, GestureReading(None, 0.0, 0.0)
        if seen is None:
            if state.holding is not None and t - state.last_seen_t >= self.gap_s:
                state = GestureState()
        elif seen is state.holding and not self._moved(state.anchor, at):
            state = replace(state, last_seen_t=t,
                            anchor=state.anchor if state.anchor is not None else at)
        else:
            state = GestureState(holding=seen, since=t, last_seen_t=t, anchor=at)
        if state.holding is None:
            return state, GestureReading(None, 0.0, 0.0)
        needed = self.hold_s[state.holding]
        held = state.last_seen_t - state.since
        if seen is state.holding and held >= needed - 1e-9:
            fired = state.holding
            return (GestureState(fired=fired, last_seen_t=t),
                    GestureReading(None, held, needed, recognised=fired))
        return state, GestureReading(state.holding, held, needed)

    def _moved(self, anchor: Point | None, at: Point | None) -> bool:
        if anchor is None or at is None:
            return False
        return bool(np.hypot(at[0] - anchor[0], at[1] - anchor[1]) > self.still_radius)


def gestures_apply(exercise: str | None, posture: BodyPosture) -> bool:
    """Gestures are for people on the floor or at the wall: roller and ball sessions, and
    anyone lying down."""
    return exercise in (Exercise.ROLLER.value, Exercise.BALL.value) \
        or posture is BodyPosture.LYING


class GestureStage:
    """Recognises gestures and acts on them; runs after the coach. A gesture's answer ("Ease
    off …", "Set done …") takes the main cue slot for ``answer_s``, unless the coach shows a
    corrective or safety cue (form or safety severity, e.g. "Support your head"): an answer
    never hides a correction, so that cue keeps the slot and the voice, and the answer goes to
    the gesture panel (``GestureReading.answer``) and the log instead.

    Writes ``FrameResult.gesture`` (:class:`GestureReading`) and ``metrics["gesture.<name>"]``
    = 1 on the frame a gesture is recognised; logs each recognised gesture.

    Args:
        on_pause: called with the time when both hands up asked to pause or resume.
        on_end_set: called with the time when a hand on the head ended the set.
        answer_s: how long the answer to a gesture stays on screen (s).
    """

    name = "gestures"

    def __init__(self, on_pause: Callable[[float], None] | None = None,
                 on_end_set: Callable[[float], None] | None = None,
                 tracker: GestureTracker | None = None, answer_s: float = 4.0) -> None:
        if answer_s < 0:
            raise ValueError(f"answer_s must be >= 0, got {answer_s}")
        self.tracker = tracker or GestureTracker()
        self.state = GestureState()
        self.on_pause = on_pause
        self.on_end_set = on_end_set
        self.answer_s = answer_s
        self.recognised: list[tuple[float, Gesture]] = []
        self._answer: tuple[float, Gesture, Cue | None] | None = None

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        pose = result.pose
        seen, at = None, None
        if pose is not None:
            geometry = result.geometry or body_geometry(pose)
            if gestures_apply(result.exercise_name, geometry.posture):
                seen, at = classify_hold(pose, geometry)
        self.state, reading = self.tracker.step(self.state, seen, frame.t, at)
        metrics = result.metrics
        cue, started = result.cue, result.cue_started
        if reading.recognised is not None:
            gesture = reading.recognised
            self.recognised.append((frame.t, gesture))
            log.info("gesture at %.1f s: %s", frame.t, gesture.value)
            metrics = {**metrics, f"gesture.{gesture.name.lower()}": 1.0}
            answer = self._act(gesture, result, frame.t)
            self._answer = (frame.t, gesture, answer)
            if answer is not None and _corrective(cue):
                log.info("gesture at %.1f s: %r stays on screen, the answer %r goes to the "
                         "gesture panel", frame.t, cue.text, answer.text)
        elif self._answer is not None and frame.t - self._answer[0] >= self.answer_s:
            self._answer = None
        in_panel = None
        if self._answer is not None:
            since, _, answer = self._answer
            if answer is not None and _corrective(cue):
                in_panel = answer
            elif answer is not None:
                cue, started = answer, since == frame.t
        shown = self._answer[1] if self._answer is not None else None
        reading = replace(reading, shown=shown, answer=in_panel)
        return replace(result, cue=cue, cue_started=started, metrics=metrics,
                       gesture=reading)

    def _act(self, gesture: Gesture, result: FrameResult, t: float) -> Cue | None:
        if gesture is Gesture.PAUSE:
            if self.on_pause is not None:
                self.on_pause(t)
            return None
        if gesture is Gesture.END_SET:
            if self.on_end_set is not None:
                self.on_end_set(t)
            return CUE_SET_ENDED
        lying = result.pose is not None and (result.geometry or body_geometry(
            result.pose)).posture is BodyPosture.LYING
        return CUE_EASE_FLOOR if lying else CUE_EASE_WALL


def _corrective(cue: Cue | None) -> bool:
    """The coach's cue asks for a correction (form) or warns (safety): no answer covers it.
    Set-up guidance and other information cues may wait while an answer is shown."""
    return cue is not None and cue.severity in (Severity.FORM, Severity.SAFETY)
