"""anny keypoints → MediaPipe BlazePose's 33 landmarks, projection and depth-buffer visibility.

Sources of the 33 points (index: source), all in the body frame before placement:

- COCO keypoints of anny's regressor: 0 nose, 2/5 eyes, 7/8 ears, 11–16 arms, 23–28 legs,
  29/30 heels, 31/32 foot index (= COCO big toe, the tip of the foot).
- Bone heads: 17/18 pinky (``finger5-1``, the #1 knuckle), 19/20 index (``finger2-1``),
  21/22 thumb (``finger1-3``, the #2 knuckle).
- Mesh vertices picked once per body in the rest pose: 1/4 inner and 3/6 outer eye corners,
  9/10 mouth corners.

Known offset: anny's COCO ear is the ear canal; MediaPipe's ear sits ~8 px (≈ 2–3 cm) further
back and up on the pinna in the renders here (docs/engineering.md §3.3). Landmarks are not
corrected.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

NUM_LANDMARKS = 33
FROM_COCO: dict[int, str] = {
    0: "nose",
    2: "left_eye",
    5: "right_eye",
    7: "left_ear",
    8: "right_ear",
    11: "left_shoulder",
    12: "right_shoulder",
    13: "left_elbow",
    14: "right_elbow",
    15: "left_wrist",
    16: "right_wrist",
    23: "left_hip",
    24: "right_hip",
    25: "left_knee",
    26: "right_knee",
    27: "left_ankle",
    28: "right_ankle",
    29: "left_heel",
    30: "right_heel",
    31: "left_big_toe",
    32: "right_big_toe",
}
FROM_BONE: dict[int, str] = {
    17: "finger5-1.L",
    18: "finger5-1.R",
    19: "finger2-1.L",
    20: "finger2-1.R",
    21: "finger1-3.L",
    22: "finger1-3.R",
}
#: Depth (m) a landmark may lie behind the rendered surface and still count as visible: joint
#: centres sit inside the limb, face points on the skin.
VISIBILITY_TOLERANCE_M: dict[int, float] = {
    **{i: 0.03 for i in range(0, 11)},
    11: 0.11,
    12: 0.11,
    13: 0.07,
    14: 0.07,
    15: 0.05,
    16: 0.05,
    **{i: 0.04 for i in range(17, 23)},
    23: 0.12,
    24: 0.12,
    25: 0.08,
    26: 0.08,
    27: 0.06,
    28: 0.06,
    29: 0.04,
    30: 0.04,
    31: 0.04,
    32: 0.04,
}


@dataclass(frozen=True)
class LandmarkSource:
    """Where each of the 33 landmarks comes from for one body: COCO, bone or vertex index."""

    coco_index: dict[int, int]
    bone_index: dict[int, int]
    vertex_index: dict[int, int]

    @classmethod
    def build(
        cls,
        coco_labels: list[str],
        bone_labels: list[str],
        rest_vertices: np.ndarray,
        rest_coco: np.ndarray,
        dominant_bone: np.ndarray,
    ) -> LandmarkSource:
        """Pick the face vertices near the eye corners and mouth corners of the rest pose."""
        ci = {n: i for i, n in enumerate(coco_labels)}
        head = np.flatnonzero(np.array([bone_labels[b] for b in dominant_bone]) == "head")
        nose = rest_coco[ci["nose"]]
        front = head[rest_vertices[head, 1] < nose[1] + 0.06]
        guesses: dict[int, np.ndarray] = {}
        for side, sign, inner, outer in (("left", 1.0, 1, 3), ("right", -1.0, 4, 6)):
            eye = rest_coco[ci[f"{side}_eye"]]
            guesses[inner] = eye + np.array([-sign * 0.013, 0.004, 0.0])
            guesses[outer] = eye + np.array([sign * 0.015, 0.010, 0.0])
        guesses[9] = nose + np.array([0.024, 0.020, -0.045])
        guesses[10] = nose + np.array([-0.024, 0.020, -0.045])
        vidx = {}
        for k, g in guesses.items():
            # Nearest vertex on the front of the face, preferring the outer (smallest y) skin.
            d = np.linalg.norm(rest_vertices[front] - g, axis=1)
            vidx[k] = int(front[np.argmin(d)])
        return cls(
            {k: ci[v] for k, v in FROM_COCO.items()},
            {k: bone_labels.index(v) for k, v in FROM_BONE.items()},
            vidx,
        )

    def gather(self, verts: np.ndarray, coco: np.ndarray, bones: np.ndarray) -> np.ndarray:
        """The 33 landmarks (33, 3) of one posed frame, body frame, metres."""
        out = np.zeros((NUM_LANDMARKS, 3))
        for k, i in self.coco_index.items():
            out[k] = coco[i]
        for k, i in self.bone_index.items():
            out[k] = bones[i]
        for k, i in self.vertex_index.items():
            out[k] = verts[i]
        return out


@dataclass(frozen=True)
class PinholeCamera:
    """Camera-to-world pose (4×4, OpenGL: looks down −z, +y up) and focal length in px."""

    pose: np.ndarray
    focal_px: float
    width: int
    height: int

    @classmethod
    def look_at(
        cls, eye: np.ndarray, target: np.ndarray, focal_px: float, width: int, height: int
    ) -> PinholeCamera:
        fwd = target - eye
        fwd /= np.linalg.norm(fwd)
        right = np.cross(fwd, [0.0, 0.0, 1.0])
        right /= np.linalg.norm(right)
        up = np.cross(right, fwd)
        pose = np.eye(4)
        pose[:3, 0], pose[:3, 1], pose[:3, 2], pose[:3, 3] = right, up, -fwd, eye
        return cls(pose, focal_px, width, height)

    def project(self, pts: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Pixel coordinates (N, 2) (x right, y down) and depths (N,) m of world points (N, 3)."""
        inv = np.linalg.inv(self.pose)
        pc = pts @ inv[:3, :3].T + inv[:3, 3]
        depth = -pc[:, 2]
        x = self.width / 2 + self.focal_px * pc[:, 0] / depth
        y = self.height / 2 - self.focal_px * pc[:, 1] / depth
        return np.stack([x, y], axis=1), depth


def visibility(px: np.ndarray, depth: np.ndarray, zbuf: np.ndarray) -> np.ndarray:
    """Per landmark: inside the image and not behind another surface (depth-buffer test).

    Args:
        px: (33, 2) pixel positions.
        depth: (33,) camera depths (m).
        zbuf: (H, W) rendered linear depth (m), 0 where nothing was drawn.
    """
    h, w = zbuf.shape
    vis = np.zeros(len(px), dtype=bool)
    for k, ((x, y), d) in enumerate(zip(px, depth, strict=True)):
        xi, yi = int(round(x)), int(round(y))
        if not (0 <= xi < w and 0 <= yi < h) or d <= 0:
            continue
        win = zbuf[max(yi - 1, 0) : yi + 2, max(xi - 1, 0) : xi + 2]
        surf = win[win > 0].max() if (win > 0).any() else np.inf
        vis[k] = d <= surf + VISIBILITY_TOLERANCE_M.get(k, 0.05)
    return vis
