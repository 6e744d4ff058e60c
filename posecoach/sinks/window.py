"""The on-screen window (OpenCV's Qt GUI). Keys: q or Esc quits."""

from __future__ import annotations

import cv2
import numpy as np

from posecoach.types import FrameResult

QUIT_KEYS = (ord("q"), ord("Q"), 27)


class WindowSink:
    """Shows each annotated frame. Must be used from the main thread (Qt).

    Check :func:`posecoach.display.display_available` before creating one: with no display, Qt
    aborts the whole process (docs/engineering.md §2.2).

    Attributes:
        last_key: the key pressed during the last ``write`` (-1: none).
        closed: True once the user pressed q/Esc or closed the window.
    """

    wants_image = True

    def __init__(self, title: str = "posecoach", max_size: tuple[int, int] = (1280, 800)) -> None:
        self.title = title
        self.max_size = max_size
        self.last_key = -1
        self.closed = False
        self._opened = False
        self._sized = False

    def __enter__(self) -> WindowSink:
        # GUI_NORMAL: no Qt toolbar or status bar, just the picture.
        cv2.namedWindow(self.title,
                        cv2.WINDOW_NORMAL | cv2.WINDOW_KEEPRATIO | cv2.WINDOW_GUI_NORMAL)
        self._opened = True
        return self

    def __exit__(self, *exc: object) -> None:
        if self._opened:
            cv2.destroyWindow(self.title)
            cv2.waitKey(1)
            self._opened = False

    def write(self, image: np.ndarray | None, result: FrameResult) -> None:
        if image is None:
            return
        if not self._sized:
            # Qt opens resizable windows tiny: size it to the frame, within max_size.
            height, width = image.shape[:2]
            scale = min(1.0, self.max_size[0] / width, self.max_size[1] / height)
            cv2.resizeWindow(self.title, int(width * scale), int(height * scale))
            self._sized = True
        cv2.imshow(self.title, image)
        key = cv2.waitKey(1)
        self.last_key = key & 0xFF if key >= 0 else -1
        if self.last_key in QUIT_KEYS:
            self.closed = True
        elif cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            self.closed = True
