"""Pure numpy geometry of points relative to the spine axis (hip → shoulder).

Coordinates are image pixels, origin top-left, y down.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class SpineCoords:
    """Points expressed along and across the hip → shoulder axis.

    Attributes:
        fraction: (n,) position along the axis: 0 at the hip, 1 at the shoulder,
            > 1 beyond the shoulder toward the neck, < 0 below the hip.
        offset_cm: (n,) signed perpendicular distance from the axis line in cm; positive on
            the right-hand side of the hip → shoulder direction as seen on screen (y down),
            e.g. below the axis when the shoulder is to the right of the hip.
    """

    fraction: np.ndarray
    offset_cm: np.ndarray


def axis_frame(hip_px: np.ndarray, shoulder_px: np.ndarray) -> tuple[np.ndarray, np.ndarray, float]:
    """Unit axis direction, its right-hand normal (screen, y down), and the length in px.

    Raises:
        ValueError: hip and shoulder coincide.
    """
    hip = np.asarray(hip_px, dtype=np.float64)
    axis = np.asarray(shoulder_px, dtype=np.float64) - hip
    length = float(np.hypot(axis[0], axis[1]))
    if length < 1e-9:
        raise ValueError("hip_px and shoulder_px coincide: no spine axis")
    u = axis / length
    # Right-hand normal in image coordinates: rotate u by +90° with y down.
    n = np.array([-u[1], u[0]])
    return u, n, length


def spine_coords(points_px: np.ndarray, hip_px: np.ndarray, shoulder_px: np.ndarray,
                 px_per_cm: float) -> SpineCoords:
    """Project points onto the hip → shoulder axis.

    Args:
        points_px: (2,) or (n, 2) pixel positions.
        hip_px: (2,) mid-hip pixel position.
        shoulder_px: (2,) mid-shoulder pixel position.
        px_per_cm: image scale, > 0.

    Returns:
        SpineCoords with (n,) arrays (n = 1 for a single point).

    Raises:
        ValueError: px_per_cm is not > 0, the axis has no length, or points are not (n, 2).
    """
    if not px_per_cm > 0:
        raise ValueError(f"px_per_cm must be > 0, got {px_per_cm}")
    pts = np.asarray(points_px, dtype=np.float64)
    if pts.ndim == 1:
        pts = pts[None, :]
    if pts.ndim != 2 or pts.shape[1] != 2:
        raise ValueError(f"points_px must be (2,) or (n, 2), got {np.shape(points_px)}")
    u, n, length = axis_frame(hip_px, shoulder_px)
    rel = pts - np.asarray(hip_px, dtype=np.float64)
    return SpineCoords(fraction=rel @ u / length, offset_cm=rel @ n / px_per_cm)


def point_on_axis(hip_px: np.ndarray, shoulder_px: np.ndarray, fraction: float,
                  offset_px: float = 0.0) -> np.ndarray:
    """The (2,) pixel point at ``fraction`` along the axis, ``offset_px`` along its normal."""
    u, n, length = axis_frame(hip_px, shoulder_px)
    return np.asarray(hip_px, dtype=np.float64) + fraction * length * u + offset_px * n


def floorward_normal(hip_px: np.ndarray, shoulder_px: np.ndarray) -> np.ndarray:
    """(2,) unit normal of the axis that points down the image (toward the floor, +y).

    For a vertical axis (standing person) the choice is the right-hand normal.
    """
    _, n, _ = axis_frame(hip_px, shoulder_px)
    return n if n[1] >= 0 else -n


def band_box(hip_px: np.ndarray, shoulder_px: np.ndarray, frac_range: tuple[float, float],
             offset_range_px: tuple[float, float], normal: np.ndarray | None = None,
             image_shape: tuple[int, ...] | None = None) -> tuple[int, int, int, int] | None:
    """Axis-aligned (x0, y0, x1, y1) box (x1, y1 exclusive) around an oriented band.

    The band spans ``frac_range`` along the axis and ``offset_range_px`` along ``normal``
    (default: the right-hand normal). Clipped to ``image_shape`` (H, W, ...); None when empty.
    """
    u, n, length = axis_frame(hip_px, shoulder_px)
    if normal is not None:
        n = np.asarray(normal, dtype=np.float64)
    hip = np.asarray(hip_px, dtype=np.float64)
    corners = np.array([hip + f * length * u + o * n
                        for f in frac_range for o in offset_range_px])
    x0, y0 = np.floor(corners.min(axis=0)).astype(int)
    x1, y1 = np.ceil(corners.max(axis=0)).astype(int) + 1
    if image_shape is not None:
        h, w = image_shape[:2]
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return int(x0), int(y0), int(x1), int(y1)
