"""The annotator interface and colours shared by all annotators."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

import numpy as np

from posecoach.types import FrameResult

# BGR colours with one meaning each across the overlay.
GOOD = (80, 200, 80)
WARN = (0, 190, 255)
BAD = (60, 60, 235)
NEUTRAL = (235, 235, 235)
DIM = (150, 150, 150)
PANEL = (30, 30, 30)
#: Height of the HUD panel at 640 px image width (two lines: status, exercise); panels that
#: hang from the top edge start below it.
HUD_HEIGHT_PX = 54


class Annotator(Protocol):
    """Draws onto ``image`` (H, W, 3 uint8 BGR) in place and returns it."""

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray: ...


def compose(image: np.ndarray, result: FrameResult,
            annotators: Sequence[Annotator]) -> np.ndarray:
    """Apply ``annotators`` in order (later ones draw on top)."""
    for annotator in annotators:
        image = annotator.annotate(image, result)
    return image


def point(xy: np.ndarray) -> tuple[int, int]:
    """A pixel position as OpenCV's integer point."""
    return int(round(float(xy[0]))), int(round(float(xy[1])))


def clock(seconds: float) -> str:
    """``m:ss`` for timers."""
    return f"{int(seconds) // 60}:{int(seconds) % 60:02d}"

