"""Pipeline stages that wrap the pure analyzers and the coach (see :class:`pipeline.Stage`).

Each stage reads the frame's result so far and returns it enriched: metrics, checks, typed
readings, and finally the coach's one cue. The analyzers and the coach stay pure; the stages only
carry their state from frame to frame.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace

import numpy as np

from posecoach.coach import Coach, CoachState
from posecoach.config import CoachSettings
from posecoach.exercises.ball import NEW_PLACEMENT_S, BallAnalyzer, BallState
from posecoach.exercises.posture import PostureAnalyzer
from posecoach.exercises.roller import (
    LOWER_BACK_LIMIT_FRACTION,
    NECK_LIMIT_FRACTION,
    RollerAnalyzer,
    RollState,
)
from posecoach.geometry import BodyGeometry, BodyPosture, body_geometry
from posecoach.landmarks import Landmark as L
from posecoach.prop_size import disc_radius_px
from posecoach.props.ball import BallDetection, BallTracker
from posecoach.props.hints import BodyHint
from posecoach.props.roller import RollerDetection, RollerTracker
from posecoach.scale import ScaleSource, TrunkScale
from posecoach.selector import (
    Evidence,
    Exercise,
    ExerciseSelector,
    WalkDetector,
    back_direction,
    back_placement,
)
from posecoach.types import Check, Cue, Frame, FrameResult, Pose, Severity


@dataclass(frozen=True)
class PropPosition:
    """Where a prop touches the back, for logs and the accuracy harness.

    Attributes:
        contact_px: (2,) px.
        spine_fraction: along mid-hip → mid-shoulder (0 hips, 1 shoulders).
        px_per_cm: image scale at the body.
    """

    contact_px: np.ndarray | None
    spine_fraction: float
    px_per_cm: float | None

#: Mean brightness (0–255) below which the picture is too dark for reliable landmarks;
#: clears above the second value. Webcams in a dim room sit around 30–60 after auto-exposure.
DARK_ONSET = 35.0
DARK_CLEAR = 50.0
CUE_DARK = Cue("scene.dark", "More light, please — the camera can't see you well", Severity.INFO)


class SceneStage:
    """Judges the picture itself: darkness (a check) and nobody in view (a status)."""

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        brightness = float(np.mean(frame.image[::8, ::8]))
        dark = Check(CUE_DARK, brightness, DARK_ONSET, DARK_CLEAR, higher_is_worse=False)
        status = result.status
        if result.pose is None and not status:
            status = "no one in view — step in front of the camera"
        return replace(result, checks=(*result.checks, dark), status=status,
                       metrics={**result.metrics, "brightness": brightness})


def frame_geometry(result: FrameResult) -> BodyGeometry | None:
    """The body geometry of the frame's pose: the one :class:`ExerciseStage` measured and put
    in :attr:`FrameResult.geometry`, so later stages share it instead of measuring again."""
    if result.geometry is not None:
        return result.geometry
    return body_geometry(result.pose) if result.pose is not None else None


def body_hint(pose: Pose, geometry: BodyGeometry) -> BodyHint:
    """The summary of the body the prop detectors need."""
    feet = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    seen = pose.visibility[feet] >= 0.5
    floor_y = float(pose.xy[feet][seen, 1].max()) if seen.any() else None
    return BodyHint(shoulder_px=geometry.mid_shoulder, hip_px=geometry.mid_hip,
                    px_per_cm=geometry.px_per_cm,
                    lying=geometry.posture is BodyPosture.LYING,
                    head_px=(pose.xy[L.LEFT_EAR] + pose.xy[L.RIGHT_EAR]) / 2,
                    floor_y_px=floor_y, back_normal=back_direction(pose, geometry))


class ExerciseStage:
    """Looks for the props where they are needed and asks the :class:`ExerciseSelector` which
    exercise is on; the analyzer stages after it coach only that one.

    Fills :attr:`FrameResult.selection` (the :class:`ExerciseDecision`: exercise and reason),
    :attr:`~FrameResult.geometry`, the prop detections (``roller_detection``,
    ``ball_detection``) and ``ball_searched`` (the ball was looked for on this frame, found or
    not).

    The roller is searched for while the person lies down (or in roller mode). The ball is
    searched for on every frame in ball mode, or while the selector weighs a sighting; otherwise
    every ``idle_interval_s`` only, and only for someone standing or lying: pose estimation
    needs the CPU. The search looks only behind the back (a few ms), so the interval is short:
    a session of a few seconds at the wall must not wait long for its first sighting.
    While a faint spot waits for its place to recur (the tracker's ``pending``), every frame
    is searched too.
    """

    name = "exercise"

    def __init__(self, roller: RollerTracker | None, ball: BallTracker | None,
                 selector: ExerciseSelector | None = None,
                 idle_interval_s: float = 0.2) -> None:
        if idle_interval_s < 0:
            raise ValueError(f"idle_interval_s must be >= 0, got {idle_interval_s}")
        self.roller = roller
        self.ball = ball
        self.selector = selector or ExerciseSelector()
        self.state = self.selector.initial()
        self.walking = WalkDetector()
        self._idle_interval_s = idle_interval_s
        self._last_ball_search_t: float | None = None
        self._considering: Exercise | None = None

    @property
    def exercise(self) -> Exercise:
        return self.state.exercise

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        pose = result.pose
        geometry = body_geometry(pose) if pose is not None else None
        hint = body_hint(pose, geometry) if pose is not None and geometry is not None else None
        posture = geometry.posture if geometry is not None else BodyPosture.UNKNOWN
        mode = self.state.exercise
        roller_detection, roller_seen = None, None
        if self.roller is not None and hint is not None and mode is not Exercise.BALL and (
                posture is BodyPosture.LYING or mode is Exercise.ROLLER):
            roller_detection = self.roller.update(frame.image, hint, frame.t)
            roller_seen = (roller_detection is not None
                           and roller_detection.method.seen)
        ball_detection, at_back = None, None
        searched = self.ball is not None and self._search_ball(mode, posture, pose, frame.t)
        if searched:
            ball_detection = self.ball.update(frame.image, hint, frame.t,
                                              faint_fractions=self._faint_ball_zone(
                                                  roller_detection))
            at_back = self._ball_at_back(ball_detection, pose, geometry)
        evidence = Evidence(person=pose is not None, posture=posture,
                            walking=self.walking.update(geometry, frame.t),
                            roller_seen=roller_seen, ball_at_back=at_back)
        self.state, decision = self.selector.step(self.state, evidence, frame.t)
        self._considering = decision.considering
        if decision.switched:  # a held-over prop must not follow into the next session
            if mode is Exercise.BALL and self.ball is not None:
                self.ball.reset()
            if mode is Exercise.ROLLER and self.roller is not None:
                self.roller.reset()
        return replace(result, selection=decision, geometry=geometry,
                       roller_detection=roller_detection, ball_detection=ball_detection,
                       ball_searched=searched)

    def _search_ball(self, mode: Exercise, posture: BodyPosture, pose: Pose | None,
                     t: float) -> bool:
        if self.selector.forced is Exercise.BALL or mode is Exercise.BALL:
            return True
        if pose is None or mode is Exercise.ROLLER:
            return False
        if self._considering is Exercise.BALL:
            return True
        if posture not in (BodyPosture.STANDING, BodyPosture.LYING):
            return False  # the ball is used at a wall or on the floor, not at the desk
        if self.ball is not None and self.ball.pending:
            return True  # a faint spot is being confirmed (posecoach.props.ball_acquire)
        if (self._last_ball_search_t is not None
                and t - self._last_ball_search_t < self._idle_interval_s):
            return False
        self._last_ball_search_t = t
        return True

    @staticmethod
    def _faint_ball_zone(roller: RollerDetection | None) -> tuple[float, float] | None:
        """Where a ball too faint for one frame may be taken (posecoach.props.ball_acquire):
        on the upper back, between the lower-back and neck borders, where a ball is placed
        (docs/coaching.md §4); once tracked it is followed anywhere. A faint steady spot at the
        small of the back or the nape is as often a notch of the back's own outline (the
        shirt's hem against the wall, the neck against the hair). None (nowhere) while a roller
        is tracked: its end is a faint disc behind the back."""
        if roller is not None:
            return None
        return (LOWER_BACK_LIMIT_FRACTION, NECK_LIMIT_FRACTION)

    @staticmethod
    def _ball_at_back(detection: BallDetection | None, pose: Pose | None,
                      geometry: BodyGeometry | None) -> bool | None:
        if pose is None or geometry is None:
            return None
        if detection is None or not detection.method.seen:
            return False
        placement = back_placement(detection.center_px, pose, geometry)
        return placement is not None and placement.at_back


class RollerStage:
    """Runs the roller analyzer in roller mode (see :class:`ExerciseStage`) on the roller the
    exercise stage found; reading in :attr:`FrameResult.roller`. In forced roller mode a roller
    position inferred from the body stands in when the roller is hidden. Outside roller mode
    it only lets the analyzer learn the resting head of someone lying (the head check counts
    from it, docs/coaching.md §3.3)."""

    name = "roller"

    def __init__(self, analyzer: RollerAnalyzer) -> None:
        self.analyzer = analyzer

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        pose = result.pose
        if result.exercise is not Exercise.ROLLER:
            geometry = frame_geometry(result) if pose is not None else None
            if pose is not None and geometry is not None:
                self.analyzer.observe_head(pose, geometry, frame.t)
                found = result.roller_detection
                if found is not None:
                    self.analyzer.observe_pace(geometry, found.center_px, found.method.seen,
                                               frame.t)
            return result
        geometry = frame_geometry(result)
        detection = result.roller_detection
        contact = detection.contact_px if detection is not None else None
        reading = self.analyzer.update(
            pose, geometry, contact, detection.method if detection else "", frame.t,
            anchor_px=detection.center_px if detection else None,
            contact_sigma_cm=detection.contact_sigma_cm if detection is not None else 0.0)
        prop = None
        if reading.fraction is not None:
            prop = PropPosition(reading.contact_px, reading.fraction, reading.px_per_cm)
        metrics = {**result.metrics, "roller.state": float(list(RollState).index(reading.state))}
        for name in ("fraction", "position_cm", "speed_cm_s", "set_s", "hold_s"):
            value = getattr(reading, name)
            if value is not None:
                metrics[f"roller.{name}"] = float(value)
        metrics["roller.passes"] = float(reading.passes)
        metrics.update(scale_metrics(reading.scale))
        return replace(result, metrics=metrics, checks=(*result.checks, *reading.checks),
                       roller=reading, prop=prop, status=result.status or reading.state.value)


def scale_metrics(scale: TrunkScale | None) -> dict[str, float]:
    """The trunk length the cm values of a frame are measured with, and its source (the
    index in :class:`ScaleSource`), for the log and the session summary."""
    if scale is None:
        return {}
    return {"scale.trunk_cm": scale.trunk_cm,
            "scale.source": float(list(ScaleSource).index(scale.source))}


#: See :class:`BallStage`: as long as a new placement takes (posecoach.exercises.ball).
WARM_GAP_S = NEW_PLACEMENT_S


class BallStage:
    """Runs the ball analyzer in ball mode (see :class:`ExerciseStage`) on the ball the
    exercise stage found; reading in :attr:`FrameResult.ball`.

    While the selector weighs the ball's first sightings, the analyzer already follows them
    (nothing reaches the coach or the result): by the time ball mode starts, the ball has
    settled and the pressure proxy has its start on this placement, so a push that comes in
    the selector's first second is measured from before it, not taken as the start. A
    sighting that comes to nothing, or the end of ball mode, resets the analyzer.
    """

    name = "ball"

    def __init__(self, analyzer: BallAnalyzer) -> None:
        self.analyzer = analyzer
        self._considered_t: float | None = None

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        decision = result.selection
        coaching = result.exercise is Exercise.BALL
        detection = result.ball_detection
        seen = detection is not None and detection.method.seen
        # The selector's weighing flickers while a ball is placed (a hand on it, a frame
        # without it): the analyzer keeps following while the ball is seen, and for
        # WARM_GAP_S after the last of it.
        warm = self._considered_t is not None and frame.t - self._considered_t <= WARM_GAP_S
        if coaching or (decision is not None and decision.considering is Exercise.BALL) or (
                warm and seen):
            self._considered_t = frame.t
        warming = not coaching and self._considered_t is not None and (
            frame.t - self._considered_t <= WARM_GAP_S)
        geometry = frame_geometry(result)
        if not (coaching or warming) and self._considered_t is not None:
            self.analyzer.reset()
            self._considered_t = None
        if not coaching and not (warming and result.ball_searched):
            # Not measured this frame (no ball mode, or not looked for on this frame by the
            # idle search interval: no news); the analyzer still sees where the body rests.
            if geometry is not None:
                self.analyzer.watch(geometry, frame.t)
            return result
        pose = result.pose
        center = detection.center_px if detection is not None else None
        radius = None
        if seen and detection is not None and not self.analyzer.ruler.settled:
            # The ball as a ruler (posecoach.scale): measured until the session's scale is set.
            radius = disc_radius_px(frame.image, detection.center_px, detection.radius_px)
        reading = self.analyzer.update(pose, geometry, center, seen, frame.t, radius_px=radius)
        if warming:
            return result
        prop = None
        if reading.fraction is not None and reading.state is BallState.IN_CONTACT:
            prop = PropPosition(reading.center_px, reading.fraction, reading.px_per_cm)
        metrics = dict(result.metrics)
        for name in ("fraction", "offset_cm", "speed_cm_s", "spot_s", "pressure"):
            value = getattr(reading, name)
            if value is not None:
                metrics[f"ball.{name}"] = float(value)
        metrics.update(scale_metrics(reading.scale))
        return replace(result, metrics=metrics, checks=(*result.checks, *reading.checks),
                       ball=reading, prop=prop, status=result.status or reading.state.value)


class PostureStage:
    """Runs the posture analyzer; its reading goes to :attr:`FrameResult.posture`.

    Idle in a prop mode. Outside posture mode (someone standing or walking) the metrics are
    still measured (calibration, logs) but no check reaches the coach, and in posture mode only
    frames of a sitting person are judged: standing people get no sitting-posture cues.
    """

    name = "posture"

    def __init__(self, analyzer: PostureAnalyzer) -> None:
        self.analyzer = analyzer

    def on_key(self, key: int, t: float) -> None:
        if key in (ord("c"), ord("C")):
            self.analyzer.start_calibration(t)

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        exercise = result.exercise or Exercise.POSTURE
        if exercise not in (Exercise.POSTURE, Exercise.NONE):
            return result
        reading = self.analyzer.update(result.pose, frame.t)
        decision = result.selection
        judged = exercise is Exercise.POSTURE and (
            decision is None or decision.sitting or decision.forced)
        note = reading.note
        if not judged:
            reading = replace(reading, checks=())
            # "turned at an angle: posture not judged" means nothing to someone walking by;
            # a running calibration still says how far it got.
            note = note if reading.calibration is not None else ""
        metrics = {f"posture.{k}": v for k, v in reading.metrics.items()}
        status = result.status or note or self.analyzer.last_message
        return replace(result, metrics={**result.metrics, **metrics},
                       checks=(*result.checks, *reading.checks), status=status,
                       posture=reading)


class CoachStage:
    """Runs the coach over all checks; keeps session totals.

    The exercise in :attr:`FrameResult.selection` (set by the exercise stage) is passed to the
    coach, so a change of exercise clears the previous exercise's cues at once.
    ``cue_started`` on the result says when to speak the cue (it appeared, or is repeated to a
    user who ignored it).

    Attributes:
        present_s: time someone was in view (s).
        judged_s: time in view with posture judged (s).
        good_s: time in view, posture judged, with no posture problem (s).
        problem_s: time each problem was active (s), by cue key.
    """

    name = "coach"

    def __init__(self, settings: CoachSettings | None = None) -> None:
        self.coach = Coach(settings)
        self.state = CoachState()
        self._last_t: float | None = None
        self.paused = False
        self.present_s = 0.0
        self.judged_s = 0.0
        self.good_s = 0.0
        self.problem_s: dict[str, float] = defaultdict(float)

    def on_key(self, key: int, t: float) -> None:
        """p pauses coaching (snooze) and resumes it."""
        if key in (ord("p"), ord("P")):
            self.paused = not self.paused

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        present = result.pose is not None
        if self.paused:
            self._last_t = frame.t
            return replace(result, status="paused — press p to resume")
        self.state, decision = self.coach.step(self.state, frame.t, result.checks, present,
                                               result.exercise_name)
        dt = 0.0 if self._last_t is None else min(frame.t - self._last_t, 1.0)
        self._last_t = frame.t
        if present and not decision.away:
            self.present_s += dt
            judged = any(check.key.startswith("posture.") and check.value is not None
                         for check in result.checks)
            if judged:
                self.judged_s += dt
                if not any(key.startswith("posture.") for key in decision.active):
                    self.good_s += dt
            for key in decision.active:
                self.problem_s[key] += dt
        status = "away — coaching paused" if decision.away else result.status
        metrics = {**result.metrics, "session.good_posture_s": self.good_s,
                   "session.posture_judged_s": self.judged_s}
        return replace(result, cue=decision.cue, cue_started=decision.started is not None,
                       active=decision.active, status=status, metrics=metrics)

    def summary(self) -> dict[str, float]:
        totals = {"present_s": self.present_s, "posture_judged_s": self.judged_s,
                  "good_posture_s": self.good_s}
        totals.update({f"problem_s.{k}": v for k, v in sorted(self.problem_s.items())})
        return totals
