"""Memory of a long session: the overlay's text cache must stay small once full."""

from __future__ import annotations

import tracemalloc

import numpy as np

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
