"""The roller's contact kept consistent with its recent, better-supported measurements.

The contact of an oblique roller comes from one of several geometric readings
(:mod:`posecoach.props.roller_axis`): the axis crossing, the middle of the silhouette's run,
the end cap. On some frames a reading that is far less certain takes over from a precise one:
a silhouette that runs on into clothing of the roller's colour puts its "middle" 20-30 cm
along the spine from the crossing that the frames before and after measured within a
centimetre. Taken frame by frame, the zone then flips between the neck and the mid-back and
no safety cue ever gathers its evidence.

A contact sits at a fixed place on the roller (its middle, under the spine), so its offset
from the roller's end disc stays put while the roller rolls or the body slides over it; it
only changes when the roller turns or the body moves sideways, which takes longer than
``window_s``. So each new reading is checked against the readings of the last ``window_s``:
the reading with the most support (the summed weight, 1/sigma², of the readings that agree
with it within twice their combined uncertainty) stands, and a new reading that disagrees
with it and claims less certainty is replaced by it, moved with the disc (one that is at
least as certain stands: two equally uncertain readings say nothing against each other).
Each reading counts by its own claimed uncertainty, floored at MIN_SIGMA_CM, so one precise
reading does not outvote many that agree.
A jump of the disc itself (the detector took the other end of the roller) starts afresh.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass

import numpy as np

from posecoach.props.hints import BodyHint
from posecoach.props.roller_axis import ContactEstimate

#: Readings this old no longer count, s: well under the time a roller takes to turn or the
#: body to shift sideways, and over the few frames a wrong reading lasts.
WINDOW_S = 1.0
#: Readings disagree when their along-spine offsets differ by more than this many times
#: their combined uncertainty.
AGREE_SIGMAS = 2.0
#: No reading counts as more certain than this, cm: the pose's hip → shoulder line, which
#: every reading is measured against, itself places a point ~2.5 cm off along the spine
#: (exercises.roller SPINE_LINE_SIGMA_CM); a claim of a few millimetres is the crossing's
#: own spread only.
MIN_SIGMA_CM = 1.0
#: The disc moving more than this many radii between two readings is another detection (the
#: roller's far end, a blob elsewhere), not the same roller rolling: start afresh.
DISC_JUMP_RADII = 1.0


@dataclass(frozen=True)
class _Reading:
    t: float
    offset_cm: float  # contact minus disc centre along the spine, cm
    sigma_cm: float
    estimate: ContactEstimate
    center: np.ndarray


class ContactConsensus:
    """See the module docstring. One per tracked roller; :meth:`reset` with the track."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        if not window_s > 0:
            raise ValueError(f"window_s must be > 0, got {window_s}")
        self.window_s = window_s
        self._readings: deque[_Reading] = deque()
        #: Readings replaced by the consensus so far (tests, diagnosis).
        self.replaced = 0

    def reset(self) -> None:
        self._readings.clear()

    def update(self, t: float, center_px: np.ndarray, radius_px: float, hint: BodyHint,
               estimate: ContactEstimate | None) -> ContactEstimate | None:
        """The contact to use at ``t`` (s) for the disc at ``center_px``: ``estimate``
        itself, or the better-supported recent reading moved with the disc when
        ``estimate`` disagrees with it. None (the contact cannot be told) stays None."""
        center = np.asarray(center_px, dtype=np.float64)
        while self._readings and t - self._readings[0].t > self.window_s:
            self._readings.popleft()
        if self._readings and float(np.hypot(*(center - self._readings[-1].center))) \
                > DISC_JUMP_RADII * max(radius_px, 1.0):
            self._readings.clear()
        if estimate is None:
            return None
        spine = np.asarray(hint.shoulder_px, np.float64) - np.asarray(hint.hip_px, np.float64)
        unit = spine / max(float(np.hypot(*spine)), 1e-9)
        offset = float((np.asarray(estimate.point, np.float64) - center) @ unit) / hint.px_per_cm
        new = _Reading(t, offset, max(estimate.sigma_cm, MIN_SIGMA_CM), estimate, center)
        self._readings.append(new)
        offsets = np.array([r.offset_cm for r in self._readings])
        sigmas = np.array([r.sigma_cm for r in self._readings])
        agree = (np.abs(offsets[:, None] - offsets[None, :])
                 <= AGREE_SIGMAS * np.hypot(sigmas[:, None], sigmas[None, :]))
        support = agree @ (1.0 / sigmas ** 2)
        # The best-supported reading; on a tie the newest.
        best = len(support) - 1 - int(np.argmax(support[::-1]))
        chosen = self._readings[best]
        if agree[best, -1] or chosen.sigma_cm >= new.sigma_cm:
            # Agreeing, or the consensus is no more certain than this reading (it then
            # says nothing against it).
            return estimate
        self.replaced += 1
        moved = chosen.estimate.point + (center - chosen.center)
        return ContactEstimate(moved, chosen.estimate.sigma_cm)
