"""A round prop's radius measured in the image, independent of the detector's size prior.

The ball detectors look for a ball of the size the body's assumed scale predicts and report
that size back (docs/coaching.md §3.2, "Scale"), so their radius cannot tell the scale. This
measures it from the pixels around a found centre: along rays from the centre, where the
colour has gone half of the way from the ray's own inside colour to its own outside colour.
Blur spreads an edge symmetrically about that point, so the half-way crossing stays on the
edge; each ray has its own inside and outside colour, so a shaded half of the ball or a
different surface on each side (the back, the wall, the floor) does not move it. Rays with
too little contrast (a shirt of the ball's colour, the ball pressed into the body) give no
edge; the median over the rest ignores the few that meet an arm or a shadow.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

#: Rays from the centre, evenly spread.
RAYS = 24
#: The rays reach this many guessed radii: a ball up to ~1.8× the guess still shows its
#: outside over the last half radius (OUTSIDE_RADII).
REACH_RADII = 2.5
OUTSIDE_RADII = 0.5
#: The ray's inside colour: between these shares of the guessed radius (clear of the centre,
#: where a specular spot or the seam may sit, and of the edge).
INSIDE_RADII = (0.2, 0.5)
#: A ray whose outside differs from its inside by less than this CIELAB ΔE has no edge to
#: find (ΔE ≈ 10 is a clearly visible difference).
MIN_CONTRAST = 12.0
#: Fewer usable rays than this: the disc is not measured on this frame.
MIN_RAYS = 6
#: Sampling step along a ray, px.
STEP_PX = 0.25


def disc_radius_px(frame_bgr: np.ndarray, center_px: np.ndarray,
                   radius_guess_px: float) -> float | None:
    """The radius (px) of the even disc centred at ``center_px``, or None when it cannot be
    measured on this frame (too close to the image border, too few contrasting rays).

    Args:
        frame_bgr: (H, W, 3) uint8 image.
        center_px: (2,) x, y of the disc's centre.
        radius_guess_px: the expected radius, only to set how far to look (> 0).

    Raises:
        ValueError: the image is not (H, W, 3) uint8 or the guess is not > 0.
    """
    if frame_bgr.ndim != 3 or frame_bgr.shape[2] != 3 or frame_bgr.dtype != np.uint8:
        raise ValueError(f"frame_bgr must be (H, W, 3) uint8, got {frame_bgr.shape} "
                         f"{frame_bgr.dtype}")
    if not radius_guess_px > 0:
        raise ValueError(f"radius_guess_px must be > 0, got {radius_guess_px}")
    cx, cy = float(center_px[0]), float(center_px[1])
    if not (math.isfinite(cx) and math.isfinite(cy)):
        return None
    half = int(math.ceil(REACH_RADII * radius_guess_px)) + 2
    h, w = frame_bgr.shape[:2]
    x0, y0 = int(cx) - half, int(cy) - half
    if x0 < 0 or y0 < 0 or x0 + 2 * half + 1 > w or y0 + 2 * half + 1 > h:
        return None  # clipped by the image border: part of the disc may be cut
    crop = frame_bgr[y0:y0 + 2 * half + 1, x0:x0 + 2 * half + 1]
    lab = cv2.cvtColor(crop.astype(np.float32) / 255.0, cv2.COLOR_BGR2Lab)
    s = np.arange(0.0, REACH_RADII * radius_guess_px + 1e-9, STEP_PX)
    angles = np.arange(RAYS) * (2.0 * math.pi / RAYS)
    map_x = (cx - x0 + np.cos(angles)[:, None] * s[None, :]).astype(np.float32)
    map_y = (cy - y0 + np.sin(angles)[:, None] * s[None, :]).astype(np.float32)
    profiles = cv2.remap(lab, map_x, map_y, cv2.INTER_LINEAR)  # (RAYS, n, 3)
    lo, hi = INSIDE_RADII[0] * radius_guess_px, INSIDE_RADII[1] * radius_guess_px
    inside = profiles[:, (s >= lo) & (s <= hi)].mean(axis=1)
    outside_at = s >= (REACH_RADII - OUTSIDE_RADII) * radius_guess_px
    outside = np.median(profiles[:, outside_at], axis=1)
    axis = outside - inside
    contrast = np.linalg.norm(axis, axis=1)
    # How far each sample has gone from the ray's inside colour toward its outside colour,
    # in ΔE along that direction.
    along = np.einsum("rnc,rc->rn", profiles - inside[:, None], axis) / np.maximum(
        contrast, 1e-9)[:, None]
    edges = []
    for ray in np.nonzero(contrast >= MIN_CONTRAST)[0]:
        level = 0.5 * float(np.median(along[ray, outside_at]))
        crossed = np.nonzero(along[ray] >= level)[0]
        if len(crossed) == 0 or crossed[0] == 0:
            continue
        i = int(crossed[0])
        a, b = float(along[ray, i - 1]), float(along[ray, i])
        edges.append(float(s[i - 1]) + STEP_PX * (level - a) / max(b - a, 1e-9))
    if len(edges) < MIN_RAYS:
        return None
    return float(np.median(edges))
