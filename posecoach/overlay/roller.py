"""Foam-roller overlay: the spine with its zones, the roller and its contact point, the speed
gauge with its limit, and the set timer. Drawn from the same numbers the analyzer used."""

from __future__ import annotations

import cv2
import numpy as np

from posecoach.exercises.roller import (
    LOWER_BACK_LIMIT_FRACTION,
    NECK_LIMIT_FRACTION,
    T3_FRACTION,
    T7_FRACTION,
    TOO_FAST_CM_S,
    RollerReading,
)
from posecoach.overlay.base import (
    BAD,
    DIM,
    GOOD,
    HUD_HEIGHT_PX,
    NEUTRAL,
    PANEL,
    WARN,
    clock,
    point,
)
from posecoach.overlay.text import draw_panel, draw_text
from posecoach.types import FrameResult

#: Spine stretches drawn: (from fraction, to fraction, colour). Green where the roller may go.
ZONES = ((0.0, LOWER_BACK_LIMIT_FRACTION, BAD),
         (LOWER_BACK_LIMIT_FRACTION, NECK_LIMIT_FRACTION, GOOD),
         (NECK_LIMIT_FRACTION, 1.3, BAD))


class RollerAnnotator:
    """Draws ``result.roller`` (and the detection) when the roller coach runs."""

    def __init__(self, size_px: int = 14) -> None:
        self.size_px = size_px

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        reading: RollerReading | None = result.roller
        if reading is None:
            return image
        scale = max(1.0, image.shape[1] / 640.0)
        size = int(round(self.size_px * scale))
        detection = result.roller_detection
        if result.pose is not None:
            self._spine(image, result, scale, size)
        if detection is not None:
            colour = NEUTRAL if detection.method.seen else DIM
            cv2.circle(image, point(detection.center_px), int(round(detection.radius_px)), colour,
                       max(1, int(scale)), cv2.LINE_AA)
        if reading.contact_px is not None:
            cv2.circle(image, point(reading.contact_px), int(5 * scale), WARN, -1, cv2.LINE_AA)
        self._panel(image, reading, scale, size)
        return image

    def _spine(self, image: np.ndarray, result: FrameResult, scale: float, size: int) -> None:
        xy = result.pose.xy
        hip = (xy[23] + xy[24]) / 2
        shoulder = (xy[11] + xy[12]) / 2
        thick = max(3, int(round(5 * scale)))
        for start, end, colour in ZONES:
            a, b = hip + start * (shoulder - hip), hip + end * (shoulder - hip)
            cv2.line(image, point(a), point(b), colour, thick, cv2.LINE_AA)
        # The target band, the shoulder blades (T7…T3, docs/coaching.md §3.1): a wider stroke
        # over the allowed band.
        low, high = hip + T7_FRACTION * (shoulder - hip), hip + T3_FRACTION * (shoulder - hip)
        cv2.line(image, point(low), point(high), GOOD, thick * 2, cv2.LINE_AA)
        for end in (low, high):
            cv2.circle(image, point(end), max(2, thick // 2), NEUTRAL, -1, cv2.LINE_AA)
        # Name only the two borders the cues are about, one above and one below the spine.
        for fraction, name, above in ((LOWER_BACK_LIMIT_FRACTION, "T12", True),
                                     (NECK_LIMIT_FRACTION, "T1", False)):
            border = hip + fraction * (shoulder - hip)
            cv2.circle(image, point(border), max(2, thick // 2), NEUTRAL, -1, cv2.LINE_AA)
            y = int(border[1]) - 2 * size if above else int(border[1]) + size
            draw_text(image, name, (int(border[0]) - size, y), size, NEUTRAL)

    def _panel(self, image: np.ndarray, reading: RollerReading, scale: float, size: int) -> None:
        pad = int(round(6 * scale))
        width = int(round(230 * scale))
        x0 = image.shape[1] - width - pad
        top = int(round(HUD_HEIGHT_PX * scale))
        lines = [
            (f"roller · {reading.state.value}", NEUTRAL),
            (f"zone: {_zone_text(reading)} ({reading.method or 'not found'})",
             _zone_colour(reading)),
            (f"set {reading.sets}: {clock(reading.set_s)} · passes {reading.passes}", NEUTRAL),
        ]
        if reading.hold_s >= 1.0:
            lines.append((f"holding {reading.hold_s:.0f} s", GOOD))
        height = len(lines) * (size + pad) + 3 * pad + size
        draw_panel(image, (x0, top, x0 + width, top + height), PANEL, 0.55)
        y = top + pad
        for text, colour in lines:
            draw_text(image, text, (x0 + pad, y), size, colour)
            y += size + pad
        # Speed gauge: bar up to 2× the limit, with the limit marked.
        gauge_w = width - 2 * pad
        bar_y = y + pad // 2
        cv2.rectangle(image, (x0 + pad, bar_y), (x0 + pad + gauge_w, bar_y + size // 2), DIM, 1)
        speed = reading.speed_cm_s
        if speed is not None:
            filled = int(min(1.0, speed / (2 * TOO_FAST_CM_S)) * gauge_w)
            colour = BAD if speed > TOO_FAST_CM_S else GOOD
            cv2.rectangle(image, (x0 + pad, bar_y), (x0 + pad + filled, bar_y + size // 2),
                          colour, -1)
        limit_x = x0 + pad + gauge_w // 2
        cv2.line(image, (limit_x, bar_y - 3), (limit_x, bar_y + size // 2 + 3), WARN, 2)
        label = "speed —" if speed is None else f"speed {speed:.0f} cm/s"
        draw_text(image, f"{label} (limit {TOO_FAST_CM_S:.0f})",
                  (x0 + pad, bar_y + size // 2 + pad // 2), max(10, size - 2), NEUTRAL)


def _zone_text(reading: RollerReading) -> str:
    if reading.zone is not None:
        return reading.zone.value
    # Placed, but too near a zone border for how well the contact is known.
    return "can't tell" if reading.fraction is not None else "—"


def _zone_colour(reading: RollerReading) -> tuple[int, int, int]:
    if reading.zone is None:
        return DIM
    return GOOD if reading.zone.value == "thoracic" else BAD


