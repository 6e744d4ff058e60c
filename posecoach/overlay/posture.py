"""Posture overlay: the measured angles at the joints, the live threshold lines, and where the
thresholds come from. Everything drawn comes from the checks the analyzer applied."""

from __future__ import annotations

import math

import cv2
import numpy as np

from posecoach.exercises.posture import PostureReading
from posecoach.geometry import View
from posecoach.landmarks import Landmark as L
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
from posecoach.overlay.text import draw_panel, draw_text, text_size
from posecoach.selector import Exercise
from posecoach.types import Check, FrameResult


def check_colour(check: Check | None, active: tuple[str, ...]) -> tuple[int, int, int]:
    """Green when fine, amber when past the clear line (or bad but not yet coached), red when
    the coach considers it a problem."""
    if check is None or check.value is None:
        return DIM
    if check.key in active:
        return BAD
    fraction = check.fraction_to_onset()
    if fraction is not None and fraction > 0:
        return WARN
    return GOOD


class PostureAnnotator:
    """Draws the posture reading of ``result.posture``."""

    def __init__(self, size_px: int = 14) -> None:
        self.size_px = size_px

    def annotate(self, image: np.ndarray, result: FrameResult) -> np.ndarray:
        reading: PostureReading | None = result.posture
        if reading is None or reading.geometry is None or result.pose is None:
            return image
        if result.exercise is Exercise.NONE:
            return image  # measured for calibration and logs, but nobody is being coached
        scale = max(1.0, image.shape[1] / 640.0)
        size = int(round(self.size_px * scale))
        checks = {check.key: check for check in reading.checks}
        if reading.view is View.SIDE and reading.metrics:
            self._side(image, result, reading, checks, scale, size)
        elif reading.view is View.FRONT and reading.metrics:
            self._front(image, result, reading, checks, scale, size)
        self._legend(image, result, reading, scale, size)
        return image

    def _side(self, image, result, reading, checks, scale, size) -> None:
        pose, geometry = result.pose, reading.geometry
        ear = geometry.side_point(L.LEFT_EAR, L.RIGHT_EAR, pose)
        shoulder = geometry.side_point(L.LEFT_SHOULDER, L.RIGHT_SHOULDER, pose)
        hip = geometry.side_point(L.LEFT_HIP, L.RIGHT_HIP, pose)
        facing = geometry.facing or 1
        thick = max(2, int(round(3 * scale)))
        neck = checks.get("posture.forward_head")
        trunk = checks.get("posture.slouch")
        for start, end, check, label in ((shoulder, ear, neck, "neck"),
                                         (hip, shoulder, trunk, "trunk")):
            colour = check_colour(check, result.active)
            length = float(np.linalg.norm(end - start))
            # The vertical reference and the live threshold ray from the joint.
            _ray(image, start, 0.0, length, DIM, 1)
            if check is not None:
                _ray(image, start, facing * check.onset, length, WARN, max(1, thick // 2),
                     dashed=True)
            cv2.line(image, point(start), point(end), colour, thick, cv2.LINE_AA)
            if check is not None and check.value is not None:
                text = f"{label} {check.value:.0f}° (limit {check.onset:.0f}°)"
                x, y = int(start[0] + 8 * scale), int(start[1] - size)
                width, height = text_size(text, size, bold=True)
                pad = max(2, size // 5)
                draw_panel(image, (x - pad, y - pad, x + width + pad, y + height + pad), PANEL,
                           0.6)  # readable on any shirt
                draw_text(image, text, (x, y), size, colour, bold=True)

    def _front(self, image, result, reading, checks, scale, size) -> None:
        pose = result.pose
        xy = pose.xy
        slouch = checks.get("posture.slouch")
        head = checks.get("posture.forward_head")
        lean = checks.get("posture.lean")
        ears = (xy[L.LEFT_EAR], xy[L.RIGHT_EAR])
        shoulders = (xy[L.LEFT_SHOULDER], xy[L.RIGHT_SHOULDER])
        thick = max(2, int(round(2 * scale)))
        worst_trunk = slouch if slouch is not None and (lean is None or (
            slouch.fraction_to_onset() or 0) >= (lean.fraction_to_onset() or 0)) else lean
        cv2.line(image, point(shoulders[0]), point(shoulders[1]),
                 check_colour(worst_trunk, result.active), thick, cv2.LINE_AA)
        cv2.line(image, point(ears[0]), point(ears[1]), check_colour(head, result.active), thick,
                 cv2.LINE_AA)
        span = abs(float(shoulders[0][0] - shoulders[1][0]))
        if slouch is not None and slouch.value is not None:
            # Where the shoulder line would sit at the slouch limit: the live threshold line.
            shoulder_y = float(shoulders[0][1] + shoulders[1][1]) / 2
            limit_y = shoulder_y + (slouch.onset - slouch.value) * span
            x0 = int(min(shoulders[0][0], shoulders[1][0]))
            x1 = int(max(shoulders[0][0], shoulders[1][0]))
            _dashed(image, (x0, int(limit_y)), (x1, int(limit_y)), WARN, max(1, thick // 2))
            draw_text(image, "slouch limit", (x1 + 4, int(limit_y - size / 2)), size, WARN)
        if reading.looking_down:
            nose = xy[L.NOSE]
            draw_text(image, "looking down — fine", (int(nose[0] + 10 * scale), int(nose[1])),
                      size, GOOD, bold=True)

    def _legend(self, image, result, reading, scale, size) -> None:
        lines = [f"posture · {reading.view.value} view"]
        if reading.baseline_label:
            lines.append(reading.baseline_label)
        judged = result.metrics.get("session.posture_judged_s", 0.0)
        if judged >= 1.0:
            good = result.metrics.get("session.good_posture_s", 0.0)
            lines.append(f"good posture {clock(good)} of {clock(judged)} "
                         f"({100 * good / judged:.0f} %)")
        if reading.calibration is not None:
            lines.append(f"calibrating… {reading.calibration * 100:.0f} %")
        pad = int(round(6 * scale))
        top = int(round(HUD_HEIGHT_PX * scale))
        width = max(len(line) for line in lines) * size * 0.55 + 2 * pad
        draw_panel(image, (0, top, int(width), top + len(lines) * (size + pad) + pad), PANEL,
                   0.5)
        y = top + pad
        for line in lines:
            draw_text(image, line, (pad, y), size, NEUTRAL)
            y += size + pad



def _ray(image, origin, angle_from_vertical_deg: float, length: float, colour, thickness: int,
         dashed: bool = False) -> None:
    radians = math.radians(angle_from_vertical_deg)
    end = (origin[0] + math.sin(radians) * length, origin[1] - math.cos(radians) * length)
    if dashed:
        _dashed(image, point(origin), point(np.array(end)), colour, thickness)
    else:
        cv2.line(image, point(origin), point(np.array(end)), colour, thickness, cv2.LINE_AA)


def _dashed(image, start, end, colour, thickness: int, dash: int = 8) -> None:
    start_a, end_a = np.array(start, float), np.array(end, float)
    length = float(np.linalg.norm(end_a - start_a))
    if length < 1:
        return
    steps = int(length // dash)
    for i in range(0, steps, 2):
        a = start_a + (end_a - start_a) * (i / steps)
        b = start_a + (end_a - start_a) * (min(i + 1, steps) / steps)
        cv2.line(image, point(a), point(b), colour, thickness, cv2.LINE_AA)
