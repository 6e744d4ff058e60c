"""Posture at a desk (or standing): slouch, forward head and sideways lean.

Judged relative to the user's calibrated upright baseline; uncalibrated, relative to the upright
posture learned while they sit (:mod:`posecoach.exercises.upright`, docs/coaching.md §2.4), and
before that is ready (the first second) a side view uses the published heuristics. Every
threshold shown on screen is the one used here.

Sources for the numbers:
- LearnOpenCV "Building a Body Posture Analysis System using MediaPipe" (heuristics "set by
  intuition"): neck inclination (shoulder→ear vs vertical) < 40° and torso inclination
  (hip→shoulder vs vertical) < 10° count as good posture.
- Lau et al. 2009 (Manual Therapy 14:363): craniovertebral angle 50.6 ± 2.1° pain-free vs
  43.9 ± 3.6° with neck pain, a ~7° difference. BlazePose has no C7 or tragus, so the
  ear–shoulder angle is only a CVA-like proxy: we judge its change from the user's baseline,
  with a 10° margin (above the 7° group difference and the few degrees of landmark jitter).
- dorso (front-view desk monitor): a nose drop of 0.03 of frame height vs baseline; face width
  +5–15 % when the head comes forward (docs/coaching.md §2.2). The nose is not used for slouching
  here, because looking down at a keyboard moves it without any slouch (peers' top complaint).
"""

from __future__ import annotations

import statistics
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from posecoach.baseline import PostureBaseline
from posecoach.config import PostureSettings
from posecoach.exercises.upright import ReferenceRule, UprightReference
from posecoach.geometry import (
    BodyGeometry,
    BodyPosture,
    View,
    angle_above_horizontal_deg,
    angle_from_vertical_deg,
    body_geometry,
    line_tilt_deg,
)
from posecoach.landmarks import Landmark as L
from posecoach.types import Check, Cue, Pose, Severity

