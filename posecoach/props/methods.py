"""How a prop was found on a frame: the detectors' answer, the analyzers' and overlay's input.

String enums, so logs and JSON keep the plain names ("colour", "shape"…).
"""

from __future__ import annotations

from enum import StrEnum


class RollerMethod(StrEnum):
    """How the foam roller was found (posecoach.props.roller)."""

    COLOUR = "colour"  # the roller's learned colour model matched
    SHAPE = "shape"  # a round end or side band under the trunk, any colour
    GAP = "gap"  # what fills the gap between the raised back and the floor, any colour
    BODY_PIVOT = "body_pivot"  # nothing visible: the contact inferred from the trunk
    HOLD = "hold"  # not seen on this frame: the last position, fading

    @property
    def seen(self) -> bool:
        """Found in this frame's pixels (not inferred or held)."""
        return self in (RollerMethod.COLOUR, RollerMethod.SHAPE, RollerMethod.GAP)


class BallMethod(StrEnum):
    """How the ball was found (posecoach.props.ball)."""

    SPOT = "spot"  # the most ball-like spot behind the back, any colour
    COLOUR = "colour"  # its colour and round outline
    HOLD = "hold"  # not found on this frame: the last position, fading

    @property
    def seen(self) -> bool:
        return self is not BallMethod.HOLD


ROLLER_SEEN_METHODS = tuple(m for m in RollerMethod if m.seen)
