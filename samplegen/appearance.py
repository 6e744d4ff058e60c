"""Per-vertex colours of the body: skin, hair, shirt, trousers, shoes, with fabric texture.

Colours in scene files are sRGB; they are decoded to linear light here for pyrender.

Parts come from each vertex's dominant skinning bone (docs/engineering.md §3.1); hair is the part
of the head above the ears and behind the face. Colours are linear-ish RGB in [0, 1].
"""

from __future__ import annotations

import numpy as np

from samplegen.scene import BodySpec


def _part(bone: str, long_sleeves: bool) -> str:
    if bone.startswith(("foot", "toe")):
        return "shoes"
    if bone.startswith(("upperleg", "lowerleg", "pelvis")) or bone == "root":
        return "trousers"
    if bone.startswith(("spine", "clavicle", "shoulder", "upperarm")):
        return "shirt"
    if bone.startswith("lowerarm"):
        return "shirt" if long_sleeves else "skin"
    if bone.startswith("eye"):
        return "eye"
    return "skin"


def vertex_colours(
    spec: BodySpec,
    rest_vertices: np.ndarray,
    dominant_bone: np.ndarray,
    bone_labels: list[str],
    coco_rest: dict[str, np.ndarray],
    seed: int,
) -> np.ndarray:
    """RGBA colours, shape (V, 4), uint8, for a body of shape ``rest_vertices`` (V, 3) m.

    Args:
        spec: colours and options.
        rest_vertices: unposed vertices in the body frame.
        dominant_bone: (V,) index into ``bone_labels`` of each vertex's largest skin weight.
        bone_labels: anny bone names.
        coco_rest: COCO keypoints of the rest pose by label (for the ear and eye levels).
        seed: texture noise seed.
    """
    rng = np.random.default_rng(seed)
    names = [bone_labels[b] for b in dominant_bone]
    parts = np.array([_part(n, spec.long_sleeves) for n in names])
    v = rest_vertices
    ear = 0.5 * (coco_rest["left_ear"] + coco_rest["right_ear"])
    eye = 0.5 * (coco_rest["left_eye"] + coco_rest["right_eye"])
    head_like = np.isin(np.array(names), ["head", "neck03", "neck02"])
    # Hair: the scalp above the eyebrows and the back of the head above the nape.
    brow = eye[2] + 0.025
    top = head_like & (v[:, 2] > brow)
    nape = ear[2] - (0.11 if spec.long_hair else 0.035)
    back = head_like & (v[:, 1] > ear[1] + 0.01) & (v[:, 2] > nape)
    sides = head_like & (v[:, 2] > ear[2] + 0.03) & (np.abs(v[:, 0]) > np.abs(ear[0]) - 0.02)
    parts[top | back | sides] = "hair"
    palette = {
        "skin": spec.skin_rgb,
        "hair": spec.hair_rgb,
        "shirt": spec.shirt_rgb,
        "trousers": spec.trousers_rgb,
        "shoes": spec.shoes_rgb,
        "eye": (0.12, 0.09, 0.08),
    }
    rgb = np.array([palette[p] for p in parts], dtype=np.float64)
    noise = rng.normal(0.0, 1.0, size=(len(v), 1))
    amp = np.where(np.isin(parts, ["shirt", "trousers", "shoes"]), spec.fabric_noise, 0.015)
    amp = np.where(parts == "hair", 0.08, amp)
    rgb = rgb * (1.0 + amp[:, None] * noise)
    # Soft lip colour and a little cheek warmth make faces read as faces.
    nose = coco_rest["nose"]
    lips = np.array(names) == "head"
    lips &= (np.abs(v[:, 0]) < 0.022) & (np.abs(v[:, 2] - (nose[2] - 0.045)) < 0.008)
    lips &= v[:, 1] < nose[1] + 0.03
    rgb[lips] = rgb[lips] * np.array([0.85, 0.55, 0.55])
    # pyrender treats vertex colours as linear light and gamma-encodes its output: decode sRGB.
    rgb = np.clip(rgb, 0, 1) ** 2.2
    rgba = np.concatenate([rgb, np.ones((len(v), 1))], axis=1)
    return (rgba * 255).round().astype(np.uint8)
