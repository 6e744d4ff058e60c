"""The one-time self-massage safety note, as a panel in the middle of the picture."""

from __future__ import annotations

import numpy as np

from posecoach.overlay.base import NEUTRAL, PANEL, WARN
from posecoach.overlay.text import draw_panel, draw_text, text_size
from posecoach.safety import SAFETY_NOTE_LINES
from posecoach.types import FrameResult


class SafetyNoteAnnotator:
    """Draws :data:`posecoach.safety.SAFETY_NOTE_LINES` while ``result.safety_note`` is set
    (see :class:`posecoach.safety.SafetyNoteStage`); the first line is the title.

    Args:
        size_px: text height at 640 px image width; scaled with the image.
    """

    def __init__(self, size_px: int = 17) -> None:
        self.size_px = size_px

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        if not result.safety_note:
            return image
        height, width = image.shape[:2]
        size = max(10, int(round(self.size_px * width / 640.0)))
        pad = max(4, size // 2)
        title, *body = SAFETY_NOTE_LINES
        widest = max(text_size(line, size, bold=True)[0] for line in SAFETY_NOTE_LINES)
        line_h = text_size("Ag", size, bold=True)[1] + pad // 2
        box_w = min(width, widest + 2 * pad)
        box_h = len(SAFETY_NOTE_LINES) * line_h + 2 * pad
        x0, y0 = (width - box_w) // 2, max(0, (height - box_h) // 2)
        draw_panel(image, (x0, y0, x0 + box_w, y0 + box_h), PANEL, 0.85)
        draw_panel(image, (x0, y0, x0 + box_w, y0 + max(3, pad // 2)), WARN, 1.0)
        y = y0 + pad
        draw_text(image, title, (x0 + pad, y), size, WARN, bold=True)
        for line in body:
            y += line_h
            draw_text(image, line, (x0 + pad, y), size, NEUTRAL)
        return image
