"""Foam roller detection under a person lying on it (side view).

Seen from the side the roller is usually end-on: a disc of radius ≈ 7.5 cm at the body's
scale, its top hidden by or pressed against the back. Four ways to place it, best first:

* ``"colour"``: a colour model (calibrated by the user with
  :meth:`RollerColorModel.from_region`, or learned automatically, below) gives a mask in the
  region under the trunk; a circle is fitted to the visible arc (:mod:`circlefit`).
* ``"shape"``: no model yet, or it stopped matching: the region under the trunk is split
  into colour clusters (k-means in Lab) and the cluster blob that is a disc of the right size
  in the right place wins; its colour becomes the model for the next frames.
* ``"gap"``: neither colour nor shape finds it (a roller the colour of the clothes): the
  run of the gap between the raised back and the floor that is not background
  (:mod:`roller_gap`); no outline, so its contact is less certain.
* ``"body_pivot"``: nothing visible: the contact is inferred from the trunk — the point of
  the back whose height above the floor is one roller diameter — or nothing at all when the
  trunk does not pin it down (no floor line, a level back).

Where it can be: under the back, resting on the floor. The floor line comes from the feet,
near the body's midline, while the visible end of the roller is nearer the camera: seen from
slightly above it shows lower than the feet (FLOOR_BELOW_CM), with its cylinder running up
from the end disc to the back (the circle fit lets the blob continue on that side). The head
(hair, its shadow) is never the roller (HEAD_CLEARANCE_CM). A colour learned from a wrong
blob is re-checked by the shape search at growing intervals.

Known limits: a roller the colour of the clothing or floor next to it, or a grey roller in an
over-exposed grey room, is not separable by colour (the gap search then finds a roller the
colour of the clothes, but not one the colour of the floor or wall behind it); a two-tone
end (ring round a hollow core) whose radius is under ~20 px and is 40 % hidden loses its
thin visible ring in cleaning; the end face and the side of a light roller in different
shades can make the circle ride up the side by up to half a radius.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

from posecoach.props.budget import BudgetedSearch, Steps
from posecoach.props.circlefit import CircleFit, blob_outlines, fit_blob
from posecoach.props.colour import RollerColorModel
from posecoach.props.geometry import axis_frame, band_box, floorward_normal, spine_coords
from posecoach.props.hints import BodyHint
from posecoach.props.methods import RollerMethod
from posecoach.props.roller_axis import (
    END_ON_SIGMA_CM,
    ContactEstimate,
    cap_contact,
    roller_contact_estimate,
)
from posecoach.props.roller_consensus import ContactConsensus
from posecoach.props.roller_gap import find_gap_run
from posecoach.props.schedule import HeldOffset, SearchCadence, intersect, window_around
from posecoach.props.tracking import CircleSmoother

logger = logging.getLogger(__name__)

ROLLER_RADIUS_CM = 7.5  # common foam rollers are ~15 cm across
RADIUS_RANGE = (0.6, 1.6)  # accepted radius ÷ expected (10–24 cm rollers, scale error)
BACK_DEPTH_CM = 10.0  # shoulder/hip joint line to the back surface, lying (adult, approx.)
# Along hip → shoulder: thoracic region ≈ 0.5–1.0; the neck (C7 ≈ 1.15) up to ≈ 1.45 must be
# searched too, whole, so that a roller there is seen and the coach can say so.
SEARCH_FRACTIONS = (-0.1, 1.5)
# The floor line of the hint comes from the heel / toe landmarks, which sit a few cm above
# the floor and near the body's midline. The roller end the camera sees is the NEAR end,
# 15–45 cm closer to a camera that looks slightly down, so it projects lower in the image
# (camera 0.5 m high at 2 m: ~5–6 cm per 20 cm nearer; more for a long roller or a higher
# camera). Its bottom may therefore lie up to ~FLOOR_BELOW_CM below that line, but never
# clearly above it (the roller rests on the floor).
FLOOR_BELOW_CM = 20.0
PIVOT_CONFIDENCE = 0.3  # a body-pivot guess never outranks a roller that is seen
NEAR_FLOOR_CM = 0.15 * ROLLER_RADIUS_CM  # first search: down to just below the feet line
NEAR_END_DROP_CM = 15.0  # the perspective part of FLOOR_BELOW_CM (no heel height)
HEAD_CLEARANCE_CM = 5.0  # the head is solid: a roller's centre is >= r + this from the ear
MIN_CONFIDENCE = 0.3
# Learning a colour from an unknown blob needs more than tracking a known one: a wrong
# colour is followed until the next re-check (a shadow band along the back, a mat fold).
MIN_SHAPE_CONFIDENCE = 0.5
_KMEANS_K = 8
_GOOD_SCORE = 0.5  # below this after single clusters, all pairs of clusters are tried
_SEED_SCORE = 0.2  # a cluster scoring this alone is tried in pairs even after a good one
_KMEANS_MAX_PIXELS = 6000
#: A tracked roller is looked for within this many radii of its last centre (see
#: RollerTracker): its end disc plus a radius and a half of its side, which is all the
#: circle fit uses; it moves a fraction of a radius between frames (5–15 cm/s,
#: docs/coaching.md §3).
TRACK_WINDOW_RADII = 3.0


@dataclass(frozen=True)
class RollerDetection:
    """Where the roller is in one frame.

    Attributes:
        center_px: (2,) float (x, y) centre of the roller's end disc, pixels.
        radius_px: float roller radius in pixels.
        contact_px: (2,) float point where the roller touches the back, pixels, or None
            when it cannot be told (an oblique roller whose axis is not seen:
            :mod:`posecoach.props.roller_axis`).
        confidence: in [0, 1]; body-pivot guesses stay <= 0.45.
        method: how it was found (:class:`RollerMethod`; a name is accepted and converted).
        contact_sigma_cm: how far along the spine the true contact may lie from
            ``contact_px``, cm, >= 0 (:class:`posecoach.props.roller_axis.ContactEstimate`).
    """

    center_px: np.ndarray
    radius_px: float
    contact_px: np.ndarray | None
    confidence: float
    method: RollerMethod
    contact_sigma_cm: float = END_ON_SIGMA_CM

    def __post_init__(self) -> None:
        for name in ("center_px", "contact_px"):
            if name == "contact_px" and self.contact_px is None:
                continue
            arr = np.asarray(getattr(self, name), dtype=np.float64)
            if arr.shape != (2,):
                raise ValueError(f"RollerDetection.{name} must be (2,), got {arr.shape}")
            object.__setattr__(self, name, arr)
        if not self.radius_px > 0:
            raise ValueError(f"RollerDetection.radius_px must be > 0, got {self.radius_px}")
        if not 0 <= self.confidence <= 1:
            raise ValueError(f"RollerDetection.confidence must be in [0, 1], "
                             f"got {self.confidence}")
        object.__setattr__(self, "method", RollerMethod(self.method))
        if not self.contact_sigma_cm >= 0:
            raise ValueError(f"RollerDetection.contact_sigma_cm must be >= 0, "
                             f"got {self.contact_sigma_cm}")


def _check_frame(frame_bgr: np.ndarray) -> None:
    if frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3 or frame_bgr.dtype != np.uint8:
        raise ValueError(f"frame_bgr must be (H, W, 3) uint8, got {frame_bgr.shape} "
                         f"{frame_bgr.dtype}")


def search_box(hint: BodyHint, image_shape: tuple[int, ...],
               below_floor_cm: float = FLOOR_BELOW_CM) -> tuple[int, int, int, int] | None:
    """(x0, y0, x1, y1) box under the trunk where the roller can be (x1, y1 exclusive),
    reaching ``below_floor_cm`` below the hint's floor line."""
    s = hint.px_per_cm
    n = floorward_normal(hint.hip_px, hint.shoulder_px)
    reach = (BACK_DEPTH_CM + 2 * ROLLER_RADIUS_CM * RADIUS_RANGE[1] + 4.0) * s
    box = band_box(hint.hip_px, hint.shoulder_px, SEARCH_FRACTIONS, (-0.3 * reach, reach),
                   normal=n, image_shape=image_shape)
    if box is None or hint.floor_y_px is None:
        return box
    x0, y0, x1, y1 = box
    y1 = min(y1, int(hint.floor_y_px + below_floor_cm * s) + 1)
    return (x0, y0, x1, y1) if y1 - y0 >= 2 else None


