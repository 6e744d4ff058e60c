"""A faint ball accepted by evidence over time, not by one frame's contrast.

A dark ball 2–3 px across in dim light reads only 6–12 ΔE against the wall or floor
(:mod:`posecoach.props.ball_spot`), under the 15 ΔE a single frame needs
(``MIN_SPOT_CONTRAST`` of :mod:`posecoach.props.ball`), and as weak as compression noise or
a fold of the shirt on any one frame. What tells it apart is where it is over time: a ball
pressed against the back stays at one place relative to the back (it is rolled slowly, at
most ~10 cm/s, docs/coaching.md §4, and held still while a spot is worked), while noise and
texture behind a moving body land somewhere else on every search.

So while no ball is tracked the best weak spot of each search is kept in body coordinates
(cm along the hip → shoulder line, cm behind it toward the wall or floor: the detector's own
band), and a place counts as the ball once it recurs on most of the searches of a short
window. The limit of the idea: a fixed mark on the wall behind someone who does not move at
all is steady in body coordinates too, and is taken as a ball once it is ball-like (small,
even, not a blend of its surroundings); it stops being one when the person shifts along the
wall, since the mark then moves in body coordinates. A faint notch of the back's own outline
(a shirt's hem against the wall at the small of the back, the nape) is as steady; the exercise
stage lets a faint ball be taken on the upper back only, where a ball is placed
(posecoach.stages.ExerciseStage).
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from posecoach.props.hints import BodyHint

#: Least contrast (ΔE) of a spot kept as evidence: a just noticeable colour difference is
#: ~2–3 ΔE, so this is two to three of them; weaker spots are everywhere in webcam noise.
WEAK_SPOT_CONTRAST = 6.0
#: The evidence window (s): searches older than this are forgotten. A ball is set in place
#: and held for a spot to be worked (30–90 s, docs/coaching.md §4), so a second and a half of
#: it is a small share of a placement.
WINDOW_S = 1.5
#: A place is the ball when it was found on at least this share of the window's searches ...
RECUR_SHARE = 0.7
#: ... of at least this many searches ...
MIN_SEARCHES = 6
#: ... spread over at least this long (s): consecutive frames share their noise and texture,
#: a second apart the body has moved or breathed and the light flickered.
MIN_SPAN_S = 1.0
#: Spots within this distance (cm, in body coordinates) are the same place: a ball's radius
#: (3.3 cm, docs/coaching.md §4) plus the same again for the landmarks' jitter, which moves
#: the body frame by a centimetre or two between frames at webcam scale.
SAME_PLACE_CM = 6.6
#: A ball taken on this evidence is dropped when fewer than this share of the window's
#: searches still find it near the track (a faint ball is missed on some frames; a track
#: held by noise is missed on most).
KEEP_SHARE = 0.5


def body_point(center_px: np.ndarray, hint: BodyHint) -> np.ndarray:
    """(2,) cm of a pixel position in body coordinates: along the hip → shoulder line from the
    mid-hip, and behind it along ``hint.back_normal``.

    Raises:
        ValueError: the hint does not know the back side.
    """
    if hint.back_normal is None:
        raise ValueError("body_point needs a hint with back_normal, got None")
    rel = np.asarray(center_px, dtype=np.float64) - hint.hip_px
    axis = hint.shoulder_px - hint.hip_px
    unit = axis / math.sqrt(float(axis @ axis))
    return np.array([float(rel @ unit), float(rel @ hint.back_normal)]) / hint.px_per_cm


class WeakSpotEvidence:
    """The weak spots of the recent ball searches, in body coordinates (:func:`body_point`).

    Args:
        window_s: how long a search counts, > 0.
    Raises:
        ValueError: window_s is not > 0.
    """

    def __init__(self, window_s: float = WINDOW_S) -> None:
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        self.window_s = window_s
        self._searches: deque[tuple[float, np.ndarray | None]] = deque()

    def reset(self) -> None:
        self._searches.clear()

    def observe(self, t: float, point_cm: np.ndarray | None) -> None:
        """One search at ``t`` (s): its weak spot in body coordinates, or None (none found)."""
        if self._searches and t < self._searches[-1][0]:
            self._searches.clear()  # time went back (a new clip): old searches do not count
        self._searches.append((t, None if point_cm is None else np.asarray(point_cm, float)))
        while self._searches and self._searches[0][0] < t - self.window_s:
            self._searches.popleft()

    @property
    def pending(self) -> bool:
        """A weak spot is among the window's searches: a place may be building up."""
        return any(p is not None for _, p in self._searches)

    def _ripe(self) -> bool:
        return (len(self._searches) >= MIN_SEARCHES
                and self._searches[-1][0] - self._searches[0][0] >= MIN_SPAN_S)

    def recurs(self, point_cm: np.ndarray) -> bool:
        """``point_cm`` is a place found on at least RECUR_SHARE of at least MIN_SEARCHES
        searches spread over MIN_SPAN_S."""
        if not self._ripe():
            return False
        point = np.asarray(point_cm, dtype=np.float64)
        near = sum(1 for _, p in self._searches
                   if p is not None and float(np.hypot(*(p - point))) <= SAME_PLACE_CM)
        return near >= RECUR_SHARE * len(self._searches)

    def fading(self) -> bool:
        """Fewer than KEEP_SHARE of a full window's searches found anything."""
        if not self._ripe():
            return False
        found = sum(1 for _, p in self._searches if p is not None)
        return found < KEEP_SHARE * len(self._searches)
