"""Where a tracked prop is looked for on each frame: a small window around the track on most
frames, the whole search area on a cadence (docs/engineering.md §5).

A prop that is followed frame after frame moves a fraction of its radius between frames (a
ball worked well moves ≤ 10 cm/s, a roller 5–15 cm/s, docs/coaching.md §3–4: well under a
radius at 15 fps), so searching the whole region behind or under the trunk on every frame
mostly re-finds the same spot at several times the cost. The trackers ask a
:class:`SearchCadence` each frame whether a local search will do; a local search that finds
nothing is followed at once by the full one on the same frame, so a prop that moved away is
not missed for longer than one search.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

Box = tuple[int, int, int, int]


def window_around(center_px: np.ndarray, half_px: float, image_shape: tuple[int, ...]
                  ) -> Box | None:
    """(x0, y0, x1, y1) square of half-size ``half_px`` around ``center_px`` (x1, y1
    exclusive), clipped to the image; None when nothing of it is in the image.

    Raises:
        ValueError: ``half_px`` is not > 0 or the centre is not finite.
    """
    if not half_px > 0:
        raise ValueError(f"half_px must be > 0, got {half_px}")
    cx, cy = (float(v) for v in np.asarray(center_px, dtype=np.float64)[:2])
    if not (math.isfinite(cx) and math.isfinite(cy)):
        raise ValueError(f"center_px must be finite, got {center_px!r}")
    h, w = image_shape[:2]
    x0, y0 = max(int(math.floor(cx - half_px)), 0), max(int(math.floor(cy - half_px)), 0)
    x1 = min(int(math.ceil(cx + half_px)) + 1, w)
    y1 = min(int(math.ceil(cy + half_px)) + 1, h)
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return x0, y0, x1, y1


def intersect(box: Box, window: Box | None) -> Box | None:
    """``box`` limited to ``window`` (None: ``box`` itself); None when they do not overlap."""
    if window is None:
        return box
    x0, y0 = max(box[0], window[0]), max(box[1], window[1])
    x1, y1 = min(box[2], window[2]), min(box[3], window[3])
    if x1 - x0 < 2 or y1 - y0 < 2:
        return None
    return x0, y0, x1, y1


def box_pixels(box: Box | None) -> int:
    """Pixels in a box (0 for None): the work a search over it does scales with this."""
    return 0 if box is None else (box[2] - box[0]) * (box[3] - box[1])


class SearchCadence:
    """Per frame: may the prop be looked for in a window around its track only?

    Yes while it is tracked (the caller says so: seen on the last frame, no unconfirmed jump
    pending), except on every ``full_every``-th such frame, which searches the whole area so
    that a better candidate elsewhere (the track stuck on a look-alike) is still noticed.
    Any frame that is not tracked searches everything.

    Args:
        full_every: one full search per this many tracked frames, >= 1 (1: always full).

    Attributes:
        local_searches, full_searches: how many of each were planned (tests, benchmarks).

    Raises:
        ValueError: full_every < 1.
    """

    def __init__(self, full_every: int = 8) -> None:
        if full_every < 1:
            raise ValueError(f"full_every must be >= 1, got {full_every}")
        self.full_every = full_every
        self.local_searches = 0
        self.full_searches = 0
        self.reset()

    def reset(self) -> None:
        """Forget the track: the next tracked frame starts a new count."""
        self._since_full = 0

    def local(self, tracked: bool) -> bool:
        """True when this frame may search the window around the track only."""
        if tracked and self._since_full + 1 < self.full_every:
            self._since_full += 1
            self.local_searches += 1
            return True
        self._since_full = 0
        self.full_searches += 1
        return False

    def missed_locally(self) -> None:
        """The local search found nothing: the caller searches everything on this frame."""
        self._since_full = 0
        self.full_searches += 1


Measured = tuple[np.ndarray | None, float]


class HeldOffset:
    """A costly point on a tracked prop (the roller's contact with the back), measured every
    few frames and carried along with the prop's centre in between.

    The point is measured again when ``every`` frames have passed, or when the centre, the
    radius or the body (hip, shoulder) moved more than ``max_shift_radii`` radii since the
    last measurement: while the person holds still or rolls slowly the point keeps its place
    on the prop, and anything faster is measured on that frame. The first ``every`` frames
    after :meth:`reset` are all measured: a new track's centre is still settling.

    Each measurement comes with its uncertainty (any unit, smaller is better). One that
    jumps from the held point by more than ``jump_radii`` radii is taken at once when it is
    more certain than the held one, else only once ``confirm`` measurements in a row agree
    on it; until then the held point is kept and the next frame measures again. A point
    that cannot be told (None) is taken at once: "unknown" is never a confident wrong
    answer, while a held point could be. A measurement that
    switches between two ways of placing the point on a sub-pixel change (an oblique
    roller's contact from its axis, or from its end cap when the axis drops out, ~8 cm
    apart along the spine) would otherwise jump back and forth, and a held point would keep
    the odd one for several frames.

    Args:
        every: frames per measurement, >= 1 (1: every frame).
        max_shift_radii: movement, in prop radii, that forces a measurement, > 0.
        jump_radii: change of the point, in prop radii, that needs confirming, > 0.
        confirm: measurements in a row that must agree on a less certain jump, >= 1
            (1: take every measurement at once).

    Attributes:
        measured: frames on which the point was measured (tests, benchmarks).
        unconfirmed: measurements not taken (a jump not, or not yet, confirmed).
        uncertainty: that of the point held (of the last measurement taken).

    Raises:
        ValueError: a parameter is out of range.
    """

    def __init__(self, every: int = 3, max_shift_radii: float = 0.25,
                 jump_radii: float = 0.5, confirm: int = 2) -> None:
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        if not max_shift_radii > 0:
            raise ValueError(f"max_shift_radii must be > 0, got {max_shift_radii}")
        if not jump_radii > 0:
            raise ValueError(f"jump_radii must be > 0, got {jump_radii}")
        if confirm < 1:
            raise ValueError(f"confirm must be >= 1, got {confirm}")
        self.every = every
        self.max_shift_radii = max_shift_radii
        self.jump_radii = jump_radii
        self.confirm = confirm
        self.measured = 0
        self.unconfirmed = 0
        self.reset()

    def reset(self) -> None:
        """Forget the last measurement: the next frames measure (the first is taken as
        it is)."""
        self._anchor: np.ndarray | None = None  # centre, hip, shoulder stacked, (3, 2)
        self._radius = 0.0
        self._offset: np.ndarray | None = None
        self.uncertainty = math.inf
        self._age = 0
        self._since_reset = 0  # measurements since the reset
        # A jump seen but not yet confirmed: its offset and how many measurements agree.
        self._candidate: np.ndarray | None = None
        self._votes = 0

    def _agree(self, a: np.ndarray | None, b: np.ndarray | None, radius_px: float) -> bool:
        if a is None or b is None:
            return a is None and b is None
        return float(np.hypot(*(a - b))) <= self.jump_radii * max(radius_px, 1.0)

    def _held(self, centre: np.ndarray) -> np.ndarray | None:
        return None if self._offset is None else centre + self._offset

    def point(self, center_px: np.ndarray, radius_px: float, hip_px: np.ndarray,
              shoulder_px: np.ndarray, measure: Callable[[], Measured]) -> np.ndarray | None:
        """The point for this frame: ``measure()``'s (point, uncertainty), or the held point
        moved with the centre."""
        anchor = np.array([center_px, hip_px, shoulder_px], dtype=np.float64)
        if (self._anchor is not None and self._votes == 0 and self._since_reset >= self.every
                and self._age + 1 < self.every):
            limit = self.max_shift_radii * max(radius_px, 1.0)
            shift = float(np.hypot(*(anchor - self._anchor).T).max())
            if shift <= limit and abs(radius_px - self._radius) <= limit:
                self._age += 1
                return self._held(anchor[0])
        found, uncertainty = measure()
        if found is None:
            uncertainty = math.inf
        self.measured += 1
        self._since_reset += 1
        offset = None if found is None else np.asarray(found, np.float64) - anchor[0]
        fresh = self._anchor is None
        self._anchor, self._radius, self._age = anchor, float(radius_px), 0
        if (not fresh and offset is not None and not self._agree(offset, self._offset, radius_px)
                and not uncertainty < self.uncertainty):
            if self._votes and self._agree(offset, self._candidate, radius_px):
                self._votes += 1
            else:
                self._votes = 1
            self._candidate = offset
            if self._votes < self.confirm:
                self.unconfirmed += 1
                return self._held(anchor[0])
        self._offset, self.uncertainty = offset, float(uncertainty)
        self._candidate, self._votes = None, 0
        return self._held(anchor[0])