def _box_heights(hint: BodyHint, box: tuple[int, int, int, int]) -> list[int]:
    """Row counts of ``box`` to search, nearest the floor line first.

    A low camera (the usual set-up) sees the roller's end sitting on the feet line; only a
    raised camera shows it lower (FLOOR_BELOW_CM). The shape search tries each colour
    cluster in both and keeps the better roller: in the short one the floor and a mat seen
    edge-on (strips that may share the roller's cluster and join its blob) are left out.
    """
    height = box[3] - box[1]
    if hint.floor_y_px is None:
        return [height]
    near = int(hint.floor_y_px + NEAR_FLOOR_CM * hint.px_per_cm) + 1 - box[1]
    return [near, height] if 2 <= near < height else [height]


def contact_point(center_px: np.ndarray, radius_px: float, hint: BodyHint) -> np.ndarray:
    """(2,) point of the roller circle facing the spine axis: where the back rests on it."""
    _, n, _ = axis_frame(hint.hip_px, hint.shoulder_px)
    rel = np.asarray(center_px, dtype=np.float64) - hint.hip_px
    toward_axis = -(rel @ n) * n
    norm = float(np.hypot(*toward_axis))
    if norm < 1e-9:
        toward_axis, norm = -floorward_normal(hint.hip_px, hint.shoulder_px), 1.0
    return np.asarray(center_px, dtype=np.float64) + radius_px * toward_axis / norm


