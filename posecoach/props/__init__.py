"""Prop detection from pixels: the massage ball and the foam roller (issues 6 and 7).

The caller gives each frame and a :class:`BodyHint` (trunk position and scale from the pose);
the trackers return where the prop is, how sure they are, and how it was found.

Example::

    ball = BallTracker()
    roller = RollerTracker()
    for frame in frames:
        hint = BodyHint(shoulder_px, hip_px, px_per_cm, lying=True, floor_y_px=heel_y)
        b = ball.update(frame.image, hint, frame.t)      # BallDetection | None
        r = roller.update(frame.image, hint, frame.t)    # RollerDetection | None
        if b is not None:
            where = spine_coords(b.center_px, hint.hip_px, hint.shoulder_px, hint.px_per_cm)
"""

from __future__ import annotations

from posecoach.props.ball import BallDetection, BallTracker, detect_ball
from posecoach.props.colour import BallColorModel, RollerColorModel
from posecoach.props.geometry import SpineCoords, spine_coords
from posecoach.props.hints import BodyHint
from posecoach.props.roller import (
    RollerDetection,
    RollerTracker,
    detect_roller_colour,
    find_roller_by_shape,
    roller_from_body,
)

__all__ = [
    "BallColorModel",
    "BallDetection",
    "BallTracker",
    "BodyHint",
    "RollerColorModel",
    "RollerDetection",
    "RollerTracker",
    "SpineCoords",
    "detect_ball",
    "detect_roller_colour",
    "find_roller_by_shape",
    "roller_from_body",
    "spine_coords",
]
