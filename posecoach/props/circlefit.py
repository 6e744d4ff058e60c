"""Circles from binary masks when part of the circle is hidden.

A ball pressed against a back, or a roller under one, is often half hidden: the visible blob
is a disc cut by a straight-ish occluding edge. Fitting a circle to the whole blob outline (or
taking its enclosing circle) is then biased. Instead we fit the circle to the outline points
that agree on one circle (RANSAC over point triples, then least squares on the inliers), so
the occluding edge drops out as outliers, and we then check the blob against the circle.
"""

from __future__ import annotations

import functools
import logging
import math
from dataclasses import dataclass

import cv2
import numpy as np

# numpy imports its random module lazily, on first use (~40 ms): at start-up, not mid-frame.
from numpy.random import default_rng

logger = logging.getLogger(__name__)

_MAX_POINTS = 240  # outline points per blob used for fitting (subsampled evenly)
_CONTOUR_OFFSET_PX = 0.5
OPEN_SPREAD = 1.0  # tan 45°: how far a slanted roller body may lean per unit it rises


@dataclass(frozen=True)
class CircleFit:
    """A circle fitted to one blob of a mask.

    Attributes:
        center: (2,) float (x, y) in the pixel frame of the mask (add any ROI offset).
        radius: float radius in pixels.
        inlier_fraction: share of the blob's usable outline points within tolerance of the
            circle, in [0, 1].
        arc_deg: angular extent of the inlier points around the centre, degrees in [0, 360].
        fill: blob pixels inside the circle ÷ circle area, in [0, 1] (≈ 0.5 half hidden).
        spill: blob pixels outside 1.15 × radius ÷ blob pixels, in [0, 1] (≈ 0 for a disc).
    """

    center: np.ndarray
    radius: float
    inlier_fraction: float
    arc_deg: float
    fill: float
    spill: float

    @property
    def quality(self) -> float:
        """Shape quality in [0, 1]: 1 for a clean disc, ~0.7 for a clean half disc."""
        arc = min(1.0, self.arc_deg / 300.0)
        return float(self.inlier_fraction ** 0.5 * (0.4 + 0.6 * arc) * (1.0 - self.spill)
                     * min(1.0, self.fill / 0.4))


def fit_circle_lsq(points: np.ndarray, r_prior: float | None = None,
                   prior_weight: float = 0.0) -> tuple[np.ndarray, float]:
    """Least-squares circle through (n, 2) points, n >= 3: algebraic fit, then geometric.

    With ``r_prior`` the geometric step also pulls the radius toward it, as if
    ``prior_weight`` × n extra points said so (a short visible arc leaves the radius, and
    with it the centre, loosely determined).

    Returns:
        ((2,) centre, radius) in the points' units.

    Raises:
        ValueError: fewer than 3 points, or all points collinear.
    """
    pts = np.asarray(points, dtype=np.float64)
    if pts.ndim != 2 or pts.shape[1] != 2 or len(pts) < 3:
        raise ValueError(f"need (n >= 3, 2) points, got {pts.shape}")
    mean = pts.mean(axis=0)
    qx, qy = pts[:, 0] - mean[0], pts[:, 1] - mean[1]
    n = float(len(pts))
    # Algebraic (Kåsa) fit: x² + y² = 2 cx x + 2 cy y + k, solved by its 3 × 3 normal
    # equations (np.linalg.lstsq costs ~40 µs a call, and this runs thousands of times in a
    # shape search).
    b = qx * qx + qy * qy
    sxx, sxy, syy = float(qx @ qx), float(qx @ qy), float(qy @ qy)
    normal = np.array([[sxx, sxy, 0.0], [sxy, syy, 0.0], [0.0, 0.0, n]])
    rhs = np.array([float(qx @ b), float(qy @ b), float(b.sum())])
    sol = _solve3(normal, rhs)
    if sol is None:
        raise ValueError("points are collinear: no circle")
    c = sol[:2] / 2.0
    r2 = sol[2] + c @ c
    if not np.all(np.isfinite(c)) or r2 <= 0:
        raise ValueError("points are collinear: no circle")
    cx, cy, r = float(c[0]), float(c[1]), math.sqrt(r2)
    lam2 = prior_weight * n if r_prior is not None else 0.0
    for _ in range(8):  # Gauss-Newton on the geometric distance (+ the radius prior)
        dx, dy = qx - cx, qy - cy
        dist = np.maximum(np.sqrt(dx * dx + dy * dy), 1e-9)
        ux, uy = dx / dist, dy / dist  # the Jacobian is (-ux, -uy, -1)
        res = dist - r
        jtj = np.array([[float(ux @ ux), float(ux @ uy), float(ux.sum())],
                        [0.0, float(uy @ uy), float(uy.sum())],
                        [0.0, 0.0, n + lam2]])
        jtj[1, 0], jtj[2, 0], jtj[2, 1] = jtj[0, 1], jtj[0, 2], jtj[1, 2]
        jtr = np.array([float(ux @ res), float(uy @ res),
                        float(res.sum()) - (lam2 * (r - r_prior) if lam2 > 0 else 0.0)])
        step = _solve3(jtj, jtr)  # J = -U: the step (JᵀJ)⁻¹ Uᵀ res, with the prior's row
        if step is None:
            break
        cx, cy, r = cx + step[0], cy + step[1], r + step[2]
        if abs(step).max() < 1e-3:
            break
    if not (math.isfinite(cx) and math.isfinite(cy) and math.isfinite(r) and r > 0):
        raise ValueError("circle fit diverged")
    c = np.array([cx, cy])
    return c + mean, float(abs(r))


