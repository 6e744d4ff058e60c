"""The on-screen window (OpenCV's Qt GUI). Keys: q or Esc quits."""

from __future__ import annotations

import cv2
import numpy as np

from posecoach.types import FrameResult

QUIT_KEYS = (ord("q"), ord("Q"), 27)
#: Frames on which to ask for the window's size before accepting what it has (~1 s at 30 fps).
FIT_ATTEMPTS = 30


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
        self._fit_attempts = 0

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
        cv2.imshow(self.title, image)
        key = cv2.waitKey(1)
        if not self._sized:
            self._fit(image)
        self.last_key = key & 0xFF if key >= 0 else -1
        if self.last_key in QUIT_KEYS:
            self.closed = True
        elif cv2.getWindowProperty(self.title, cv2.WND_PROP_VISIBLE) < 1:
            self.closed = True

    def _fit(self, image: np.ndarray) -> None:
        """Size the window to the frame, within max_size: Qt opens resizable windows tiny.

        Done after the first picture is up, not before: a window resized before the X server
        had mapped it sometimes stayed black for a whole session (about one run in four under
        heavy load on Xvfb; opencv-python's bundled Qt, cf. opencv/opencv-python#362). Asked
        again until the window reports that size, then left alone, so a user's own resize
        stands.
        """
        height, width = image.shape[:2]
        scale = min(1.0, self.max_size[0] / width, self.max_size[1] / height)
        wanted = (int(width * scale), int(height * scale))
        if self._fit_attempts:
            _, _, shown_width, shown_height = cv2.getWindowImageRect(self.title)
            if abs(shown_width - wanted[0]) <= 2 and abs(shown_height - wanted[1]) <= 2:
                self._sized = True
                return
        if self._fit_attempts >= FIT_ATTEMPTS:
            self._sized = True  # a window manager that will not take the size wins
            return
        cv2.resizeWindow(self.title, *wanted)
        self._fit_attempts += 1
