"""Tennis / massage ball on the upper back, against a wall or on the floor.

Where the ball sits along the spine, how long it stays on a spot, how fast it moves, and how
hard the person leans into it (a pressure proxy). Pure apart from the history it keeps.

Sources for the numbers (docs/coaching.md §4):
- Place: on the muscle between the spine and the shoulder blade; never on the lower back or the
  neck. Zone borders as for the roller (:mod:`posecoach.exercises.roller`, docs/coaching.md
  §3.1): the lowest ribs (T12) and the top of the thoracic spine (T1) along mid-hip →
  mid-shoulder.
- Dwell: hold a tender spot ~30–90 s while breathing normally; move on after 90 s.
- Pace: the ball moves slowly between spots; hasty massage is one of the common self-massage
  mistakes. Faster than 10 cm/s along the spine for a couple of seconds is rushing. The pace
  is judged while a spot is being worked (the ball goes back and forth); carrying the ball in
  one direction to the next spot is a transition, not rushing (issue 11, item 4).
- Pressure: ≤ 7/10 discomfort; more body weight on the ball (leaning back into the wall, or
  lifting the hips off the floor) raises it. Judged against the user's own start on each
  placement and surface (issue 11, item 4): the least the proxy has been since the ball
  settled there. At the wall the proxy is the trunk's lean (hip → shoulder), not the whole
  body's: a knee bend that rolls the ball along the back slides the trunk down the wall
  without tilting it, and is not pressure.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from enum import Enum

import numpy as np

from posecoach.exercises.motion import SpineMotion
from posecoach.exercises.roller import (
    LOWER_BACK_LIMIT_FRACTION,
    NECK_LIMIT_FRACTION,
    ZONE_CLEAR_MARGIN,
    Zone,
    zone_of,
)
from posecoach.geometry import BodyGeometry, BodyPosture, angle_from_vertical_deg
from posecoach.landmarks import Landmark as L
from posecoach.scale import TrunkRuler, TrunkScale
from posecoach.types import Check, Cue, Pose, Severity

FAST_CM_S = 10.0
#: Slowed down: under this the problem clears. The same 20 % band under the limit as the
#: roller's (15 → 12 cm/s); at 30 % (7 cm/s) a ball moved on at an unhurried 7–8 cm/s kept
#: "Slow down" until it stopped (docs/coaching.md §4).
FAST_CLEAR_CM_S = 8.0
HOLD_SPEED_CM_S = 2.0
HOLD_CUE_S = 4.0
#: A transfer is judged over this long (s): a little more than the positions the pace
#: looks back over (1 s of 0.5 s slopes, :class:`posecoach.exercises.motion.SpineMotion`),
#: so a move that is over no longer counts.
TRANSFER_WINDOW_S = 2.0
#: Within that window, a movement of at least a spot (SPOT_RADIUS_CM) whose net displacement
#: is this share of its whole excursion went one way: a transfer to the next spot.
TRANSFER_NET_SHARE = 0.8
#: A spot is the same spot while the ball stays within this distance of where it settled (cm).
SPOT_RADIUS_CM = 3.0
SPOT_MAX_S = 90.0
#: The ball touches the back when its centre is this close to the back's line (cm): half a
#: trunk's depth (~10 cm) + the ball (3.3 cm) + slack for landmark error.
CONTACT_MAX_CM = 24.0
#: Contact is settled (set-up over) after this long: the selector has already seen the ball at
#: the back for a second (posecoach.selector.ENTER_PROP_S) before this analyzer runs.
SETTLE_S = 0.5
#: A ball that vanished is told as dropped only with evidence of the drop: seen off the back,
#: or carried toward the hips by at least DROP_MIN_CM within its last DROP_LOOKBACK_S on the
#: back. A falling ball does that within two frames at 15 fps (½·g·t²: 2 cm after 1/15 s,
#: 9 cm after 2/15 s; the rendered drop fell 9 cm along the back in 0.13 s before it was lost),
#: while a pass of the ball goes at 2-5 cm/s (docs/coaching.md §4). Without such evidence the
#: detector lost sight of a ball still on the back (a walk-in, a faint ball), and saying
#: "The ball dropped" would be a confident wrong cue: posecoach says it cannot see the ball.
DROP_MIN_CM = 5.0
DROP_LOOKBACK_S = 0.5
#: The comfortable start (lean / hip height) is judged after this long on a placement: the
#: proxy's least value so far, taken over PRESSURE_SMOOTH_S running medians so one jittery
#: frame does not set it. A pressure fault can follow a placement within 1–2 s (push back as
#: soon as the ball is there), so the reference cannot wait for seconds of calm.
PRESSURE_BASELINE_S = 1.0
PRESSURE_SMOOTH_S = 0.5
#: ... counting only steady stretches: the running window spans at most this much (° of lean
#: at a wall, cm of hip height on the floor). Lying back onto a ball, the hips pass below where
#: they come to rest (dev ball_floor-plain-3000002: the start was taken 10 cm under the rest
#: position mid-movement, so the rest read as a 9.5 cm lift and "Ease off" never cleared).
#: Steady holds on the dev ball clips spanned a median 1.0° (p90 1.7°) at the wall and 0.5 cm
#: on the floor within their whole hold, far less within half a second.
LEAN_STEADY_DEG = 2.0
HIP_STEADY_CM = 2.0
#: Easing off to this much under the onset ends the pressure problem (° at a wall, cm on the
#: floor): a margin over the proxy's jitter (above), not half the onset. Back under the limit
#: the fault is over (docs/coaching.md §4); a band of half the onset kept "Ease off the
#: pressure" up for a person who had eased off to just under the limit (dev 3000002, 3000007).
LEAN_CLEAR_BAND_DEG = 2.0
HIP_CLEAR_BAND_CM = 2.0
#: On the floor, the hips' resting height in this long before a placement's start is that
#: start when they rested there steadily (least steady height, as above): a ball found late
#: (a faint ball takes a second or more of evidence, posecoach.props.ball_acquire) is
#: otherwise first measured with the hips already lifting (dev ball_floor-second_person-698165
#: was first measured 13 cm up, and its lift went untold). Only lying frames count: the
#: hips rest on the floor the same way before and after the ball is under the back. At a wall
#: the lean before the ball is pinned is not the lean onto it, so nothing is carried over.
LYING_LOOKBACK_S = 3.0
#: How long the one-time placement reminder stays up (s); it shows after the coach's
#: persistence, so it needs a few seconds.
PLACEMENT_NOTE_S = 5.0
#: Leaning back this much more than at the start puts clearly more weight on the ball (°).
#: The push into the wall grows with tan(lean): from a near-upright start (2–4°), 7° more
#: roughly triples it. Measured hip → shoulder (the trunk, which leans into the wall), so
#: bending the knees to move the ball does not count.
LEAN_MARGIN_DEG = 7.0
#: On the floor, lifting the hips this much higher than at the start (cm): the buttocks
#: 10 cm off the floor, the upper end of the 8–10 cm of docs/coaching.md §4, seen at the hip
#: landmarks. Those are the hip joints, which rise ~1.5 cm more than the buttocks as the pelvis
#: tips back into the lift: on the dev floor clips' truth, lifts of 8, 12 and 18 cm raised the
#: hip joints 9–10, 13–14 and 19 cm. Hip height is measured well on the floor (the rise reads
#: within ~1 cm of the joints'), so a lift of 8 cm, which the range still calls fine, must not
#: be told at its first jitter.
HIP_LIFT_MARGIN_CM = 11.5
#: On the floor, the floor line (the lowest foot landmark seen) and the image scale are
#: taken once per placement, at its start, and the lift is the hips' rise against them: the
#: feet stay planted during a lift, but their landmarks do not (a heel's visibility flickers
#: and the lowest point jumps between heel and toe by a few pixels), and the trunk's length
#: in the image, which gives the scale, grows as it tilts up off the floor. On the dev clips
#: both read a hip lift ~1.5× too high (a 6 cm lift as 10 cm).
#: Off the back (or out of sight) this long, the ball's return is a new placement with its own
#: pressure start; a shorter gap is the same placement (the spot search loses a pinned ball
#: for a few frames when the body moves over it, e.g. as the hips lift).
NEW_PLACEMENT_S = 1.0

CUE_LUMBAR = Cue("ball.lumbar", "Move the ball up to your upper back", Severity.SAFETY)
CUE_NECK = Cue("ball.neck", "Keep the ball off your neck", Severity.SAFETY)
CUE_FAST = Cue("ball.too_fast", "Slow down — move the ball slowly", Severity.FORM)
CUE_LOST = Cue("ball.lost", "The ball dropped — place it back on your upper back", Severity.FORM)
CUE_UNSEEN = Cue("ball.unseen",
                 "I can't see the ball — if it dropped, place it back on your upper back",
                 Severity.INFO)
CUE_PRESSURE = Cue("ball.pressure", "Ease off the pressure", Severity.FORM)
CUE_HOLD = Cue("ball.hold", "Hold this spot and breathe", Severity.INFO)
CUE_MOVE_ON = Cue("ball.move_on", "Move to a new spot", Severity.INFO)
CUE_BESIDE_SPINE = Cue("ball.beside_spine", "Keep the ball beside your spine, not on it",
                       Severity.INFO)


class BallState(Enum):
    SETTING_UP = "setting up"
    IN_CONTACT = "on your back"
    LOST = "ball lost"
    UNSEEN = "ball out of sight"


class Surface(Enum):
    WALL = "wall"
    FLOOR = "floor"


@dataclass(frozen=True)
class BallReading:
    """The ball analyzer's output for one frame.

    Attributes:
        state: setting up, on the back, lost (dropped: after having been on the back), or out
            of sight (gone from the back with no sign of a drop).
        surface: wall (standing) or floor (lying).
        fraction: ball along mid-hip → mid-shoulder, or None.
        zone: spine zone at ``fraction``.
        offset_cm: distance of the ball's centre from the trunk line (cm).
        speed_cm_s: movement along the spine (cm/s).
        spot_s: time on the current spot (s); spots: spots worked so far.
        pressure: the proxy's rise over the start (° of lean, or cm of hip lift), or None.
        scale: the trunk length the cm values are measured with, and where it came from.
        checks: thresholds applied this frame.
    """

    state: BallState
    surface: Surface | None = None
    fraction: float | None = None
    zone: Zone | None = None
    offset_cm: float | None = None
    speed_cm_s: float | None = None
    spot_s: float = 0.0
    spots: int = 0
    pressure: float | None = None
    center_px: np.ndarray | None = None
    px_per_cm: float | None = None
    scale: TrunkScale | None = None
    checks: tuple[Check, ...] = field(default_factory=tuple)


class BallAnalyzer:
    """Zone, dwell, pace and pressure of a ball at the back (see module docstring).

    Args:
        shoulder_hip_cm: the user's trunk length (mid-hip → mid-shoulder, cm), or None to
            learn it from the ball (:class:`posecoach.scale.TrunkRuler`).
        ruler: the session's ruler, shared with the roller analyzer; one is made from
            ``shoulder_hip_cm`` when None.
    """

    def __init__(self, shoulder_hip_cm: float | None = None,
                 ruler: TrunkRuler | None = None) -> None:
        self.ruler = ruler if ruler is not None else TrunkRuler(shoulder_hip_cm)
        #: The trunk length the positions kept so far are in (cm).
        self._trunk_cm = self.ruler.scale.trunk_cm
        #: (t, mid-hip row px) of the last LYING_LOOKBACK_S lying: the body's recent past,
        #: kept across resets of the ball.
        self._lying: deque[tuple[float, float]] = deque()
        self.reset()

    @property
    def shoulder_hip_cm(self) -> float:
        """The trunk length in use (cm)."""
        return self._trunk_cm

    def reset(self) -> None:
        """Forget the ball: a new session starts from setting up."""
        self._motion = SpineMotion(pass_min_cm=SPOT_RADIUS_CM)
        self._recent: deque[tuple[float, float]] = deque()  # (t, position cm), for transfers
        self._contact_since: float | None = None
        self._was_in_contact = False
        self._spot_anchor: float | None = None
        self._spot_since: float | None = None
        self._spots = 0
        self._hold_since: float | None = None
        self._pressure_recent: deque[tuple[float, float]] = deque()
        self._pressure_start: float | None = None
        self._pressure_t0: float | None = None
        self._pressure_surface: Surface | None = None
        self._floor: tuple[float, float] | None = None  # (floor line y px, px/cm) at the start
        self._off_since: float | None = None
        #: (t, position cm) of the ball seen on the back over the last DROP_LOOKBACK_S.
        self._on_back: deque[tuple[float, float]] = deque()
        #: Since the ball left the back: whether that was seen to be a drop (None: on it).
        self._dropped: bool | None = None
        self._placement_until: float | None = None
        self._last_t = 0.0

    def update(self, pose: Pose | None, geometry: BodyGeometry | None,
               center_px: np.ndarray | None, seen: bool, t: float,
               radius_px: float | None = None) -> BallReading:
        """One frame. ``center_px``: the ball's centre, ``seen``: found in this frame (not a
        held-over position). ``radius_px``: the ball's radius measured in this frame's
        pixels (:func:`posecoach.prop_size.disc_radius_px`), or None: while the ball is at
        the back it teaches the session's ruler the trunk length."""
        self._last_t = t
        if pose is None or geometry is None:
            return BallReading(self._gone_state() if self._was_in_contact
                               else BallState.SETTING_UP)
        self.watch(geometry, t)
        geometry = self._follow_scale(geometry)
        surface = Surface.FLOOR if geometry.posture is BodyPosture.LYING else Surface.WALL
        if center_px is None:
            return self._no_contact(surface, t)
        axis = geometry.mid_shoulder - geometry.mid_hip
        length = float(np.linalg.norm(axis))
        rel = np.asarray(center_px, dtype=np.float64) - geometry.mid_hip
        fraction = float(rel @ axis) / (length * length)
        offset_cm = abs(float(axis[0] * rel[1] - axis[1] * rel[0]) / length) / geometry.px_per_cm
        touching = -0.2 <= fraction <= 1.4 and offset_cm <= CONTACT_MAX_CM
        if not touching:
            return self._no_contact(surface, t, fraction=fraction, offset_cm=offset_cm,
                                    seen_off_back=seen)
        if seen and radius_px is not None and radius_px > 0:
            self.ruler.observe_ball(t, geometry.torso_px, 2.0 * radius_px)
            geometry = self._follow_scale(geometry)  # the measure may have settled
        if self._contact_since is None:
            self._contact_since = t
        if self._off_since is not None and t - self._off_since >= NEW_PLACEMENT_S:
            self._reset_pressure()  # a new placement has its own start
        self._off_since = None
        self._dropped = None
        if seen:
            self._on_back.append((t, fraction * self.shoulder_hip_cm))
        while self._on_back and t - self._on_back[0][0] > DROP_LOOKBACK_S:
            self._on_back.popleft()
        settled = t - self._contact_since >= SETTLE_S
        if not settled:
            # Back on the back after a drop: the "dropped" problem is over.
            back = _back_on_checks() if self._was_in_contact else ()
            return BallReading(BallState.SETTING_UP, surface, fraction, zone_of(fraction),
                               offset_cm, center_px=np.asarray(center_px),
                               px_per_cm=geometry.px_per_cm, scale=self.ruler.scale,
                               checks=back)
        self._was_in_contact = True
        position = fraction * self.shoulder_hip_cm
        # A held-over position (the ball not found this frame) is no movement: the last pace
        # stands for a short gap (SpineMotion.hold).
        speed = self._motion.update(t, position) if seen else self._motion.hold(t)
        if seen:
            self._recent.append((t, position))
        while self._recent and t - self._recent[0][0] > TRANSFER_WINDOW_S:
            self._recent.popleft()
        spot_s = self._spot(t, position)
        if speed is not None and speed < HOLD_SPEED_CM_S:
            self._hold_since = t if self._hold_since is None else self._hold_since
        else:
            self._hold_since = None
        hold_s = 0.0 if self._hold_since is None else t - self._hold_since
        pressure = self._pressure(pose, geometry, surface, t)
        # Carried one way to the next spot: not judged for rushing (a slow carry is fine
        # either way, so it stays judged).
        carry = self._transfer_direction()
        # The pace follows a slow-down within a second and bridges the turns of the passes
        # (SpineMotion), so a ball that has slowed down ends the problem promptly.
        checks = self._checks(fraction if seen else None, speed, hold_s, spot_s, pressure,
                              surface)
        # Carried one way to the next spot: that movement is a transition, not rushing, and a
        # carry back toward the upper back is the correction of a ball on the neck or the lower
        # back under way. Those problems are over at once (withdrawn), not held on screen
        # until the ball has crossed back over the line: the user is doing what the cue said.
        # Back-and-forth passes are never a carry, so a pass that dips past a line on every
        # turn is still judged on each one.
        over = set()
        if carry and speed is not None and speed > FAST_CLEAR_CM_S:
            over.add(CUE_FAST.key)
        if carry < 0 and fraction > NECK_LIMIT_FRACTION - ZONE_CLEAR_MARGIN:
            over.add(CUE_NECK.key)
        if carry > 0 and fraction < LOWER_BACK_LIMIT_FRACTION + ZONE_CLEAR_MARGIN:
            over.add(CUE_LUMBAR.key)
        checks = tuple(c.withdraw() if c.key in over else c for c in checks)
        return BallReading(BallState.IN_CONTACT, surface, fraction, zone_of(fraction),
                           offset_cm, speed, spot_s, self._spots, pressure,
                           center_px=np.asarray(center_px), px_per_cm=geometry.px_per_cm,
                           scale=self.ruler.scale, checks=checks)

    def _follow_scale(self, geometry: BodyGeometry) -> BodyGeometry:
        """Carry on at the ruler's trunk length once it changed (it changes once, when the
        ball's measure settles): what was kept in cm is multiplied over to it, so the pace,
        the spot and the hip lift do not read the change as movement."""
        trunk_cm = self.ruler.scale.trunk_cm
        if trunk_cm == self._trunk_cm:
            return geometry.with_trunk_cm(trunk_cm)
        factor = trunk_cm / self._trunk_cm
        self._trunk_cm = trunk_cm
        self._motion.rescale(factor)
        self._recent = deque((t, p * factor) for t, p in self._recent)
        self._on_back = deque((t, p * factor) for t, p in self._on_back)
        if self._spot_anchor is not None:
            self._spot_anchor *= factor
        if self._pressure_surface is Surface.FLOOR:  # the hip lift is in cm (°: unchanged)
            self._pressure_recent = deque((t, v * factor) for t, v in self._pressure_recent)
            if self._pressure_start is not None:
                self._pressure_start *= factor
            if self._floor is not None:
                self._floor = (self._floor[0], self._floor[1] / factor)
        return geometry.with_trunk_cm(trunk_cm)

    def _transfer_direction(self) -> int:
        """+1 (toward the shoulders) or -1 (toward the hips) when the ball went one way to
        another spot within the last TRANSFER_WINDOW_S, else 0."""
        if len(self._recent) < 2:
            return 0
        positions = [p for _, p in self._recent]
        excursion = max(positions) - min(positions)
        net = positions[-1] - positions[0]
        if excursion >= SPOT_RADIUS_CM and abs(net) >= TRANSFER_NET_SHARE * excursion:
            return 1 if net > 0 else -1
        return 0

    def _checks(self, fraction: float | None, speed: float | None, hold_s: float,
                spot_s: float, pressure: float | None, surface: Surface) -> tuple[Check, ...]:
        # Said once, when the ball first settles: a side view cannot see left from right of
        # the spine, so the placement rule is a reminder, shown for a few seconds.
        if self._placement_until is None:
            self._placement_until = self._contact_since + SETTLE_S + PLACEMENT_NOTE_S
        placing = 1.0 if self._last_t < self._placement_until else 0.0
        return (*_back_on_checks(),  # on the back: clears "dropped" and "can't see"
                *_contact_checks(fraction, speed, hold_s, spot_s, pressure, placing, surface))

    def _no_contact(self, surface: Surface, t: float, fraction: float | None = None,
                    offset_cm: float | None = None, seen_off_back: bool = False) -> BallReading:
        if self._was_in_contact:
            # Decided when the ball leaves the back (from its last moves on it), and a drop
            # once seen stays one until the ball is back.
            self._dropped = bool(self._dropped) or seen_off_back or (
                self._dropped is None and self._fell())
        self._on_back.clear()
        self._contact_since = None
        if self._off_since is None:
            self._off_since = t
        self._motion.break_track()
        self._recent.clear()
        self._hold_since = None
        self._spot_since = None
        # Off the back, where the ball sits on the back, its pace and the lean into it no
        # longer apply: withdrawn, so "Keep the ball off your neck" cannot hide "The ball
        # dropped".
        gone = tuple(c.withdraw() for c in _contact_checks(None, None, None, None, None, None,
                                                           surface))
        if not self._was_in_contact:
            return BallReading(BallState.SETTING_UP, surface, fraction, offset_cm=offset_cm,
                               checks=gone)
        if self._dropped:
            lost = (Check(CUE_LOST, 1.0, 0.5, 0.5), _unseen_check(0.0).withdraw())
        else:
            lost = (Check(CUE_LOST, None, 0.5, 0.5).withdraw(), _unseen_check(1.0))
        return BallReading(self._gone_state(), surface, fraction, offset_cm=offset_cm,
                           spots=self._spots, checks=(*lost, *gone))

    def _fell(self) -> bool:
        """The ball went toward the hips by DROP_MIN_CM within its last moments on the back."""
        if len(self._on_back) < 2:
            return False
        last = self._on_back[-1][1]
        return max(p for _, p in self._on_back) - last >= DROP_MIN_CM

    def _gone_state(self) -> BallState:
        return BallState.LOST if self._dropped else BallState.UNSEEN

    def _spot(self, t: float, position: float) -> float:
        if self._spot_anchor is None or abs(position - self._spot_anchor) > SPOT_RADIUS_CM:
            self._spot_anchor, self._spot_since = position, t
            self._spots += 1
        elif self._spot_since is None:
            self._spot_since = t
        return t - self._spot_since

    def watch(self, geometry: BodyGeometry, t: float) -> None:
        """The body on a frame the ball is not coached on (and on every coached one): where
        lying hips rest before a ball is found under them (LYING_LOOKBACK_S)."""
        if geometry.posture is BodyPosture.LYING:
            self._lying.append((t, float(geometry.mid_hip[1])))
        while self._lying and t - self._lying[0][0] > LYING_LOOKBACK_S:
            self._lying.popleft()

    def _rest_before(self, floor_y: float, px_per_cm: float) -> float | None:
        """The least steady hip height (cm over ``floor_y``) of the lying look-back, or None."""
        best = None
        window: deque[tuple[float, float]] = deque()
        for t, hip_y in self._lying:
            smooth, steady = _slide(window, t, (floor_y - hip_y) / px_per_cm, HIP_STEADY_CM)
            if steady:
                best = smooth if best is None else min(best, smooth)
        return best

    def _reset_pressure(self) -> None:
        self._pressure_recent.clear()
        self._pressure_start = None
        self._pressure_t0 = None
        self._pressure_surface = None
        self._floor = None

    def _pressure(self, pose: Pose, geometry: BodyGeometry, surface: Surface,
                  t: float) -> float | None:
        """The proxy's rise over the least it has been on this placement, None until
        PRESSURE_BASELINE_S of it were seen."""
        if surface is not self._pressure_surface:  # from the wall to the floor: a new start
            self._reset_pressure()
            self._pressure_surface = surface
        if surface is Surface.WALL:
            value: float | None = _trunk_lean_deg(geometry)
        else:
            if self._floor is None:
                floor_y = _floor_y_px(pose)
                if floor_y is not None:
                    self._floor = (floor_y, geometry.px_per_cm)
                    rest = self._rest_before(*self._floor)
                    if rest is not None:  # judged at once: the start was seen at rest
                        self._pressure_start = rest
                        self._pressure_t0 = t - PRESSURE_BASELINE_S
            value = None if self._floor is None else (
                (self._floor[0] - float(geometry.mid_hip[1])) / self._floor[1])
        if value is None:
            return None
        if self._pressure_t0 is None:
            self._pressure_t0 = t
        smooth, steady = _slide(self._pressure_recent, t, value,
                                LEAN_STEADY_DEG if surface is Surface.WALL else HIP_STEADY_CM)
        if steady and (self._pressure_start is None or smooth < self._pressure_start):
            self._pressure_start = smooth
        if t - self._pressure_t0 < PRESSURE_BASELINE_S or self._pressure_start is None:
            return None
        return smooth - self._pressure_start


