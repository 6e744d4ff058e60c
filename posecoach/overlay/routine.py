"""The routine panel: phase, its time left, holds counted, and a bar for the whole routine."""

from __future__ import annotations

import numpy as np

from posecoach.overlay.base import GOOD, HUD_HEIGHT_PX, NEUTRAL, PANEL, clock
from posecoach.overlay.text import draw_panel, draw_text, text_size
from posecoach.routine import RoutineReading
from posecoach.types import FrameResult


def routine_line(reading: RoutineReading) -> str:
    """``roller 2/4 · Tender spots · 1:12 left · holds 1/2``, or ``roller routine done``."""
    if reading.done:
        return f"{reading.name} routine done"
    parts = [f"{reading.name} {reading.index + 1}/{reading.count}", reading.title,
             f"{clock(reading.left_s)} left"]
    if reading.holds_needed:
        parts.append(f"holds {reading.holds}/{reading.holds_needed}")
    return " · ".join(parts)


class RoutineAnnotator:
    """Top left, below the HUD, while a routine runs (:attr:`FrameResult.routine`).

    Args:
        size_px: text height at 640 px image width; scaled with the image. Large: read from
            the floor.
    """

    def __init__(self, size_px: int = 18) -> None:
        self.size_px = size_px

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        reading: RoutineReading | None = result.routine
        if reading is None:
            return image
        width = image.shape[1]
        scale = width / 640.0
        size = max(10, int(round(self.size_px * scale)))
        pad = max(3, int(round(6 * scale)))
        text = routine_line(reading)
        text_w, text_h = text_size(text, size, bold=True)
        bar_h = max(3, pad // 2)
        # Below the HUD and the posture annotator's one status line.
        x0, y0 = pad, int(round((HUD_HEIGHT_PX + 24) * scale)) + pad
        x1 = min(width - pad, x0 + text_w + 2 * pad)
        y1 = y0 + text_h + 2 * pad + bar_h
        draw_panel(image, (x0, y0, x1, y1), PANEL, 0.7)
        draw_text(image, text, (x0 + pad, y0 + pad), size, NEUTRAL, bold=True)
        done = min(1.0, reading.index / reading.count) if reading.count else 1.0
        draw_panel(image, (x0, y1 - bar_h, x0 + int(round((x1 - x0) * done)), y1), GOOD, 1.0)
        return image