# Heuristic limits (LearnOpenCV), used only without a baseline in a side view.
HEURISTIC_NECK_DEG = 40.0
HEURISTIC_TORSO_DEG = 10.0
# Margins from the baseline at medium sensitivity (module docstring for sources).
NECK_MARGIN_DEG = 10.0
TORSO_MARGIN_DEG = 8.0
LEAN_MARGIN_DEG = 8.0
#: A lean clears below this share of its margin, not half of it like the other checks: it is
#: judged from level, and upright sitters in a three-quarter front view read up to 3.5-5° from
#: level (camera height and body yaw tilt the shoulder line in the picture; dev split,
#: docs/coaching.md §2.4), so a clear level of 4° kept some of them "leaning" after they sat up.
LEAN_CLEAR_SHARE = 0.75
#: Shoulders sinking by this fraction of the shoulder span (~4 cm at a 36 cm span) from the
#: upright posture is a slumped trunk. Looking down moves the head, not the shoulders, so this
#: is the front view's slouch signal (dorso uses a 0.03-of-frame-height nose drop instead, which
#: a glance at the keyboard also triggers). On the dev split a slouch just past the clinical
#: limit sank the shoulders by 0.16–0.17 spans, a near miss by ~0.10 (scaled), a look down by
#: ≤ 0.03 (docs/coaching.md §2.4).
SHOULDER_SINK_MARGIN = 0.12
#: Ears sinking toward the shoulder line by this fraction of the shoulder span (~4 cm) is a
#: head pushed forward and down. A nod to the keyboard rotates the head about the upper neck and
#: moves the ears less: 0.04–0.08 spans on the dev split, against 0.13–0.14 for a slouch just
#: past the limit (docs/coaching.md §2.4).
HEAD_DROP_MARGIN = 0.11
#: While looking down (nose pitched down, see LOOK_DOWN_PITCH) the ears' drop is mostly the nod:
#: up to 0.11 spans on the rendered desk sample (samples/synthetic/desk_front), so a forward head
#: needs this much then. A slump while looking down still sinks the shoulders (the slouch check).
LOOKING_DOWN_HEAD_DROP_MARGIN = 0.20
#: Shoulder span ÷ ear span falling by this fraction = the head came toward the camera
#: relative to the shoulders (docs/coaching.md §2.2: face width +5–15 %).
FORWARD_HEAD_RATIO_MARGIN = 0.08
#: Nose dropping below the ears by this fraction of the ear span, with the ears steady,
#: is looking down (not a slouch).
LOOK_DOWN_PITCH = 0.12
#: A new view must hold this long before the analyzer switches to it.
VIEW_HOLD_S = 0.7
#: Against the learned reference: LearnOpenCV's 10° torso limit, counted from the person's own
#: upright trunk instead of from vertical (MediaPipe's hip→shoulder line of upright sitters
#: ranged -10°…-3.5° on the dev split; a slouch just past the limit added 14–17°, a near miss
#: 5–6°; docs/coaching.md §2.4).
AUTO_TORSO_MARGIN_DEG = 10.0
#: The ear→shoulder angle needs a wider margin than against a calibration: a glance down at
#: the keyboard raised it by 5–12° on the dev split and a near-miss slouch by 9–12°, a slouch
#: just past the limit by 30° (half of LearnOpenCV's 40° neck limit).
AUTO_NECK_MARGIN_DEG = 20.0
#: After this long with nobody in view, the learned reference starts again (someone else may
#: sit down).
FORGET_AFTER_AWAY_S = 30.0
LEARNED_LABEL = "your upright posture (learned)"
#: What is learned per view, and the bounds of each reference: the least and most upright
#: values upright sitters showed on the dev split (docs/coaching.md §2.4), so a session that
#: starts slouched is still judged against upright posture, and a while spent leaning back in
#: the chair does not make normal sitting a slouch.
REFERENCE_RULES: dict[View, tuple[ReferenceRule, ...]] = {
    View.SIDE: (
        ReferenceRule("neck_deg", least_upright=30.0, most_upright=8.0),  # upright: 10–29° (dev)
        # Upright: -10…-3.5° (dev); reclining in the chair reads -15° and more.
        ReferenceRule("forward_lean_deg", least_upright=-3.0, most_upright=-12.0),
    ),
    View.FRONT: (
        # Upright head height was 0.59–0.70 on the dev split; a camera higher than the
        # split's lowers it, so the cap leaves room below.
        ReferenceRule("head_height", upright_is_high=True, least_upright=0.50,
                      most_upright=0.75),
        ReferenceRule("shoulder_ear_ratio", upright_is_high=True),
        ReferenceRule("nose_pitch"),
        ReferenceRule("shoulder_y_px"),
        ReferenceRule("shoulder_span_px", upright_is_high=True),
    ),
}

SIDE_METRICS = ("neck_deg", "cva_deg", "forward_lean_deg", "head_forward_cm")
FRONT_METRICS = ("head_height", "shoulder_ear_ratio", "nose_pitch", "head_roll_deg",
                 "shoulder_tilt_deg", "shoulder_y_px", "shoulder_span_px")


def _cue_slouch(standing: bool) -> Cue:
    return Cue("posture.slouch",
               "Stand tall — lift your chest" if standing else "Sit tall — lift your chest")


CUE_FORWARD_HEAD = Cue("posture.forward_head", "Bring your head back over your shoulders")
CUE_LEAN = Cue("posture.lean", "Sit evenly — straighten up sideways")
CUE_TURN_SIDE = Cue("view.turn", "Turn side-on to the camera for posture checks", Severity.INFO)
CUE_FACE_CAMERA = Cue("view.turn", "Face the camera for posture checks", Severity.INFO)


