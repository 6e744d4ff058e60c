"""Ball overlay: a ring on the ball, the spine with its zones, the spot timer and pace."""

from __future__ import annotations

import cv2
import numpy as np

from posecoach.exercises.ball import FAST_CM_S, SPOT_MAX_S, BallReading, BallState
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
from posecoach.overlay.roller import ZONES
from posecoach.overlay.text import draw_panel, draw_text
from posecoach.props.methods import BallMethod
from posecoach.types import FrameResult


class BallAnnotator:
    """Draws ``result.ball`` when the ball coach runs."""

    def __init__(self, size_px: int = 14) -> None:
        self.size_px = size_px

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        reading: BallReading | None = result.ball
        if reading is None:
            return image
        scale = max(1.0, image.shape[1] / 640.0)
        size = int(round(self.size_px * scale))
        if result.pose is not None:
            xy = result.pose.xy
            hip, shoulder = (xy[23] + xy[24]) / 2, (xy[11] + xy[12]) / 2
            for start, end, colour in ZONES:
                cv2.line(image, point(hip + start * (shoulder - hip)),
                         point(hip + end * (shoulder - hip)), colour, max(3, int(4 * scale)),
                         cv2.LINE_AA)
        detection = result.ball_detection
        if detection is not None:
            colour = GOOD if reading.zone is not None and reading.zone.value == "thoracic" \
                else WARN
            cv2.circle(image, point(detection.center_px), int(round(detection.radius_px + 4)),
                       colour if detection.method is BallMethod.COLOUR else DIM,
                       max(2, int(2 * scale)), cv2.LINE_AA)
        pad = int(round(6 * scale))
        width = int(round(230 * scale))
        x0, top = image.shape[1] - width - pad, int(round(HUD_HEIGHT_PX * scale))
        spot_colour = WARN if reading.spot_s > SPOT_MAX_S else NEUTRAL
        speed = reading.speed_cm_s
        lines = [
            (f"ball · {reading.state.value}" + (f" · {reading.surface.value}"
                                                 if reading.surface else ""), NEUTRAL),
            (f"zone: {reading.zone.value if reading.zone else '—'}",
             DIM if reading.zone is None else (GOOD if reading.zone.value == "thoracic"
                                               else BAD)),
            (f"this spot {clock(reading.spot_s)} (move on at {clock(SPOT_MAX_S)})",
             spot_colour),
            (("speed —" if speed is None else f"speed {speed:.0f} cm/s")
             + f" (limit {FAST_CM_S:.0f})",
             BAD if speed is not None and speed > FAST_CM_S else NEUTRAL),
        ]
        if reading.state is BallState.IN_CONTACT and reading.pressure is not None:
            lines.append((f"pressure vs start: {reading.pressure:+.0f}", NEUTRAL))
        draw_panel(image, (x0, top, x0 + width, top + len(lines) * (size + pad) + pad), PANEL,
                   0.55)
        y = top + pad
        for text, colour in lines:
            draw_text(image, text, (x0 + pad, y), size, colour)
            y += size + pad
        return image
