"""The window sink sizes its window to the picture, even when the first resize is lost."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.sinks import window as window_module
from posecoach.sinks.window import FIT_ATTEMPTS, WindowSink
from tests.factories import make_result


class FakeHighGui:
    """Stands in for OpenCV's window calls: a window whose size changes only when a resize
    is applied, and which can be told to drop resizes (an X server that has not mapped it)."""

    def __init__(self, drop_resizes: int = 0) -> None:
        self.size = (400, 300)  # Qt's default for a new resizable window
        self.drop_resizes = drop_resizes
        self.resizes = 0
        self.shown_before_first_resize: bool | None = None
        self._shown = False

    def namedWindow(self, title: str, flags: int) -> None: ...  # noqa: N802
    def destroyWindow(self, title: str) -> None: ...  # noqa: N802
    def imshow(self, title: str, image: np.ndarray) -> None:
        self._shown = True

    def waitKey(self, delay: int) -> int:  # noqa: N802
        return -1

    def getWindowProperty(self, title: str, prop: int) -> float:  # noqa: N802
        return 1.0

    def resizeWindow(self, title: str, width: int, height: int) -> None:  # noqa: N802
        if self.shown_before_first_resize is None:
            self.shown_before_first_resize = self._shown
        self.resizes += 1
        if self.drop_resizes:
            self.drop_resizes -= 1
        else:
            self.size = (width, height)

    def getWindowImageRect(self, title: str) -> tuple[int, int, int, int]:  # noqa: N802
        return (0, 0, *self.size)


@pytest.fixture
def highgui(monkeypatch: pytest.MonkeyPatch):
    def install(fake: FakeHighGui) -> FakeHighGui:
        for name in ("namedWindow", "destroyWindow", "imshow", "waitKey", "getWindowProperty",
                     "resizeWindow", "getWindowImageRect"):
            monkeypatch.setattr(window_module.cv2, name, getattr(fake, name))
        return fake
    return install


def show_frames(count: int, size: tuple[int, int] = (640, 480)) -> None:
    picture = np.zeros((size[1], size[0], 3), np.uint8)
    with WindowSink() as sink:
        for _ in range(count):
            sink.write(picture, make_result())


def test_a_lost_first_resize_is_asked_again_until_the_window_fits(highgui):
    fake = highgui(FakeHighGui(drop_resizes=2))
    show_frames(10)
    assert fake.size == (640, 480)


def test_a_window_that_fits_is_then_left_to_the_user(highgui):
    fake = highgui(FakeHighGui())
    show_frames(10)
    assert fake.size == (640, 480)
    assert fake.resizes == 1  # a later resize by the user is not undone


def test_a_window_manager_that_refuses_the_size_is_not_fought_forever(highgui):
    fake = highgui(FakeHighGui(drop_resizes=10_000))
    show_frames(FIT_ATTEMPTS + 50)
    assert fake.resizes == FIT_ATTEMPTS


def test_a_large_picture_gets_a_window_within_the_screen_limit(highgui):
    fake = highgui(FakeHighGui())
    show_frames(3, size=(1920, 1080))
    assert fake.size == (1280, 720)


def test_the_window_is_resized_only_once_a_picture_is_up(highgui):
    # Resizing a Qt window before its first picture sometimes left it black for the whole
    # session on a loaded X server.
    fake = highgui(FakeHighGui())
    show_frames(2)
    assert fake.shown_before_first_resize is True
