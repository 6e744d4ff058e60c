"""Find the roller as the thing that holds the back off the floor (no colour model needed).

Measurements and the dev-render numbers behind its constants: docs/engineering.md §1.8.

Lying on a roller, the back is raised about one roller diameter above the floor. Between the
back and the floor line the camera then sees the background (wall, mat, floor) everywhere
along the trunk except where the roller is. So, column by column along the trunk, the lower
part of that gap is compared with the colour the same image row has in the rest of the gap
(the per-row median: the roller fills a minority of the trunk's length); the run of columns
where the gap is filled, with background readable beside it, is the roller. This separates a
black roller under a black shirt, which colour models and the k-means shape search cannot
(the mask of the person did not either: docs/engineering.md §1.7).

It answers nothing ("unseen") rather than guess when the gap cannot be read: no floor line,
a person too small in the picture, a back not raised off the floor (no gap), a background
the colour of the roller (no contrast), or no filled run of a roller's width.

The camera is assumed roughly level ("down" to the floor is +y, as in
:class:`~posecoach.props.hints.BodyHint`), so the gap is read in image columns.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from posecoach.props.hints import BodyHint

#: Smallest expected roller radius in pixels the gap is read at: below it the gap under the
#: back is a few pixels tall and compression noise fills it.
MIN_RADIUS_PX = 5.0
#: The lower share of the gap judged (from the floor line up): the clothes hang and the back
#: surface is only estimated (BACK_DEPTH_CM), so the upper part may be the shirt.
LOWER_SHARE = 0.6
#: A column is filled when this share of its judged rows differ from the row's background.
FILLED = 0.6
#: Smallest Lab distance (OpenCV 8-bit Lab units) that counts as different from the
#: background, whatever the noise: below it a roller is the background's colour.
MIN_CONTRAST = 16.0
#: Run widths accepted, in expected roller radii. At least most of the chord an end-on disc
#: of the expected size shows in the judged rows (≈ 1.6, less where the back hides its
#: top); a tennis ball under the back (6.5 cm ≈ 0.9 radii; its filled run measured ≈ 1.0 on
#: the floor-ball sample) stays below. At most an oblique roller's side, its length
#: shortened by the camera's azimuth (≤ 5).
WIDTH_RADII = (1.2, 5.0)
#: Background must be read in at least this many expected radii of gap columns besides the
#: run: otherwise the "background" median is not background.
MIN_EMPTY_RADII = 2.0
#: Least height of the back above the run's bottom, in expected radii: a roller holds the
#: back one diameter up (2 radii; a 10 cm roller at a 30 % scale error still ≥ 1.2), a
#: tennis ball under the back only ~6.5 cm (0.87 radii), and its filled run would otherwise
#: pass for a small roller's end.
MIN_LIFT_RADII = 1.2
#: The columns read reach this far (in hip → shoulder lengths) past the stretch searched.
SCAN_MARGIN = 0.3
#: The stretch of the hip → shoulder axis whose rows give the background: past the head and
#: down to the knees, so that the roller stays a minority of every row.
REFERENCE_FRACTIONS = (-0.8, 2.3)
#: The head is solid and may rest on the floor: columns this close to it are not read.
HEAD_RADIUS_CM = 10.0
#: A column's gap must be this many expected radii tall to be read (a back lying on the
#: floor near the hips leaves no gap).
MIN_GAP_RADII = 1.5
#: Rows read below the floor line, in expected radii: the floor line comes from the heels,
#: near the body's midline, and the roller's near end shows lower in the picture
#: (FLOOR_BELOW_CM in :mod:`posecoach.props.roller`).
BELOW_FLOOR_RADII = 1.0


@dataclass(frozen=True)
class GapRun:
    """A filled run of the gap under the back.

    Attributes:
        x0, x1: first and last column of the run, pixels (inclusive).
        bottom_y: lowest filled row in the run, pixels.
        fill: mean filled share of the run's columns, in [0, 1].
        near_end: -1 when the run's left end shows lower in the picture (the roller's end
            nearer a camera above the floor: its end disc), +1 the right end, 0 neither.
    """

    x0: int
    x1: int
    bottom_y: float
    fill: float
    near_end: int = 0

    @property
    def width(self) -> int:
        return self.x1 - self.x0 + 1

    @property
    def center_x(self) -> float:
        return 0.5 * (self.x0 + self.x1)


def gap_rows(hint: BodyHint, xs: np.ndarray, back_depth_cm: float) -> tuple[np.ndarray,
                                                                             np.ndarray]:
    """For image columns ``xs`` (n,), the rows of the back surface above them (the hip →
    shoulder line, extended, lowered ``back_depth_cm``) and of the floor line: (n,), (n,)."""
    (hx, hy), (sx, sy) = hint.hip_px, hint.shoulder_px
    slope = (sy - hy) / (sx - hx)
    tilt = np.hypot(1.0, slope)  # a normal offset d shows as d × sqrt(1 + slope²) vertically
    back = hy + slope * (np.asarray(xs, np.float64) - hx) + back_depth_cm * hint.px_per_cm * tilt
    floor = np.full(len(xs), float(hint.floor_y_px))
    return back, floor


def find_gap_run(frame_bgr: np.ndarray, hint: BodyHint, radius_cm: float, back_depth_cm: float,
                 fractions: tuple[float, float]) -> GapRun | None:
    """The filled run of the gap under the back most like a roller, or None (unseen).

    Args:
        frame_bgr: (H, W, 3) uint8 picture.
        hint: the body; must be lying with a floor line.
        radius_cm: expected roller radius, cm.
        back_depth_cm: hip/shoulder joint line to the back surface, cm.
        fractions: the stretch of the hip → shoulder axis searched (0 hips, 1 shoulders).
    """
    # The run may reach past the stretch searched (an oblique roller at the neck shows its
    # end disc beyond it): read a wider one, keep runs centred in the stretch.
    wide = (fractions[0] - SCAN_MARGIN, fractions[1] + SCAN_MARGIN)
    cols = column_fill(frame_bgr, hint, radius_cm, back_depth_cm, wide)
    if cols is None:
        return None
    xs, readable, fill, differs, y0 = cols.xs, cols.readable, cols.fill, cols.differs, cols.y0
    r = radius_cm * hint.px_per_cm
    filled = readable & (fill >= FILLED)
    filled = _close(filled, max(1, int(round(0.2 * r))))
    empty = readable & ~filled
    if empty.sum() < MIN_EMPTY_RADII * r:
        return None  # too little background read beside any run to call it background
    best: GapRun | None = None
    for a, b in _runs(filled):
        width = b - a + 1
        if not WIDTH_RADII[0] * r <= width <= WIDTH_RADII[1] * r:
            continue
        f = (0.5 * (xs[a] + xs[b]) - hint.hip_px[0]) / (hint.shoulder_px[0] - hint.hip_px[0])
        if not fractions[0] <= f <= fractions[1]:
            continue
        # Background read right beside the run on one side at least: the run stands in the
        # gap (on the other side the back may come down to the floor, or the head).
        side = max(1, int(round(0.3 * r)))
        if a == 0 or b == len(xs) - 1:
            continue  # cut by the search's end: its extent is unknown
        if not (empty[max(a - side, 0):a].any() or empty[b + 1:b + 1 + side].any()):
            continue
        rows_filled = differs[:, a:b + 1].any(axis=1)
        bottom = y0 + float(np.max(np.nonzero(rows_filled)[0]))
        run = GapRun(int(xs[a]), int(xs[b]), bottom, float(fill[a:b + 1].mean()),
                     _near_end(differs[:, a:b + 1]))
        back, _ = gap_rows(hint, np.array([run.center_x]), back_depth_cm)
        if bottom - float(back[0]) < MIN_LIFT_RADII * r:
            continue  # the back is too low over it for a roller (a ball, a fold)
        if best is None or run.width * run.fill > best.width * best.fill:
            best = run
    return best


@dataclass(frozen=True)
class GapColumns:
    """The gap under the back read column by column.

    Attributes:
        xs: (n,) image columns.
        readable: (n,) bool, the column has a gap tall enough to read, away from the head.
        fill: (n,) share of the column's judged rows unlike their row's background.
        differs: (m, n) bool, per judged row (from ``y0`` down) and column: unlike it.
        y0: image row of ``differs``' first row.
    """

    xs: np.ndarray
    readable: np.ndarray
    fill: np.ndarray
    differs: np.ndarray
    y0: int


def column_fill(frame_bgr: np.ndarray, hint: BodyHint, radius_cm: float, back_depth_cm: float,
                fractions: tuple[float, float]) -> GapColumns | None:
    """Read the gap under the back (see :func:`find_gap_run`); None when it cannot be read."""
    if not hint.lying or hint.floor_y_px is None:
        return None
    s = hint.px_per_cm
    r = radius_cm * s
    (hx, hy), (sx, sy) = hint.hip_px, hint.shoulder_px
    if r < MIN_RADIUS_PX or abs(sx - hx) < 2 * r or abs(sy - hy) > abs(sx - hx):
        return None  # too small, or the trunk not lying along the image's rows
    h, w = frame_bgr.shape[:2]
    xa, xb = sorted((hx + fractions[0] * (sx - hx), hx + fractions[1] * (sx - hx)))
    xs = np.arange(max(int(np.ceil(xa)), 0), min(int(np.floor(xb)), w - 1) + 1)
    if len(xs) < 2:
        return None
    back, floor = gap_rows(hint, xs, back_depth_cm)
    lowest = np.minimum(floor + BELOW_FLOOR_RADII * r, h - 1)  # the roller's bottom at most
    top = np.maximum(back, lowest - 3.0 * r)  # a raised back shows no deeper gap
    top = lowest - LOWER_SHARE * (lowest - top)
    judged_bottom = np.minimum(floor, lowest)
    readable = (lowest - back) >= MIN_GAP_RADII * r
    if hint.head_px is not None:  # the head, where it reaches down into the judged rows
        readable &= ~((np.abs(xs - hint.head_px[0]) <= HEAD_RADIUS_CM * s)
                      & (hint.head_px[1] + HEAD_RADIUS_CM * s >= top))
    y0 = int(np.floor(max(top[readable].min() if readable.any() else h, 0)))
    y1 = int(np.ceil(lowest.max()))
    if not readable.any() or y1 - y0 < 3:
        return None
    # The background of each row: its median over a wider stretch than the trunk (the roller
    # may fill half of the trunk's length when the camera sees its side), and its spread.
    ra, rb = sorted((hx + REFERENCE_FRACTIONS[0] * (sx - hx),
                     hx + REFERENCE_FRACTIONS[1] * (sx - hx)))
    rx0, rx1 = max(int(ra), 0), min(int(rb), w - 1)
    rx0, rx1 = min(rx0, int(xs[0])), max(rx1, int(xs[-1]))
    lab = cv2.cvtColor(frame_bgr[y0:y1 + 1, rx0:rx1 + 1], cv2.COLOR_BGR2LAB)
    lab = cv2.GaussianBlur(lab, (3, 3), 0).astype(np.float32)
    ref_cols = np.arange(rx0, rx1 + 1)
    if hint.head_px is not None:
        ref_cols = ref_cols[np.abs(ref_cols - hint.head_px[0]) > HEAD_RADIUS_CM * s]
    if len(ref_cols) < 2:
        return None
    ref_lab = lab[:, ref_cols - rx0]
    ref = np.median(ref_lab, axis=1, keepdims=True)
    spread = np.median(np.sqrt(((ref_lab - ref) ** 2).sum(axis=2)), axis=1, keepdims=True)
    lab = lab[:, xs - rx0]
    dist = np.sqrt(((lab - ref) ** 2).sum(axis=2))
    rows = np.arange(y0, y1 + 1)[:, None]
    below = (rows >= top[None, :]) & (rows <= lowest[None, :]) & readable[None, :]
    differs = below & (dist > np.maximum(MIN_CONTRAST, 3.0 * spread))
    # The fill is judged down to the floor line only: the roller's near end may show lower,
    # but the floor under a roller further away is background.
    in_gap = below & (rows <= judged_bottom[None, :])
    n_rows = in_gap.sum(axis=0)
    fill = np.where(n_rows > 0, (differs & in_gap).sum(axis=0) / np.maximum(n_rows, 1), 0.0)
    return GapColumns(xs, readable, fill, differs, y0)


def _near_end(differs: np.ndarray) -> int:
    """Which third of a run's columns (m rows, k columns) reaches lower: -1 the first, +1 the
    last, 0 when they differ by less than a pixel (an end-on disc)."""
    k = differs.shape[1]
    if k < 3:
        return 0
    rows = np.arange(differs.shape[0])[:, None]
    lowest = np.where(differs, rows, -1).max(axis=0).astype(np.float64)
    third = max(1, k // 3)
    first, last = float(np.mean(lowest[:third])), float(np.mean(lowest[-third:]))
    if abs(first - last) < 1.0:
        return 0
    return -1 if first > last else 1


def _close(mask: np.ndarray, gap: int) -> np.ndarray:
    """Fill holes of up to ``gap`` False values between True values of a 1-D mask."""
    out = mask.copy()
    idx = np.nonzero(mask)[0]
    for a, b in zip(idx[:-1], idx[1:], strict=True):
        if 1 < b - a <= gap + 1:
            out[a:b] = True
    return out


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of True in a 1-D mask."""
    padded = np.concatenate(([False], mask, [False])).astype(np.int8)
    edges = np.diff(padded)
    return list(zip(np.nonzero(edges == 1)[0], np.nonzero(edges == -1)[0] - 1, strict=True))
