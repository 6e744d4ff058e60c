"""The one coaching cue on screen, as a banner along the bottom edge."""

from __future__ import annotations

import numpy as np

from posecoach.overlay.base import BAD, NEUTRAL, PANEL, WARN
from posecoach.overlay.text import draw_panel, draw_text, text_size
from posecoach.types import FrameResult, Severity

MIN_TEXT_PX = 10


class CueAnnotator:
    """Draws ``result.cue`` centred at the bottom; safety cues in red, form cues in amber.

    Long phrases wrap onto a second line, then shrink, so they always fit the frame.

    Args:
        size_px: text height at 640 px image width; scaled with the image.
        max_lines: lines a phrase may wrap onto before the text shrinks.
    """

    def __init__(self, size_px: int = 24, max_lines: int = 2) -> None:
        self.size_px = size_px
        self.max_lines = max_lines

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        cue = result.cue
        if cue is None:
            return image
        height, width = image.shape[:2]
        scale = width / 640.0
        size = max(MIN_TEXT_PX, int(round(self.size_px * scale)))
        pad = max(4, int(round(10 * scale)))
        lines = wrap(cue.text, size, width - 2 * pad, self.max_lines)
        while lines is None and size > MIN_TEXT_PX:
            size -= 1
            lines = wrap(cue.text, size, width - 2 * pad, self.max_lines)
        if lines is None:  # a single word wider than the frame: let it clip
            lines = [cue.text]
        line_h = text_size("Ag", size, bold=True)[1]
        gap = max(2, line_h // 3)
        block_h = len(lines) * line_h + (len(lines) - 1) * gap
        top = height - block_h - 2 * pad
        accent = BAD if cue.severity is Severity.SAFETY else WARN
        draw_panel(image, (0, top, width, height), PANEL, 0.65)
        draw_panel(image, (0, top, width, top + max(3, pad // 3)), accent, 1.0)
        y = top + pad
        for line in lines:
            line_w = text_size(line, size, bold=True)[0]
            draw_text(image, line, ((width - line_w) // 2, y), size, NEUTRAL, bold=True)
            y += line_h + gap
        return image


def wrap(text: str, size_px: int, max_width: int, max_lines: int) -> list[str] | None:
    """Greedy word wrap of ``text`` into at most ``max_lines`` lines no wider than
    ``max_width`` px at ``size_px``; None when it does not fit."""
    lines: list[str] = []
    current = ""
    for word in text.split():
        candidate = f"{current} {word}".strip()
        if text_size(candidate, size_px, bold=True)[0] <= max_width:
            current = candidate
            continue
        if not current:
            return None
        lines.append(current)
        current = word
        if text_size(current, size_px, bold=True)[0] > max_width:
            return None
    if current:
        lines.append(current)
    return lines if len(lines) <= max_lines else None
