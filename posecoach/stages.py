"""Pipeline stages that wrap the pure analyzers and the coach (see :class:`pipeline.Stage`).

Each stage reads the frame's result so far and returns it enriched: metrics, checks, overlay
extras, and finally the coach's one cue. The analyzers and the coach stay pure; the stages only
carry their state from frame to frame.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np

from posecoach.coach import Coach, CoachState
from posecoach.config import CoachSettings
from posecoach.exercises.posture import PostureAnalyzer
from posecoach.types import Check, Cue, Frame, FrameResult, Severity

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


class PostureStage:
    """Runs the posture analyzer; its reading goes to ``extras["posture"]``."""

    name = "posture"

    def __init__(self, analyzer: PostureAnalyzer) -> None:
        self.analyzer = analyzer

    def on_key(self, key: int, t: float) -> None:
        if key in (ord("c"), ord("C")):
            self.analyzer.start_calibration(t)

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        reading = self.analyzer.update(result.pose, frame.t)
        metrics = {f"posture.{k}": v for k, v in reading.metrics.items()}
        status = result.status or reading.note or self.analyzer.last_message
        return replace(result, metrics={**result.metrics, **metrics},
                       checks=(*result.checks, *reading.checks), status=status,
                       extras={**result.extras, "posture": reading})


class CoachStage:
    """Runs the coach over all checks; keeps session totals.

    Attributes:
        present_s: time someone was in view (s).
        good_s: time in view, posture judged, with no posture problem (s).
        problem_s: time each problem was active (s), by cue key.
    """

    name = "coach"

    def __init__(self, settings: CoachSettings | None = None) -> None:
        self.coach = Coach(settings)
        self.state = CoachState()
        self._last_t: float | None = None
        self.present_s = 0.0
        self.good_s = 0.0
        self.problem_s: dict[str, float] = defaultdict(float)

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        present = result.pose is not None
        self.state, decision = self.coach.step(self.state, frame.t, result.checks, present)
        dt = 0.0 if self._last_t is None else min(frame.t - self._last_t, 1.0)
        self._last_t = frame.t
        if present and not decision.away:
            self.present_s += dt
            judged = any(check.key.startswith("posture.") for check in result.checks)
            if judged and not any(key.startswith("posture.") for key in decision.active):
                self.good_s += dt
            for key in decision.active:
                self.problem_s[key] += dt
        status = "away — coaching paused" if decision.away else result.status
        return replace(result, cue=decision.cue, active=decision.active, status=status)

    def summary(self) -> dict[str, float]:
        totals = {"present_s": self.present_s, "good_posture_s": self.good_s}
        totals.update({f"problem_s.{k}": v for k, v in sorted(self.problem_s.items())})
        return totals
