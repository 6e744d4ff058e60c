"""The anny body: phenotype → posed vertices, COCO keypoints and bone heads, in the body frame.

Body frame (anny): metres, +Z up, −Y forward (the face), +X the body's left, origin at the
pelvis. Posing uses anny's default ``local-ref`` parameterisation: each bone's 4×4 delta rotates
about world-aligned axes at that joint in the rest A-pose, children inherit (docs/engineering.md
§3.1): hip flexion ``upperleg01`` about x by −θ, knee flexion ``lowerleg01`` about x by +θ, spine
and neck flexion about x by +θ, head flexion about x by +θ, arms down from the A-pose
``upperarm01.L`` about y by +38° (``.R`` by −38°), then shoulder flexion about x by −θ; elbow
flexion about the rest forearm's anatomical axis.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from samplegen.scene import BodySpec

#: Angle (deg) that brings anny's A-pose arms down along the body.
A_POSE_ARM_DEG = 38.0
SPINE_BONES = ("spine05", "spine04", "spine03", "spine02", "spine01")
NECK_BONES = ("neck01", "neck02", "neck03")


def _rx(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def _ry(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, 0, s], [0, 1, 0], [-s, 0, c]])


def _rz(deg: float) -> np.ndarray:
    a = np.radians(deg)
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def _axis_angle(axis: np.ndarray, deg: float) -> np.ndarray:
    k = axis / np.linalg.norm(axis)
    a = np.radians(deg)
    kx = np.array([[0, -k[2], k[1]], [k[2], 0, -k[0]], [-k[1], k[0], 0]])
    return np.eye(3) + np.sin(a) * kx + (1 - np.cos(a)) * kx @ kx


#: Rest (A-pose) forearm direction of the left arm, measured on anny (body frame).
_REST_FOREARM_L = np.array([0.65, 0.0, -0.76])


def _side(values: dict[str, float], key: str, side: str) -> float:
    return values.get(f"{key}_{side.lower()}", values[key])


def pose_rotations(values: dict[str, float]) -> dict[str, np.ndarray]:
    """Per-bone 3×3 delta rotations for the named joint angles in ``values`` (degrees)."""
    rot: dict[str, np.ndarray] = {}
    n_sp, n_nk = len(SPINE_BONES), len(NECK_BONES)
    for bone in SPINE_BONES:
        rot[bone] = _ry(values["spine_lat"] / n_sp) @ _rx(values["spine_flex"] / n_sp)
    for bone in NECK_BONES:
        rot[bone] = _rx(values["neck_flex"] / n_nk)
    rot["head"] = _rx(values["head_flex"])
    for side, sign in (("L", 1.0), ("R", -1.0)):
        rot[f"upperleg01.{side}"] = _rx(-_side(values, "hip_flex", side))
        rot[f"lowerleg01.{side}"] = _rx(_side(values, "knee_flex", side))
        rot[f"foot.{side}"] = _rx(-_side(values, "ankle_flex", side))
        down = sign * (A_POSE_ARM_DEG - _side(values, "shoulder_abd", side))
        twist = _axis_angle(
            _REST_FOREARM_L * np.array([sign, 1.0, 1.0]), sign * _side(values, "shoulder_rot", side)
        )
        rot[f"upperarm01.{side}"] = _rx(-_side(values, "shoulder_flex", side)) @ _ry(down) @ twist
        # Elbow flexion about the anatomical axis of the rest A-pose forearm (perpendicular to
        # the forearm and to the forward direction), so the hand moves forward, palm first.
        fore = _REST_FOREARM_L * np.array([sign, 1.0, 1.0])
        axis = np.cross(fore, [0.0, -1.0, 0.0])
        rot[f"lowerarm01.{side}"] = _axis_angle(axis, _side(values, "elbow_flex", side))
    return rot


@dataclass(frozen=True)
class PosedBatch:
    """A batch of posed bodies in the body frame (metres).

    Attributes:
        vertices: (B, V, 3) skinned mesh vertices.
        coco: (B, 23, 3) anny's COCO(-wholebody feet) keypoints, order ``coco_labels``.
        bones: (B, J, 3) bone head positions, order ``bone_labels``.
    """

    vertices: np.ndarray
    coco: np.ndarray
    bones: np.ndarray


class BodyModel:
    """One anny model, its COCO regressor, faces and per-vertex dominant bone."""

    def __init__(self) -> None:
        os.environ.setdefault("ANNY_CACHE_DIR", "/work/anny-cache")
        import anny  # heavy import, kept out of module import time
        import torch

        self._torch = torch
        torch.set_num_threads(1)
        self.model = anny.Anny()
        self.regressor = anny.KeypointsRegressor.coco(self.model)
        self.coco_labels: list[str] = list(self.regressor.labels)
        self.bone_labels: list[str] = list(self.model.bone_labels)
        self.faces = self.model.get_triangular_faces().cpu().numpy().astype(np.int64)
        weights = self.model.vertex_bone_weights.cpu().numpy()
        indices = self.model.vertex_bone_indices.cpu().numpy()
        self.dominant_bone = indices[np.arange(len(indices)), weights.argmax(axis=1)]

    def pose(self, spec: BodySpec, frames: list[dict[str, float]], chunk: int = 64) -> PosedBatch:
        """Pose ``spec`` once per entry of ``frames`` (joint angles in degrees)."""
        torch = self._torch
        verts, cocos, bones = [], [], []
        pheno = {
            "gender": spec.gender,
            "age": spec.age,
            "muscle": spec.muscle,
            "weight": spec.weight,
            "height": spec.height,
            "proportions": spec.proportions,
        }
        for start in range(0, len(frames), chunk):
            part = frames[start : start + chunk]
            rots = [pose_rotations(v) for v in part]
            deltas = {}
            for bone in rots[0]:
                m = np.tile(np.eye(4), (len(part), 1, 1))
                m[:, :3, :3] = np.stack([r[bone] for r in rots])
                deltas[bone] = torch.tensor(m, dtype=self.model.dtype)
            ph = {k: torch.full((len(part),), v, dtype=self.model.dtype) for k, v in pheno.items()}
            with torch.no_grad():
                out = self.model(pose_parameters=deltas, phenotype_kwargs=ph)
                kp = self.regressor(out)
            verts.append(out["vertices"].cpu().numpy().astype(np.float64))
            cocos.append(kp.cpu().numpy().astype(np.float64))
            bones.append(out["bone_poses"][:, :, :3, 3].cpu().numpy().astype(np.float64))
        return PosedBatch(np.concatenate(verts), np.concatenate(cocos), np.concatenate(bones))


@lru_cache(maxsize=1)
def body_model() -> BodyModel:
    """The process-wide :class:`BodyModel` (loading anny takes ~1 s once cached)."""
    return BodyModel()


def rotation(yaw_deg: float, pitch_deg: float) -> np.ndarray:
    """Body → world rotation: lean back by ``pitch`` about the body's x axis, then yaw about z.

    pitch 0 = upright, 90 = lying on the back (the back facing −z). yaw 0 = facing the camera
    at azimuth 0 (the face towards −y); yaw −90 = facing −x (image left in a side view).
    """
    return _rz(yaw_deg) @ _rx(-pitch_deg)