def side_metrics(pose: Pose, geometry: BodyGeometry) -> dict[str, float]:
    """Side-view angles on the side nearest the camera.

    neck_deg: shoulder→ear from vertical, positive when the ear is ahead of the shoulder.
    cva_deg: shoulder→ear elevation above horizontal (a CVA-like proxy, not a clinical CVA).
    forward_lean_deg: hip→shoulder from vertical, positive when the shoulders are ahead.
    head_forward_cm: ear ahead of shoulder, horizontally, in cm.
    """
    ear = geometry.side_point(L.LEFT_EAR, L.RIGHT_EAR, pose)
    shoulder = geometry.side_point(L.LEFT_SHOULDER, L.RIGHT_SHOULDER, pose)
    hip = geometry.side_point(L.LEFT_HIP, L.RIGHT_HIP, pose)
    facing = geometry.facing or 1
    ahead_ear = 1.0 if (ear[0] - shoulder[0]) * facing >= 0 else -1.0
    ahead_shoulder = 1.0 if (shoulder[0] - hip[0]) * facing >= 0 else -1.0
    return {
        "neck_deg": ahead_ear * angle_from_vertical_deg(shoulder, ear),
        "cva_deg": angle_above_horizontal_deg(shoulder, ear),
        "forward_lean_deg": ahead_shoulder * angle_from_vertical_deg(hip, shoulder),
        "head_forward_cm": geometry.to_cm(float(ear[0] - shoulder[0]) * facing),
    }


def front_metrics(pose: Pose) -> dict[str, float]:
    """Front-view ratios (scale-free) and tilts.

    head_height: ears above the shoulder line, in shoulder spans.
    shoulder_ear_ratio: shoulder span ÷ ear span (falls when the head comes forward or the
        shoulders round).
    nose_pitch: nose below the ears, in ear spans (rises when looking down).
    head_roll_deg, shoulder_tilt_deg: tilt of the ear line and the shoulder line.
    shoulder_y_px, shoulder_span_px: where the shoulder line is and how wide (px), for how
        far the shoulders sink from the baseline.
    """
    xy = pose.xy
    shoulder_span = max(1.0, float(abs(xy[L.LEFT_SHOULDER][0] - xy[L.RIGHT_SHOULDER][0])))
    ear_span = max(1.0, float(abs(xy[L.LEFT_EAR][0] - xy[L.RIGHT_EAR][0])))
    ear_y = (xy[L.LEFT_EAR][1] + xy[L.RIGHT_EAR][1]) / 2
    shoulder_y = (xy[L.LEFT_SHOULDER][1] + xy[L.RIGHT_SHOULDER][1]) / 2
    return {
        "head_height": float(shoulder_y - ear_y) / shoulder_span,
        "shoulder_ear_ratio": shoulder_span / ear_span,
        "nose_pitch": float(xy[L.NOSE][1] - ear_y) / ear_span,
        "head_roll_deg": line_tilt_deg(xy[L.LEFT_EAR], xy[L.RIGHT_EAR]),
        "shoulder_tilt_deg": line_tilt_deg(xy[L.LEFT_SHOULDER], xy[L.RIGHT_SHOULDER]),
        "shoulder_y_px": float(shoulder_y),
        "shoulder_span_px": shoulder_span,
    }


def side_checks(metrics: dict[str, float], baseline: PostureBaseline | None,
                settings: PostureSettings, standing: bool,
                reference: dict[str, float] | None = None) -> list[Check]:
    """Forward head (neck) and slouch (trunk lean) in a side view: against the calibrated
    baseline, else against the learned upright reference (:mod:`upright`), else (reference off
    or not ready) the published absolute heuristics."""
    slouch = _cue_slouch(standing)
    if baseline is not None and baseline.view == View.SIDE.value:
        neck_margin = _angle_margin(NECK_MARGIN_DEG, settings)
        torso_margin = _angle_margin(TORSO_MARGIN_DEG, settings)
        neck0 = baseline.metrics["neck_deg"]
        lean0 = baseline.metrics["forward_lean_deg"]
        source = "your baseline"
    elif reference and {"neck_deg", "forward_lean_deg"} <= reference.keys():
        neck_margin = _angle_margin(AUTO_NECK_MARGIN_DEG, settings)
        torso_margin = _angle_margin(AUTO_TORSO_MARGIN_DEG, settings)
        neck0 = reference["neck_deg"]
        lean0 = reference["forward_lean_deg"]
        source = "your upright posture"
    else:
        source = "heuristic (LearnOpenCV)"
        return [
            Check(CUE_FORWARD_HEAD, metrics["neck_deg"], HEURISTIC_NECK_DEG,
                  HEURISTIC_NECK_DEG - NECK_MARGIN_DEG / 2, unit="°", source=source),
            Check(slouch, metrics["forward_lean_deg"], HEURISTIC_TORSO_DEG,
                  HEURISTIC_TORSO_DEG - TORSO_MARGIN_DEG / 2, unit="°", source=source),
        ]
    return [
        Check(CUE_FORWARD_HEAD, metrics["neck_deg"], neck0 + neck_margin,
              neck0 + neck_margin / 2, unit="°", source=source),
        Check(slouch, metrics["forward_lean_deg"], lean0 + torso_margin,
              lean0 + torso_margin / 2, unit="°", source=source),
    ]


