"""The live window as a person sees it: a virtual X display, a screenshot, and checks on it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np
import pytest

from posecoach.overlay.base import GOOD, HUD_HEIGHT_PX, NEUTRAL
from tests.conftest import ROOT

pytestmark = [pytest.mark.model, pytest.mark.display]

NEEDED = ("Xvfb", "import")


@pytest.fixture
def x_display():
    missing = [tool for tool in NEEDED if shutil.which(tool) is None]
    if missing:
        if os.environ.get("CI"):
            pytest.fail(f"CI must install {missing} (scripts/setup.sh does)")
        pytest.skip(f"needs {missing}: run scripts/setup.sh")
    server = subprocess.Popen(["Xvfb", "-displayfd", "1", "-screen", "0", "1280x1024x24",
                               "-br", "-nolisten", "tcp"], stdout=subprocess.PIPE,
                              stderr=subprocess.DEVNULL, text=True)
    number = server.stdout.readline().strip()
    assert number.isdigit(), "Xvfb did not start"
    yield f":{number}"
    server.terminate()
    server.wait(timeout=10)


def screenshot(display: str, path: Path) -> np.ndarray:
    subprocess.run(["import", "-window", "root", "-display", display, str(path)], check=True,
                   timeout=30, capture_output=True)
    image = cv2.imread(str(path))
    assert image is not None
    return image


#: Limb segments long enough to check pixel by pixel (BlazePose indices): torso sides, arms,
#: legs. The shoulder and hip lines are left out: the posture overlay draws its level lines
#: over them.
LIMBS = ((11, 23), (12, 24), (11, 13), (12, 14), (13, 15), (14, 16), (23, 25), (24, 26),
         (25, 27), (26, 28))
#: The HUD panel along the top of the frame (its text is the skeleton's colour too).
#: The two HUD lines (frame rate and status; exercise and why) are white text too.
HUD_ROWS = HUD_HEIGHT_PX


def still_clip(path: Path, image: np.ndarray, frames: int = 600, fps: int = 30) -> Path:
    """A clip repeating one picture: the person stands still, so the skeleton drawn at the
    moment of the screenshot is where every log row puts it. 20 s long: on a loaded machine
    the 45 rows the screenshot waits for can take most of 5 s of paced video, and the test's
    Ctrl-C must reach a running session, not one already closing."""
    from fractions import Fraction

    import av

    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.height, stream.width = image.shape[:2]
        stream.pix_fmt = "yuv420p"
        for _ in range(frames):
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode(None))
    return path


def first_frame(clip: Path) -> np.ndarray:
    import av

    with av.open(str(clip)) as container:
        return next(container.decode(video=0)).to_ndarray(format="bgr24")


def run_live_and_screenshot(display: str, clip: Path, tmp_path: Path
                            ) -> tuple[np.ndarray, list[dict], str, str, int]:
    """``posecoach live`` on ``clip`` in a window; a screenshot once 45 rows are logged."""
    log = tmp_path / "live.jsonl"
    env = {**os.environ, "DISPLAY": display}
    process = subprocess.Popen(
        [sys.executable, "-m", "posecoach", "live", "--simulate-camera", str(clip), "--log",
         str(log)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
                not log.exists() or len(log.read_text().splitlines()) < 45):
            assert process.poll() is None, process.communicate()[1]
            time.sleep(0.2)
        shot = screenshot(display, tmp_path / "screen.png")
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    return shot, rows, stdout, stderr, process.returncode


def window_area(shot: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """The window's pixels: everything not the black root window (Xvfb -br), which must be
    exactly the frame's size (no window manager, no scaling)."""
    ys, xs = np.nonzero(shot.max(axis=2) > 0)
    x0, y0, x1, y1 = xs.min(), ys.min(), xs.max() + 1, ys.max() + 1
    assert (x1 - x0, y1 - y0) == size, f"window at {(x0, y0, x1, y1)}, expected {size}"
    return shot[y0:y1, x0:x1]


def skeleton_coloured(image: np.ndarray) -> np.ndarray:
    """Pixels in the skeleton's colour (NEUTRAL, near-white, anti-aliased)."""
    return (np.abs(image.astype(int) - np.array(NEUTRAL)).max(axis=2) < 30)


def test_live_window_draws_the_skeleton_on_the_limbs_and_the_hud(x_display: str,
                                                                 tmp_path: Path,
                                                                 webcam_clip: Path):
    clip = still_clip(tmp_path / "still.mp4", first_frame(webcam_clip))
    shot, rows, stdout, stderr, code = run_live_and_screenshot(x_display, clip, tmp_path)
    assert code == 0, stderr
    assert "without a window" not in stderr
    assert "stopped by you" in stdout
    window = window_area(shot, (640, 480))
    assert window.std() > 20  # the video, not a blank window
    # The HUD's "person found" is drawn in its green.
    green = (np.abs(window.astype(int) - np.array(GOOD)).max(axis=2) < 30)
    assert green.sum() > 30
    # The skeleton: its colour along every limb segment where the log puts the person.
    assert sum(row["person"] for row in rows) >= 0.9 * len(rows)
    landmarks = np.median(np.array([row["landmarks"] for row in rows if row["person"]]),
                          axis=0)
    bone = cv2.dilate(skeleton_coloured(window).astype(np.uint8), np.ones((7, 7), np.uint8))
    checked = 0
    for a, b in LIMBS:
        if min(landmarks[a][2], landmarks[b][2]) < 0.5:
            continue  # drawn dim: not the skeleton colour
        start, end = np.array(landmarks[a][:2]), np.array(landmarks[b][:2])
        points = [start + f * (end - start) for f in np.linspace(0.2, 0.8, 13)]
        inside = [p for p in points if HUD_ROWS <= p[1] < 480 and 0 <= p[0] < 640]
        on_bone = [bool(bone[int(p[1]), int(p[0])]) for p in inside]
        assert sum(on_bone) >= 0.8 * len(on_bone), (a, b, on_bone)
        checked += len(on_bone)
    assert checked >= 40, "too few limb points in view to judge the skeleton"


def test_live_window_draws_no_skeleton_when_nobody_is_there(x_display: str, tmp_path: Path):
    rng = np.random.default_rng(0)
    room = cv2.GaussianBlur(rng.integers(40, 200, (480, 640, 3), dtype=np.uint8), (0, 0), 9)
    clip = still_clip(tmp_path / "empty.mp4", room)
    shot, rows, _, stderr, code = run_live_and_screenshot(x_display, clip, tmp_path)
    assert code == 0, stderr
    assert not any(row["person"] for row in rows)
    window = window_area(shot, (640, 480))
    assert window.std() > 5  # the room is on screen
    # Below the HUD, nothing in the skeleton's colour: no bones drawn without a person.
    assert skeleton_coloured(window[HUD_ROWS:]).sum() == 0
