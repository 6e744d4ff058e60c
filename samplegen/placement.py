"""Where the posed body stands in the room, and where its prop is, frame by frame.

World frame: metres, +z up, the floor at z = 0, the camera at azimuth 0 on the −y side
looking at +y (so +x is image right). Each frame's body → world transform is
``p_world = R @ p_body + T``. Setups (``Scene.setup``):

- ``seated`` / ``standing``: the feet rest on the floor, the pelvis at (``x``, ``y``).
- ``supine``: lying on the back over a roller or ball on the floor. The prop touches the back
  at ``spine_fraction`` (0 = mid-hip, 1 = mid-shoulder) and the trunk pitch is solved so the
  lowest point of the buttocks is ``hip_lift`` m above the floor (the trunk pivots on the
  prop). ``on_prop`` < 1 blends towards sitting on the floor ``sit_offset`` m towards the
  feet (the setting-up phase). The legs are solved so the ankles stay planted
  ``foot_dist`` m from the prop (:func:`leg_ik`).
- ``wall``: standing with a ball squeezed between the back and a side wall; ``x`` m away from
  that spot (walking in) while ``on_prop`` < 1, the ball then held in the hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samplegen.body import rotation

#: Bones whose vertices form the trunk surface the prop may touch.
TRUNK_BONES = (
    "spine05",
    "spine04",
    "spine03",
    "spine02",
    "spine01",
    "clavicle.L",
    "clavicle.R",
    "shoulder01.L",
    "shoulder01.R",
    "neck01",
    "neck02",
    "neck03",
    "head",
    "pelvis.L",
    "pelvis.R",
    "root",
)
#: Bones whose vertices are the buttocks (for ``hip_lift``) and the seat contact.
SEAT_BONES = ("pelvis.L", "pelvis.R", "root", "spine05", "upperleg01.L", "upperleg01.R")
GRAVITY = 9.81


@dataclass(frozen=True)
class BodyParts:
    """Vertex masks and keypoint indices of one body model (all (V,) bool arrays)."""

    trunk: np.ndarray
    seat: np.ndarray
    feet: np.ndarray
    coco_index: dict[str, int]

    @classmethod
    def build(
        cls, dominant_bone: np.ndarray, bone_labels: list[str], coco_labels: list[str]
    ) -> BodyParts:
        names = np.array([bone_labels[b] for b in dominant_bone])
        feet = np.char.startswith(names, "foot") | np.char.startswith(names, "toe")
        return cls(
            np.isin(names, TRUNK_BONES),
            np.isin(names, SEAT_BONES),
            feet,
            {n: i for i, n in enumerate(coco_labels)},
        )


@dataclass(frozen=True)
class Placement:
    """One frame's rigid body placement and prop state (world frame, metres)."""

    R: np.ndarray
    T: np.ndarray
    prop_center: np.ndarray | None
    contact: np.ndarray | None
    in_contact: bool