def front_checks(metrics: dict[str, float], b: dict[str, float],
                 settings: PostureSettings, standing: bool, source: str,
                 face_growth: bool = True) -> list[Check]:
    """Slouch (shoulders sinking), forward head (ears sinking toward the shoulders, or the face
    growing against the shoulders) and lean, in a front view, against the upright metrics
    ``b`` (a calibrated baseline's or the learned reference). ``face_growth`` adds the face
    growing against the shoulders to the forward-head signal: only against a calibration, taken
    close enough for ear spans of more than a few pixels."""
    scale = settings.margin_scale
    sink = (metrics["shoulder_y_px"] - b["shoulder_y_px"]) / b["shoulder_span_px"]
    drop = b["head_height"] - metrics["head_height"]
    forward = drop
    if face_growth:
        # Forward head shows either way; express the face growth on the drop's scale so one
        # check (and one threshold line on screen) covers both.
        ratio = metrics["shoulder_ear_ratio"] / b["shoulder_ear_ratio"]
        forward = max(drop, (1.0 - ratio) / FORWARD_HEAD_RATIO_MARGIN * HEAD_DROP_MARGIN)
    # The shoulder line, not the head: a head dropping forward in a three-quarter view rolls
    # the ear line by 5–15° with no sideways lean at all (dev split, docs/coaching.md §2.4).
    lean = abs(metrics["shoulder_tilt_deg"] - b["shoulder_tilt_deg"])
    lean_margin = _angle_margin(LEAN_MARGIN_DEG, settings)
    return [
        Check(_cue_slouch(standing), sink, SHOULDER_SINK_MARGIN * scale,
              SHOULDER_SINK_MARGIN * scale / 2, unit=" spans", source=source),
        Check(CUE_FORWARD_HEAD, forward, HEAD_DROP_MARGIN * scale, HEAD_DROP_MARGIN * scale / 2,
              unit=" spans", source=source),
        Check(CUE_LEAN, lean, lean_margin, lean_margin * LEAN_CLEAR_SHARE, unit="°", source=source),
    ]


def _angle_margin(margin_deg: float, settings: PostureSettings) -> float:
    return max(margin_deg * settings.margin_scale, settings.dead_zone_deg)


@dataclass(frozen=True)
class PostureReading:
    """The posture analyzer's output for one frame.

    Attributes:
        view: the (stabilised) view judged.
        geometry: body geometry of this frame (None when nobody is in view).
        metrics: this frame's metrics (names in SIDE_METRICS or FRONT_METRICS).
        checks: thresholds applied this frame (empty when posture cannot be judged).
        baseline_label: where the thresholds come from, for the overlay.
        looking_down: a front view with the head pitched down and the trunk steady.
        calibration: progress 0–1 of a running calibration, else None.
        note: a short status for the overlay.
    """

    view: View
    geometry: BodyGeometry | None
    metrics: dict[str, float] = field(default_factory=dict)
    checks: tuple[Check, ...] = ()
    baseline_label: str = ""
    looking_down: bool = False
    calibration: float | None = None
    note: str = ""