def _solve3(a: np.ndarray, b: np.ndarray) -> np.ndarray | None:
    """x with a x = b for a symmetric 3 × 3 system (Cramer's rule, in plain floats: far
    cheaper than np.linalg.solve at this size), or None when a is singular."""
    (a00, a01, a02), (_, a11, a12), (_, _, a22) = a.tolist()
    b0, b1, b2 = b.tolist()
    m00, m01, m02 = a11 * a22 - a12 * a12, a02 * a12 - a01 * a22, a01 * a12 - a02 * a11
    det = a00 * m00 + a01 * m01 + a02 * m02
    if not math.isfinite(det) or abs(det) < 1e-12 * max(abs(a00 * a11 * a22), 1e-300):
        return None
    m11, m12, m22 = a00 * a22 - a02 * a02, a01 * a02 - a00 * a12, a00 * a11 - a01 * a01
    x = np.array([m00 * b0 + m01 * b1 + m02 * b2, m01 * b0 + m11 * b1 + m12 * b2,
                  m02 * b0 + m12 * b1 + m22 * b2]) / det
    return x if np.all(np.isfinite(x)) else None


@functools.lru_cache(maxsize=512)
def _triples(n: int, iterations: int, seed: int) -> np.ndarray:
    """(iterations, 3) indices of three distinct random points among n, the same for the
    same arguments (so cached: a shape search fits thousands of outlines of <= _MAX_POINTS
    points). The 3 smallest of random keys, by a partial sort; the order within a triple
    does not matter for its circle."""
    rng = default_rng(seed)
    idx = np.argpartition(rng.random((iterations, n)), 2, axis=1)[:, :3]
    idx.setflags(write=False)
    return idx


