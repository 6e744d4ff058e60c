"""A colour-agnostic ball finder: the small, even disc that differs from all around it.

A ball pressed between the back and a wall (or the floor) is a few pixels across at webcam
scale: 2–7 px in radius at 320×240–640×480 and 2–3 m. Its colour is anyone's (yellow, green,
pink, red, white, blue felt or rubber), and a hue table fails on every ball it was not made
for and on every shirt that shares its hue. What every ball shares is its shape at the body's
scale: an even patch the size of a ball whose colour differs from the surroundings on (almost)
every side: the back on one side, the wall or floor on the other, the gap above and below.

For each point of a band behind the trunk (where the body says a ball can be) the detector
compares the blurred colour at the point with the colour one ring away (:data:`RING_RADII`
ball radii) in :data:`DIRECTIONS` directions, in CIELAB (distances there follow perceived
colour difference, whatever the hue). The second smallest of those differences is the
contrast: a ball keeps it high all around, an edge between two regions (the back's outline)
has half its directions at zero, and one direction may meet a region of the ball's own colour
(a hand, hair, a shirt of the same colour). The ball is pressed against the back, so the ring
points toward the body (:data:`BODY_SIDE_DEG` either side of the direction to the back) may
all fall on the shirt, which can be the ball's own colour: where no spot stands out all
around, a spot still counts when it differs in EVERY direction away from the back (the wall
or floor beyond it, the gap on either side), which a convex corner of the back's outline
does not. A point where three regions meet also differs from
each of them; its window is not even, so the colour spread inside the window is subtracted
(:data:`EVENNESS_WEIGHT`). The work is done at a resolution where the ball is
:data:`WORK_RADIUS_PX` pixels, so the cost is bounded whatever the camera's resolution.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import cv2
import numpy as np

from posecoach.props.hints import BodyHint

#: The neck is a small even patch of skin between the shirt, the hair and the wall: no ball
#: centre within this distance (cm) of the mid-shoulder → mid-ear line, i.e. about half the
#: neck's depth (~6 cm) plus the blur window: with the body side left out of the ring
#: (BODY_SIDE_DEG) the neck's own back surface reads as a spot. A ball at the neck sits
#: behind it: half the neck's depth plus the ball's radius (3.3 cm, docs/coaching.md §4),
#: ~9 cm from that line.
NECK_CLEAR_CM = 7.0
#: Where the ball's centre can be, along mid-hip → mid-shoulder (0 hips, 1 shoulders): from
#: the lower back (a ball rolled too low is a fault to cue, so it must be found there) to the
#: neck (the other fault), which sits above the shoulder line. docs/coaching.md §4.
BAND_FRACTIONS = (0.1, 1.5)
#: ... and not above the ear along the trunk: the cervical spine ends at the skull base, which
#: lies at about the ear's level (the mastoid process sits just behind the ear,
#: docs/coaching.md §4), so a spot higher up is the back of the head (hair against the wall),
#: not a ball on the neck. On the dev ball clips the true centre stayed ≥ 1.5 cm below it.
ABOVE_EAR_CM = 0.0
#: ... and behind the hip → shoulder line, toward the back (cm): the landmarks lie near the
#: middle of the trunk's depth, the back is about half a chest depth (~10 cm) behind, plus the
#: ball's radius (3.3 cm, docs/coaching.md §4); lying on the floor the chest sits higher on
#: the ball. The limits leave room for landmark error.
BAND_BACK_CM = (3.0, 24.0)
#: The radius looked for, as a share of the nominal ball at the body's scale: a ball pressed
#: into the back shows less than its whole disc, and the window must stay inside the ball.
RADIUS_SHARE = 0.85
#: Distance of the ring of comparison points from the centre, in ball radii: beyond the ball's
#: edge blurred by the window (BLUR_RADII), so a ring point is the surroundings, not the ball.
RING_RADII = 2.0
#: Gaussian window for a point's colour, in ball radii: well inside the ball.
BLUR_RADII = 0.3
DIRECTIONS = 8
#: Ring directions within this angle (degrees) of the direction from the ball to the back are
#: not compared: a ball touching a flat back at RING_RADII radii sees the back within
#: acos(1 / RING_RADII) = 60° either side, plus slack for a curved back and landmark error.
BODY_SIDE_DEG = 75.0
#: Lying on the floor, the ring points away from the back hold two surfaces, not one: the
#: floor (or mat) the ball is pressed into, straight beyond it, and the gap between the back
#: and the floor on either side, where a camera near floor level sees the room behind. Ring
#: directions within this angle (degrees) of straight away from the back are the floor; the
#: rest of the away directions are the gap. (At a wall the gap shows the same wall.)
FLOOR_BEYOND_DEG = 60.0
#: Weight of the colour spread inside the window against the contrast (both ΔE units).
EVENNESS_WEIGHT = 2.0
#: The search runs at a resolution where the ball has this radius (px): enough for a ring of
#: 8 distinct points; larger balls are searched on a downsampled crop.
WORK_RADIUS_PX = 3.0
#: Contrast (ΔE, after the evenness penalty) at which a spot counts as fully certain.
FULL_CONTRAST = 40.0
#: The tracked ball moves slowly (docs/coaching.md §4: ≤ 10 cm/s when worked well; at 15 fps
#: well under a radius a frame): a spot farther than this many radii from the last one pays
#: TRACK_PENALTY ΔE per further radius, so an equal spot elsewhere does not steal the track.
TRACK_FREE_RADII = 2.0
#: A ball is small: at SIZE_CHECK × its radius the same point keeps less than SIZE_KEEP of its
#: contrast (the window then straddles the ball and its surroundings, and the ring lies far
#: out), while a larger even blob (the end of a roller, a fist, the head) keeps it.
SIZE_CHECK = 1.8
SIZE_KEEP = 0.75
#: Local maxima of the contrast checked for being a blend of their surroundings
#: (:func:`unmixed`); the best survivor is the ball.
CANDIDATES = 6
TRACK_PENALTY = 2.0
_CHANNEL_SUM = np.ones((1, 3), np.float32)


@dataclass(frozen=True)
class Spot:
    """The best ball-like spot of a band.

    Attributes:
        center_px: (2,) float (x, y) in the frame's pixels.
        radius_px: the nominal ball radius at the body's scale, pixels.
        contrast: its contrast after the evenness penalty, ΔE (CIELAB units).
    """

    center_px: np.ndarray
    radius_px: float
    contrast: float

    @property
    def confidence(self) -> float:
        """Contrast mapped to [0, 1]."""
        return float(min(1.0, max(0.0, self.contrast / FULL_CONTRAST)))


def spot_contrast(bgr: np.ndarray, radius_px: float,
                  body_dir: np.ndarray | None = None) -> np.ndarray:
    """(H, W) float32 contrast of every pixel of ``bgr`` as the centre of a ball of radius
    ``radius_px`` (in the image's own pixels): the second smallest CIELAB difference to the
    ring points, minus EVENNESS_WEIGHT × the colour spread in the window.

    ``body_dir``: (2,) unit vector from the ball toward the back, or None. With it, the
    smallest difference to the ring points more than BODY_SIDE_DEG from it counts when it is
    larger (a ball of the shirt's colour touches the back on that side).

    Raises:
        ValueError: the image is not (H, W, 3) uint8, the radius is not > 0 or body_dir is
            not a finite (2,) vector of unit length.
    """
    around, _, away = _contrast(bgr, radius_px, body_dir)
    return around if away is None else np.maximum(around, away)


def _ring_offsets(radius_px: float) -> list[tuple[int, int]]:
    rho = RING_RADII * radius_px
    return [(int(round(rho * math.cos(2.0 * math.pi * k / DIRECTIONS))),
             int(round(rho * math.sin(2.0 * math.pi * k / DIRECTIONS))))
            for k in range(DIRECTIONS)]


def _away_from_body(body_dir: np.ndarray | None) -> list[int]:
    """Indices of the ring directions compared: all, or those more than BODY_SIDE_DEG from
    ``body_dir``."""
    if body_dir is None:
        return list(range(DIRECTIONS))
    body = np.asarray(body_dir, dtype=np.float64)
    if body.shape != (2,) or not np.all(np.isfinite(body)) or abs(np.hypot(*body) - 1) > 1e-3:
        raise ValueError(f"body_dir must be a (2,) unit vector, got {body_dir!r}")
    limit = math.cos(math.radians(BODY_SIDE_DEG))
    return [k for k in range(DIRECTIONS)
            if math.cos(2.0 * math.pi * k / DIRECTIONS) * body[0]
            + math.sin(2.0 * math.pi * k / DIRECTIONS) * body[1] < limit]


def _contrast(bgr: np.ndarray, radius_px: float, body_dir: np.ndarray | None = None,
              lying: bool = False) -> tuple[np.ndarray, np.ndarray, np.ndarray | None]:
    """The contrast all around (the second smallest difference to every ring point, minus
    the evenness penalty), the blurred (H, W, 3) Lab image, and with ``body_dir`` the
    contrast away from the body (the smallest difference to the ring points away from it,
    minus the same penalty; None without ``body_dir``). :func:`spot_contrast` is the larger.
    ``lying``: the ball is on the floor, whose ring points away from the back are two
    surfaces (FLOOR_BEYOND_DEG).

    Raises:
        ValueError: the image is not (H, W, 3) uint8, the radius is not > 0 or body_dir is
            not a unit vector.
    """
    if bgr.ndim != 3 or bgr.shape[2] != 3 or bgr.dtype != np.uint8:
        raise ValueError(f"bgr must be (H, W, 3) uint8, got {bgr.shape} {bgr.dtype}")
    if not radius_px > 0:
        raise ValueError(f"radius_px must be > 0, got {radius_px}")
    away = _away_from_body(body_dir)
    lab = cv2.cvtColor(bgr, cv2.COLOR_BGR2LAB).astype(np.float32)
    sigma = max(BLUR_RADII * radius_px, 0.6)
    mean = cv2.GaussianBlur(lab, (0, 0), sigma)
    square = cv2.GaussianBlur(lab * lab, (0, 0), sigma)
    # Channel sums with cv2.transform and the second smallest kept as a running pair:
    # the same values as numpy's sum over the last axis and a partition, ~4× faster.
    spread = cv2.sqrt(np.maximum(cv2.transform(square - mean * mean, _CHANNEL_SUM), 0.0))
    h, w = mean.shape[:2]
    pad = int(math.ceil(RING_RADII * radius_px)) + 1
    padded = cv2.copyMakeBorder(mean, pad, pad, pad, pad, cv2.BORDER_REPLICATE)
    first = second = np.full((h, w), np.inf, dtype=np.float32)
    nearest_away = np.full((h, w), np.inf, dtype=np.float32)
    rings = []
    for k, (dx, dy) in enumerate(_ring_offsets(radius_px)):
        ring = padded[pad + dy:pad + dy + h, pad + dx:pad + dx + w]
        step = mean - ring
        diff = cv2.sqrt(cv2.transform(step * step, _CHANNEL_SUM)).reshape(h, w)
        second = np.minimum(second, np.maximum(first, diff))
        first = np.minimum(first, diff)
        if k in away:
            rings.append(ring)
            nearest_away = np.minimum(nearest_away, diff)
    penalty = EVENNESS_WEIGHT * spread.reshape(h, w)
    around = second - penalty  # all around but one direction
    if len(away) == DIRECTIONS:
        return around, mean, None
    # A ball the shirt's colour: it must differ in EVERY direction away from the back (the
    # wall or floor beyond it, the gap either side). One direction may not match, or a convex
    # corner of the back's outline (the top of the shoulder) would pass. And what lies away
    # from the back must be one surface: where two regions meet beside a third (a corner of
    # furniture against two walls) the ring points away from it disagree among themselves.
    # On the floor, two surfaces (FLOOR_BEYOND_DEG): each must be one surface in itself.
    groups = _surfaces(away, body_dir, lying)
    disagree = np.zeros((h, w), dtype=np.float32)
    for group in groups:
        members = [rings[away.index(k)] for k in group]
        surround = sum(members) / len(members)
        for ring in members:
            disagree = np.maximum(disagree, np.sqrt(((ring - surround) ** 2).sum(axis=2)))
    return around, mean, nearest_away - disagree - penalty


def _surfaces(away: list[int], body_dir: np.ndarray | None, lying: bool) -> list[list[int]]:
    """The ring directions of ``away`` grouped by the surface they should fall on: one group
    at a wall; lying on the floor, those within FLOOR_BEYOND_DEG of straight away from the
    body (the floor) and the rest (the gap), each group kept only when it is not empty."""
    if not lying or body_dir is None:
        return [away]
    body_dir = np.asarray(body_dir, dtype=np.float64)
    limit = math.cos(math.radians(180.0 - FLOOR_BEYOND_DEG))
    beyond = [k for k in away if math.cos(2.0 * math.pi * k / DIRECTIONS) * body_dir[0]
              + math.sin(2.0 * math.pi * k / DIRECTIONS) * body_dir[1] <= limit]
    gap = [k for k in away if k not in beyond]
    return [group for group in (beyond, gap) if group]


def unmixed(lab: np.ndarray, x: int, y: int, radius_px: float,
            body_dir: np.ndarray | None = None) -> float:
    """How far (ΔE) the window colour at (x, y) of a blurred Lab image lies from every
    blend of two of its ring colours (the segment between them in CIELAB); with
    ``body_dir`` (see :func:`spot_contrast`), of the ring points away from the body.

    Where three regions meet (the back's outline at the trousers, an elbow against the
    shirt and the wall) the window holds a blend of its neighbours and differs from each of
    them, like a ball; a ball's own colour is not such a blend of the two sides it touches.
    """
    h, w = lab.shape[:2]
    centre = lab[y, x].astype(np.float64)
    offsets = _ring_offsets(radius_px)
    ring = np.array([lab[min(max(y + offsets[k][1], 0), h - 1),
                         min(max(x + offsets[k][0], 0), w - 1)]
                     for k in _away_from_body(body_dir)], dtype=np.float64)
    a = ring[:, None, :]
    ab = ring[None, :, :] - a
    length2 = np.maximum((ab ** 2).sum(axis=2), 1e-9)
    t = np.clip(((centre - a) * ab).sum(axis=2) / length2, 0.0, 1.0)
    nearest = a + t[..., None] * ab
    return float(np.sqrt(((centre - nearest) ** 2).sum(axis=2)).min())


def _band_corners(hint: BodyHint, back: np.ndarray) -> np.ndarray:
    axis = hint.shoulder_px - hint.hip_px
    return np.array([hint.hip_px + f * axis + o * hint.px_per_cm * back
                     for f in BAND_FRACTIONS for o in BAND_BACK_CM])


def find_spot(frame_bgr: np.ndarray, hint: BodyHint, back_normal: np.ndarray,
              prior_px: np.ndarray | None = None, min_contrast: float = 0.0,
              window: tuple[int, int, int, int] | None = None) -> Spot | None:
    """The most ball-like spot behind the trunk, however weak (the caller judges it).

    Args:
        frame_bgr: (H, W, 3) uint8 BGR image.
        hint: the trunk and the image scale.
        back_normal: (2,) unit vector from the hip → shoulder line toward the back (away
            from the face): the wall or the floor.
        prior_px: (2,) the tracked ball's last centre, or None.
        min_contrast: spots weaker than this are not checked for their size (the caller
            rejects them anyway; the check costs a little per spot).
        window: (x0, y0, x1, y1) frame pixels (x1, y1 exclusive): only centres in it are
            considered (a tracked ball's neighbourhood, posecoach.props.schedule), or None.

    Returns:
        The best spot, or None when the band lies outside the frame.

    Raises:
        ValueError: back_normal is not a finite (2,) vector of unit length.
    """
    back = np.asarray(back_normal, dtype=np.float64)
    if back.shape != (2,) or not np.all(np.isfinite(back)) or abs(np.hypot(*back) - 1) > 1e-3:
        raise ValueError(f"back_normal must be a (2,) unit vector, got {back_normal!r}")
    nominal = 3.3 * hint.px_per_cm  # BALL_RADIUS_CM of posecoach.props.ball
    radius = RADIUS_SHARE * nominal
    scale = min(1.0, WORK_RADIUS_PX / radius)  # downsample large balls
    corners = _band_corners(hint, back)
    pad = (RING_RADII + 3 * BLUR_RADII) * radius + 2
    h, w = frame_bgr.shape[:2]
    x0, y0 = (max(int(math.floor(v - pad)), 0) for v in corners.min(axis=0))
    x1 = min(int(math.ceil(corners[:, 0].max() + pad)) + 1, w)
    y1 = min(int(math.ceil(corners[:, 1].max() + pad)) + 1, h)
    if window is not None:  # the ring around a centre in the window reaches pad beyond it
        x0, y0 = max(x0, int(window[0] - pad)), max(y0, int(window[1] - pad))
        x1, y1 = min(x1, int(math.ceil(window[2] + pad))), min(y1, int(math.ceil(window[3] + pad)))
    if x1 - x0 < 4 or y1 - y0 < 4:
        return None
    crop = frame_bgr[y0:y1, x0:x1]
    if scale < 1.0:
        size = (max(int(round((x1 - x0) * scale)), 4), max(int(round((y1 - y0) * scale)), 4))
        crop = cv2.resize(crop, size, interpolation=cv2.INTER_AREA)
    sx, sy = crop.shape[1] / (x1 - x0), crop.shape[0] / (y1 - y0)
    body = -back  # from the ball toward the back: the shirt may be the ball's colour
    around, lab, away = _contrast(crop, radius * scale, body, hint.lying)
    # Back to frame pixels at the centres of the work pixels.
    xs = x0 + (np.arange(crop.shape[1]) + 0.5) / sx - 0.5
    ys = y0 + (np.arange(crop.shape[0]) + 0.5) / sy - 0.5
    gx, gy = np.meshgrid(xs, ys)
    rx, ry = gx - hint.hip_px[0], gy - hint.hip_px[1]
    axis = hint.shoulder_px - hint.hip_px
    fraction = (rx * axis[0] + ry * axis[1]) / float(axis @ axis)
    behind_cm = (rx * back[0] + ry * back[1]) / hint.px_per_cm
    inside = ((fraction >= BAND_FRACTIONS[0]) & (fraction <= BAND_FRACTIONS[1])
              & (behind_cm >= BAND_BACK_CM[0]) & (behind_cm <= BAND_BACK_CM[1]))
    if window is not None:
        inside &= ((gx >= window[0]) & (gx < window[2]) & (gy >= window[1])
                   & (gy < window[3]))
    if hint.head_px is not None:  # not the neck itself: skin between shirt, hair and wall
        inside &= _distance_to_segment(gx, gy, hint.shoulder_px, hint.head_px) >= (
            NECK_CLEAR_CM * hint.px_per_cm)
        # nor the back of the head: nothing above the ear along the trunk
        unit = axis / math.sqrt(float(axis @ axis))
        ear = float((hint.head_px - hint.hip_px) @ unit)
        inside &= (rx * unit[0] + ry * unit[1]) <= ear + ABOVE_EAR_CM * hint.px_per_cm
    if not inside.any():
        return None
    penalty = 0.0
    if prior_px is not None:
        far = np.hypot(gx - prior_px[0], gy - prior_px[1]) / nominal - TRACK_FREE_RADII
        penalty = TRACK_PENALTY * np.maximum(far, 0.0)
    # Spots the contrast all around takes are judged as such. Only where none passes, a spot
    # it does not take may be a ball merged with the back, judged by the ring points away
    # from the back alone (near a ball that stands out all around, the rim of that ball
    # would read stronger that way).
    scores = {False: np.where(inside, around - penalty, -np.inf)}
    best = _best_spot(scores[False], False, lab, crop, radius * scale, body, min_contrast,
                      hint.lying)
    if away is not None and (best is None or best[0] < min_contrast):
        scores[True] = np.where(inside & (around < min_contrast), away - penalty, -np.inf)
        fallback = _best_spot(scores[True], True, lab, crop, radius * scale, body,
                              min_contrast, hint.lying)
        if fallback is not None and (best is None or fallback[0] > best[0]):
            best = fallback
    if best is None:
        return None
    value, ix, iy, merged = best
    cx, cy = _refine(scores[merged], ix, iy)
    center = np.array([x0 + (cx + 0.5) / sx - 0.5, y0 + (cy + 0.5) / sy - 0.5])
    return Spot(center, nominal, value)


def _best_spot(score: np.ndarray, merged: bool, lab: np.ndarray, crop: np.ndarray,
               radius_px: float, body: np.ndarray, min_contrast: float, lying: bool = False
               ) -> tuple[float, int, int, bool] | None:
    """(value, x, y, merged) of the best of the CANDIDATES highest local maxima of ``score``
    that is not a blend (:func:`unmixed`) nor larger than a ball, or None. A merged spot is
    judged by the ring points away from the body (``body``) alone (``lying``: see
    :func:`_contrast`)."""
    best: tuple[float, int, int, bool] | None = None
    side = body if merged else None
    for iy, ix in _peaks(score, CANDIDATES):  # highest first; a value never exceeds its score
        own = float(score[iy, ix])
        if best is not None and own <= best[0]:
            break
        value = min(own, unmixed(lab, ix, iy, radius_px, side))
        if best is not None and value <= best[0]:
            continue
        if value >= min_contrast and _contrast_at(
                crop, ix, iy, SIZE_CHECK * radius_px, side, lying) >= SIZE_KEEP * own:
            continue  # larger than a ball
        best = (value, ix, iy, merged)
    return best


def _distance_to_segment(gx: np.ndarray, gy: np.ndarray, a: np.ndarray, b: np.ndarray
                         ) -> np.ndarray:
    """Distance (px) of grid points from the segment a–b."""
    ab = b - a
    length2 = max(float(ab @ ab), 1e-9)
    t = np.clip(((gx - a[0]) * ab[0] + (gy - a[1]) * ab[1]) / length2, 0.0, 1.0)
    return np.hypot(gx - (a[0] + t * ab[0]), gy - (a[1] + t * ab[1]))


def _contrast_at(bgr: np.ndarray, x: int, y: int, radius_px: float,
                 body_dir: np.ndarray | None = None, lying: bool = False) -> float:
    """The contrast all around (with ``body_dir``: away from the body; ``lying``: see
    :func:`_contrast`) at the one point (x, y), from a window around it."""
    half = int(math.ceil((RING_RADII + 3 * BLUR_RADII) * radius_px)) + 2
    h, w = bgr.shape[:2]
    x0, y0 = max(x - half, 0), max(y - half, 0)
    window = bgr[y0:min(y + half + 1, h), x0:min(x + half + 1, w)]
    around, _, away = _contrast(window, radius_px, body_dir, lying)
    return float((around if away is None else away)[y - y0, x - x0])


def _peaks(score: np.ndarray, count: int) -> list[tuple[int, int]]:
    """(row, col) of up to ``count`` local maxima of ``score``, highest first."""
    finite = np.isfinite(score)
    if not finite.any():
        return []
    filled = np.where(finite, score, np.float32(-1e9)).astype(np.float32)
    local = (filled >= cv2.dilate(filled, np.ones((3, 3), np.uint8))) & finite
    rows, cols = np.nonzero(local)
    order = np.argsort(-filled[rows, cols])[:count]
    return [(int(rows[i]), int(cols[i])) for i in order]


def _refine(score: np.ndarray, ix: int, iy: int) -> tuple[float, float]:
    """Sub-pixel peak: a parabola through the peak and its neighbours on each axis."""
    def offset(a: float, b: float, c: float) -> float:
        if not (math.isfinite(a) and math.isfinite(c)):
            return 0.0
        den = a - 2 * b + c
        return 0.0 if den >= 0 else float(np.clip(0.5 * (a - c) / den, -0.5, 0.5))
    h, w = score.shape
    b = float(score[iy, ix])
    dx = offset(float(score[iy, ix - 1]), b, float(score[iy, ix + 1])) if 0 < ix < w - 1 else 0.0
    dy = offset(float(score[iy - 1, ix]), b, float(score[iy + 1, ix])) if 0 < iy < h - 1 else 0.0
    return ix + dx, iy + dy