class PostureAnalyzer:
    """Posture metrics and checks, frame by frame. State: the stabilised view, the baseline,
    a running calibration and, per view, the learned upright reference (used when there is no
    calibrated baseline for the view).

    Args:
        settings: posture settings.
        baseline: a calibrated baseline, or None.
        on_calibrated: called with the new baseline when a calibration finishes.
    """

    def __init__(self, settings: PostureSettings | None = None,
                 baseline: PostureBaseline | None = None,
                 on_calibrated: Callable[[PostureBaseline], None] | None = None,
                 source_name: str = "") -> None:
        self.settings = settings or PostureSettings()
        self.baseline = baseline
        self.on_calibrated = on_calibrated
        self.source_name = source_name
        self._view = View.UNKNOWN
        self._candidate: tuple[View, float] | None = None
        self._calibration: _Recorder | None = None
        self._references = {view: UprightReference(rules, self.settings.auto_reference_s)
                            for view, rules in REFERENCE_RULES.items()}
        self._last_seen_t: float | None = None
        self._calibrate_pending = False
        self.last_message = ""

    def calibrate_on_next_person(self) -> None:
        """Start calibrating as soon as someone is in view."""
        self._calibrate_pending = True
        self.last_message = "Calibration: sit tall and still in front of the camera"

    def start_calibration(self, t: float) -> None:
        """Record the next ``calibration_s`` seconds as the upright baseline."""
        self._calibration = _Recorder(t, self.settings.calibration_s)
        self.last_message = "Calibrating: sit tall and still"

    def update(self, pose: Pose | None, t: float) -> PostureReading:
        if pose is None:
            return PostureReading(view=View.UNKNOWN, geometry=None, note="no one in view")
        if self._last_seen_t is not None and t - self._last_seen_t > FORGET_AFTER_AWAY_S:
            # Maybe someone else sat down: their upright posture is learned afresh.
            for reference in self._references.values():
                reference.reset()
        self._last_seen_t = t
        if self._calibrate_pending:
            self._calibrate_pending = False
            self.start_calibration(t)
        geometry = body_geometry(pose, self.settings.height_cm or None)
        view = self._stable_view(geometry.view, t)
        if geometry.posture is BodyPosture.LYING:
            return PostureReading(view=view, geometry=geometry, note="lying down")
        if geometry.posture is BodyPosture.SITTING and _knees_above_hips(pose, geometry):
            # On the floor (setting up for a roller, stretching): desk posture does not apply.
            return PostureReading(view=view, geometry=geometry, note="sitting on the floor")
        standing = geometry.posture is BodyPosture.STANDING
        if view is View.SIDE:
            metrics = side_metrics(pose, geometry)
        elif view is View.FRONT:
            metrics = front_metrics(pose)
        else:
            turn = CUE_FACE_CAMERA if (self.baseline and self.baseline.view == "front") \
                else CUE_TURN_SIDE
            return PostureReading(view=view, geometry=geometry,
                                  checks=(Check(turn, 1.0, 0.5, 0.5),),
                                  note="turned at an angle: posture not judged")
        calibration = self._record_calibration(view, metrics, t)
        if calibration is not None:
            return PostureReading(view=view, geometry=geometry, metrics=metrics,
                                  calibration=calibration, note="calibrating")
        return self._judge(view, geometry, metrics, t, standing)

    def _judge(self, view: View, geometry: BodyGeometry, metrics: dict[str, float], t: float,
               standing: bool) -> PostureReading:
        # The view is judged as a valid one: a leftover "turn" problem clears.
        turn_ok = Check(CUE_TURN_SIDE, 0.0, 0.5, 0.5)
        calibrated = self.baseline is not None and self.baseline.view == view.value
        reference = self._references[view]
        if not calibrated and self.settings.auto_reference_s > 0 and not standing:
            # Only seated frames teach the reference: it is the seated upright posture.
            reference.add(metrics, t)
        learned = reference.values() if reference.ready else None
        if view is View.SIDE:
            checks = side_checks(metrics, self.baseline, self.settings, standing, learned)
            label = checks[0].source if checks else ""
            label = {"your baseline": "your baseline",
                     "your upright posture": LEARNED_LABEL}.get(
                         label, "uncalibrated: heuristic limits (LearnOpenCV)")
            return PostureReading(view=view, geometry=geometry, metrics=metrics,
                                  checks=(*checks, turn_ok), baseline_label=label)
        if calibrated:
            upright, label = dict(self.baseline.metrics), "your baseline"
        elif learned is not None:
            # The webcam of a desk is level: sideways lean is judged from level, not from a
            # learned tilt (a lean held for minutes must not become the reference).
            upright = {**learned, "head_roll_deg": 0.0, "shoulder_tilt_deg": 0.0}
            label = LEARNED_LABEL
        else:
            label = ("learning your upright posture" if self.settings.auto_reference_s > 0
                     else "uncalibrated: press c to calibrate")
            return PostureReading(view=view, geometry=geometry, metrics=metrics,
                                  checks=(turn_ok,), baseline_label=label, note=label)
        looking_down = (metrics["nose_pitch"] - upright["nose_pitch"] > LOOK_DOWN_PITCH)
        checks = front_checks(metrics, upright, self.settings, standing, label,
                              face_growth=calibrated)
        if looking_down:
            # A nod lowers the ears by as much as a forward head's margin: the margin grows, and
            # the band holds nothing (below onset is good), so an earlier forward head does not
            # stay latched for as long as the person looks down.
            onset = LOOKING_DOWN_HEAD_DROP_MARGIN * self.settings.margin_scale
            checks = [replace(c, onset=max(c.onset, onset), clear=max(c.onset, onset))
                      if c.key == CUE_FORWARD_HEAD.key else c for c in checks]
        return PostureReading(view=view, geometry=geometry, metrics=metrics,
                              checks=(*checks, turn_ok), baseline_label=label,
                              looking_down=looking_down,
                              note="looking down (not a slouch)" if looking_down else "")

    def _record_calibration(self, view: View, metrics: dict[str, float],
                            t: float) -> float | None:
        recorder = self._calibration
        if recorder is None:
            return None
        if recorder.view is None:
            recorder.view = view
        if view is not recorder.view:
            self._calibration = None
            self.last_message = "Calibration stopped: keep the same view and try again"
            return None
        recorder.add(metrics)
        if not recorder.done(t):
            return recorder.progress(t)
        self._calibration = None
        self.baseline = PostureBaseline.new(view.value, recorder.medians(), self.source_name)
        self.last_message = "Calibrated: this is your upright posture"
        if self.on_calibrated is not None:
            self.on_calibrated(self.baseline)
        return None

    def _stable_view(self, raw: View, t: float) -> View:
        if raw is self._view or raw is View.UNKNOWN:
            self._candidate = None
            return self._view
        if self._view is View.UNKNOWN:
            self._view = raw
            return raw
        if self._candidate is None or self._candidate[0] is not raw:
            self._candidate = (raw, t)
        elif t - self._candidate[1] >= VIEW_HOLD_S:
            self._view, self._candidate = raw, None
        return self._view


def _knees_above_hips(pose: Pose, geometry: BodyGeometry) -> bool:
    seen = pose.visibility[[L.LEFT_KNEE, L.RIGHT_KNEE]] >= 0.5
    if not seen.any():
        return False
    knees_y = pose.xy[[L.LEFT_KNEE, L.RIGHT_KNEE]][seen, 1].mean()
    return bool(geometry.mid_hip[1] - knees_y > 0.15 * geometry.torso_px)


class _Recorder:
    """Collects metrics for a fixed time and returns their medians."""

    def __init__(self, start_t: float, seconds: float) -> None:
        self.start_t = start_t
        self.seconds = seconds
        self.view: View | None = None
        self.samples: dict[str, list[float]] = {}

    def add(self, metrics: dict[str, float]) -> None:
        for name, value in metrics.items():
            self.samples.setdefault(name, []).append(value)

    def done(self, t: float) -> bool:
        return t - self.start_t >= self.seconds and bool(self.samples)

    def progress(self, t: float) -> float:
        return min(1.0, (t - self.start_t) / self.seconds)

    def medians(self) -> dict[str, float]:
        return {name: statistics.median(values) for name, values in self.samples.items()}
