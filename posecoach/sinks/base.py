"""The sink interface."""

from __future__ import annotations

from typing import Protocol

import numpy as np

from posecoach.types import FrameResult


class Sink(Protocol):
    """Receives every processed frame. A context manager: leaving it flushes and closes.

    ``wants_image`` tells the pipeline whether to draw the overlay for this sink; a log-only
    sink gets ``image=None`` and costs no drawing.
    """

    wants_image: bool

    def __enter__(self) -> Sink: ...

    def __exit__(self, *exc: object) -> None: ...

    def write(self, image: np.ndarray | None, result: FrameResult) -> None: ...
