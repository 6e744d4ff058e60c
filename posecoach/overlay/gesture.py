"""Gesture feedback: a hold in progress fills a bar; a recognised gesture is named."""

from __future__ import annotations

import numpy as np

from posecoach.gestures import Gesture, GestureReading
from posecoach.overlay.base import GOOD, HUD_HEIGHT_PX, NEUTRAL, PANEL
from posecoach.overlay.text import draw_panel, draw_text, text_size
from posecoach.types import FrameResult

#: What the user is told their gesture did.
RECOGNISED_TEXT = {Gesture.PRESSURE: "✓ too much pressure — easing off",
                   Gesture.PAUSE: "✓ both hands up — pause / resume",
                   Gesture.END_SET: "✓ hand on head — set ended"}
HOLDING_TEXT = {Gesture.PRESSURE: "one hand up…", Gesture.PAUSE: "both hands up…",
                Gesture.END_SET: "hand on head…"}


class GestureAnnotator:
    """Top right, below the HUD: the gesture being held with a filling bar, then, for as long
    as its answer lasts, what was recognised, and below it the answer itself when a corrective
    cue keeps the main cue slot (``GestureReading.answer``). Reads ``result.gesture``.

    Args:
        size_px: text height at 640 px image width; scaled with the image.
    """

    def __init__(self, size_px: int = 15) -> None:
        self.size_px = size_px

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        reading: GestureReading | None = result.gesture
        if reading is None:
            return image
        answer = None
        if reading.shown is not None:
            text, progress = RECOGNISED_TEXT[reading.shown], None
            answer = reading.answer.text if reading.answer is not None else None
        elif reading.holding is not None:
            text = HOLDING_TEXT[reading.holding]
            progress = min(1.0, reading.held_s / reading.needed_s) if reading.needed_s else 1.0
        else:
            return image
        width = image.shape[1]
        scale = width / 640.0
        size = max(10, int(round(self.size_px * scale)))
        pad = max(3, int(round(6 * scale)))
        text_w, text_h = text_size(text, size)
        answer_w, answer_h = text_size(answer, size) if answer else (0, 0)
        line_gap = pad // 2 if answer else 0
        bar_h = max(3, pad // 2) if progress is not None else 0
        x1 = width - pad
        x0 = max(0, x1 - max(text_w, answer_w) - 2 * pad)
        y0 = int(round(HUD_HEIGHT_PX * scale)) + pad
        y1 = y0 + text_h + line_gap + answer_h + 2 * pad + bar_h
        draw_panel(image, (x0, y0, x1, y1), PANEL, 0.7)
        draw_text(image, text, (x0 + pad, y0 + pad), size, NEUTRAL if progress is not None
                  else GOOD)
        if answer:
            draw_text(image, answer, (x0 + pad, y0 + pad + text_h + line_gap), size, NEUTRAL)
        if progress is not None:
            fill = x0 + int(round((x1 - x0) * progress))
            draw_panel(image, (x0, y1 - bar_h, fill, y1), GOOD, 1.0)
        return image
