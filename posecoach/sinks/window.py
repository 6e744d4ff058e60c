"""The on-screen window (SDL2, through pygame-ce). Keys: q or Esc quits.

Not OpenCV's window: its Qt backend (the only GUI in the opencv-python wheels) stopped handling
X events for good in about one live session in ten on a loaded machine (Xvfb, 3 of 29 sessions
as it was; the window mapped and 640×480, but Qt never painted it and never saw a key), and
no order of creating, showing and sizing it helped (docs/engineering.md §2.2).
SDL reads its events on the thread that draws, one call per frame, and draws what it is given.
"""

from __future__ import annotations

import contextlib
import io
from collections import deque
from typing import Any

import cv2
import numpy as np

from posecoach.errors import PosecoachError
from posecoach.types import FrameResult

ESCAPE = 27
QUIT_KEYS = (ord("q"), ord("Q"), ESCAPE)


class WindowSink:
    """Shows each annotated frame, scaled to the window (aspect kept, black bars), in a window
    the user may resize. Must be used from the main thread.

    Check :func:`posecoach.display.display_available` before creating one, to say plainly that
    there is no screen.

    Attributes:
        last_key: the key pressed during the last ``write`` as a character code (Esc: 27;
            -1: none). Keys pressed faster than frames arrive come one per frame, none lost.
        closed: True once the user pressed q/Esc or closed the window.
    """

    wants_image = True

    def __init__(self, title: str = "posecoach", max_size: tuple[int, int] = (1280, 800)) -> None:
        self.title = title
        self.max_size = max_size
        self.last_key = -1
        self.closed = False
        self._pygame: Any = None
        self._opened = False
        self._keys: deque[int] = deque()

    def __enter__(self) -> WindowSink:
        # Imported here: pygame is only needed with a window, and it prints a banner on import.
        with contextlib.redirect_stdout(io.StringIO()):
            import pygame
        try:
            pygame.display.init()
        except pygame.error as exc:
            raise PosecoachError(f"cannot open a window: {exc}",
                                 "check DISPLAY, or run without a window "
                                 "(unset DISPLAY; add --out to save a video)") from None
        self._pygame = pygame
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pygame is not None:
            self._pygame.display.quit()
            self._pygame = None
            self._opened = False

    def write(self, image: np.ndarray | None, result: FrameResult) -> None:
        if image is None or self._pygame is None:
            return
        pygame = self._pygame
        if not self._opened:
            pygame.display.set_mode(self.fitted_size(image), pygame.RESIZABLE)
            pygame.display.set_caption(self.title)
            self._opened = True
        self._read_events()
        self._draw(image)
        self.last_key = self._keys.popleft() if self._keys else -1
        if self.last_key in QUIT_KEYS:
            self.closed = True

    def fitted_size(self, image: np.ndarray) -> tuple[int, int]:
        """The window's first size: the frame's, shrunk to fit ``max_size``."""
        height, width = image.shape[:2]
        scale = min(1.0, self.max_size[0] / width, self.max_size[1] / height)
        return max(1, int(width * scale)), max(1, int(height * scale))

    def _read_events(self) -> None:
        pygame = self._pygame
        for event in pygame.event.get():
            if event.type == pygame.QUIT:
                self.closed = True
            elif event.type == pygame.KEYDOWN:
                if event.key == pygame.K_ESCAPE:
                    self._keys.append(ESCAPE)
                elif event.unicode and ord(event.unicode[0]) < 128:
                    self._keys.append(ord(event.unicode[0]))

    def _draw(self, image: np.ndarray) -> None:
        """The frame, scaled to the window with its aspect kept, centred on black."""
        pygame = self._pygame
        screen = pygame.display.get_surface()  # resized with the window by SDL
        window_w, window_h = screen.get_size()
        height, width = image.shape[:2]
        scale = min(window_w / width, window_h / height)
        shown_w, shown_h = max(1, round(width * scale)), max(1, round(height * scale))
        if (shown_w, shown_h) != (width, height):
            image = cv2.resize(image, (shown_w, shown_h), interpolation=cv2.INTER_AREA
                               if scale < 1 else cv2.INTER_LINEAR)
        picture = pygame.image.frombuffer(np.ascontiguousarray(image).tobytes(),
                                          (shown_w, shown_h), "BGR")
        if (shown_w, shown_h) != (window_w, window_h):
            screen.fill((0, 0, 0))
        screen.blit(picture, ((window_w - shown_w) // 2, (window_h - shown_h) // 2))
        pygame.display.flip()