def _slide(window: deque[tuple[float, float]], t: float, value: float,
           span: float) -> tuple[float, bool]:
    """Adds ``(t, value)`` to a running window of PRESSURE_SMOOTH_S; returns its median and
    whether it is steady: (nearly) full, so the first frames alone are not, and spanning at
    most ``span``."""
    window.append((t, value))
    while t - window[0][0] > PRESSURE_SMOOTH_S:
        window.popleft()
    values = [v for _, v in window]
    steady = (t - window[0][0] >= 0.8 * PRESSURE_SMOOTH_S
              and max(values) - min(values) <= span)
    return float(np.median(values)), steady


def _contact_checks(fraction: float | None, speed: float | None, hold_s: float | None,
                    spot_s: float | None, pressure: float | None, placing: float | None,
                    surface: Surface) -> tuple[Check, ...]:
    """The checks that apply while the ball is on the back; a None value is not judged."""
    wall = surface is Surface.WALL
    margin = LEAN_MARGIN_DEG if wall else HIP_LIFT_MARGIN_CM
    clear = margin - (LEAN_CLEAR_BAND_DEG if wall else HIP_CLEAR_BAND_CM)
    return (
        Check(CUE_LUMBAR, fraction, LOWER_BACK_LIMIT_FRACTION,
              LOWER_BACK_LIMIT_FRACTION + ZONE_CLEAR_MARGIN,
              higher_is_worse=False, source="T12, lowest ribs"),
        Check(CUE_NECK, fraction, NECK_LIMIT_FRACTION, NECK_LIMIT_FRACTION - ZONE_CLEAR_MARGIN,
              source="T1, top of the thoracic spine"),
        Check(CUE_FAST, speed, FAST_CM_S, FAST_CLEAR_CM_S, unit=" cm/s"),
        Check(CUE_PRESSURE, pressure, margin, clear,
              unit="°" if surface is Surface.WALL else " cm", source="your start"),
        Check(CUE_HOLD, hold_s, HOLD_CUE_S, HOLD_CUE_S - 0.5, unit=" s"),
        Check(CUE_MOVE_ON, spot_s, SPOT_MAX_S, SPOT_MAX_S - 1.0, unit=" s"),
        Check(CUE_BESIDE_SPINE, placing, 0.5, 0.5),
    )


