"""The window sink as a person uses it: the picture drawn whole at any window size, keys passed
on one per frame, q / Esc / the close button end the session. SDL's dummy video driver stands
in for the screen (the real X window is tested in test_window.py)."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.sinks.window import ESCAPE, WindowSink
from tests.factories import make_result

pygame = pytest.importorskip("pygame")


@pytest.fixture(autouse=True)
def dummy_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SDL_VIDEODRIVER", "dummy")


def picture(width: int = 640, height: int = 480) -> np.ndarray:
    """A frame with a distinct colour in each quadrant (BGR), to find it on screen."""
    image = np.zeros((height, width, 3), np.uint8)
    image[: height // 2, : width // 2] = (255, 0, 0)      # blue, top left
    image[: height // 2, width // 2:] = (0, 255, 0)       # green, top right
    image[height // 2:, : width // 2] = (0, 0, 255)       # red, bottom left
    image[height // 2:, width // 2:] = (255, 255, 255)    # white, bottom right
    return image


def on_screen(x: int, y: int) -> tuple[int, int, int]:
    colour = pygame.display.get_surface().get_at((x, y))
    return colour.r, colour.g, colour.b


def key(char: str) -> None:
    pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=ord(char.lower()), unicode=char,
                                         mod=0, scancode=0))


def test_the_window_opens_at_the_frame_size_and_shows_the_frame():
    with WindowSink() as sink:
        sink.write(picture(), make_result())
        assert pygame.display.get_surface().get_size() == (640, 480)
        assert on_screen(10, 10) == (0, 0, 255)        # blue, as RGB
        assert on_screen(630, 10) == (0, 255, 0)
        assert on_screen(10, 470) == (255, 0, 0)
        assert on_screen(630, 470) == (255, 255, 255)
        assert pygame.display.get_caption()[0] == "posecoach"
        assert not sink.closed and sink.last_key == -1


def test_a_large_frame_gets_a_window_within_the_screen_limit_with_its_aspect():
    with WindowSink(max_size=(1280, 800)) as sink:
        sink.write(picture(1920, 1080), make_result())
        width, height = pygame.display.get_surface().get_size()
        assert width <= 1280 and height <= 800
        assert abs(width / height - 1920 / 1080) < 0.01
        assert on_screen(width - 5, height - 5) == (255, 255, 255)


def test_a_window_the_user_resized_shows_the_whole_frame_between_black_bars():
    with WindowSink() as sink:
        sink.write(picture(), make_result())
        pygame.display.set_mode((900, 400), pygame.RESIZABLE)  # as the user drags its edge
        sink.write(picture(), make_result())
        # 640×480 into 900×400: 533×400 in the middle, bars of 183 px each side.
        assert on_screen(50, 200) == (0, 0, 0)
        assert on_screen(850, 200) == (0, 0, 0)
        assert on_screen(190, 5) == (0, 0, 255)
        assert on_screen(710, 395) == (255, 255, 255)
        assert pygame.display.get_surface().get_size() == (900, 400)  # the user's size stands


def test_keys_come_one_per_frame_in_order_and_none_is_lost():
    with WindowSink() as sink:
        sink.write(picture(), make_result())
        key("c")
        key("M")
        key("?")
        pressed = []
        for _ in range(4):
            sink.write(picture(), make_result())
            pressed.append(sink.last_key)
        assert pressed == [ord("c"), ord("M"), ord("?"), -1]
        assert not sink.closed


@pytest.mark.parametrize("char", ["q", "Q"])
def test_q_ends_the_session(char: str):
    with WindowSink() as sink:
        sink.write(picture(), make_result())
        key(char)
        sink.write(picture(), make_result())
        assert sink.closed


def test_escape_ends_the_session():
    with WindowSink() as sink:
        sink.write(picture(), make_result())
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, unicode="\x1b",
                                             mod=0, scancode=0))
        sink.write(picture(), make_result())
        assert sink.last_key == ESCAPE and sink.closed


def test_closing_the_window_ends_the_session():
    with WindowSink() as sink:
        sink.write(picture(), make_result())
        pygame.event.post(pygame.event.Event(pygame.QUIT))
        sink.write(picture(), make_result())
        assert sink.closed


def test_no_picture_opens_no_window():
    with WindowSink() as sink:
        sink.write(None, make_result())
        assert pygame.display.get_surface() is None


def test_a_screen_that_cannot_be_opened_is_a_one_line_error(monkeypatch: pytest.MonkeyPatch):
    from posecoach.errors import PosecoachError

    monkeypatch.setenv("SDL_VIDEODRIVER", "no-such-driver")
    with pytest.raises(PosecoachError, match="cannot open a window"):
        with WindowSink():
            pass
