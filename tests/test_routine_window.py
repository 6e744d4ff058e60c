"""The guided routine in the live path: the paced simulated camera, a window on a virtual X
display, and a screenshot of each phase."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from posecoach.overlay.base import GOOD, HUD_HEIGHT_PX, PANEL
from tests.conftest import ROOT, SAMPLES
from tests.test_window import screenshot, window_area, x_display  # noqa: F401  (fixture)

pytestmark = [pytest.mark.model, pytest.mark.display]


def routine_bar(window: np.ndarray) -> float | None:
    """How full the routine panel's progress bar is (0–1), or None without a panel. The
    panel hangs below the HUD at the left: dark, with a green bar along its bottom."""
    panel = window[HUD_HEIGHT_PX + 24:HUD_HEIGHT_PX + 74, :400].astype(int)
    dark = (np.abs(panel - np.array(PANEL)).max(axis=2) < 40).any(axis=0)
    if dark.sum() < 100:
        return None
    green = (np.abs(panel - np.array(GOOD)).max(axis=2) < 40).sum(axis=0) >= 2
    columns = np.nonzero(dark | green)[0]
    return float(green.sum()) / float(columns.max() - columns.min() + 1)


def test_live_routine_shows_each_phase_on_screen(x_display: str, tmp_path: Path):  # noqa: F811
    profile = tmp_path / "short.toml"
    profile.write_text("[routine]\nwarm_up_s = 3.0\nspots = 1\nroller_hold_min_s = 2.0\n"
                       "roller_hold_max_s = 3.0\nfinish_s = 3.0\nrest_s = 3.0\n")
    log = tmp_path / "live.jsonl"
    env = {**os.environ, "DISPLAY": x_display}
    process = subprocess.Popen(
        [sys.executable, "-m", "posecoach", "live", "--simulate-camera",
         str(SAMPLES / "synthetic" / "roller_thoracic_ok.mp4"), "--routine", "roller",
         "--profile", str(profile), "--log", str(log), "--mute",
         "--simulate-speed", "0.5"],  # 36 s of video: time for the model to start under load
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    fills, sizes = [], []
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and process.poll() is None:
            try:
                shot = screenshot(x_display, tmp_path / f"screen{len(sizes):03d}.png")
            except subprocess.CalledProcessError:
                continue  # the window was being drawn or closed
            ys, xs = np.nonzero(shot.max(axis=2) > 0)
            sizes.append((xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) if len(xs) else None)
            if len(xs) and (xs.max() - xs.min() + 1, ys.max() - ys.min() + 1) == (640, 480):
                fill = routine_bar(window_area(shot, (640, 480)))  # the video window is up
                if fill is not None:
                    fills.append(fill)
            time.sleep(0.2)
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGINT)
        stdout, stderr = process.communicate(timeout=60)
    rows = len(log.read_text().splitlines()) if log.exists() else 0
    seen = (f"rc={process.returncode}, {len(sizes)} screenshots ({sizes[-3:]} last), "
            f"{rows} log rows, stdout: {stdout[-600:]}")
    # Four phases: the bar stands at 0, 1/4, 2/4 and 3/4 in turn (then full: done).
    phases = sorted({int(round(f * 4)) for f in fills})
    assert phases[:4] == [0, 1, 2, 3], (fills, seen, stderr[-2000:])
    steps = [int(round(f * 4)) for f in fills]
    assert steps == sorted(steps)  # in order, never back
    assert "Routine: " in stdout
