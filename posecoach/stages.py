"""Pipeline stages that wrap the pure analyzers and the coach (see :class:`pipeline.Stage`).

Each stage reads the frame's result so far and returns it enriched: metrics, checks, overlay
extras, and finally the coach's one cue. The analyzers and the coach stay pure; the stages only
carry their state from frame to frame.
"""

from __future__ import annotations

from collections import defaultdict, deque
from dataclasses import dataclass, replace

import numpy as np

from posecoach.coach import Coach, CoachState
from posecoach.config import CoachSettings
from posecoach.exercises.ball import CONTACT_MAX_CM, BallAnalyzer, BallState
from posecoach.exercises.posture import PostureAnalyzer
from posecoach.exercises.roller import RollerAnalyzer, RollState
from posecoach.geometry import BodyGeometry, BodyPosture, body_geometry
from posecoach.landmarks import Landmark as L
from posecoach.props.ball import BallTracker
from posecoach.props.hints import BodyHint
from posecoach.props.roller import RollerTracker
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


def body_hint(pose: Pose, geometry: BodyGeometry) -> BodyHint:
    """The summary of the body the prop detectors need."""
    feet = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    seen = pose.visibility[feet] >= 0.5
    floor_y = float(pose.xy[feet][seen, 1].max()) if seen.any() else None
    return BodyHint(shoulder_px=geometry.mid_shoulder, hip_px=geometry.mid_hip,
                    px_per_cm=geometry.px_per_cm,
                    lying=geometry.posture is BodyPosture.LYING,
                    head_px=(pose.xy[L.LEFT_EAR] + pose.xy[L.RIGHT_EAR]) / 2,
                    floor_y_px=floor_y)


class RollerStage:
    """Finds the roller and runs the roller analyzer; reading in ``extras["roller"]``.

    In ``auto`` mode the roller coach takes over (for the rest of the session) once the person
    lies on a roller that is actually seen (by colour or shape) in most of the last frames;
    ``forced`` starts it at once and accepts the roller position inferred from the body when
    the roller is hidden.
    """

    name = "roller"

    def __init__(self, analyzer: RollerAnalyzer, tracker: RollerTracker,
                 forced: bool = False, engage_frames: int = 8) -> None:
        self.analyzer = analyzer
        self.tracker = tracker
        self.engaged = forced
        self._seen: deque[bool] = deque(maxlen=engage_frames + 4)
        self._engage_frames = engage_frames

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        pose = result.pose
        geometry = body_geometry(pose) if pose is not None else None
        lying = geometry is not None and geometry.posture is BodyPosture.LYING
        detection = None
        if pose is not None and geometry is not None and (lying or self.engaged):
            detection = self.tracker.update(frame.image, body_hint(pose, geometry), frame.t)
        seen = detection is not None and detection.method in ("colour", "shape")
        self._seen.append(seen and lying)
        if not self.engaged and sum(self._seen) >= self._engage_frames:
            self.engaged = True
        if not self.engaged:
            return result
        contact = detection.contact_px if detection is not None else None
        reading = self.analyzer.update(pose, geometry, contact,
                                       detection.method if detection else "", frame.t)
        extras = {**result.extras, "exercise": "roller", "roller": reading,
                  "roller_detection": detection}
        if reading.fraction is not None:
            extras["prop"] = PropPosition(reading.contact_px, reading.fraction,
                                          reading.px_per_cm)
        metrics = {**result.metrics, "roller.state": float(list(RollState).index(reading.state))}
        for name in ("fraction", "position_cm", "speed_cm_s", "set_s", "hold_s"):
            value = getattr(reading, name)
            if value is not None:
                metrics[f"roller.{name}"] = float(value)
        metrics["roller.passes"] = float(reading.passes)
        return replace(result, metrics=metrics, checks=(*result.checks, *reading.checks),
                       extras=extras, status=result.status or reading.state.value)


class BallStage:
    """Finds the ball and runs the ball analyzer; reading in ``extras["ball"]``.

    In ``auto`` mode the ball coach takes over (for the rest of the session) once a ball is
    seen at the person's back in ``engage_hits`` searches in a row, unless the roller coach
    already has. Until then the ball is searched for every ``idle_interval_s`` only: a search
    with no ball in view scans the whole frame, and pose estimation needs the CPU.
    """

    name = "ball"

    def __init__(self, analyzer: BallAnalyzer, tracker: BallTracker, forced: bool = False,
                 engage_hits: int = 3, idle_interval_s: float = 0.7) -> None:
        self.analyzer = analyzer
        self.tracker = tracker
        self.engaged = forced
        self._hits = 0
        self._engage_hits = engage_hits
        self._idle_interval_s = idle_interval_s
        self._last_search_t: float | None = None

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        if result.extras.get("exercise") not in (None, "ball"):
            return result
        pose = result.pose
        if not self.engaged:
            if pose is None or (self._last_search_t is not None
                                and frame.t - self._last_search_t < self._idle_interval_s):
                return result
            self._last_search_t = frame.t
        geometry = body_geometry(pose) if pose is not None else None
        hint = body_hint(pose, geometry) if pose is not None and geometry is not None else None
        detection = self.tracker.update(frame.image, hint, frame.t)
        center = detection.center_px if detection is not None else None
        seen = detection is not None and detection.method == "colour"
        reading = self.analyzer.update(pose, geometry, center, seen, frame.t)
        if not self.engaged:
            at_back = (seen and reading.fraction is not None
                       and (reading.offset_cm or 1e9) <= CONTACT_MAX_CM)
            self._hits = self._hits + 1 if at_back else 0
            self.engaged = self._hits >= self._engage_hits
            if not self.engaged:
                return result
        extras = {**result.extras, "exercise": "ball", "ball": reading,
                  "ball_detection": detection}
        if reading.fraction is not None and reading.state is BallState.IN_CONTACT:
            extras["prop"] = PropPosition(reading.center_px, reading.fraction,
                                          reading.px_per_cm)
        metrics = dict(result.metrics)
        for name in ("fraction", "offset_cm", "speed_cm_s", "spot_s", "pressure"):
            value = getattr(reading, name)
            if value is not None:
                metrics[f"ball.{name}"] = float(value)
        return replace(result, metrics=metrics, checks=(*result.checks, *reading.checks),
                       extras=extras, status=result.status or reading.state.value)


class PostureStage:
    """Runs the posture analyzer; its reading goes to ``extras["posture"]``. Idle while
    another exercise's coach is engaged."""

    name = "posture"

    def __init__(self, analyzer: PostureAnalyzer) -> None:
        self.analyzer = analyzer

    def on_key(self, key: int, t: float) -> None:
        if key in (ord("c"), ord("C")):
            self.analyzer.start_calibration(t)

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        if result.extras.get("exercise", "posture") != "posture":
            return result
        reading = self.analyzer.update(result.pose, frame.t)
        metrics = {f"posture.{k}": v for k, v in reading.metrics.items()}
        status = result.status or reading.note or self.analyzer.last_message
        return replace(result, metrics={**result.metrics, **metrics},
                       checks=(*result.checks, *reading.checks), status=status,
                       extras={**result.extras, "posture": reading})


class CoachStage:
    """Runs the coach over all checks; keeps session totals.

    The exercise in ``extras["exercise"]`` (set by the exercise stages) is passed to the coach,
    so a change of exercise clears the previous exercise's cues at once. ``cue_started`` on the
    result says when to speak the cue (it appeared, or is repeated to a user who ignored it).

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
                                               result.extras.get("exercise"))
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