def _score(fit: CircleFit, center_px: np.ndarray, hint: BodyHint) -> float:
    """Shape quality × priors on size and place (under the back, on the floor)."""
    s = hint.px_per_cm
    r_exp = ROLLER_RADIUS_CM * s
    score = fit.quality * math.exp(-math.log(fit.radius / r_exp) ** 2 / (2 * 0.3 ** 2))
    coords = spine_coords(center_px, hint.hip_px, hint.shoulder_px, s)
    n = floorward_normal(hint.hip_px, hint.shoulder_px)
    _, right_normal, _ = axis_frame(hint.hip_px, hint.shoulder_px)
    below_cm = float(coords.offset_cm[0]) * float(np.sign(right_normal @ n))
    excess_cm = below_cm - (BACK_DEPTH_CM + fit.radius / s)
    if excess_cm > 0:  # the near end shows lower than the roller's middle (NEAR_END_DROP_CM)
        excess_cm = max(0.0, excess_cm - NEAR_END_DROP_CM)
    score *= math.exp(-0.5 * (excess_cm / 8.0) ** 2)
    f = float(coords.fraction[0])
    if not 0.0 <= f <= 1.2:
        score *= math.exp(-0.5 * (min(abs(f), abs(f - 1.2)) / 0.15) ** 2)
    if hint.floor_y_px is not None:  # the roller lies on the floor (see FLOOR_BELOW_CM)
        above = (hint.floor_y_px - center_px[1]) - fit.radius  # > 0: bottom above the line
        # Floating above the floor (hair, a shadow on the back), or farther below the feet
        # line than perspective allows: not a roller.
        miss = above if above > 0 else max(0.0, -above - FLOOR_BELOW_CM * s)
        score *= math.exp(-0.5 * (miss / (0.5 * fit.radius + 2.0)) ** 2)
    if hint.head_px is not None:  # the head (hair, its shadow) is not a roller
        clear = float(np.hypot(*(center_px - hint.head_px))) - fit.radius
        if clear < HEAD_CLEARANCE_CM * s:
            score *= math.exp(-0.5 * ((HEAD_CLEARANCE_CM * s - clear) / (2.0 * s)) ** 2)
    return score


def _clean(mask: np.ndarray, r_exp: float) -> np.ndarray:
    """Drop speckle, close small gaps, fill holes (a hollow core), then open with a disc of
    ~0.25 × the expected radius: a roller end (a disc, or a disc cut by the back) survives,
    while thin strips touching it (a mat of the same colour, the blurred rim between two
    other colours) are cut off so they cannot spoil the circle."""
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    k = max(3, int(round(r_exp * 0.2)) | 1)
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    mask = cv2.drawContours(np.zeros_like(mask), contours, -1, 255, thickness=-1)
    k = max(3, int(round(r_exp * 0.25)) | 1)
    return cv2.morphologyEx(mask, cv2.MORPH_OPEN,
                            cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (k, k)))


def _raw_fill(mask: np.ndarray, center: np.ndarray, radius: float) -> float:
    """Share of the circle's area that the uncleaned mask covers (in the mask's frame)."""
    h, w = mask.shape
    x0, x1 = max(int(center[0] - radius), 0), min(int(center[0] + radius) + 1, w)
    y0, y1 = max(int(center[1] - radius), 0), min(int(center[1] + radius) + 1, h)
    if x1 <= x0 or y1 <= y0:
        return 0.0
    yy, xx = np.mgrid[y0:y1, x0:x1]
    inside = np.hypot(xx - center[0], yy - center[1]) <= radius
    return float((mask[y0:y1, x0:x1][inside] > 0).sum() / (math.pi * radius ** 2))


def _best_circle(mask: np.ndarray, offset: np.ndarray, hint: BodyHint, cut: bool = False
                 ) -> tuple[CircleFit, np.ndarray, float] | None:
    """Best-scoring circle of a colour mask of the search box (``offset`` = its corner).

    Besides shape and place, the raw mask must cover a good part of the circle (>= 0.3 of
    it for full credit: a hollow-core end still does): the blurred rim between two other
    colours forms a thin ring that hole filling would otherwise turn into a disc.

    ``cut``: the mask's last row is a search limit (:func:`_box_heights`), not the edge
    of the picture: a circle running on below it is left to the deeper search (it may be
    the roller's body above an end disc that stands lower).
    """
    return BudgetedSearch(_best_circle_steps(mask, offset, hint, None, cut)).run()


def _best_circle_steps(mask: np.ndarray, offset: np.ndarray, hint: BodyHint,
                       fits: dict[tuple[bytes, int, int], CircleFit | None] | None,
                       cut: bool = False) -> Steps[tuple[CircleFit, np.ndarray, float] | None]:
    """:func:`_best_circle` as steps (one mask, then one circle fit per blob outline not
    already in ``fits``, which caches the fits of outlines seen in earlier masks: a blob
    of one cluster recurs unchanged in every pair with a cluster it does not touch)."""
    yield WORK_MASK
    r_exp = ROLLER_RADIUS_CM * hint.px_per_cm
    r_min, r_max = RADIUS_RANGE[0] * r_exp, RADIUS_RANGE[1] * r_exp
    # The roller's body may run on toward the back (open side); on the floor side the
    # outline must end at the circle, which keeps the circle on the end disc, not on the
    # whole blob.
    open_side = -floorward_normal(hint.hip_px, hint.shoulder_px)
    best: tuple[CircleFit, np.ndarray, float] | None = None
    for outline in blob_outlines(_clean(mask, r_exp), r_min, r_max):
        key = (outline.tobytes(), *mask.shape[:2])
        if fits is not None and key in fits:
            fit = fits[key]
        else:
            yield WORK_FIT
            fit = fit_blob(outline, mask.shape, r_min, r_max, r_expected=r_exp,
                           min_arc_deg=120.0, max_spill=0.3, outside_penalty=2.0,
                           open_side=open_side)
            if fits is not None:
                fits[key] = fit
        if fit is None or (cut and fit.center[1] + fit.radius > mask.shape[0] + 2.0):
            continue
        center = fit.center + offset
        score = _score(fit, center, hint) * min(1.0, _raw_fill(mask, fit.center, fit.radius) / 0.3)
        if best is None or score > best[2]:
            best = (fit, center, score)
    return best


