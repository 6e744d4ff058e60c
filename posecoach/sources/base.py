"""What every frame source provides."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Protocol

from posecoach.types import Frame


@dataclass(frozen=True)
class SourceInfo:
    """Facts about a source, known once it is open.

    Attributes:
        name: what the user would call it (a file name, ``camera 0``).
        width, height: frame size in pixels.
        fps: nominal frame rate (frames per second).
        frame_count: number of frames if known in advance, else None (cameras).
        live: True when frames arrive in real time and may be dropped if processing lags.
    """

    name: str
    width: int
    height: int
    fps: float
    frame_count: int | None
    live: bool


class FrameSource(Protocol):
    """A context manager that yields frames with strictly increasing timestamps."""

    def __enter__(self) -> FrameSource: ...

    def __exit__(self, *exc: object) -> None: ...

    @property
    def info(self) -> SourceInfo: ...

    def __iter__(self) -> Iterator[Frame]: ...


class InfoAfterOpen:
    """Mixin for sources: ``info`` is known once the source is opened (``with``)."""

    _info: SourceInfo | None = None

    @property
    def info(self) -> SourceInfo:
        if self._info is None:
            raise RuntimeError("open the source with `with` first")
        return self._info

