"""Procedural textures (wood floor, painted wall, foam) as PIL images, seeded."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image


def _smooth_noise(rng: np.random.Generator, h: int, w: int, cell: int) -> np.ndarray:
    small = rng.normal(0, 1, (max(h // cell, 2), max(w // cell, 2))).astype(np.float32)
    return cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)


def wood_floor(rgb: tuple[float, float, float], seed: int, size: int = 1024) -> Image.Image:
    """Planks along the image x axis with grain, per-plank tint and dark joints."""
    rng = np.random.default_rng(seed)
    base = np.array(rgb, dtype=np.float32)
    img = np.ones((size, size, 3), np.float32) * base
    plank_h = size // 8
    for p in range(8):
        tint = 1.0 + rng.normal(0, 0.07)
        img[p * plank_h : (p + 1) * plank_h] *= tint
    grain = _smooth_noise(rng, size, size // 16, 2)
    grain = cv2.resize(grain, (size, size), interpolation=cv2.INTER_LINEAR)
    img *= (1.0 + 0.06 * grain)[..., None]
    img *= (1.0 + 0.03 * _smooth_noise(rng, size, size, 64))[..., None]
    for p in range(9):
        y = min(p * plank_h, size - 1)
        img[max(y - 1, 0) : y + 1] *= 0.6
    return Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8))


def painted(
    rgb: tuple[float, float, float], seed: int, amount: float = 0.03, size: int = 512
) -> Image.Image:
    """A flat colour with low-frequency blotches and fine grain (wall paint, mat, foam)."""
    rng = np.random.default_rng(seed)
    img = np.ones((size, size, 3), np.float32) * np.array(rgb, dtype=np.float32)
    img *= (1.0 + amount * _smooth_noise(rng, size, size, 64))[..., None]
    img *= (1.0 + amount * 0.7 * rng.normal(0, 1, (size, size)).astype(np.float32))[..., None]
    return Image.fromarray((np.clip(img, 0, 1) * 255).astype(np.uint8))
