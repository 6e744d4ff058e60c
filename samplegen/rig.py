"""A scene's body, posed and placed for every frame: world meshes, landmarks and prop states."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from samplegen.appearance import vertex_colours
from samplegen.body import PosedBatch, body_model
from samplegen.landmarks import LandmarkSource
from samplegen.motion import DEFAULTS, frame_times, values_at
from samplegen.placement import (
    BodyParts,
    Placement,
    drop_ball,
    leg_ik,
    place_on_floor,
    place_supine,
    place_wall,
)
from samplegen.scene import Scene


@dataclass(frozen=True)
class BodyMeasures:
    """Rest-pose measurements of one body (metres unless stated).

    ``spine_levels`` are spine fractions (0 = mid-hip, 1 = mid-shoulder) of vertebral levels:
    C7 at anny's ``neck01`` bone head; T3, T7 and T12 interpolated between C7 and the hip-joint
    level with adult proportions (C7→hip: T3 at 14 %, T7 at 29 %, T12/L1 at 54 %), matching
    docs/engineering.md §3.2 (scapular spine ≈ T3, inferior angle ≈ T7, lowest ribs ≈ T12).
    """

    height_m: float
    shoulder_hip_m: float
    thigh_m: float
    shank_m: float
    ankle_height_m: float
    spine_levels: dict[str, float]


@dataclass
class RiggedClip:
    """Everything per frame that rendering and truth need (world frame)."""

    times: np.ndarray
    values: list[dict[str, float]]
    vertices: np.ndarray | None  # (N, V, 3)
    landmarks: np.ndarray | None  # (N, 33, 3)
    placements: list[Placement]
    prop_centres: list[np.ndarray | None]
    faces: np.ndarray | None
    colours: np.ndarray | None
    measures: BodyMeasures | None
    seat: tuple[np.ndarray, np.ndarray] | None  # (centre, extents) of the seat box


def _measures(
    rest: PosedBatch, coco_labels: list[str], bone_labels: list[str], feet: np.ndarray
) -> BodyMeasures:
    ci = {n: i for i, n in enumerate(coco_labels)}
    c, v, b = rest.coco[0], rest.vertices[0], rest.bones[0]
    hip = 0.5 * (c[ci["left_hip"]] + c[ci["right_hip"]])
    sh = 0.5 * (c[ci["left_shoulder"]] + c[ci["right_shoulder"]])
    axis = sh - hip
    c7 = b[bone_labels.index("neck01")]
    s_c7 = float((c7 - hip) @ axis / (axis @ axis))
    levels = {"C7": s_c7}
    for name, frac in (("T3", 0.14), ("T7", 0.29), ("T12", 0.54)):
        levels[name] = s_c7 * (1.0 - frac)
    thigh = float(np.linalg.norm(c[ci["left_hip"]] - c[ci["left_knee"]]))
    shank = float(np.linalg.norm(c[ci["left_knee"]] - c[ci["left_ankle"]]))
    ankle_h = float(c[ci["left_ankle"]][2] - v[feet][:, 2].min())
    return BodyMeasures(
        float(v[:, 2].max() - v[:, 2].min()),
        float(np.linalg.norm(axis)),
        thigh,
        shank,
        ankle_h,
        {k: round(x, 4) for k, x in levels.items()},
    )


def _place_all(
    scene: Scene, posed: PosedBatch, values: list[dict[str, float]], parts: BodyParts
) -> list[Placement]:
    out = []
    prop = scene.prop
    for i, vals in enumerate(values):
        verts, coco = posed.vertices[i], posed.coco[i]
        if scene.setup == "supine":
            out.append(
                place_supine(vals, verts, coco, parts, prop.radius_m, prop.x_m, prop.kind == "ball")
            )
        elif scene.setup == "wall":
            if scene.room.side_wall_x_m is None:
                raise ValueError(f"scene {scene.name!r}: wall setup needs room.side_wall_x_m")
            out.append(
                place_wall(vals, verts, coco, parts, prop.radius_m, scene.room.side_wall_x_m)
            )
        else:
            out.append(place_on_floor(vals, verts, parts))
    return out


def _flat_feet(values: dict[str, float]) -> dict[str, float]:
    """Set the ankles so the soles stay parallel to the floor (see :func:`placement.leg_ik`)."""
    out = dict(values)
    for side in ("l", "r"):
        hip = values.get(f"hip_flex_{side}", values["hip_flex"])
        knee = values.get(f"knee_flex_{side}", values["knee_flex"])
        out[f"ankle_flex_{side}"] = knee - hip - values["pitch"]
    return out


def _ball_in_hand(
    centres: list[np.ndarray | None],
    values: list[dict[str, float]],
    lms: np.ndarray,
    radius: float,
) -> list[np.ndarray | None]:
    """While walking in to the wall (``on_prop`` < 1) the ball is in the hand nearer the camera."""
    out = list(centres)
    for i, v in enumerate(values):
        if v["on_prop"] < 0.999:
            wrist = lms[i][15] if lms[i][15][1] < lms[i][16][1] else lms[i][16]
            out[i] = wrist + np.array([0.0, 0.0, -0.03 - radius])
    return out


def rig_clip(scene: Scene) -> RiggedClip:
    """Pose and place the scene's body for every frame (two passes with leg IK when lying)."""
    times = frame_times(scene)
    values = [_flat_feet(values_at(scene, float(t))) for t in times]
    if scene.setup == "empty":
        return RiggedClip(
            times, values, None, None, [], [None] * len(times), None, None, None, None
        )
    bm = body_model()
    rest = bm.pose(scene.body, [dict(DEFAULTS)])
    parts = BodyParts.build(bm.dominant_bone, bm.bone_labels, bm.coco_labels)
    measures = _measures(rest, bm.coco_labels, bm.bone_labels, parts.feet)
    source = LandmarkSource.build(
        bm.coco_labels, bm.bone_labels, rest.vertices[0], rest.coco[0], bm.dominant_bone
    )
    ci = {n: i for i, n in enumerate(bm.coco_labels)}
    colours = vertex_colours(
        scene.body,
        rest.vertices[0],
        bm.dominant_bone,
        bm.bone_labels,
        {n: rest.coco[0][i] for n, i in ci.items()},
        scene.seed,
    )
    posed = bm.pose(scene.body, values)
    placements = _place_all(scene, posed, values, parts)
    if scene.setup == "supine":
        # Plant the feet: the ankles stay at one spot on the floor while the body rolls.
        ik_values = []
        for i, (vals, pl) in enumerate(zip(values, placements, strict=True)):
            head_dir = pl.R @ np.array([0.0, 0.0, 1.0])
            sign = -np.sign(head_dir[0]) or 1.0
            foot_x = scene.prop.x_m + sign * vals["foot_dist"]
            ik_values.append(
                leg_ik(
                    vals,
                    pl.R,
                    pl.T,
                    posed.coco[i],
                    parts,
                    foot_x,
                    measures.ankle_height_m,
                    measures.thigh_m,
                    measures.shank_m,
                )
            )
        values = ik_values
        posed = bm.pose(scene.body, values)
        placements = _place_all(scene, posed, values, parts)
    world_v = np.einsum("nij,nvj->nvi", np.stack([p.R for p in placements]), posed.vertices)
    world_v += np.stack([p.T for p in placements])[:, None, :]
    lms = np.stack(
        [
            source.gather(posed.vertices[i], posed.coco[i], posed.bones[i])
            for i in range(len(values))
        ]
    )
    lms = np.einsum("nij,nkj->nki", np.stack([p.R for p in placements]), lms)
    lms += np.stack([p.T for p in placements])[:, None, :]
    centres = [p.prop_center for p in placements]
    if scene.prop.kind == "ball":
        attached = np.array([v["attached"] for v in values])
        # A dropped ball rolls off away from the wall and towards the camera, staying in view.
        away = 0.0
        if scene.room.side_wall_x_m is not None and centres[0] is not None:
            away = -np.sign(scene.room.side_wall_x_m - centres[0][0])
        roll = np.array([0.8 * away, -0.6, 0.0])
        centres = drop_ball(
            centres, attached, times, scene.prop.radius_m, roll / np.linalg.norm(roll)
        )
        if scene.setup == "wall":
            centres = _ball_in_hand(centres, values, lms, scene.prop.radius_m)
    elif scene.prop.kind == "roller":
        # The roller lies still on the floor: keep its first lying position.
        fixed = next(
            (c for c, p in zip(centres, placements, strict=True) if p.in_contact), centres[0]
        )
        centres = [
            None if c is None else np.array([scene.prop.x_m, fixed[1], fixed[2]]) for c in centres
        ]
    seat = None
    if scene.setup == "seated":
        seat_v = world_v[0][parts.seat]
        zmin = seat_v[:, 2].min()
        low = seat_v[seat_v[:, 2] < zmin + 0.03]
        c = low.mean(axis=0)
        seat = (np.array([c[0], c[1], zmin / 2]), np.array([0.38, 0.38, zmin]))
    return RiggedClip(
        times, values, world_v, lms, placements, centres, bm.faces, colours, measures, seat
    )
