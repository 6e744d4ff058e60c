"""Tennis / massage ball detection.

When the body says where the back is (:attr:`BodyHint.back_normal`), the ball is the most
ball-like spot of the band behind the trunk, whatever its colour
(:mod:`posecoach.props.ball_spot`). Otherwise (no body, a front view) a colour mask is
searched and a circle fitted to the visible arc (:mod:`posecoach.props.circlefit`): the ball
is pressed between the upper back and a wall, or lies under the back on the floor, so half
of it is usually hidden, and the circle must have the size a ball has at the body's scale.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterator
from dataclasses import dataclass

import cv2
import numpy as np

from posecoach.props.ball_acquire import WEAK_SPOT_CONTRAST, WeakSpotEvidence, body_point
from posecoach.props.ball_spot import FULL_CONTRAST, TRACK_FREE_RADII, Spot, find_spot
from posecoach.props.circlefit import CircleFit, circles_in_mask
from posecoach.props.colour import BallColorModel
from posecoach.props.geometry import band_box
from posecoach.props.hints import BodyHint
from posecoach.props.methods import BallMethod
from posecoach.props.schedule import SearchCadence, window_around
from posecoach.props.tracking import CircleSmoother

logger = logging.getLogger(__name__)

BALL_RADIUS_CM = 3.3  # a tennis ball is 6.5–6.9 cm across (docs/coaching.md §4)
RADIUS_RANGE = (0.6, 1.6)  # accepted radius ÷ expected: scale error, other ball sizes
SEARCH_FRACTIONS = (-0.3, 1.5)  # along hip → shoulder; the ball sits at ~0.5–1.1
SEARCH_OFFSET_CM = 32.0  # either side of the axis: half torso depth (~12 cm) + ball + slack
MIN_CONFIDENCE = 0.3
# Tracking window half-size in ball radii: at 15 fps a brisk 30 cm/s roll moves the ball
# 2 cm (0.6 radius) per frame; 5 radii also leave room for its circle to fit whole.
TRACK_WINDOW_RADII = 5.0
#: The spot search's window around a tracked ball, half-size in ball radii: the same brisk
#: roll moves it 0.6 radius a frame, and spots beyond TRACK_FREE_RADII (2) pay a penalty
#: anyway (posecoach.props.ball_spot); the ring around each centre reaches 2 radii further.
SPOT_WINDOW_RADII = 3.0
_NO_HINT_RADIUS_PX = (6.0, 80.0)  # no scale known: a ball farther than ~4 m is ignored
_COARSE_WINDOWS = 3  # ball-coloured blobs examined at full resolution after the body band
#: Least contrast (CIELAB ΔE, see :mod:`posecoach.props.ball_spot`) of a spot taken for the
#: ball: a just noticeable colour difference is ~2–3 ΔE, and webcam noise in a dim room
#: reaches a few ΔE more after the blur, so a spot must stand well clear of that.
MIN_SPOT_CONTRAST = 15.0
#: A tracked ball keeps its track on less (hysteresis): a spot within the track's free reach
#: (TRACK_FREE_RADII of posecoach.props.ball_spot) of where the ball was a moment ago needs
#: only this contrast, still ~3 just noticeable differences above the webcam noise. On the dev
#: floor clips a pinned ball the colour of the shirt read 10–15 ΔE for seconds at a time after
#: it had been found at 15–22, and the track's loss was told as "The ball dropped".
KEEP_SPOT_CONTRAST = 10.0
#: A tracked ball does not jump: even a brisk 30 cm/s roll moves it ~1 cm between frames at
#: 30 fps, so a spot this many radii (≈ 10 cm) from the track is another thing until it is
#: seen there again on JUMP_CONFIRM_FRAMES frames in a row (a ball dropped and placed again
#: takes far longer than that).
JUMP_RADII = 3.0
JUMP_CONFIRM_FRAMES = 3


@dataclass(frozen=True)
class BallDetection:
    """A ball seen in one frame.

    Attributes:
        center_px: (2,) float (x, y) centre of the whole ball (hidden part included), pixels.
        radius_px: float radius in pixels.
        confidence: in [0, 1].
        method: how it was found (:class:`BallMethod`; a name is accepted and converted).
    """

    center_px: np.ndarray
    radius_px: float
    confidence: float
    method: BallMethod

    def __post_init__(self) -> None:
        center = np.asarray(self.center_px, dtype=np.float64)
        if center.shape != (2,):
            raise ValueError(f"BallDetection.center_px must be (2,), got {center.shape}")
        if not self.radius_px > 0:
            raise ValueError(f"BallDetection.radius_px must be > 0, got {self.radius_px}")
        if not 0 <= self.confidence <= 1:
            raise ValueError(f"BallDetection.confidence must be in [0, 1], got {self.confidence}")
        object.__setattr__(self, "method", BallMethod(self.method))
        object.__setattr__(self, "center_px", center)


def _check_frame(frame_bgr: np.ndarray) -> None:
    if frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3 or frame_bgr.dtype != np.uint8:
        raise ValueError(f"frame_bgr must be (H, W, 3) uint8, got {frame_bgr.shape} "
                         f"{frame_bgr.dtype}")


def _clean(mask: np.ndarray, r_exp: float) -> np.ndarray:
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    k = max(3, int(round(r_exp * 0.35)) | 1)  # bridge the seam and specular spots
    return cv2.morphologyEx(mask, cv2.MORPH_CLOSE,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))


def _score(fit: CircleFit, r_exp: float | None, prior: tuple[np.ndarray, float] | None,
           offset: np.ndarray) -> float:
    score = fit.quality
    if r_exp is not None:  # log-normal prior on the radius around the body's scale
        score *= math.exp(-math.log(fit.radius / r_exp) ** 2 / (2 * 0.3 ** 2))
    if prior is not None:
        d = float(np.hypot(*(fit.center + offset - prior[0])))
        score *= 0.7 + 0.3 * math.exp(-(d / (3.0 * prior[1])) ** 2)
    return score


def hue_modes(hue: np.ndarray, min_pixels: float, smooth: int = 5) -> list[tuple[int, int]]:
    """Split the hues of a colour mask at the valleys of their histogram.

    A ball touching a shirt, a wall or a mat of a similar hue merges with it in the colour
    mask and no round blob is left; their hues still differ by a few units (a fluorescent
    felt ball vs a dyed cotton shirt in the same light), which shows as two peaks.

    Args:
        hue: (n,) uint8 OpenCV hues (0–180) of the mask's pixels.
        min_pixels: least pixels for a peak to count (e.g. a fraction of the ball's area).
        smooth: width of the box filter over the 180 one-unit bins.

    Returns:
        [lo, hi] hue intervals (inclusive), one per peak, when there are two or more;
        otherwise [] (nothing to split).
    """
    hist = np.bincount(hue.ravel().astype(np.int64), minlength=180)[:180].astype(np.float64)
    hist = np.convolve(hist, np.ones(smooth) / smooth, mode="same")
    peaks = [h for h in range(1, 179) if hist[h] >= hist[h - 1] and hist[h] > hist[h + 1]
             and hist[h] * smooth >= min_pixels]
    if len(peaks) < 2:
        return []
    cuts = [int(a + np.argmin(hist[a:b + 1])) for a, b in zip(peaks, peaks[1:], strict=False)]
    bounds = [0, *cuts, 179]
    return [(bounds[k] + (k > 0), bounds[k + 1]) for k in range(len(peaks))]


def _fits(mask: np.ndarray, r_range: tuple[float, float], r_exp: float | None,
          prior: tuple[np.ndarray, float] | None, offset: np.ndarray
          ) -> tuple[CircleFit, float] | None:
    fits = circles_in_mask(_clean(mask, r_exp or r_range[0] * 2), *r_range, r_expected=r_exp)
    if not fits:
        return None
    return max(((f, _score(f, r_exp, prior, offset)) for f in fits), key=lambda fs: fs[1])


def _search(frame_bgr: np.ndarray, box: tuple[int, int, int, int], model: BallColorModel,
            r_range: tuple[float, float], r_exp: float | None,
            prior: tuple[np.ndarray, float] | None, split: bool = False
            ) -> tuple[CircleFit, np.ndarray, float] | None:
    """Best circle of the colour mask in ``box``; with ``split`` (a box near the body, where
    the ball touches clothing) also of the mask's hue modes when nothing round is found."""
    x0, y0, x1, y1 = box
    hsv = cv2.cvtColor(frame_bgr[y0:y1, x0:x1], cv2.COLOR_BGR2HSV)
    raw = model.mask(hsv)
    offset = np.array([x0, y0], dtype=np.float64)
    best = _fits(raw, r_range, r_exp, prior, offset)
    if not split or (best is not None and best[1] >= MIN_CONFIDENCE):
        return None if best is None else (best[0], offset, best[1])
    # Nothing round: the ball may be merged with a neighbour of similar hue (hue_modes).
    hue = hsv[..., 0]
    for lo, hi in hue_modes(hue[raw > 0], 0.3 * math.pi * r_range[0] ** 2):
        part = np.where((hue >= lo) & (hue <= hi), raw, 0).astype(np.uint8)
        found = _fits(part, r_range, r_exp, prior, offset)
        if found is not None and (best is None or found[1] > best[1]):
            best = found
    return None if best is None else (best[0], offset, best[1])


def _coarse_windows(frame_bgr: np.ndarray, model: BallColorModel,
                    r_range: tuple[float, float]) -> list[tuple[int, int, int, int]]:
    """Full-resolution windows around the ball-coloured blobs of the whole frame, found at
    half width and height (a quarter of the pixels): the last resort when neither the
    track nor the body band holds the ball (a hint that is off, nobody in view) no longer
    scans the whole frame at full resolution. At most _COARSE_WINDOWS, largest blobs first;
    each reaches the largest radius beyond its blob so the whole circle fits inside."""
    h, w = frame_bgr.shape[:2]
    small = cv2.resize(frame_bgr, (max(w // 2, 1), max(h // 2, 1)),
                       interpolation=cv2.INTER_AREA)
    mask = model.mask(cv2.cvtColor(small, cv2.COLOR_BGR2HSV))
    count, _, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    min_area = 0.2 * math.pi * (r_range[0] / 2) ** 2
    blobs = sorted((row for row in stats[1:count] if row[cv2.CC_STAT_AREA] >= min_area),
                   key=lambda row: -int(row[cv2.CC_STAT_AREA]))[:_COARSE_WINDOWS]
    pad = int(math.ceil(r_range[1])) + 2
    windows = []
    for x, y, bw, bh, _ in blobs:
        x0, y0 = max(2 * int(x) - pad, 0), max(2 * int(y) - pad, 0)
        x1, y1 = min(2 * int(x + bw) + pad, w), min(2 * int(y + bh) + pad, h)
        if x1 - x0 >= 2 and y1 - y0 >= 2:
            windows.append((x0, y0, x1, y1))
    return windows


def spot_detection(frame_bgr: np.ndarray, hint: BodyHint,
                   prior: tuple[np.ndarray, float] | None = None,
                   window: tuple[int, int, int, int] | None = None,
                   keep_contrast: float = KEEP_SPOT_CONTRAST
                   ) -> tuple[BallDetection | None, Spot | None]:
    """:func:`detect_ball` behind a back whose side is known (``hint.back_normal``), with the
    best spot of its first search however weak: (the detection or None, that spot or None).
    The tracker that holds no ball reads the weak spot for its faint-ball evidence
    (:mod:`posecoach.props.ball_acquire`) instead of searching the band a second time."""
    assert hint.back_normal is not None
    least = MIN_SPOT_CONTRAST if prior is None else min(keep_contrast, MIN_SPOT_CONTRAST)
    best = find_spot(frame_bgr, hint, hint.back_normal, None if prior is None else prior[0],
                     least, window)
    if best is None or best.contrast < least:
        return None, best
    spot = best
    if spot.contrast < MIN_SPOT_CONTRAST and prior is not None:
        reach = TRACK_FREE_RADII * max(prior[1], 1.0)
        if float(np.hypot(*(spot.center_px - prior[0]))) > reach:
            return None, best  # weak and away from the track: not the tracked ball
        # Weak where the ball was: unless the ball has moved on to a spot that stands out
        # anywhere in the band (a faint mark left behind must not hold the track).
        strong = find_spot(frame_bgr, hint, hint.back_normal, None, MIN_SPOT_CONTRAST)
        if strong is not None and strong.contrast >= MIN_SPOT_CONTRAST and float(
                np.hypot(*(strong.center_px - spot.center_px))) > reach:
            spot = strong
    return BallDetection(spot.center_px, spot.radius_px, spot.confidence, BallMethod.SPOT), best


def detect_ball(frame_bgr: np.ndarray, hint: BodyHint | None,
                model: BallColorModel | None = None,
                prior: tuple[np.ndarray, float] | None = None,
                window: tuple[int, int, int, int] | None = None,
                keep_contrast: float = KEEP_SPOT_CONTRAST) -> BallDetection | None:
    """Find the ball in one frame.

    With a hint that knows the back side, the most ball-like spot behind the back
    (:func:`posecoach.props.ball_spot.find_spot`, any colour; ``model`` is not used), at
    MIN_SPOT_CONTRAST, or ``keep_contrast`` near ``prior`` (a tracked ball).
    Otherwise by colour: a window around ``prior`` first, then a band around the hip →
    shoulder axis, then windows around the ball-coloured blobs of the whole frame (found at
    half resolution).

    Args:
        frame_bgr: (H, W, 3) uint8 BGR image.
        hint: where the trunk is and the image scale, or None (whole frame, radius 6–80 px).
        model: the ball's colour; default fluorescent yellow.
        prior: ((2,) centre, radius) in pixels from the previous frame, or None.
        window: (x0, y0, x1, y1) frame pixels to look behind the back in, or None (the
            whole band; see :class:`BallTracker`). The colour search ignores it.
        keep_contrast: the least contrast (ΔE) of a spot near ``prior`` that keeps the track:
            KEEP_SPOT_CONTRAST, or less for a ball taken on evidence over time
            (:mod:`posecoach.props.ball_acquire`).

    Returns:
        The best detection with confidence >= MIN_CONFIDENCE, or None.

    Raises:
        ValueError: the frame is not (H, W, 3) uint8.
    """
    _check_frame(frame_bgr)
    if hint is not None and hint.back_normal is not None:
        return spot_detection(frame_bgr, hint, prior, window, keep_contrast)[0]
    model = model or BallColorModel.default()
    h, w = frame_bgr.shape[:2]
    boxes: list[tuple[int, int, int, int]] = []  # near_body: split hue modes there
    near_body: set[int] = set()
    if prior is not None:  # tracking: a small window first (cheap; see TRACK_WINDOW_RADII)
        (px, py), pr = prior[0], TRACK_WINDOW_RADII * max(prior[1], 1.0)
        x0, y0 = max(int(px - pr), 0), max(int(py - pr), 0)
        x1, y1 = min(int(px + pr) + 1, w), min(int(py + pr) + 1, h)
        if x1 - x0 >= 2 and y1 - y0 >= 2:
            boxes.append((x0, y0, x1, y1))
    if hint is not None:
        r_exp: float | None = BALL_RADIUS_CM * hint.px_per_cm
        r_range = (RADIUS_RANGE[0] * r_exp, RADIUS_RANGE[1] * r_exp)
        off = SEARCH_OFFSET_CM * hint.px_per_cm
        band = band_box(hint.hip_px, hint.shoulder_px, SEARCH_FRACTIONS, (-off, off),
                        image_shape=frame_bgr.shape)
        if band is not None:
            near_body.add(len(boxes))
            boxes.append(band)
    else:
        r_exp, r_range = None, _NO_HINT_RADIUS_PX

    def searches() -> Iterator[tuple[tuple[int, int, int, int], bool]]:
        for i, box in enumerate(boxes):
            yield box, i in near_body or (prior is not None and i == 0)
        # The last resort, reached only when the track and the band failed.
        for box in _coarse_windows(frame_bgr, model, r_range):
            yield box, False

    for box, split in searches():
        found = _search(frame_bgr, box, model, r_range, r_exp, prior, split=split)
        if found is None:
            continue
        fit, offset, score = found
        if score >= MIN_CONFIDENCE:
            return BallDetection(fit.center + offset, fit.radius, min(1.0, score),
                                 BallMethod.COLOUR)
        logger.debug("ball candidate r=%.1f rejected, score %.2f", fit.radius, score)
    return None


class BallTracker:
    """Ball detection over time: smoothing, a confidence and "lost" after misses.

    Args:
        model: the ball's colour, for frames whose hint does not know the back side (the
            spot search behind the back needs no colour); default fluorescent yellow. See
            :meth:`calibrate`.
        max_misses: frames without a detection during which the last position is held
            (method "hold", fading confidence) before the ball counts as lost, >= 0.
        time_constant_s: smoothing of centre and radius, seconds, >= 0.
        full_every: while tracked, one search of the whole band per this many frames, >= 1.

    A detection far from the track (JUMP_RADII) is held back until it is confirmed
    (JUMP_CONFIRM_FRAMES); meanwhile the last position is held.

    A ball too faint for one frame (a dark ball a few pixels across in dim light) is taken
    when its spot recurs at one place relative to the back over a short window
    (:mod:`posecoach.props.ball_acquire`); such a track keeps on spots down to
    WEAK_SPOT_CONTRAST near it, and ends when most of the window's searches miss it, or
    becomes an ordinary track once it stands out (MIN_SPOT_CONTRAST).

    While the ball is tracked, most frames look behind the back only within
    SPOT_WINDOW_RADII of it (:class:`~posecoach.props.schedule.SearchCadence`); every
    ``full_every``-th frame, every frame a jump waits for confirmation, and any frame whose
    local look finds nothing search the whole band.

    Raises:
        ValueError: a parameter is out of range.
    """

    def __init__(self, model: BallColorModel | None = None, max_misses: int = 5,
                 time_constant_s: float = 0.08, full_every: int = 8) -> None:
        if max_misses < 0:
            raise ValueError(f"max_misses must be >= 0, got {max_misses}")
        self.model = model or BallColorModel.default()
        self.max_misses = max_misses
        self._smoother = CircleSmoother(time_constant_s)
        self.cadence = SearchCadence(full_every)
        self._evidence = WeakSpotEvidence()
        #: The window looked in on the last frame (None: the whole band), for tests.
        self.last_window: tuple[int, int, int, int] | None = None
        self.reset()

    def reset(self) -> None:
        """Forget the track (keeps the colour model)."""
        self._smoother.reset()
        self._last: BallDetection | None = None
        self._misses = 0
        self._jump: tuple[np.ndarray, int] | None = None  # (where, frames seen there)
        self._weak = False  # the track was taken on evidence over time, not one frame
        self._evidence.reset()
        self.cadence.reset()

    @property
    def pending(self) -> bool:
        """No ball is tracked, but a faint spot was found behind the back lately: searching
        on every frame gathers the evidence sooner (:mod:`posecoach.props.ball_acquire`)."""
        return self._last is None and self._evidence.pending

    @property
    def lost(self) -> bool:
        """True when there is no current track."""
        return self._last is None

    def calibrate(self, frame_bgr: np.ndarray, center_px: np.ndarray | None = None,
                  radius_px: float | None = None) -> BallColorModel:
        """Learn the ball's colour from a circle around it (default: the current track).

        Raises:
            ValueError: no circle was given and nothing is tracked.
        """
        if center_px is None or radius_px is None:
            if self._last is None:
                raise ValueError("calibrate needs center_px and radius_px: no ball tracked")
            center_px, radius_px = self._last.center_px, self._last.radius_px
        self.model = BallColorModel.from_circle(frame_bgr, center_px, radius_px)
        logger.info("ball colour calibrated: %s", self.model)
        return self.model

    def update(self, frame_bgr: np.ndarray, hint: BodyHint | None,
               t_s: float, faint_fractions: tuple[float, float] | None = (-math.inf, math.inf)
               ) -> BallDetection | None:
        """Detect in one frame at time ``t_s`` (s); None once the ball is lost.

        ``faint_fractions``: where along mid-hip → mid-shoulder (0 hips, 1 shoulders) a ball
        too faint for one frame may be taken on evidence over time (default: anywhere in the
        band), or None: nowhere (something else ball-like may be behind the back, e.g. a
        roller's end)."""
        prior = None if self._last is None else (self._last.center_px, self._last.radius_px)
        window = None
        if hint is not None and hint.back_normal is not None:
            tracked = self._last is not None and self._misses == 0 and self._jump is None
            if self.cadence.local(tracked) and prior is not None:
                window = window_around(prior[0], SPOT_WINDOW_RADII * max(prior[1], 1.0),
                                       frame_bgr.shape)
        self.last_window = window
        keep = WEAK_SPOT_CONTRAST if self._weak else KEEP_SPOT_CONTRAST
        first_spot: Spot | None = None  # with no ball tracked: the best spot, however weak
        if prior is None and hint is not None and hint.back_normal is not None:
            found, first_spot = spot_detection(frame_bgr, hint, None, None, keep)
        else:
            found = detect_ball(frame_bgr, hint, self.model, prior, window, keep)
            if found is None and window is not None:  # not where it was: look everywhere now
                self.cadence.missed_locally()
                self.last_window = None
                found = detect_ball(frame_bgr, hint, self.model, prior, None, keep)
        if hint is not None and hint.back_normal is not None:
            if self._last is None:
                if found is None and faint_fractions is not None:
                    found = self._acquire(frame_bgr, hint, t_s, faint_fractions, first_spot)
                elif found is None:
                    self._evidence.reset()
            elif self._weak and self._upkeep(found, hint, t_s):
                self.reset()
                return None
        if found is not None and self._jumped(found):
            found = None
        if found is None:
            if self._last is None:
                return None  # nothing tracked, nothing to hold; the faint spots' evidence stays
            self._misses += 1
            if self._misses > self.max_misses:
                self.reset()
                return None
            fade = 1.0 - self._misses / (self.max_misses + 1)
            return BallDetection(self._last.center_px, self._last.radius_px,
                                 self._last.confidence * fade, BallMethod.HOLD)
        self._misses = 0
        self._jump = None
        center, radius = self._smoother.update(found.center_px, found.radius_px, t_s)
        self._last = BallDetection(center, radius, found.confidence, found.method)
        return self._last

    def _acquire(self, frame_bgr: np.ndarray, hint: BodyHint, t_s: float,
                 fractions: tuple[float, float], first_spot: Spot | None
                 ) -> BallDetection | None:
        """No ball tracked and none stands out: the weakest spot still worth keeping (between
        ``fractions`` along the trunk), taken for the ball once its place recurs
        (:class:`WeakSpotEvidence`). ``first_spot``: the best spot of this frame's search at
        MIN_SPOT_CONTRAST."""
        assert hint.back_normal is not None
        spot = None
        if first_spot is not None and first_spot.contrast >= WEAK_SPOT_CONTRAST:
            # Searched again at the weak contrast, which checks the size of more spots. Under
            # it, that search finds nothing better: it only rejects more spots, and tries the
            # merged-ball reading on fewer (measured: the same tracks on the dev ball clips),
            # so a band with no spot of 6 ΔE is searched once (most frames of an unseen ball).
            spot = find_spot(frame_bgr, hint, hint.back_normal, None, WEAK_SPOT_CONTRAST)
        point = None
        if spot is not None and spot.contrast >= WEAK_SPOT_CONTRAST:
            point = body_point(spot.center_px, hint)
            along = point[0] * hint.px_per_cm / hint.trunk_length_px
            if not fractions[0] <= along <= fractions[1]:
                point = None
        self._evidence.observe(t_s, point)
        if spot is None or point is None or not self._evidence.recurs(point):
            return None
        logger.debug("faint ball taken on recurrence at %s cm (%.1f ΔE)", point, spot.contrast)
        self._weak = True
        return BallDetection(spot.center_px, spot.radius_px, spot.confidence, BallMethod.SPOT)

    def _upkeep(self, found: BallDetection | None, hint: BodyHint, t_s: float) -> bool:
        """A track taken on evidence: True when it should end (most searches miss it)."""
        if found is not None and found.confidence * FULL_CONTRAST >= MIN_SPOT_CONTRAST:
            self._weak = False  # it stands out now: an ordinary track
            self._evidence.reset()
            return False
        seen = found is not None and found.method.seen
        self._evidence.observe(t_s, body_point(found.center_px, hint) if seen else None)
        return self._evidence.fading()

    def _jumped(self, found: BallDetection) -> bool:
        """True while ``found`` is a jump away from the track that is not yet confirmed."""
        if self._last is None:
            return False
        far = JUMP_RADII * max(self._last.radius_px, 1.0)
        if float(np.hypot(*(found.center_px - self._last.center_px))) <= far:
            self._jump = None
            return False
        if self._jump is not None and float(
                np.hypot(*(found.center_px - self._jump[0]))) <= far / 2:
            self._jump = (found.center_px, self._jump[1] + 1)
        else:
            self._jump = (found.center_px, 1)
        return self._jump[1] < JUMP_CONFIRM_FRAMES
