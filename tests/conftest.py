"""Shared fixtures: paths to samples and the model, a session-wide model file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REAL_CLIP = SAMPLES / "real" / "pose2sim_cam01.mp4"


@pytest.fixture(scope="session")
def real_clip() -> Path:
    assert REAL_CLIP.is_file(), f"sample missing: {REAL_CLIP}"
    return REAL_CLIP


@pytest.fixture(scope="session")
def real_clip_truth(real_clip: Path) -> dict:
    return json.loads(real_clip.with_name(real_clip.stem + ".truth.json").read_text())


@pytest.fixture(scope="session")
def model_file():
    from posecoach.model import resolve_model

    return resolve_model()


def run_cli(*args: str, env: dict | None = None, timeout: float = 300,
            cwd: Path | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m posecoach ARGS`` as a user would, capturing output."""
    full_env = dict(os.environ)
    full_env.pop("DISPLAY", None)  # headless unless the test gives a display
    # Never read or write the developer's own posecoach config (baselines) from tests.
    full_env["XDG_CONFIG_HOME"] = str(Path(tempfile.gettempdir()) / "posecoach-test-config")
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "posecoach", *args], capture_output=True,
                          text=True, timeout=timeout, env=full_env, cwd=cwd or ROOT)


@pytest.fixture(scope="session")
def webcam_clip(tmp_path_factory, real_clip: Path) -> Path:
    """The real clip as a webcam would give it: 640×480 (letterboxed), 30 fps, 4 s, played
    forward and back so the motion is continuous."""
    from fractions import Fraction

    import av
    import cv2
    import numpy as np

    with av.open(str(real_clip)) as source:
        frames = [f.to_ndarray(format="bgr24") for f in source.decode(video=0)][::2]
    cycle = frames + frames[-2:0:-1]
    target = tmp_path_factory.mktemp("webcam") / "webcam.mp4"
    with av.open(str(target), "w") as sink:
        stream = sink.add_stream("libx264", rate=Fraction(30))
        stream.width, stream.height, stream.pix_fmt = 640, 480, "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for i in range(120):
            image = cycle[i % len(cycle)]
            scale = min(640 / image.shape[1], 480 / image.shape[0])
            small = cv2.resize(image, (round(image.shape[1] * scale),
                                       round(image.shape[0] * scale)))
            canvas = np.zeros((480, 640, 3), np.uint8)
            x0 = (640 - small.shape[1]) // 2
            canvas[:, x0:x0 + small.shape[1]] = small[:480]
            sink.mux(stream.encode(av.VideoFrame.from_ndarray(canvas, format="bgr24")))
        sink.mux(stream.encode(None))
    return target

