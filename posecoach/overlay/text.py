"""Anti-aliased Unicode text on BGR images.

OpenCV's Hershey fonts have no dashes, arrows or accents, and the opencv wheel has no FreeType
module, so text is rendered with Pillow and DejaVu Sans (shipped with matplotlib, which
MediaPipe depends on), cached per (text, size) as a coverage mask and alpha-blended: a cue
that stays on screen costs one small blend per frame.
"""

from __future__ import annotations

import importlib.util
import re
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np


@lru_cache(maxsize=4)
def _font(size_px: int, bold: bool):
    from PIL import ImageFont

    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    return ImageFont.truetype(str(_matplotlib_data() / "fonts" / "ttf" / name), size_px)


@lru_cache(maxsize=1)
def _matplotlib_data() -> Path:
    """matplotlib's data folder, found without importing matplotlib (~1 s: the first
    overlay of a session used to stall the video for that long)."""
    spec = importlib.util.find_spec("matplotlib")
    for folder in (spec.submodule_search_locations or []) if spec is not None else []:
        data = Path(folder) / "mpl-data"
        if data.is_dir():
            return data
    import matplotlib  # an unusual install: ask it

    return Path(matplotlib.get_data_path())


@lru_cache(maxsize=512)
def _glyphs(text: str, size_px: int, bold: bool) -> tuple[np.ndarray, int, int, float]:
    """The text's coverage, (h, w) uint8, with where it sits from the pen's start (left,
    top, in pixels) and how far the pen moves (the advance). Cached without the colour and
    as bytes: float bitmaps per colour grew the cache of a long session to ~200 MB
    (bench/bench_soak.py)."""
    from PIL import Image, ImageDraw

    font = _font(size_px, bold)
    left, top, right, bottom = font.getbbox(text)
    width, height = max(1, right - left), max(1, bottom - top)
    mask = Image.new("L", (width, height), 0)
    ImageDraw.Draw(mask).text((-left, -top), text, fill=255, font=font)
    return np.asarray(mask, dtype=np.uint8), left, top, font.getlength(text)


#: A digit, or a run of anything else: numbers that change every frame (fps, speeds,
#: timers) are put together from ten cached digits instead of a new rendering per value
#: (~0.14 ms each at 15 px with Pillow, one or two a frame; putting one together ~0.02 ms).
_PIECES = re.compile(r"\d|\D+")


@lru_cache(maxsize=512)
def _mask(text: str, size_px: int, bold: bool) -> np.ndarray:
    """The text's coverage, (h, w) uint8, cropped to its ink; a text with digits is put
    together from its pieces, side by side by their advance."""
    if not any(c.isdigit() for c in text):
        return _glyphs(text, size_px, bold)[0]
    placed = []
    pen = 0.0
    for piece in _PIECES.findall(text):
        mask, left, top, advance = _glyphs(piece, size_px, bold)
        placed.append((mask, int(round(pen)) + left, top))
        pen += advance
    x0 = min(x for _, x, _ in placed)
    y0 = min(y for _, _, y in placed)
    width = max(x + m.shape[1] for m, x, _ in placed) - x0
    height = max(y + m.shape[0] for m, _, y in placed) - y0
    canvas = np.zeros((height, width), np.uint8)
    for mask, x, y in placed:
        region = canvas[y - y0:y - y0 + mask.shape[0], x - x0:x - x0 + mask.shape[1]]
        np.maximum(region, mask, out=region)
    return canvas


def render_text(text: str, size_px: int, color_bgr: tuple[int, int, int],
                bold: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """A text bitmap: (colour (1, 1, 3) float32 BGR, alpha (h, w, 1) float32 in [0, 1])."""
    alpha = _mask(text, size_px, bold)[..., None].astype(np.float32) / 255.0
    return np.array(color_bgr, dtype=np.float32).reshape(1, 1, 3), alpha


def text_size(text: str, size_px: int, bold: bool = False) -> tuple[int, int]:
    """(width, height) in pixels of ``text`` drawn at ``size_px``."""
    height, width = _mask(text, size_px, bold).shape
    return width, height


def fitting_size(text: str, size_px: int, max_width: int, min_px: int = 9) -> int:
    """The text height, at most ``size_px`` and at least ``min_px``, at which ``text`` is no
    wider than ``max_width`` (small pictures: a 320×240 webcam's line must not run off)."""
    width, _ = text_size(text, size_px)
    if width <= max_width:
        return size_px
    size = max(min_px, int(size_px * max_width / width))
    while size > min_px and text_size(text, size)[0] > max_width:
        size -= 1  # glyph widths do not scale exactly with the height
    return size


def draw_text(image: np.ndarray, text: str, origin: tuple[int, int], size_px: int,
              color_bgr: tuple[int, int, int], bold: bool = False) -> tuple[int, int]:
    """Draw ``text`` with its top-left corner at ``origin``; clipped to the image.

    Returns:
        (width, height) of the drawn text in pixels.
    """
    mask = _mask(text, size_px, bold)
    height, width = mask.shape
    x, y = origin
    x0, y0 = max(x, 0), max(y, 0)
    x1, y1 = min(x + width, image.shape[1]), min(y + height, image.shape[0])
    if x1 <= x0 or y1 <= y0:
        return width, height
    # region + coverage × (colour − region), in one OpenCV call on the uint8 pixels (about
    # half the time of the same blend in float32 numpy; text is drawn ~10 times a frame).
    a = mask[y0 - y:y1 - y, x0 - x:x1 - x].astype(np.float32) * (1.0 / 255.0)
    region = image[y0:y1, x0:x1]
    cv2.blendLinear(_solid(region.shape, color_bgr), region, a, 1.0 - a, dst=region)
    return width, height


def _solid(shape: tuple[int, ...], color_bgr: tuple[int, int, int]) -> np.ndarray:
    """A uint8 image of ``shape`` filled with ``color_bgr`` (cv2.rectangle fills ~20× faster
    than numpy broadcasting a 3-channel colour)."""
    solid = np.empty(shape, dtype=np.uint8)
    cv2.rectangle(solid, (0, 0), (shape[1], shape[0]), tuple(int(c) for c in color_bgr), -1)
    return solid


def draw_panel(image: np.ndarray, box: tuple[int, int, int, int],
               color_bgr: tuple[int, int, int], opacity: float = 0.6) -> None:
    """Darken/tint the box (x0, y0, x1, y1) so text on it stays readable on any background."""
    x0, y0, x1, y1 = box
    x0, y0 = max(x0, 0), max(y0, 0)
    x1, y1 = min(x1, image.shape[1]), min(y1, image.shape[0])
    if x1 <= x0 or y1 <= y0:
        return
    # In uint8 with OpenCV (saturating, vectorised): ~10× cheaper than float32 numpy, and
    # panels are drawn several times a frame.
    region = image[y0:y1, x0:x1]
    cv2.addWeighted(region, 1.0 - opacity, _solid(region.shape, color_bgr), opacity, 0.0,
                    dst=region)
