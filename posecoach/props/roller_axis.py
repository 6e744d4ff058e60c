"""Where the roller touches the back, from its axis rather than its visible end cap.

The roller lies across the spine. In a pure side view its axis points at the camera, the end
cap the detector finds IS its cross-section, and the contact is the cap's point facing the
spine. With the camera turned 20–30° off the side view the axis shows as a slanted line, and
the near cap the camera sees is half a roller length (15–45 cm for 30–90 cm rollers) away
from the body: taking the cap for the cross-section moves the contact along the spine by
up to ``L/2 · sin(azimuth)``, ~10–20 cm, e.g. from the upper back into the neck band.

The roller's cross-section under the back lies in the body's mid-sagittal plane, on the
back-surface line (the hip → shoulder joint line moved BACK_DEPTH_CM toward the floor)
moved one more radius floorward (the roller's axis sits one radius below the back it
touches). Both that line and the roller axis are straight in 3D and meet there, so their
images meet at the image of that point: the contact is where the roller's image axis (the
long direction of its colour silhouette, through the cap centre) crosses the line
``BACK_DEPTH_CM + radius`` below the spine line, moved one radius back toward the spine.

The axis direction comes from the silhouette's floor-side edge (the body hides the top of
the roller near the back, which tilts the silhouette's principal direction). When the axis
crosses that line flatly the floor line from the feet (the roller's middle rests on it) is
added as a second line.

A silhouette too short for an axis (a roller seen nearly end-on, or mostly hidden by the body)
still leans the way the roller does: its rougher direction gives the crossing when that is
precise enough (the contact then claims no more than the end cap would). Otherwise, with no
long direction, the roller is seen end-on and the cap is right, unless the short silhouette
still runs along the spine line (an end of a roller seen obliquely from near the floor).
When the crossing's along-spine uncertainty is large (the axis nearly parallel to the
spine in the image: a camera near the floor) or it lands outside the silhouette, the
middle of the silhouette's run is taken instead, when that run is a whole roller (long
enough, its middle at the axis height under the trunk). Otherwise, or when no direction
can be had while the cap sits well below where an end-on roller's would, the contact is
unknown (None): a guess from the cap would be a confident wrong zone.

Known limits: the side of a grey or black roller is not separable by colour from a pale
wall or dark clothing next to it; with the near end toward the hips the image axis runs
nearly along the rising trunk, and the contact is then often unknown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from posecoach.props.colour import RollerColorModel
from posecoach.props.geometry import floorward_normal
from posecoach.props.hints import BodyHint

BACK_DEPTH_CM = 10.0  # shoulder/hip joint line to the back surface, lying (as props.roller)
#: Farthest the near cap can be from the roller's middle: half a 90 cm roller plus margin.
MAX_HALF_LENGTH_CM = 50.0
#: sqrt of the silhouette's major/minor second-moment ratio above which it has an axis.
#: An end-on disc is 1.0; a cap with the top of its body showing above it (a camera
#: looking down on a side view) reaches ~1.5, and so short a silhouette gives no reliable
#: direction: seen nearly end-on the cap is right anyway.
MIN_ELONGATION = 1.6
#: Least angle between the image axis and the spine line for a usable crossing: at 10° a
#: 2 cm error in the back depth moves the crossing ~11 cm along the spine.
MIN_CROSSING_DEG = 12.0
#: Below this crossing angle with the spine line the floor line is used as well.
FLOOR_HELP_DEG = 20.0
#: How well the two lines' heights are known, cm: the back depth of an adult lying (the
#: joint line to the back surface, BACK_DEPTH_CM) varies by ~±2 cm, and heel / toe
#: landmarks sit 2–4 cm above the floor.
LINE_SIGMA_CM = 2.0
#: How well the silhouette's edge gives the axis direction, degrees (measured on drawn
#: rollers: 1–4° off).
DIRECTION_SIGMA_DEG = 3.0
#: How much of a silhouette's minor second moment its blur and the body hiding its top
#: disturb (see direction_sigma_deg): a few pixels of the edge of a roller 5–15 px across.
#: With it a silhouette 1.2 long gives its direction to ~23°, 1.5 to ~8°: the drawn end-on
#: rollers of the tests (tests/props/synth) leaned 20–34° off their axis at 1.13–1.23, and
#: on the dev split (issue 10) silhouettes 1.2–1.5 long were 7–9° off at the median.
SHORT_MOMENT_NOISE = 0.18
#: How far the fitted cap centre may lie from the roller's axis, in radii (a circle fitted to
#: the blurred arc of a disc 5–15 px across; props.roller, circlefit): the crossing starts
#: from it.
CENTRE_SIGMA_RADII = 0.2
#: Below this elongation a silhouette has no direction worth a crossing (a disc).
MIN_SHORT_ELONGATION = 1.2
#: The largest along-spine uncertainty accepted, cm: the zone borders' hysteresis
#: (exercises.roller ZONE_CLEAR_MARGIN) is ~2 cm, and issue 11 asks for ≤ 3 cm median.
MAX_SPREAD_CM = 4.0
#: With no usable axis, a cap whose centre sits more than this below the expected axis
#: height (BACK_DEPTH_CM + radius below the spine line) is taken for a near end seen
#: obliquely, not a cross-section: the contact is unknown. A camera looking down on a side
#: view drops the near end too (half the roller's length × the sine of its elevation:
#: 6–9 cm measured on the side-view renders of samples/synthetic), so the bound sits above
#: that; props.roller allows 15 cm for it (NEAR_END_DROP_CM).
END_ON_DROP_CM = 12.0
#: How far along the spine a contact taken from the end cap alone (a roller seen "end-on",
#: no axis in its silhouette) may lie from the true one, cm. The near end of a roller seen
#: az off the side view sits (L/2)·sin(az) along the spine from its middle; a silhouette
#: shows no axis (MIN_ELONGATION) up to about 10° off (the visible part of a 90 cm roller
#: then runs ~8 cm beside its 15 cm cap), where a common 60 cm roller's end is
#: 30 cm · sin 10° ≈ 5 cm from its middle. The zone checks do not judge a contact this
#: close to a zone border (exercises.roller: "can't tell" rather than a wrong zone).
END_ON_SIGMA_CM = 5.0
#: The same bound when the silhouette could not be separated at all: a 45 cm roller turned
#: 20° from a camera 12° up drops its near end ~4.5 cm, and nothing else tells it apart.
NO_SILHOUETTE_DROP_CM = 4.0
#: How far the middle of a whole-roller silhouette may sit from the height where the axis
#: passes under the spine (see _midpoint_contact), cm: twice the lines' uncertainty
#: (LINE_SIGMA_CM), as the silhouette's ends are blurred too.
MIDPOINT_HEIGHT_CM = 2.0 * LINE_SIGMA_CM
#: The least run of a whole-roller silhouette along its axis, in roller diameters: a roller
#: seen >= 15° off the side view (where the crossing gets flat) spans its diameter plus
#: L·sin(15°), >= 0.8 diameters more for a roller >= 45 cm long; a shorter run is the
#: cap with a part of the side, whose middle is not the roller's.
MIDPOINT_MIN_RUN = 1.8
#: A silhouette too short for an axis (MIN_ELONGATION) but this elongated within
#: SIDEWAYS_DEG of the spine line is not an end-on roller: seen end-on, any of the roller's
#: body that shows runs toward the back (a camera looking down), not along the spine; an
#: end disc alone measures ~1.0–1.2 (the 320×240 renders: ≤ 1.4 with the body above it).
SIDEWAYS_ELONGATION = 1.35
SIDEWAYS_DEG = 30.0
#: Where along hip → shoulder a roller's contact can be (props.roller SEARCH_FRACTIONS).
MIDPOINT_FRACTIONS = (-0.1, 1.5)
#: How far along the spine the true contact may lie from the middle of the silhouette's
#: run, cm. Not the blur of its two ends (LINE_SIGMA_CM each): the far half of a roller
#: lying under a back is partly hidden behind the body, or runs on into clothing of its
#: colour, and either moves the run's middle. Measured against the true spine line on the
#: dev split (issue 10, 335 frames of 4 clips): 4.2 cm median, 7.7 cm at the 90th
#: percentile off, where the axis crossing was 2.0 / 4.2 and the end cap 3.3 / 6.5; so the
#: middle is known no better than the end cap (END_ON_SIGMA_CM).
MIDPOINT_SIGMA_CM = END_ON_SIGMA_CM
#: The band search (band_axis): the side of the roller two radii wide, its edges sampled
#: BAND_EDGE_IN and BAND_EDGE_OUT radii from the axis (inside and outside the ±1 radius
#: silhouette line, clear of a blurred rim), over the first BAND_LENGTH_CM of the roller
#: from its near cap (the part beside the body, not under it), every BAND_STEP_DEG.
BAND_EDGE_IN = 0.6
BAND_EDGE_OUT = 1.4
BAND_LENGTH_CM = 20.0
BAND_STEP_DEG = 3.0
#: Least colour step (CIELAB ΔE) across both band edges: webcam noise and JPEG blocks on a
#: plain floor measure a few units; a roller edge against the floor or a wall, even a dark
#: roller on a dark mat, is well above it.
BAND_MIN_STEP = 8.0
#: Least run of the band, in roller diameters: a roller turned enough from the side view for
#: the crossing to matter shows its side over at least about a diameter (L/2 · sin 15° for
#: a 45 cm roller is ~6 cm, plus the cap), while a blob of clothing at the hips has no band.
BAND_MIN_RUN = 1.0
OPEN_RADII = 0.5  # opening disc diameter ÷ the cap radius (see _silhouette)
#: The silhouette's spread across its long direction, ÷ the cap radius: a disc has 0.5, a
#: band two radii wide 0.58; more is a blob the roller has merged with (a same-coloured
#: mat, wall or clothing), whose direction says nothing about the axis.
MAX_ACROSS_SPREAD = 0.8
MIN_HALF_RES_RADIUS_PX = 12.0
_MIN_PIXELS_PER_AREA = 0.5  # a silhouette smaller than half a cap disc gives no direction
#: The colour model is learned from the end cap; the cylinder's side, turned away from the
#: light, is the same surface in another shade. Under a change of light a surface's Lab
#: a*, b* scale roughly with its L*, so the side is found by chromaticity, (a*, b*) ÷ L*,
#: within this of the cap's, and a lightness within SIDE_L_RANGE × the cap's.
SAME_SURFACE_CHROMATICITY = 0.15
SIDE_L_RANGE = (0.4, 1.6)


def _chromaticity(lab: np.ndarray) -> np.ndarray:
    lab = np.asarray(lab, dtype=np.float32)
    return (lab[..., 1:] - np.float32(128.0)) / np.maximum(lab[..., :1], np.float32(12.0))


def side_mask(lab: np.ndarray, model: RollerColorModel) -> np.ndarray:
    """(H, W) uint8 mask of pixels of an (H, W, 3) Lab image that look like the roller's
    surface in any shade (its cap colour model's mean, see SAME_SURFACE_CHROMATICITY)."""
    ref = _chromaticity(model.mean_lab)
    chroma = _chromaticity(lab) - ref
    gap = np.sqrt(chroma[..., 0] ** 2 + chroma[..., 1] ** 2)
    light = lab[..., 0].astype(np.float32)
    lo, hi = (f * float(model.mean_lab[0]) for f in SIDE_L_RANGE)
    ok = (gap <= SAME_SURFACE_CHROMATICITY) & (light >= lo) & (light <= hi + 10.0)
    return np.where(ok, 255, 0).astype(np.uint8)


@dataclass(frozen=True)
class RollerAxis:
    """The roller's long direction in the image.

    Attributes:
        direction: (2,) unit vector from the near cap toward the body (up the image).
        elongation: sqrt of the major / minor second moment of the silhouette (1 = disc).
        extent_px: how far the silhouette runs from the cap centre along ``direction``.
        back_px: how far it runs from the cap centre the other way (>= 0): the cap's own
            rounded end, or the rest of the roller when the "cap" found is its far end.
    """

    direction: np.ndarray
    elongation: float
    extent_px: float
    back_px: float = 0.0


@dataclass(frozen=True)
class ContactEstimate:
    """Where the roller touches the back, and how well that is known along the spine.

    Attributes:
        point: (2,) px.
        sigma_cm: how far along the spine the true contact may lie from ``point``, cm (the
            crossing's spread, or END_ON_SIGMA_CM for a contact from the end cap alone).
    """

    point: np.ndarray
    sigma_cm: float


def _silhouette(frame_bgr: np.ndarray, center_px: np.ndarray, radius_px: float,
                model: RollerColorModel, reach_px: float) -> tuple[np.ndarray, np.ndarray] | None:
    """(n, 2) float pixel positions of the roller-coloured blob holding the cap, and the
    window's corner; None when the blob is missing."""
    h, w = frame_bgr.shape[:2]
    cx, cy = float(center_px[0]), float(center_px[1])
    # Nothing of the roller lies much below its near cap (the near end is the lowest).
    x0, x1 = max(int(cx - reach_px), 0), min(int(cx + reach_px) + 1, w)
    y0, y1 = max(int(cy - reach_px), 0), min(int(cy + 1.5 * radius_px) + 1, h)
    if x1 - x0 < 6 or y1 - y0 < 6:
        return None
    # Half resolution once the cap is large enough: the axis needs no more, and this runs
    # on every frame the roller is seen.
    scale = 2 if radius_px >= MIN_HALF_RES_RADIUS_PX else 1
    window = frame_bgr[y0:y1, x0:x1]
    if scale > 1:
        window = cv2.resize(window, ((x1 - x0) // scale, (y1 - y0) // scale),
                            interpolation=cv2.INTER_AREA)
    r = radius_px / scale
    mask = side_mask(cv2.cvtColor(window, cv2.COLOR_BGR2LAB), model)
    # Small gaps (texture, a seam) closed, then opened with a disc of half a radius: the
    # cylinder, a band two radii wide, survives; thin strips of a similar colour touching it
    # (a mat's edge, the rim of a shadow) are cut off so they cannot tilt the axis.
    k = int(round(r * 0.15)) | 1
    if k >= 3:  # (a 3 px close of a small or half-size window bridges to the neighbours)
        mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE,
                                cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    k = max(3, int(round(r * OPEN_RADII)) | 1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    count, labels = cv2.connectedComponents(mask)
    if count < 2:
        return None
    # The blob covering most of the cap disc is the roller.
    scx, scy = (cx - x0) / scale, (cy - y0) / scale
    yy, xx = np.mgrid[0:mask.shape[0], 0:mask.shape[1]]
    disc = (xx - scx) ** 2 + (yy - scy) ** 2 <= (0.8 * r) ** 2
    votes = np.bincount(labels[disc], minlength=count)
    votes[0] = 0
    label = int(votes.argmax())
    if votes[label] < 0.2 * disc.sum():
        return None
    ys, xs = np.nonzero(labels == label)
    pts = np.column_stack([xs, ys]).astype(np.float64) * scale + (scale - 1) / 2
    return pts + np.array([x0, y0], float), np.array([x0, y0], float)


def _bottom_edge_direction(pts: np.ndarray, center: np.ndarray, radius_px: float,
                           direction: np.ndarray, up: np.ndarray) -> np.ndarray:
    """The silhouette's floor-side edge, a line parallel to the axis (the tangent of the
    cylinder's side). The body hides the top of the roller near the back, which tilts the
    whole silhouette's principal direction; the floor side stays in view."""
    for _ in range(2):
        side = np.array([-direction[1], direction[0]])
        if side @ up > 0:
            side = -side  # floorward, across the axis
        along = (pts - center) @ direction
        across = (pts - center) @ side
        bins = np.floor(along / max(0.5 * radius_px, 1.0)).astype(int)
        keep = along > 0.5 * radius_px  # past the cap's rounded end
        if keep.sum() < 8:
            return direction
        edge = []
        for b in np.unique(bins[keep]):
            sel = np.nonzero(keep & (bins == b))[0]
            edge.append(pts[sel[np.argmax(across[sel])]])
        if len(edge) < 4:
            return direction
        vx, vy, _, _ = cv2.fitLine(np.asarray(edge, np.float32), cv2.DIST_HUBER, 0, 0.01,
                                   0.01).ravel()
        new = np.array([vx, vy], np.float64)
        direction = new if new @ direction >= 0 else -new
    return direction


def roller_axis(frame_bgr: np.ndarray, center_px: np.ndarray, radius_px: float,
                hint: BodyHint, model: RollerColorModel) -> RollerAxis | None:
    """The roller's image axis from its colour silhouette around the cap at ``center_px``.

    None when no blob of the roller's colour covers the cap or it is too small to give a
    direction.

    Raises:
        ValueError: radius_px is not > 0.
    """
    if not radius_px > 0:
        raise ValueError(f"radius_px must be > 0, got {radius_px}")
    found = _silhouette(frame_bgr, center_px, radius_px, model,
                        MAX_HALF_LENGTH_CM * hint.px_per_cm + 2 * radius_px)
    if found is None:
        return None
    pts, _ = found
    scale = 2 if radius_px >= MIN_HALF_RES_RADIUS_PX else 1
    if len(pts) * scale ** 2 < _MIN_PIXELS_PER_AREA * math.pi * radius_px ** 2:
        return None
    centred = pts - pts.mean(axis=0)
    evals, evecs = np.linalg.eigh(centred.T @ centred / len(pts))
    minor, major = max(float(evals[0]), 1e-9), float(evals[1])
    if math.sqrt(minor) > MAX_ACROSS_SPREAD * radius_px:
        return None
    direction = evecs[:, 1]
    up = -floorward_normal(hint.hip_px, hint.shoulder_px)
    if direction @ up < 0:  # from the near (lower) cap toward the body
        direction = -direction
    elongation = math.sqrt(major / minor)
    if elongation >= MIN_ELONGATION:
        direction = _bottom_edge_direction(pts, np.asarray(center_px, float), radius_px,
                                           direction, up)
    along = (pts - np.asarray(center_px, float)) @ direction
    return RollerAxis(direction, math.sqrt(major / minor), max(float(along.max()), 0.0),
                      max(-float(along.min()), 0.0))


def cap_contact(center_px: np.ndarray, radius_px: float, hint: BodyHint) -> np.ndarray:
    """The end cap's point facing the spine line (right for a roller seen end-on)."""
    up = -floorward_normal(hint.hip_px, hint.shoulder_px)
    return np.asarray(center_px, dtype=np.float64) + radius_px * up


def axis_contact(center_px: np.ndarray, radius_px: float, hint: BodyHint,
                 axis: RollerAxis | None) -> np.ndarray | None:
    """(2,) contact px from the cap and the image axis (module docstring), or None when
    it cannot be told."""
    found = axis_contact_estimate(center_px, radius_px, hint, axis)
    return None if found is None else found.point


def axis_contact_estimate(center_px: np.ndarray, radius_px: float, hint: BodyHint,
                          axis: RollerAxis | None) -> ContactEstimate | None:
    """:func:`axis_contact` with the contact's along-spine uncertainty."""
    center = np.asarray(center_px, dtype=np.float64)
    down = floorward_normal(hint.hip_px, hint.shoulder_px)
    # The roller axis's height below the spine line where it crosses the midline.
    target = BACK_DEPTH_CM * hint.px_per_cm + radius_px
    drop = float((center - hint.hip_px) @ down) - target  # > 0: cap below that height
    if axis is None or axis.elongation < MIN_ELONGATION:
        short = _short_crossing(center, radius_px, hint, axis, drop)
        if short is not None:
            return short
        # A short silhouette is a roller seen nearly end-on; none at all (merged with a
        # same-coloured wall, floor or clothing) tells nothing, so the cap must then sit
        # almost where an end-on roller's would.
        limit = END_ON_DROP_CM if axis is not None else NO_SILHOUETTE_DROP_CM
        if drop > limit * hint.px_per_cm:
            return None  # may be an oblique near end: not a cross-section
        if axis is not None and _runs_along_spine(axis, hint):
            return None  # an end of a roller seen from the side of the hips or the head
        return ContactEstimate(cap_contact(center, radius_px, hint), END_ON_SIGMA_CM)
    found = _crossing(center, radius_px, hint, axis, drop, DIRECTION_SIGMA_DEG)
    if found is None:
        return _midpoint_contact(center, radius_px, hint, axis)
    t, spread_cm = found
    if spread_cm > MAX_SPREAD_CM:
        return _midpoint_contact(center, radius_px, hint, axis)
    if t < -radius_px or t > axis.extent_px + 2 * radius_px:
        # The crossing lies off the visible roller: the axis is not trusted.
        return _midpoint_contact(center, radius_px, hint, axis)
    middle = center + min(max(t, 0.0), axis.extent_px) * axis.direction
    return ContactEstimate(middle - radius_px * down, spread_cm)


def _crossing(center: np.ndarray, radius_px: float, hint: BodyHint, axis: RollerAxis,
              drop: float, direction_sigma_deg: float) -> tuple[float, float] | None:
    """(t, spread): the distance in px from the cap (radius ``radius_px``) along the image
    axis to where it reaches the axis height below the spine line (``drop`` px below the
    cap), and that crossing's along-spine uncertainty in cm for a direction known to
    ``direction_sigma_deg``; None when the axis does not climb toward the spine steeply
    enough (MIN_CROSSING_DEG)."""
    down = floorward_normal(hint.hip_px, hint.shoulder_px)
    # The distance t from the cap along the image axis to the roller's middle: it reaches
    # the axis height below the spine line (``climb`` px toward the spine per px along the
    # axis). When the axis crosses that line too flatly, a second line helps: the middle
    # sits one radius above the floor line, which comes from the feet, themselves near the
    # body's midline (but a few cm above the floor, so it is only a fallback); least squares
    # over both, each counting by how steeply the axis crosses it.
    rows = [(-float(axis.direction @ down), drop)]
    steep = math.sin(math.radians(MIN_CROSSING_DEG))
    if rows[0][0] < math.sin(math.radians(FLOOR_HELP_DEG)) and hint.floor_y_px is not None:
        rows.append((-float(axis.direction[1]), float(center[1]) - (hint.floor_y_px - radius_px)))
    c = np.array([row[0] for row in rows])
    b = np.array([row[1] for row in rows])
    if float(np.hypot.reduce(c)) < steep or c[0] <= 0:
        return None
    t = float(c @ b / (c @ c))
    # Each line's height is known to about LINE_SIGMA_CM, which along the spine becomes
    # sigma · |axis · spine| / |c|; a direction error turns the crossing by about
    # t · error / |c|. A flat crossing magnifies both: then say "unknown".
    u = np.array([-down[1], down[0]])
    norm = float(np.hypot.reduce(c))
    spread_cm = math.hypot(LINE_SIGMA_CM * abs(float(axis.direction @ u)) / norm,
                           abs(t) * math.radians(direction_sigma_deg) / norm / hint.px_per_cm)
    # The crossing starts from the cap's centre: a circle fitted to the blurred arc of a
    # disc a few pixels across is off by a fraction of its radius across the axis, which
    # for an axis seen end-on is along the spine.
    across_cm = CENTRE_SIGMA_RADII * radius_px / hint.px_per_cm * abs(float(axis.direction @ down))
    return t, math.hypot(spread_cm, across_cm)


def direction_sigma_deg(elongation: float) -> float:
    """How well a silhouette of this elongation gives the roller's direction, degrees.

    The principal direction of a silhouette's second moments λ1 > λ2 (the orientation
    ½·atan2(2μ11, μ20 − μ02)) turns, to first order, by m / (λ1/λ2 − 1) radians when its
    off-diagonal moment is disturbed by m × λ2; λ1/λ2 is the elongation squared. A blurred,
    partly hidden silhouette of a roller a few pixels across is disturbed by
    SHORT_MOMENT_NOISE of its minor moment, so a short silhouette (a roller seen nearly
    end-on) gives its direction only roughly, a long one to DIRECTION_SIGMA_DEG.
    """
    ratio = elongation ** 2 - 1.0
    if ratio <= 0:
        return 90.0
    return max(DIRECTION_SIGMA_DEG, min(90.0, math.degrees(SHORT_MOMENT_NOISE / ratio)))


def _short_crossing(center: np.ndarray, radius_px: float, hint: BodyHint,
                    axis: RollerAxis | None, drop: float) -> ContactEstimate | None:
    """The crossing of a short silhouette's direction (a roller seen nearly end-on, whose
    side shows over less than MIN_ELONGATION), or None when that direction is too rough.

    Seen end-on from a camera above the floor the roller's axis runs up the image from the
    near cap to its middle under the spine, ``drop`` px higher; a camera turned off the side
    view tilts it, and the middle then lies drop · tan(tilt) along the spine from the cap
    (5–7 cm on four clips of the dev split, the silhouette 1.2–1.6 long and the roller's
    image axis 30–55° off the vertical). The cap's own contact assumes no tilt; the
    direction of even a short silhouette tells it, with the rougher direction_sigma_deg.
    The middle lies beyond the visible part (the body hides the rest), so t is not bounded
    by the silhouette's run.
    """
    if axis is None or axis.elongation < MIN_SHORT_ELONGATION:
        return None
    found = _crossing(center, radius_px, hint, axis, drop,
                      direction_sigma_deg(axis.elongation))
    if found is None:
        return None
    t, spread_cm = found
    if spread_cm > MAX_SPREAD_CM or t < -radius_px or t > MAX_HALF_LENGTH_CM * hint.px_per_cm:
        return None
    down = floorward_normal(hint.hip_px, hint.shoulder_px)
    # It claims no more than the end cap it replaces (END_ON_SIGMA_CM): on the dev split
    # such crossings were 3–5 cm off by clip (the axis line's height, which the pose and the
    # body's back depth set, is off by 2–3 cm there, and a steep short axis multiplies it).
    return ContactEstimate(center + max(t, 0.0) * axis.direction - radius_px * down,
                           max(spread_cm, END_ON_SIGMA_CM))


def _runs_along_spine(axis: RollerAxis, hint: BodyHint) -> bool:
    """A short silhouette that still runs along the spine line (SIDEWAYS_ELONGATION,
    SIDEWAYS_DEG): the roller is seen obliquely from a camera near the floor, so whichever
    end the cap is lies an unknown half roller length from the midline."""
    if axis.elongation < SIDEWAYS_ELONGATION:
        return False
    spine = hint.shoulder_px - hint.hip_px
    cos = abs(float(axis.direction @ spine)) / max(float(np.hypot(*spine)), 1e-9)
    return cos >= math.cos(math.radians(SIDEWAYS_DEG))


def _midpoint_contact(center: np.ndarray, radius_px: float, hint: BodyHint,
                      axis: RollerAxis) -> ContactEstimate | None:
    """The contact above the middle of the silhouette's run along its axis, or None.

    A camera near the floor shows the roller's axis nearly parallel to the spine line, so
    the crossing of :func:`axis_contact` is flat, but it also sees the whole roller under
    the back, both ends included: the roller's middle (under the spine) is then halfway
    between the silhouette's two ends, whichever end the cap found is. Trusted only when
    that middle sits where the axis must pass under the spine (BACK_DEPTH_CM + radius below
    the spine line, within MIDPOINT_HEIGHT_CM): a silhouette whose far end the body hides,
    or that runs on into something of the same colour, puts its middle elsewhere.
    """
    if (axis.elongation < MIN_ELONGATION
            or axis.extent_px + axis.back_px < MIDPOINT_MIN_RUN * 2.0 * radius_px):
        return None  # a part of the roller: its middle is not the roller's
    down = floorward_normal(hint.hip_px, hint.shoulder_px)
    middle = center + 0.5 * (axis.extent_px - axis.back_px) * axis.direction
    target = BACK_DEPTH_CM * hint.px_per_cm + radius_px
    drop = float((middle - hint.hip_px) @ down) - target
    if abs(drop) > MIDPOINT_HEIGHT_CM * hint.px_per_cm:
        return None
    contact = middle - radius_px * down
    # The roller lies under the trunk (as searched for, props.roller SEARCH_FRACTIONS): a
    # middle beyond the hips is a same-coloured blob (clothing on the legs), not a roller.
    spine = hint.shoulder_px - hint.hip_px
    fraction = float((contact - hint.hip_px) @ spine / (spine @ spine))
    if not MIDPOINT_FRACTIONS[0] <= fraction <= MIDPOINT_FRACTIONS[1]:
        return None
    return ContactEstimate(contact, MIDPOINT_SIGMA_CM)


def band_axis(frame_bgr: np.ndarray, center_px: np.ndarray, radius_px: float,
              hint: BodyHint) -> RollerAxis | None:
    """The roller's image axis from its two silhouette edges, whatever its colour.

    The side of a roller is a band two radii wide running from the cap along the axis; both
    of its edges (against the floor below and whatever is behind above) are contrast lines
    at ± one radius from the axis. Every direction from the cap toward the body side (the
    half-plane above the cap's horizontal, where the rest of the roller lies) is scored by
    the colour step across both edge lines (CIELAB distance between points BAND_EDGE_IN and
    BAND_EDGE_OUT radii from the axis, the weaker of the two edges) along the first
    BAND_LENGTH_CM of the band; the best direction wins when its step is at least
    BAND_MIN_STEP. Its run (``extent_px``) is how far both edges keep at least half that
    step. Used when the colour silhouette gives no usable axis: a patterned roller, a
    roller the colour of the clothes beside it. None when no direction has a band.
    """
    if not radius_px > 0:
        raise ValueError(f"radius_px must be > 0, got {radius_px}")
    s = hint.px_per_cm
    h, w = frame_bgr.shape[:2]
    cx, cy = float(center_px[0]), float(center_px[1])
    reach = BAND_LENGTH_CM * s + 3.0 * radius_px
    x0, x1 = max(int(cx - reach), 0), min(int(cx + reach) + 1, w)
    y0, y1 = max(int(cy - reach), 0), min(int(cy + 2.0 * radius_px) + 1, h)
    if x1 - x0 < 6 or y1 - y0 < 6:
        return None
    lab = cv2.cvtColor(cv2.GaussianBlur(frame_bgr[y0:y1, x0:x1], (3, 3), 0),
                       cv2.COLOR_BGR2LAB).astype(np.float32)
    up = -floorward_normal(hint.hip_px, hint.shoulder_px)
    across = np.array([up[1], -up[0]])
    angles = np.radians(np.arange(0.0, 180.0 + 1e-9, BAND_STEP_DEG))
    dirs = np.cos(angles)[:, None] * across + np.sin(angles)[:, None] * up  # (A, 2)
    normals = np.stack([-dirs[:, 1], dirs[:, 0]], axis=1)
    ts = np.arange(1.2 * radius_px, 1.2 * radius_px + BAND_LENGTH_CM * s,
                   max(1.0, 0.5 * radius_px))
    if len(ts) < 3:
        return None
    origin = np.array([cx - x0, cy - y0])
    along = origin + ts[None, :, None] * dirs[:, None, :]  # (A, T, 2)

    def colours(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        xi = np.round(points[..., 0]).astype(int)
        yi = np.round(points[..., 1]).astype(int)
        ok = (xi >= 0) & (xi < lab.shape[1]) & (yi >= 0) & (yi < lab.shape[0])
        return lab[np.clip(yi, 0, lab.shape[0] - 1), np.clip(xi, 0, lab.shape[1] - 1)], ok

    steps = []
    for side in (1.0, -1.0):
        inner, _ = colours(along + side * BAND_EDGE_IN * radius_px * normals[:, None, :])
        outer, ok = colours(along + side * BAND_EDGE_OUT * radius_px * normals[:, None, :])
        steps.append(np.linalg.norm(inner - outer, axis=2) * ok)
    # The floor-side edge stays in view all along; the other one only near the cap (the
    # body lies on the roller's top farther in), so it counts over the first half.
    floor_side = (normals @ up < 0)[:, None]
    bottom = np.where(floor_side, steps[0], steps[1])
    top = np.where(floor_side, steps[1], steps[0])
    half = max(2, len(ts) // 2)
    score = np.minimum(np.median(bottom, axis=1), np.median(top[:, :half], axis=1))
    best = int(np.argmax(score))
    if score[best] < BAND_MIN_STEP:
        return None
    edge = bottom
    run = 0.0
    for t, step in zip(ts, edge[best], strict=True):
        if step < 0.5 * score[best]:
            break
        run = float(t)
    return RollerAxis(dirs[best], math.inf, run, 0.0)


def roller_contact_estimate(frame_bgr: np.ndarray, center_px: np.ndarray, radius_px: float,
                            hint: BodyHint, model: RollerColorModel | None
                            ) -> ContactEstimate | None:
    """The contact of the roller whose cap is at ``center_px`` (see module docstring) and
    its along-spine uncertainty; with no colour model, the cap's own contact.

    When the colour silhouette gives no contact (a cap too low for an end-on roller whose
    side the colour does not find: a printed or two-tone cover, a roller the colour of the
    clothes beside it), the band of the roller's side (:func:`band_axis`) is looked for; a
    band running at least BAND_MIN_RUN diameters gives the axis (a contact only where its
    crossing lies on the band's run, else still unknown). A blob that is not a roller has
    no such band. An end-on silhouette is not overruled by a band: the dark gap between
    clothing and floor beside an end-on cap looks like one.
    """
    if model is None:
        return ContactEstimate(cap_contact(center_px, radius_px, hint), END_ON_SIGMA_CM)
    axis = roller_axis(frame_bgr, center_px, radius_px, hint, model)
    contact = axis_contact_estimate(center_px, radius_px, hint, axis)
    if contact is not None:
        return contact
    band = band_axis(frame_bgr, center_px, radius_px, hint)
    if band is None or band.extent_px < BAND_MIN_RUN * 2.0 * radius_px:
        return None
    return axis_contact_estimate(center_px, radius_px, hint, band)