def _detection(fit: CircleFit, center: np.ndarray, score: float, hint: BodyHint,
               method: RollerMethod) -> RollerDetection:
    return RollerDetection(center, fit.radius, contact_point(center, fit.radius, hint),
                           min(1.0, score), method)


def detect_roller_colour(frame_bgr: np.ndarray, hint: BodyHint, model: RollerColorModel,
                         window: tuple[int, int, int, int] | None = None
                         ) -> RollerDetection | None:
    """Find the roller with a known colour model in the region under the trunk (only the
    part of it inside ``window``, (x0, y0, x1, y1) frame pixels, when one is given).

    Raises:
        ValueError: the frame is not (H, W, 3) uint8.
    """
    _check_frame(frame_bgr)
    box = search_box(hint, frame_bgr.shape)
    box = None if box is None else intersect(box, window)
    if box is None:
        return None
    x0, y0, x1, y1 = box
    # One pass over the whole box: unlike the shape search's clusters, a learned model
    # already keeps the surroundings' colours (floor, mat) out (RollerColorModel.others_lab).
    mask = model.mask(cv2.cvtColor(frame_bgr[y0:y1, x0:x1], cv2.COLOR_BGR2LAB))
    best = _best_circle(mask, np.array([x0, y0], np.float64), hint)
    if best is None or best[2] < MIN_CONFIDENCE:
        return None
    return _detection(*best, hint, RollerMethod.COLOUR)


ShapeResult = tuple[RollerDetection, RollerColorModel]

# Work units of the shape search's steps (one unit ≈ one circle fit, see props.budget),
# from their measured costs on the 640×480 samples: clustering the box ≈ 4 fits (~2 ms),
# assigning LABEL_PIXELS of its pixels to the clusters ≈ 1, building and cleaning one
# candidate mask ≈ 1, learning the colour model of the winner (its 64³ look-up table) ≈ 4.
WORK_CLUSTER = 4
WORK_LABELS = 1
#: Pixels given their nearest cluster in one step (one work unit): the whole box at once
#: (~75 000 pixels under a large person) cost up to ~13 ms. 16 384 pixels take ~0.5 ms (8 192
#: measured 0.24 ms median), the cost of the unit, one circle fit; a smaller step only makes
#: the search span more frames, and its result is then relocated by colour on a later frame,
#: which can fail (a val roller clip lost the roller for good with 8 192). A matrix product
#: this size stays on one thread in OpenBLAS (whose idle threads otherwise spin on the
#: model's core).
LABEL_PIXELS = 16384
WORK_MODEL = 4
WORK_MASK = 1
WORK_FIT = 1


def find_roller_by_shape(frame_bgr: np.ndarray, hint: BodyHint, seed: int = 0
                         ) -> ShapeResult | None:
    """Find a roller of unknown colour: cluster the colours under the trunk, keep the
    cluster blob that is a disc of the roller's size in the roller's place.

    This runs the whole search at once (40–250 ms); :class:`RollerTracker` spreads it over
    frames with :func:`shape_search`.

    Returns:
        The detection (method "shape") and a colour model learned from it, or None.

    Raises:
        ValueError: the frame is not (H, W, 3) uint8.
    """
    return shape_search(frame_bgr, hint, seed).run()


def shape_search(frame_bgr: np.ndarray, hint: BodyHint, seed: int = 0
                 ) -> BudgetedSearch[ShapeResult | None]:
    """The shape search of :func:`find_roller_by_shape` on this frame, to be advanced a
    work budget at a time (it keeps its own copy of the search box's pixels).

    Raises:
        ValueError: the frame is not (H, W, 3) uint8.
    """
    _check_frame(frame_bgr)
    box = search_box(hint, frame_bgr.shape)
    roi = None if box is None else frame_bgr[box[1]:box[3], box[0]:box[2]].copy()
    return BudgetedSearch(_shape_steps(roi, box, hint, seed))


def _shape_steps(roi: np.ndarray | None, box: tuple[int, int, int, int] | None,
                 hint: BodyHint, seed: int) -> Steps[ShapeResult | None]:
    if roi is None or box is None:
        return None
    heights = _box_heights(hint, box)
    fits: dict[tuple[bytes, int, int], CircleFit | None] = {}  # outline → fit, shared
    found = yield from _shape_in_box(roi, hint, box, heights, seed, fits)
    if len(heights) > 1 and (found is None or found[0].confidence < _GOOD_SCORE):
        # Clusters of the short box alone: the floor's colours no longer pull a dim or
        # two-tone roller's cluster apart.
        short = (box[0], box[1], box[2], box[1] + heights[0])
        alone = yield from _shape_in_box(roi[:heights[0]], hint, short, [heights[0]], seed,
                                         fits, cut=True)
        if alone is not None and (found is None or alone[0].confidence > found[0].confidence):
            found = alone
    return found


