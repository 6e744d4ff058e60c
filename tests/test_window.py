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

from posecoach.overlay.base import GOOD
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
                               "-nolisten", "tcp"], stdout=subprocess.PIPE,
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


def test_live_window_shows_the_video_with_skeleton_and_hud(x_display: str, tmp_path: Path,
                                                           webcam_clip: Path):
    clip = webcam_clip
    log = tmp_path / "live.jsonl"
    env = {**os.environ, "DISPLAY": x_display}
    process = subprocess.Popen(
        [sys.executable, "-m", "posecoach", "live", "--simulate-camera", str(clip), "--log",
         str(log)], cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and (
                not log.exists() or len(log.read_text().splitlines()) < 45):
            assert process.poll() is None, process.communicate()[1]
            time.sleep(0.2)
        shot = screenshot(x_display, tmp_path / "screen.png")
    finally:
        process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "without a window" not in stderr
    assert "stopped by you" in stdout

    # Something is on screen: the video (not a blank or black desktop).
    assert shot.std() > 20
    # The HUD's "person found" is drawn in its green.
    green = (np.abs(shot.astype(int) - np.array(GOOD)).max(axis=2) < 30)
    assert green.sum() > 30
    # The skeleton: near-white bone pixels around where the log puts the person.
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert sum(row["person"] for row in rows) >= 0.9 * len(rows)
    white = (shot > 225).all(axis=2)
    assert white.sum() > 300