def trunk_axis(coco: np.ndarray, idx: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
    """Mid-hip and mid-shoulder points of COCO keypoints ``coco`` (K, 3)."""
    hip = 0.5 * (coco[idx["left_hip"]] + coco[idx["right_hip"]])
    sh = 0.5 * (coco[idx["left_shoulder"]] + coco[idx["right_shoulder"]])
    return hip, sh


def back_point(
    verts: np.ndarray, coco: np.ndarray, parts: BodyParts, s: float, lateral: float
) -> tuple[np.ndarray, np.ndarray]:
    """Point on the back surface at spine fraction ``s`` and its outward normal (body frame).

    The normal is the body's backward direction (+y) made perpendicular to the trunk axis; the
    point is the furthest trunk vertex along it within a 2 cm slice at that height, placed on
    the line through the axis point, ``lateral`` m towards the body's left.
    """
    hip, sh = trunk_axis(coco, parts.coco_index)
    axis = sh - hip
    a = axis / np.linalg.norm(axis)
    n = np.array([0.0, 1.0, 0.0]) - a[1] * a
    n /= np.linalg.norm(n)
    side = np.cross(n, a)
    side *= np.sign(side[0]) or 1.0
    p = hip + s * axis + lateral * side
    rel = verts[parts.trunk] - p
    along, across = rel @ a, rel @ side
    sel = (np.abs(along) < 0.02) & (np.abs(across) < 0.03)
    if not sel.any():
        sel = np.abs(along) < 0.05
    depth = float((rel[sel] @ n).max())
    return p + depth * n, n


def _floor_T(R: np.ndarray, verts: np.ndarray, mask: np.ndarray, xy: np.ndarray) -> np.ndarray:
    """Translation putting the body-frame origin at ``xy`` and the lowest masked vertex at z 0."""
    z = (verts[mask] @ R.T)[:, 2].min()
    return np.array([xy[0], xy[1], -z])


def _supine_T(
    R: np.ndarray,
    b: np.ndarray,
    n: np.ndarray,
    r: float,
    prop_x: float,
    y: float,
    lateral_prop: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Translation that rests the back point ``b`` on a prop of radius ``r`` lying on the floor."""
    c_body = b + r * n
    cw = R @ c_body
    T = np.array([prop_x - cw[0], y, r - cw[2]])
    centre = cw + T
    if not lateral_prop:
        centre[1] = y
    return T, centre


def place_supine(
    values: dict[str, float],
    verts: np.ndarray,
    coco: np.ndarray,
    parts: BodyParts,
    radius: float,
    prop_x: float,
    lateral_prop: bool,
) -> Placement:
    """Placement for the ``supine`` setup (see the module docstring)."""
    b, n = back_point(verts, coco, parts, values["spine_fraction"], values["lateral"])
    lo, hi = 20.0, 115.0
    for _ in range(40):  # bisection: the trunk pivots on the prop, more pitch lifts the buttocks
        mid = 0.5 * (lo + hi)
        R = rotation(values["yaw"], mid)
        T, _ = _supine_T(R, b, n, radius, prop_x, values["y"], lateral_prop)
        zmin = ((verts[parts.seat] @ R.T)[:, 2] + T[2]).min()
        if zmin > values["hip_lift"]:
            hi = mid
        else:
            lo = mid
    lying_pitch = 0.5 * (lo + hi)
    w = float(np.clip(values["on_prop"], 0.0, 1.0))
    pitch = (1 - w) * values["pitch"] + w * lying_pitch
    R = rotation(values["yaw"], pitch)
    T_prop, centre = _supine_T(R, b, n, radius, prop_x, values["y"], lateral_prop)
    feet_dir = -(R @ np.array([0.0, 0.0, 1.0]))
    feet_dir[2] = 0.0
    feet_dir /= max(np.linalg.norm(feet_dir), 1e-9)
    sit_xy = T_prop[:2] + values["sit_offset"] * feet_dir[:2]
    T_sit = _floor_T(R, verts, parts.seat, sit_xy)
    T = (1 - w) * T_sit + w * T_prop
    contact = R @ b + T
    if w < 1.0:
        # The prop stays where it will be when lying on it: at the contact solution of w = 1.
        R1 = rotation(values["yaw"], lying_pitch)
        T1, centre = _supine_T(R1, b, n, radius, prop_x, values["y"], lateral_prop)
    gap = _gap(verts @ R.T + T, centre, radius, lateral_prop)
    return Placement(R, T, centre, contact, gap < 0.01)


def _gap(world_verts: np.ndarray, centre: np.ndarray, radius: float, sphere: bool) -> float:
    """Distance (m) from the prop surface to the nearest body vertex (roller axis along y)."""
    d = world_verts - centre
    if not sphere:
        d = d[:, [0, 2]]
    return float(np.linalg.norm(d, axis=1).min() - radius)


def place_wall(
    values: dict[str, float],
    verts: np.ndarray,
    coco: np.ndarray,
    parts: BodyParts,
    radius: float,
    wall_x: float,
) -> Placement:
    """Standing with the back to a wall at x = ``wall_x`` and a ball in between."""
    R = rotation(values["yaw"], values["pitch"])
    b, n = back_point(verts, coco, parts, values["spine_fraction"], values["lateral"])
    cw = R @ (b + radius * n)
    toward_wall = np.sign(wall_x - cw[0]) or 1.0
    T = _floor_T(R, verts, parts.feet, np.array([0.0, values["y"]]))
    T[0] = wall_x - toward_wall * radius - cw[0]
    centre = cw + T
    # Walking in (``on_prop`` < 1): the body stands ``x`` m further from the wall and the
    # ball is not yet pressed against the back (the rig puts it in the hand).
    pressed = values["on_prop"] >= 0.999 and abs(values["x"]) < 1e-6
    T[0] -= toward_wall * values["x"]
    return Placement(R, T, centre, R @ b + T, pressed)


def place_on_floor(values: dict[str, float], verts: np.ndarray, parts: BodyParts) -> Placement:
    """``seated`` and ``standing``: feet on the floor, pelvis at (``x``, ``y``)."""
    R = rotation(values["yaw"], values["pitch"])
    T = _floor_T(R, verts, parts.feet, np.array([values["x"], values["y"]]))
    return Placement(R, T, None, None, False)


def drop_ball(
    centres: list[np.ndarray | None],
    attached: np.ndarray,
    times: np.ndarray,
    radius: float,
    roll_dir: np.ndarray,
) -> list[np.ndarray | None]:
    """Free fall of a released ball: from its last attached centre down to the floor.

    Args:
        centres: per-frame attached ball centres (m).
        attached: (N,) 1 while held against the body, 0 once released.
        times: (N,) frame times (s).
        radius: ball radius (m).
        roll_dir: (3,) unit horizontal direction it rolls away in after landing.
    """
    out = list(centres)
    released = np.flatnonzero(attached < 0.5)
    if released.size == 0:
        return out
    i0 = int(released[0])
    start = np.asarray(centres[max(i0 - 1, 0)], dtype=np.float64)
    t0 = times[i0 - 1] if i0 > 0 else times[0]
    fall_t = np.sqrt(max(2 * (start[2] - radius) / GRAVITY, 0.0))
    for i in range(i0, len(out)):
        tau = times[i] - t0
        c = start.copy()
        if tau < fall_t:
            c[2] = start[2] - 0.5 * GRAVITY * tau**2
            c += roll_dir * 0.15 * tau
        else:
            c[2] = radius
            roll = 0.15 * fall_t + 0.25 * (1 - np.exp(-(tau - fall_t) / 0.6))
            c += roll_dir * roll
        out[i] = c
    return out


def leg_ik(
    values: dict[str, float],
    R: np.ndarray,
    T: np.ndarray,
    coco: np.ndarray,
    parts: BodyParts,
    foot_target_x: float,
    ankle_height: float,
    thigh: float,
    shank: float,
) -> dict[str, float]:
    """Hip/knee/ankle flexion (deg) planting the ankles at world x ``foot_target_x`` on the floor.

    Two-link inverse kinematics in the body's sagittal (y–z) plane; the ankle angle keeps the
    sole parallel to the floor.
    """
    idx = parts.coco_index
    hip_b = 0.5 * (coco[idx["left_hip"]] + coco[idx["right_hip"]])
    hip_w = R @ hip_b + T
    target_w = np.array([foot_target_x, hip_w[1], ankle_height])
    tb = R.T @ (target_w - T)
    d = np.array([tb[1] - hip_b[1], tb[2] - hip_b[2]])
    dist = float(np.clip(np.linalg.norm(d), abs(thigh - shank) + 1e-3, thigh + shank - 1e-3))
    psi = np.degrees(np.arctan2(-d[0], -d[1]))
    cos_a = (thigh**2 + dist**2 - shank**2) / (2 * thigh * dist)
    alpha = np.degrees(np.arccos(np.clip(cos_a, -1, 1)))
    cos_g = (thigh**2 + shank**2 - dist**2) / (2 * thigh * shank)
    knee = 180.0 - np.degrees(np.arccos(np.clip(cos_g, -1, 1)))
    hip = psi + alpha
    up_b = R.T @ np.array([0.0, 0.0, 1.0])
    pitch = np.degrees(np.arctan2(-up_b[1], up_b[2]))
    out = dict(values)
    for side in ("l", "r"):
        out.pop(f"hip_flex_{side}", None)
        out.pop(f"knee_flex_{side}", None)
        out.pop(f"ankle_flex_{side}", None)
    out["hip_flex"], out["knee_flex"] = float(hip), float(knee)
    out["ankle_flex"] = float(knee - hip - pitch)
    return out