def _shape_in_box(roi: np.ndarray, hint: BodyHint, box: tuple[int, int, int, int],
                  heights: list[int], seed: int,
                  fits: dict[tuple[bytes, int, int], CircleFit | None], cut: bool = False
                  ) -> Steps[ShapeResult | None]:
    """Cluster ``box`` (pixels ``roi``) once, then try each cluster (and pair) in its top
    ``heights`` rows; ``cut``: the last of them is a search limit, too (see
    :func:`_best_circle`). Steps as in :mod:`posecoach.props.budget`."""
    x0, y0, x1, y1 = box
    yield WORK_CLUSTER
    lab = cv2.cvtColor(cv2.GaussianBlur(roi, (3, 3), 0), cv2.COLOR_BGR2LAB)
    pixels = lab.reshape(-1, 3).astype(np.float32)
    step = max(1, len(pixels) // _KMEANS_MAX_PIXELS)
    sample = pixels[::step]
    if len(sample) < _KMEANS_K * 4:
        return None
    cv2.setRNGSeed(seed)  # OpenCV's own RNG (k-means++ seeding): repeatable results
    criteria = (cv2.TERM_CRITERIA_EPS + cv2.TERM_CRITERIA_MAX_ITER, 15, 1.0)
    _, _, centres = cv2.kmeans(sample, _KMEANS_K, None, criteria, 2, cv2.KMEANS_PP_CENTERS)
    labels = np.empty(lab.shape[:2], np.intp)
    rows = max(1, LABEL_PIXELS // lab.shape[1])
    for top in range(0, lab.shape[0], rows):  # one step per band of LABEL_PIXELS or fewer
        yield WORK_LABELS
        labels[top:top + rows] = nearest_centre(
            pixels[top * lab.shape[1]:(top + rows) * lab.shape[1]], centres
        ).reshape(-1, lab.shape[1])
    offset = np.array([x0, y0], np.float64)
    best: tuple[CircleFit, np.ndarray, float] | None = None
    best_set: tuple[int, ...] = ()
    candidates: list[tuple[int, ...]] = [(k,) for k in range(_KMEANS_K)]
    seeds: set[int] = set()
    # One 0/255 mask per cluster; a pair's mask is their bitwise or (cheaper than np.isin).
    cluster_masks = [np.where(labels == k, 255, 0).astype(np.uint8) for k in range(_KMEANS_K)]
    for pass_ in range(2):
        for ks in candidates:
            mask = cluster_masks[ks[0]] if len(ks) == 1 else np.bitwise_or(
                cluster_masks[ks[0]], cluster_masks[ks[1]])
            for rows in heights:  # the same clusters, with and without the floor strip
                found = yield from _best_circle_steps(mask[:rows], offset, hint, fits,
                                                      cut=cut or rows < len(mask))
                if found is not None and found[2] >= _SEED_SCORE:
                    seeds.update(ks)
                if found is not None and (best is None or found[2] > best[2]):
                    best, best_set = found, ks
        if pass_ > 0:
            break
        # A two-tone end (a coloured ring round a dark hollow core, a striped grid) splits
        # into clusters, and so does a roller lit on one side (its end face vs its body):
        # try pairs — all of them when nothing good was found, else those joining a
        # cluster that already looked like part of a roller.
        pairs = [(i, j) for i in range(_KMEANS_K) for j in range(i + 1, _KMEANS_K)]
        if best is not None and best[2] >= _GOOD_SCORE:
            pairs = [ks for ks in pairs if seeds & set(ks)]
        candidates = pairs
    if best is None or best[2] < MIN_SHAPE_CONFIDENCE:
        return None
    yield WORK_MODEL
    fit, center, score = best
    yy, xx = np.mgrid[y0:y1, x0:x1]
    disc = np.hypot(xx - center[0], yy - center[1]) < 0.85 * fit.radius
    # Learn from every cluster of the set that fills a good part of the disc (a roller lit
    # on one side has two shades); a thin ring of a two-tone end adds no weight.
    counts = {k: int((disc & (labels == k)).sum()) for k in best_set}
    keep = [k for k in best_set if counts[k] >= 0.3 * max(counts.values())]
    others = np.delete(centres, list(best_set), axis=0)
    model = RollerColorModel.from_pixels(roi[disc & np.isin(labels, keep)], others_lab=others)
    return _detection(fit, center, score, hint, RollerMethod.SHAPE), model


def nearest_centre(pixels: np.ndarray, centres: np.ndarray) -> np.ndarray:
    """(n,) index of the nearest of ``centres`` (k, 3) for each of ``pixels`` (n, 3)."""
    # |p − c|² = |p|² − 2 p·c + |c|² (|p|² is the same for every c): one matrix product
    # instead of an (n, k, 3) array, ~10× faster.
    return ((centres ** 2).sum(axis=1)[None, :] - 2.0 * (pixels @ centres.T)).argmin(axis=1)


def roller_from_body(hint: BodyHint) -> RollerDetection | None:
    """Infer the roller from the trunk alone (it is hidden, or its colour fails).

    The back surface is the hip → shoulder line moved BACK_DEPTH_CM toward the floor. A
    trunk lying over a roller rises from the floor (or from the lifted hips) and rests on
    the roller's top, one roller diameter above the floor: the contact is where the back
    crosses that height, searched from the hips up to the base of the neck. The estimate
    follows the trunk as it tilts. None when the person is not lying, the floor line is
    unknown, or the back never crosses that height (a flat or level trunk does not pin
    the roller down: a fixed guess along the spine would only mislead the coach).
    """
    if not hint.lying or hint.floor_y_px is None:
        return None
    s = hint.px_per_cm
    r = ROLLER_RADIUS_CM * s
    n = floorward_normal(hint.hip_px, hint.shoulder_px)
    fractions = np.linspace(0.15, 1.1, 96)
    back = (hint.hip_px[None, :] + fractions[:, None] * (hint.shoulder_px - hint.hip_px)
            + BACK_DEPTH_CM * s * n)
    gap = (hint.floor_y_px - back[:, 1]) - 2 * r
    crossing = np.nonzero(np.diff(np.sign(gap)) != 0)[0]
    if not len(crossing):
        return None
    i = int(crossing[0])
    t = gap[i] / (gap[i] - gap[i + 1])
    contact = back[i] + t * (back[i + 1] - back[i])
    return RollerDetection(contact + r * n, r, contact, PIVOT_CONFIDENCE, RollerMethod.BODY_PIVOT)


#: Confidence of a roller found only as what fills the gap under the back: seen, but with
#: no outline to fit (below a shape search's learned colour, MIN_SHAPE_CONFIDENCE).
GAP_CONFIDENCE = 0.4
#: Where the roller's middle lies along the visible side of an oblique roller found by the
#: gap, as a share of that side plus a radius, from the end disc's centre (see
#: :func:`detect_roller_gap`).
GAP_SIDE_SHARE = 0.7


def detect_roller_gap(frame_bgr: np.ndarray, hint: BodyHint) -> RollerDetection | None:
    """Find the roller as what holds the back off the floor (:mod:`roller_gap`), any colour.

    The disc (of the expected size) rests on the run's lowest filled row. Seen end-on, it
    is at the run's middle, and so is the contact (its point facing the spine line). Seen
    off the side view, the run is the end disc nearer the camera (its lower end) and part
    of the roller's side: the contact lies along that side, so its uncertainty along the
    spine grows with it (the coach does not judge a zone border that close,
    :mod:`posecoach.exercises.roller`). None when the gap cannot be read or holds no roller.

    Raises:
        ValueError: the frame is not (H, W, 3) uint8.
    """
    _check_frame(frame_bgr)
    run = find_gap_run(frame_bgr, hint, ROLLER_RADIUS_CM, BACK_DEPTH_CM, SEARCH_FRACTIONS)
    if run is None:
        return None
    s = hint.px_per_cm
    # The run is the chord below the back (the back hides the roller's top), not a
    # diameter: the disc has the size expected at the body's scale.
    radius = ROLLER_RADIUS_CM * s
    side = max(0.0, run.width - 2.0 * radius)  # the roller's side seen beyond its end disc
    if run.near_end == 0 or side < 0.5 * radius:  # end-on, or the end not told: the middle
        cap_x = contact_x = run.center_x
        sigma = math.hypot(END_ON_SIGMA_CM, 0.5 * side / s)
    else:
        # The end disc is at the run's lower end; the roller's middle (under the spine)
        # lies along its side, the far part of which is hidden behind the body or rises
        # out of the gap: measured on the dev renders at 0.5–1.0 of the visible side plus
        # a radius from the disc's centre (docs/engineering.md §1.8).
        far = -run.near_end
        cap_x = (run.x0 + radius) if run.near_end < 0 else (run.x1 - radius)
        contact_x = cap_x + far * GAP_SIDE_SHARE * (side + radius)
        sigma = math.hypot(END_ON_SIGMA_CM, 0.4 * (side + radius) / s)
    center = np.array([cap_x, run.bottom_y - radius])
    contact = cap_contact(np.array([contact_x, center[1]]), radius, hint)
    return RollerDetection(center, radius, contact, GAP_CONFIDENCE, RollerMethod.GAP, sigma)


def _relocate(shaped: ShapeResult, frame_bgr: np.ndarray, hint: BodyHint
              ) -> ShapeResult | None:
    """A shape search's result, found on an earlier frame, moved to where its learned colour
    puts the roller in this frame (it may have rolled on meanwhile); None when the colour
    finds nothing here. The confidence stays the shape search's."""
    detection, model = shaped
    now = detect_roller_colour(frame_bgr, hint, model)
    if now is None:
        return None
    return RollerDetection(now.center_px, now.radius_px, now.contact_px,
                           detection.confidence, RollerMethod.SHAPE,
                           now.contact_sigma_cm), model


class RollerTracker:
    """Roller detection over time: colour model learning, smoothing, body-pivot fallback.

    The shape search (k-means and circle fits, 40–250 ms in all) runs a bounded slice of
    ``work_budget`` units per frame on a copy of the frame it started on (the body does not
    move much in the second or so it takes), so no frame waits for it; meanwhile the frame's
    reading comes from the colour model, the last position held, or the body pivot. When it
    ends, the roller it found is looked up with its colour in the current frame. A periodic
    re-check of a colour that still finds the roller advances every other frame only.

    While the roller is tracked by its colour, most frames look for it only within
    TRACK_WINDOW_RADII of its last centre, and every ``full_every``-th frame (and any frame
    where it is not found there) under the whole trunk
    (:class:`~posecoach.props.schedule.SearchCadence`). Its contact with the back (the
    roller's axis, :func:`~posecoach.props.roller_axis.roller_contact_estimate`) can be measured
    every ``contact_every`` frames only and carried with the roller in between, or at once
    when the roller or the body moved (:class:`~posecoach.props.schedule.HeldOffset`).

    Args:
        model: a calibrated colour model (always kept), or None to learn one from a
            "shape" detection (learned again whenever the colour stops matching and the
            shape search finds the roller).
        max_misses: frames a lost roller's last position is held (method "hold") before
            falling back to the body pivot, >= 0.
        shape_interval_s: after a failed shape search wait this long, seconds, >= 0, before
            the next one; the wait doubles with each further failure, up to 4 ×.
        time_constant_s: smoothing of centre and radius, seconds, >= 0.
        recheck_interval_s: with a learned (not calibrated) colour, run the shape search
            again after this long, seconds, >= 0, and keep whichever scores higher; the
            wait doubles each time the colour is confirmed.
        work_budget: shape-search work units per frame (see :mod:`posecoach.props.budget`;
            one unit ≈ one circle fit), >= WORK_CLUSTER, or None to finish each search in
            the frame it starts on. The tracker's first search gets twice as much, so the
            roller is seen sooner when the person first lies on it.
        full_every: while tracked, one colour search under the whole trunk per this many
            frames, >= 1.
        contact_every: while tracked, one measurement of the contact per this many frames,
            >= 1. A contact that jumps to a less certain one (an oblique roller's can switch
            from its axis's to its cap's, ~8 cm along the spine, on a centre change of
            0.2 px) is taken only when the next frame's measurement confirms it
            (HeldOffset).
        gap_fallback: when colour and shape find nothing, look for what fills the gap
            between the raised back and the floor (:func:`detect_roller_gap`, method "gap").

    Raises:
        ValueError: a parameter is out of range.
    """

    def __init__(self, model: RollerColorModel | None = None, max_misses: int = 5,
                 shape_interval_s: float = 0.5, time_constant_s: float = 0.1,
                 recheck_interval_s: float = 2.0, work_budget: int | None = 4,
                 full_every: int = 8, contact_every: int = 3,
                 gap_fallback: bool = True) -> None:
        if max_misses < 0:
            raise ValueError(f"max_misses must be >= 0, got {max_misses}")
        if shape_interval_s < 0:
            raise ValueError(f"shape_interval_s must be >= 0, got {shape_interval_s}")
        if recheck_interval_s < 0:
            raise ValueError(f"recheck_interval_s must be >= 0, got {recheck_interval_s}")
        if work_budget is not None and work_budget < WORK_CLUSTER:
            raise ValueError(f"work_budget must be >= {WORK_CLUSTER} (one clustering step) "
                             f"or None, got {work_budget}")
        self.recheck_interval_s = recheck_interval_s
        self.gap_fallback = gap_fallback
        self.model = model
        self._calibrated = model is not None
        self.max_misses = max_misses
        self.shape_interval_s = shape_interval_s
        self.work_budget = work_budget
        self._smoother = CircleSmoother(time_constant_s)
        self.cadence = SearchCadence(full_every)
        self.contact = HeldOffset(contact_every)
        #: Each measured contact checked against the recent ones (a less certain reading
        #: does not overrule a better-supported one: props.roller_consensus).
        self.consensus = ContactConsensus()
        #: The window the colour search looked in on the last frame (None: everywhere).
        self.last_window: tuple[int, int, int, int] | None = None
        self.searches_started = 0
        # One-off costs paid here, at start-up, rather than in the first frame that
        # searches: OpenCV fills its Lab conversion tables on the first BGR→Lab call
        # (~55 ms), and the first colour model's statistics and table take ~10 ms more.
        RollerColorModel.from_pixels(np.zeros((4, 3), np.uint8), others_lab=np.ones((1, 3)))
        self.reset()

    def reset(self) -> None:
        """Forget the track (keeps a calibrated colour model)."""
        self._smoother.reset()
        self.cadence.reset()
        self.contact.reset()
        self.consensus.reset()
        self._last: RollerDetection | None = None
        self._misses = 0
        self._next_shape_t = -math.inf
        self._shape_gap = self.shape_interval_s
        self._recheck_t = -math.inf
        self._recheck_gap = self.recheck_interval_s
        self._search: BudgetedSearch[ShapeResult | None] | None = None
        self._search_frames = 0
        self._search_is_recheck = False
        self.last_work = 0

    def calibrate(self, frame_bgr: np.ndarray, box: tuple[int, int, int, int]
                  ) -> RollerColorModel:
        """Learn the roller's colour from a box the user drew inside it (kept for good)."""
        self.model = RollerColorModel.from_region(frame_bgr, box)
        self._calibrated = True
        self._search = None
        self.contact.reset()
        return self.model

    def _visual(self, frame_bgr: np.ndarray, hint: BodyHint, t_s: float
                ) -> RollerDetection | None:
        found = self._coloured(frame_bgr, hint, t_s)
        if found is None and self.gap_fallback:
            # Colour and shape found nothing (a roller the colour of the clothes): what
            # fills the gap under the raised back, with no colour model.
            found = detect_roller_gap(frame_bgr, hint)
        return found

    def _coloured(self, frame_bgr: np.ndarray, hint: BodyHint, t_s: float
                  ) -> RollerDetection | None:
        self.last_work = 0
        self.last_window = None
        found = None
        if self.model is not None:
            last = self._last
            tracked = last is not None and last.method.seen and self._misses == 0
            if self.cadence.local(tracked) and last is not None:
                self.last_window = window_around(
                    last.center_px, TRACK_WINDOW_RADII * last.radius_px, frame_bgr.shape)
            found = detect_roller_colour(frame_bgr, hint, self.model, self.last_window)
            if found is None and self.last_window is not None:  # not there: look everywhere
                self.cadence.missed_locally()
                self.last_window = None
                found = detect_roller_colour(frame_bgr, hint, self.model)
            if self._search is None and found is not None and (
                    self._calibrated or t_s < self._recheck_t):
                return found
        if self._calibrated:
            return found
        if self._search is None:
            if found is None and t_s < self._next_shape_t:
                return found
            # No colour yet, the colour stopped matching, or a periodic re-check: a learned
            # colour may belong to the wrong blob (a shadow, the roller's darker side while
            # its lit end face is the disc) and would then be followed for good.
            self._recheck_t = t_s + self._recheck_gap
            self._search = shape_search(frame_bgr, hint)
            self._search_frames = 0
            # A re-check while the colour still finds the roller is not urgent: it
            # advances every other frame, so the colour tracking it runs beside stays cheap.
            self._search_is_recheck = found is not None
            self.searches_started += 1
            fresh = True
        else:
            fresh = False
        self._search_frames += 1
        if self._search_is_recheck and self._search_frames % 2 == 0:
            return found
        budget = self.work_budget
        if budget is not None and self.searches_started == 1:
            budget *= 2  # the session's first search: find the roller sooner, once
        done = self._search.advance(budget)
        self.last_work = self._search.spent[-1]
        if not done:
            return found
        shaped, self._search = self._search.result, None
        if shaped is not None and not fresh:
            shaped = _relocate(shaped, frame_bgr, hint)
        if shaped is None:  # costly: retry after a pause that grows while nothing is found
            self._next_shape_t = t_s + self._shape_gap
            self._shape_gap = min(2 * self._shape_gap, 4 * self.shape_interval_s)
            return found
        self._shape_gap = self.shape_interval_s
        if found is not None and shaped[0].confidence <= found.confidence:
            # Each re-check that confirms the colour doubles the wait (up to 16 ×), one that
            # finds a better roller restarts it.
            self._recheck_gap = min(2 * self._recheck_gap, 16 * self.recheck_interval_s)
            self._recheck_t = t_s + self._recheck_gap
            return found
        self._recheck_gap = self.recheck_interval_s
        self._recheck_t = t_s + self._recheck_gap
        found, self.model = shaped  # (re)learn the colour: the light may have changed
        self.contact.reset()
        return found

    def update(self, frame_bgr: np.ndarray, hint: BodyHint | None,
               t_s: float) -> RollerDetection | None:
        """Detect in one frame at time ``t_s`` (s). None with no hint and no recent track."""
        _check_frame(frame_bgr)
        found = None if hint is None else self._visual(frame_bgr, hint, t_s)
        if found is not None and hint is not None:
            if self._misses or self._last is None or found.method != self._last.method:
                self.contact.reset()  # a new sighting: measure its contact now
            self._misses = 0
            center, radius = self._smoother.update(found.center_px, found.radius_px, t_s)

            def measure() -> tuple[np.ndarray | None, float]:
                if found.method is RollerMethod.GAP and found.contact_px is not None:
                    # No outline to find an axis in: the gap's own contact, moved with the
                    # smoothed disc.
                    raw = ContactEstimate(found.contact_px + (center - found.center_px),
                                          found.contact_sigma_cm)
                else:
                    raw = roller_contact_estimate(frame_bgr, center, radius, hint, self.model)
                estimate = self.consensus.update(t_s, center, radius, hint, raw)
                return (None, math.inf) if estimate is None else (estimate.point,
                                                                   estimate.sigma_cm)

            contact = self.contact.point(center, radius, hint.hip_px, hint.shoulder_px,
                                         measure)
            # The along-spine uncertainty of the contact held (none told: as an end cap's).
            sigma = self.contact.uncertainty
            self._last = RollerDetection(center, radius, contact, found.confidence,
                                         found.method,
                                         sigma if math.isfinite(sigma) else END_ON_SIGMA_CM)
            return self._last
        self._misses += 1
        if self._last is not None and self._misses <= self.max_misses:
            fade = 1.0 - self._misses / (self.max_misses + 1)
            last = self._last
            return RollerDetection(last.center_px, last.radius_px, last.contact_px,
                                   last.confidence * fade, RollerMethod.HOLD,
                                   last.contact_sigma_cm)
        self._last = None
        self._smoother.reset()
        return None if hint is None else roller_from_body(hint)
