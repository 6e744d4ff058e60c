"""matplotlib figures as inline SVG: text stays text, the page needs no file and no network."""

from __future__ import annotations

import io
import re

import numpy as np

GREEN, LIGHT_GREEN, RED, AMBER, BLUE, PURPLE, GREY = (
    "#2f8f46", "#cfe8d5", "#d64545", "#e09a1a", "#2b6cb0", "#7b4fa0", "#b0b0b0")
#: Most points a line plot draws: a 30-minute log has ~54,000 frames, a screen ~1,000 pixels.
MAX_POINTS = 2000


def pyplot():
    """pyplot on the Agg backend: never a window, no display needed."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    # Sized for a phone: figures ~6 in wide shown ~360 px wide keep 11 pt text legible.
    plt.rcParams.update({"svg.fonttype": "none", "font.size": 11,
                         "axes.spines.top": False, "axes.spines.right": False})
    return plt


def to_svg(figure) -> str:
    """The figure as an ``<svg>`` element that scales to its container's width."""
    buffer = io.StringIO()
    figure.savefig(buffer, format="svg", bbox_inches="tight")
    pyplot().close(figure)
    text = buffer.getvalue()
    text = text[text.index("<svg"):]
    # Width from the page (CSS), height from the aspect ratio in viewBox.
    text = re.sub(r'<svg([^>]*?) width="[^"]*" height="[^"]*"', r'<svg\1', text, count=1)
    # Inline SVG in HTML needs no namespace declarations, and the metadata names web
    # addresses: drop both, so the page holds no address at all.
    text = re.sub(r"<metadata>.*?</metadata>\s*", "", text, count=1, flags=re.S)
    return re.sub(r' xmlns(:xlink)?="[^"]*"', "", text)


def thin(t: np.ndarray, *columns: np.ndarray) -> tuple[np.ndarray, ...]:
    """Every k-th sample so at most :data:`MAX_POINTS` are drawn (gaps, NaN, kept)."""
    step = max(1, int(np.ceil(len(t) / MAX_POINTS)))
    return (t[::step], *(c[::step] for c in columns))
