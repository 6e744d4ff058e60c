"""A live camera whose picture is black (privacy shutter, lens cap) or frozen (a stuck driver).

Both look like "nobody in view" to the pose model, so without this the user would wait for a
coach that can never see them. :class:`PictureStage` tells them within ``notice_after_s`` of
media time, in the overlay status and once on the console (a logging warning, which the CLI
prints as one line).
"""

from __future__ import annotations

import logging
from dataclasses import replace

import numpy as np

from posecoach.types import Frame, FrameResult

log = logging.getLogger(__name__)

BLACK_MESSAGE = "The camera shows a black picture — is the privacy shutter closed?"
FROZEN_MESSAGE = ("The camera picture is frozen — close other programs using the camera, "
                  "or unplug it and plug it in again")
BACK_MESSAGE = "The camera picture is back"
#: The same, short enough for the overlay's status line (and the log's ``status``).
STATUS = {BLACK_MESSAGE: "black picture: privacy shutter closed?",
          FROZEN_MESSAGE: "camera picture frozen"}

#: Mean brightness (0–255) below which a *uniform* picture counts as black. A covered lens
#: gives sensor noise around 0–10; a dim room after auto-exposure sits at 30–60 (the scene
#: darkness check in stages.py handles those), so 16 leaves room for both.
BLACK_MEAN = 16.0
#: Standard deviation below which the picture is uniform (no scene, only noise).
BLACK_SPREAD = 8.0
#: Mean absolute change between consecutive pictures (0–255 levels, every 4th pixel) below
#: which the picture counts as unchanged. A stuck driver repeats one buffer (change 0); a
#: compressed stream of a still picture settles below ~0.05. Real and rendered footage of a
#: still person measured here changes by 0.25–0.9 per frame (median; single frames down to
#: 0.07, never two in a row below 0.1), so a whole second below 0.1 is a frozen camera.
FROZEN_CHANGE = 0.1
#: How long a problem must last before the user is told (s). The user hears about it well
#: within the 2 s issue 13 asks for.
NOTICE_AFTER_S = 1.0


class PictureStage:
    """Watches the raw picture of a live camera; sets ``status`` while it is black or frozen.

    Runs after the other stages so its status wins over "no one in view" or "away".

    Args:
        notice_after_s: how long a black or frozen picture lasts before it is reported (s).
    """

    def __init__(self, notice_after_s: float = NOTICE_AFTER_S) -> None:
        if notice_after_s < 0:
            raise ValueError(f"notice_after_s must be >= 0, got {notice_after_s}")
        self.notice_after_s = notice_after_s
        self._previous: np.ndarray | None = None
        self._since: dict[str, float] = {}
        self.problem: str | None = None  # the message being shown, if any

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        small = frame.image[::4, ::4].astype(np.int16)
        black = float(small.mean()) < BLACK_MEAN and float(small.std()) < BLACK_SPREAD
        frozen = (self._previous is not None and self._previous.shape == small.shape
                  and float(np.abs(small - self._previous).mean()) < FROZEN_CHANGE)
        self._previous = small
        problem = None
        for message, present in ((BLACK_MESSAGE, black), (FROZEN_MESSAGE, frozen and not black)):
            if not present:
                self._since.pop(message, None)
                continue
            since = min(self._since.setdefault(message, frame.t), frame.t)
            self._since[message] = since
            if frame.t - since >= self.notice_after_s:
                problem = message
        if problem != self.problem:
            if problem is not None:
                log.warning(problem)
            elif self.problem is not None:
                log.warning(BACK_MESSAGE)
            self.problem = problem
        if problem is None:
            return result
        return replace(result, status=STATUS[problem])
