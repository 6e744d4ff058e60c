"""The one coaching cue on screen, as a banner along the bottom edge."""

from __future__ import annotations

import numpy as np

from posecoach.overlay.base import BAD, NEUTRAL, PANEL, WARN
from posecoach.overlay.text import draw_panel, draw_text, text_size
from posecoach.types import FrameResult, Severity


class CueAnnotator:
    """Draws ``result.cue`` centred at the bottom; safety cues in red, form cues in amber.

    Args:
        size_px: text height at 640 px image width; scaled with the image.
    """

    def __init__(self, size_px: int = 24) -> None:
        self.size_px = size_px

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        cue = result.cue
        if cue is None:
            return image
        scale = max(1.0, image.shape[1] / 640.0)
        size = int(round(self.size_px * scale))
        pad = int(round(10 * scale))
        height, width = image.shape[:2]
        text_w, text_h = text_size(cue.text, size, bold=True)
        # Shrink long phrases to fit the frame width.
        while text_w > width - 4 * pad and size > 10:
            size -= 2
            text_w, text_h = text_size(cue.text, size, bold=True)
        accent = BAD if cue.severity is Severity.SAFETY else WARN
        top = height - text_h - 3 * pad
        draw_panel(image, (0, top, width, height), PANEL, 0.65)
        draw_panel(image, (0, top, width, top + max(3, pad // 3)), accent, 1.0)
        draw_text(image, cue.text, ((width - text_w) // 2, top + int(1.5 * pad)), size,
                  NEUTRAL, bold=True)
        return image