def _circumcircles(p1: np.ndarray, p2: np.ndarray, p3: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Centres (k, 2) and radii (k,) of the circles through k point triples (nan if collinear)."""
    ax, ay = p1[:, 0], p1[:, 1]
    bx, by = p2[:, 0], p2[:, 1]
    cx, cy = p3[:, 0], p3[:, 1]
    d = 2.0 * (ax * (by - cy) + bx * (cy - ay) + cx * (ay - by))
    with np.errstate(divide="ignore", invalid="ignore"):
        a2, b2, c2 = ax * ax + ay * ay, bx * bx + by * by, cx * cx + cy * cy
        ux = (a2 * (by - cy) + b2 * (cy - ay) + c2 * (ay - by)) / d
        uy = (a2 * (cx - bx) + b2 * (ax - cx) + c2 * (bx - ax)) / d
    centres = np.column_stack([ux, uy])
    radii = np.hypot(ax - ux, ay - uy)
    return centres, radii


def fit_circle_to_arc(points: np.ndarray, r_min: float, r_max: float,
                      r_expected: float | None = None, outside_penalty: float = 2.0,
                      iterations: int = 100, seed: int = 0,
                      open_side: np.ndarray | None = None
                      ) -> tuple[np.ndarray, float, np.ndarray] | None:
    """Robust circle through the points that lie on one arc, radius in [r_min, r_max].

    Each candidate circle (through 3 random points) is scored by the points on it, minus
    ``outside_penalty`` × the points clearly outside it: the outline of a partly hidden
    disc lies on or inside the true circle (occluding edges, highlights and shadows cut
    inward), never outside. With ``r_expected`` the score is also weighted by a log-normal
    radius prior (σ = 0.3 in log radius), and the final least-squares fit is pulled toward
    it the shorter the visible arc is.

    Args:
        points: (n, 2) outline points in pixels.
        r_min, r_max: accepted radius range in pixels, 0 < r_min <= r_max.
        r_expected: the most likely radius in pixels, or None.
        outside_penalty: weight of outline points outside the circle (lower it when
            touching clutter of the same colour is common).
        iterations: RANSAC triples tried.
        seed: random seed (the result is deterministic for given inputs).
        open_side: (2,) unit direction in which the outline may run on beyond the circle
            without penalty (see :func:`circles_in_mask`), or None.

    Returns:
        ((2,) centre, radius, (n,) bool inlier mask), or None when no circle is supported.

    Raises:
        ValueError: the radius range is invalid.
    """
    if not 0 < r_min <= r_max:
        raise ValueError(f"need 0 < r_min <= r_max, got r_min={r_min}, r_max={r_max}")
    pts = np.asarray(points, dtype=np.float64)
    if len(pts) < 6:
        return None
    idx = _triples(len(pts), iterations, seed)
    centres, radii = _circumcircles(pts[idx[:, 0]], pts[idx[:, 1]], pts[idx[:, 2]])
    ok = np.isfinite(radii) & (radii >= r_min * 0.9) & (radii <= r_max * 1.1)
    if not ok.any():
        return None
    centres, radii = centres[ok], radii[ok]
    tol = np.maximum(1.0, 0.08 * radii)
    # Scoring every point against every candidate ((k, n) arrays) in float32: half the
    # memory traffic of float64, and pixel outlines need no more precision.
    p32, c32 = pts.astype(np.float32), centres.astype(np.float32)
    dx, dy = p32[None, :, 0] - c32[:, None, 0], p32[None, :, 1] - c32[:, None, 1]
    resid = np.hypot(dx, dy)
    resid -= radii.astype(np.float32)[:, None]
    tol32 = tol.astype(np.float32)[:, None]
    support = (np.abs(resid) < tol32).sum(axis=1)
    beyond = resid > 2.0 * tol32
    if open_side is not None:  # only where a point is beyond (few): same result, cheaper
        rows, cols = np.nonzero(beyond)
        beyond[rows, cols] = ~_on_open_side(dx[rows, cols], dy[rows, cols], open_side,
                                            radii[rows])
    outside = beyond.sum(axis=1)
    score = (support - outside_penalty * outside).astype(np.float64)
    if r_expected is not None:
        score *= np.exp(-np.log(radii / r_expected) ** 2 / (2 * 0.3 ** 2))
    best = int(np.argmax(score))
    if support[best] < 6 or score[best] <= 0:
        return None
    centre, radius = centres[best], float(radii[best])
    inliers = np.zeros(len(pts), dtype=bool)
    for _ in range(2):  # refine on the inliers, then re-select them
        d = np.hypot(pts[:, 0] - centre[0], pts[:, 1] - centre[1])
        inliers = np.abs(d - radius) < max(1.0, 0.08 * radius)
        if inliers.sum() < 6:
            return None
        try:
            centre, radius = fit_circle_lsq(pts[inliers], r_expected,
                                            _prior_weight(pts[inliers], centre))
        except ValueError:
            return None
    if not r_min * 0.85 <= radius <= r_max * 1.15:
        return None
    return centre, radius, inliers


def _prior_weight(points: np.ndarray, centre: np.ndarray) -> float:
    """Weight of the radius prior: none for a full circle, growing as the arc shortens."""
    missing = 1.0 - _arc_extent_deg(points, centre) / 360.0
    return 0.5 * missing ** 2


def _arc_extent_deg(points: np.ndarray, centre: np.ndarray, bins: int = 36) -> float:
    ang = np.arctan2(points[:, 1] - centre[1], points[:, 0] - centre[0])
    hist = np.bincount(((ang + math.pi) / (2 * math.pi) * bins).astype(int) % bins,
                       minlength=bins)
    return float((hist > 0).sum() * 360.0 / bins)


def circles_in_mask(mask: np.ndarray, r_min: float, r_max: float,
                    r_expected: float | None = None, min_arc_deg: float = 140.0,
                    max_spill: float = 0.15, min_inlier_fraction: float = 0.35,
                    keep_border: bool = False, outside_penalty: float = 2.0,
                    open_side: np.ndarray | None = None) -> list[CircleFit]:
    """Fit a circle to each blob of a binary mask whose size could be a circle in range.

    Outline points on the mask border are ignored (the circle may continue outside the mask)
    unless ``keep_border``. Blobs much larger than the largest circle are skipped.

    Args:
        mask: (H, W) uint8, non-zero where the colour matched.
        r_min, r_max: radius range in pixels.
        r_expected: most likely radius in pixels, or None.
        min_arc_deg: least angular extent of the visible arc (180 = half a circle).
        max_spill: most of the blob allowed outside 1.15 × the circle.
        min_inlier_fraction: least share of usable outline points on the circle.
        keep_border: use outline points on the mask border too.
        outside_penalty: see :func:`fit_circle_to_arc`.
        open_side: (2,) unit direction in which the blob may legitimately continue beyond
            the circle (a roller's cylinder seen from slightly above continues from its
            end disc toward the back), or None. Blob pixels and outline points beyond the
            circle where that body can show (see :func:`_on_open_side`) then count neither
            as spill nor against the inliers.

    Returns:
        Fits in no particular order, centres in the mask's pixel frame.

    Raises:
        ValueError: the radius range is invalid.
    """
    fits = []
    for contour in blob_outlines(mask, r_min, r_max):
        fit = fit_blob(contour, mask.shape, r_min, r_max, r_expected, min_arc_deg, max_spill,
                       min_inlier_fraction, keep_border, outside_penalty, open_side)
        if fit is not None:
            fits.append(fit)
    return fits


def blob_outlines(mask: np.ndarray, r_min: float, r_max: float) -> list[np.ndarray]:
    """Outer outlines ((k, 1, 2) int32 OpenCV contours) of the blobs of ``mask`` whose area
    could be a circle of radius r_min…r_max, hidden by up to ~80 %: the candidates that
    :func:`fit_blob` then examines one by one (a shape search can spread them over frames).

    Raises:
        ValueError: the radius range is invalid.
    """
    if not 0 < r_min <= r_max:
        raise ValueError(f"need 0 < r_min <= r_max, got r_min={r_min}, r_max={r_max}")
    contours, _ = cv2.findContours(mask, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_NONE)
    min_area = 0.2 * math.pi * r_min ** 2
    max_area = 1.6 * math.pi * r_max ** 2
    return [c for c in contours if min_area <= cv2.contourArea(c) <= max_area]


def fit_blob(contour: np.ndarray, mask_shape: tuple[int, ...], r_min: float, r_max: float,
             r_expected: float | None = None, min_arc_deg: float = 140.0,
             max_spill: float = 0.15, min_inlier_fraction: float = 0.35,
             keep_border: bool = False, outside_penalty: float = 2.0,
             open_side: np.ndarray | None = None) -> CircleFit | None:
    """The circle of one blob outline from :func:`blob_outlines`, or None when it is not
    round enough. Arguments as in :func:`circles_in_mask`; ``mask_shape`` is the (H, W)
    of the mask the outline came from (its border points are ignored unless
    ``keep_border``)."""
    h, w = mask_shape[:2]
    pts = contour[:, 0, :].astype(np.float64)
    if not keep_border:
        inside = ((pts[:, 0] > 0) & (pts[:, 0] < w - 1) & (pts[:, 1] > 0)
                  & (pts[:, 1] < h - 1))
        pts = pts[inside]
    if len(pts) > _MAX_POINTS:
        pts = pts[np.linspace(0, len(pts) - 1, _MAX_POINTS).astype(int)]
    found = fit_circle_to_arc(pts, r_min, r_max, r_expected, outside_penalty,
                              open_side=open_side)
    if found is None:
        return None
    centre, radius, inliers = found
    radius += _CONTOUR_OFFSET_PX
    usable = np.ones(len(pts), dtype=bool)
    if open_side is not None:
        rel = pts - centre
        beyond = np.hypot(rel[:, 0], rel[:, 1]) > radius + max(1.0, 0.08 * radius)
        usable = ~(beyond & _on_open_side(rel[:, 0], rel[:, 1], open_side, radius)) | inliers
    inlier_fraction = float(inliers.sum() / max(int(usable.sum()), 1))
    arc = _arc_extent_deg(pts[inliers], centre)
    if inlier_fraction < min_inlier_fraction or arc < min_arc_deg:
        return None
    fill, spill = _fill_and_spill(contour, centre, radius, open_side)
    if spill > max_spill:
        return None
    return CircleFit(center=centre, radius=radius, inlier_fraction=inlier_fraction,
                     arc_deg=arc, fill=fill, spill=spill)


def _on_open_side(dx: np.ndarray, dy: np.ndarray, open_side: np.ndarray,
                  radius: np.ndarray | float) -> np.ndarray:
    """Whether offsets (dx, dy) from a circle's centre lie where the roller's body can
    show: ahead along ``open_side``, within the circle's width of that line widened by
    OPEN_SPREAD per unit ahead (a roller turned a little away from end-on shows its body
    running up at a slant), not level with the centre far to the sides."""
    along = dx * open_side[0] + dy * open_side[1]
    across = np.abs(dx * open_side[1] - dy * open_side[0])
    return (along > 0) & (across <= 1.1 * radius + 1.0 + OPEN_SPREAD * along)


def _fill_and_spill(contour: np.ndarray, centre: np.ndarray, radius: float,
                    open_side: np.ndarray | None = None) -> tuple[float, float]:
    x, y, bw, bh = cv2.boundingRect(contour)
    blob = np.zeros((bh, bw), dtype=np.uint8)
    cv2.drawContours(blob, [contour - np.array([x, y])], -1, 1, thickness=-1)
    ys, xs = np.nonzero(blob)
    if len(xs) == 0:
        return 0.0, 1.0
    d = np.hypot(xs + x - centre[0], ys + y - centre[1])
    inside = float((d <= radius).sum())
    out = d > 1.15 * radius + 1.0
    if open_side is not None:  # the blob may continue on that side (see circles_in_mask)
        out &= ~_on_open_side(xs + x - centre[0], ys + y - centre[1], open_side, radius)
    spill = float(out.mean())
    return min(1.0, inside / (math.pi * radius ** 2)), spill

