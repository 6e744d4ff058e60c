"""Memory of a long session: the overlay's text cache must stay small once full."""

from __future__ import annotations

import tracemalloc

import numpy as np
import pytest

from posecoach.overlay.text import draw_text


def test_a_full_text_cache_holds_tens_not_hundreds_of_megabytes():
    # A long session draws many distinct strings (timers, fps, speeds, cues): the cache fills.
    image = np.zeros((480, 1280, 3), np.uint8)
    tracemalloc.start()
    try:
        for i in range(600):
            draw_text(image, f"Move the roller up — off your lower back ({i} s)", (0, 0), 28,
                      (235, 235, 235), bold=True)
        held, _ = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert held < 40e6, f"text cache holds {held / 1e6:.0f} MB"
    assert image.max() > 200  # and the text was drawn


def _drawn(text: str, size_px: int) -> np.ndarray:
    image = np.zeros((40, 300, 3), np.uint8)
    draw_text(image, text, (4, 4), size_px, (255, 255, 255))
    return image[..., 0].astype(int)


def test_changing_numbers_are_drawn_from_cached_digits_where_the_whole_text_would_be():
    """fps, speeds and timers change every frame: once their digits were drawn, a new value
    renders no new bitmap, and it lands where the text rendered whole would."""
    from posecoach.overlay.text import _glyphs, _mask

    for seen in ("0123456789", "0.0 fps"):
        draw_text(np.zeros((40, 300, 3), np.uint8), seen, (0, 0), 15, (255, 255, 255))
    before = _glyphs.cache_info().misses
    for value in (12.5, 30.0, 47.9, 58.1):
        _drawn(f"{value:4.1f} fps", 15)
    assert _glyphs.cache_info().misses == before
    for text in ("47.9 fps", "speed 12 cm/s (limit 14)", "set 2: 1:05 · passes 7"):
        whole = np.zeros((40, 300), int)
        mask = _mask(text, 15, False)  # the whole text as one bitmap
        whole[4:4 + mask.shape[0], 4:4 + mask.shape[1]] = mask
        pieces = _drawn(text, 15)
        assert pieces.sum() == pytest.approx(whole.sum(), rel=0.03)  # the same ink
        assert np.abs(pieces - whole).mean() < 2.0  # in the same place
