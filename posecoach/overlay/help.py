"""The help panel (``h``): every key and gesture, readable from a mat."""

from __future__ import annotations

import numpy as np

from posecoach.overlay.base import NEUTRAL, PANEL, WARN
from posecoach.overlay.text import draw_panel, draw_text, text_size
from posecoach.types import FrameResult

KEY_LINES = (
    ("h", "show / hide this help"),
    ("p", "pause / resume coaching"),
    ("s", "snooze 5 → 15 → 30 min → off"),
    ("m", "mute / unmute the voice"),
    ("e", "switch exercise (auto, posture, roller, ball)"),
    ("r", "start / stop a guided routine"),
    ("n", "next routine phase"),
    ("c", "calibrate upright posture"),
    ("q", "quit"),
)
GESTURE_LINES = (
    ("one hand up 1 s", "too much pressure — the coach eases you off"),
    ("both hands up 1 s", "pause / resume"),
    ("hand on head 2 s", "end the set"),
)


def help_lines(gestures: bool = True) -> list[tuple[str, str]]:
    """(key or gesture, what it does), with section titles as ("", title)."""
    lines = [("", "Keys"), *KEY_LINES]
    if gestures:
        lines += [("", "Gestures (on the floor or at the wall)"), *GESTURE_LINES]
    return lines


class HelpAnnotator:
    """Draws the help panel while ``result.controls.help`` is set (see ControlsStage).

    Args:
        gestures: list the gestures too (off when gestures are turned off).
        size_px: text height at 640 px image width; scaled with the image.
    """

    def __init__(self, gestures: bool = True, size_px: int = 15) -> None:
        self.lines = help_lines(gestures)
        self.size_px = size_px

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        if result.controls is None or not result.controls.help:
            return image
        height, width = image.shape[:2]
        size = max(9, int(round(self.size_px * width / 640.0)))
        pad = max(4, size // 2)
        first_w = max(text_size(k, size, bold=True)[0] for k, _ in self.lines if k)
        rows = [(k, v, text_size(v, size, bold=not k)[0]) for k, v in self.lines]
        box_w = min(width, first_w + 3 * pad + max(w for _, _, w in rows))
        line_h = text_size("Ag", size)[1] + pad // 2
        box_h = min(height, len(rows) * line_h + 2 * pad)
        x0, y0 = (width - box_w) // 2, max(0, (height - box_h) // 2)
        draw_panel(image, (x0, y0, x0 + box_w, y0 + box_h), PANEL, 0.88)
        y = y0 + pad
        for key, text, _ in rows:
            if not key:
                draw_text(image, text, (x0 + pad, y), size, WARN, bold=True)
            else:
                draw_text(image, key, (x0 + pad, y), size, NEUTRAL, bold=True)
                draw_text(image, text, (x0 + 2 * pad + first_w, y), size, NEUTRAL)
            y += line_h
        return image
