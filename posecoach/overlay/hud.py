"""The heads-up lines: throughput, inference time, whether a person is tracked, and which
exercise is being coached and why."""

from __future__ import annotations

import numpy as np

from posecoach.overlay.base import BAD, GOOD, NEUTRAL, PANEL
from posecoach.overlay.text import draw_panel, draw_text, fitting_size
from posecoach.types import FrameResult


class HudAnnotator:
    """A panel along the top edge: ``30.0 fps · model 16 ms · person found``, and below it
    the exercise and why it was picked: ``exercise: roller — lying on a roller``.

    Args:
        size_px: text height at 640 px image width; scaled with the image.
    """

    def __init__(self, size_px: int = 15) -> None:
        self.size_px = size_px

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        scale = max(1.0, image.shape[1] / 640.0)
        size = int(round(self.size_px * scale))
        pad = int(round(6 * scale))
        exercise = exercise_line(result)
        lines = 2 if exercise else 1
        draw_panel(image, (0, 0, image.shape[1], lines * (size + pad) + pad), PANEL, 0.55)
        found = result.pose is not None
        parts = [
            (f"{result.fps:4.1f} fps", NEUTRAL),
            (f"model {result.inference_ms:3.0f} ms", NEUTRAL),
            ("person found" if found else "no person", GOOD if found else BAD),
        ]
        if result.status:
            parts.append((result.status, NEUTRAL))
        desk = getattr(result.desk, "label", "")  # "desk mode: 3 fps" while slow
        if desk:
            parts.append((desk, NEUTRAL))
        x = pad
        for text, colour in parts:
            width, _ = draw_text(image, text, (x, pad), size, colour)
            x += width + 3 * pad
        if exercise:
            line_size = fitting_size(exercise, size, image.shape[1] - 2 * pad)
            draw_text(image, exercise, (pad, size + 2 * pad), line_size, NEUTRAL)
        return image


def exercise_line(result: FrameResult) -> str:
    """``exercise: ball — ball between back and wall``, or "" before the selector ran."""
    selection = result.selection
    if selection is None:
        return ""
    exercise = selection.exercise.value
    line = f"exercise: {exercise} — {selection.reason}" if selection.reason \
        else f"exercise: {exercise}"
    # Where the cm of the paces come from (posecoach.scale): "scale: ball (trunk 55 cm)".
    reading = result.ball if result.ball is not None else result.roller
    scale = getattr(reading, "scale", None)
    return f"{line} · {scale.label}" if scale is not None else line