def _trunk_lean_deg(geometry: BodyGeometry) -> float:
    """How far the trunk leans from upright (hip → shoulder from vertical, °). Unsigned: with
    a ball pinned at the back, the trunk can only lean back into the wall (leaning forward
    lets the ball drop), and which way the person faces is the pose model's weakest call."""
    return angle_from_vertical_deg(geometry.mid_hip, geometry.mid_shoulder)


def _floor_y_px(pose: Pose) -> float | None:
    """The floor line under someone lying: the lowest foot landmark seen (image row, px), or
    None when no foot is seen."""
    feet = [L.LEFT_HEEL, L.RIGHT_HEEL, L.LEFT_FOOT_INDEX, L.RIGHT_FOOT_INDEX]
    seen = pose.visibility[feet] >= 0.5
    if not seen.any():
        return None
    floor_y = float(pose.xy[feet][seen, 1].max())
    return floor_y if math.isfinite(floor_y) else None


def _unseen_check(value: float) -> Check:
    return Check(CUE_UNSEEN, value, 0.5, 0.5, source="docs/coaching.md §4")


def _back_on_checks() -> tuple[Check, ...]:
    """The ball is on the back: neither dropped nor out of sight."""
    return (Check(CUE_LOST, 0.0, 0.5, 0.5), _unseen_check(0.0))
