"""A folder of still images, played as a video at a fixed frame rate."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import cv2

from posecoach.errors import SourceError
from posecoach.sources.base import InfoAfterOpen, SourceInfo
from posecoach.types import Frame

log = logging.getLogger(__name__)

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


class ImageFolderSource(InfoAfterOpen):
    """Images of a folder in name order; frame ``i`` is stamped ``i / fps`` seconds.

    Unreadable images are skipped with a warning (their indices stay unused).

    Raises:
        SourceError: the folder is missing or holds no images.
    """

    def __init__(self, folder: str | Path, fps: float = 30.0) -> None:
        if fps <= 0:
            raise ValueError(f"fps must be > 0, got {fps}")
        self.folder = Path(folder)
        self.fps = fps
        self._paths: list[Path] = []
        self._info: SourceInfo | None = None
        self.skipped: list[Path] = []

    def __enter__(self) -> ImageFolderSource:
        if not self.folder.is_dir():
            raise SourceError(f"image folder not found: {self.folder}", "check the path")
        self._paths = sorted(p for p in self.folder.iterdir()
                             if p.suffix.lower() in IMAGE_SUFFIXES)
        first = next((img for img in map(_read, self._paths) if img is not None), None)
        if first is None:
            raise SourceError(f"no readable images in {self.folder}",
                              f"put {', '.join(IMAGE_SUFFIXES)} files there")
        self._info = SourceInfo(name=self.folder.name, width=first.shape[1],
                                height=first.shape[0], fps=self.fps,
                                frame_count=len(self._paths), live=False)
        return self

    def __exit__(self, *exc: object) -> None:
        self._paths = []

    def __iter__(self) -> Iterator[Frame]:
        for index, path in enumerate(self._paths):
            image = _read(path)
            if image is None:
                log.warning("skipping unreadable image %s", path)
                self.skipped.append(path)
                continue
            yield Frame(image=image, t=index / self.fps, index=index)


def _read(path: Path):
    image = cv2.imread(str(path), cv2.IMREAD_COLOR)
    return image if image is not None and image.size else None
