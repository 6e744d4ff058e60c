"""Shared fixtures: paths to samples and the model, a session-wide model file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "samples"
REAL_CLIP = SAMPLES / "real" / "pose2sim_cam01.mp4"


@pytest.fixture(autouse=True)
def private_user_dirs(tmp_path_factory, monkeypatch) -> Path:
    """Every test gets empty config, data and cache folders: nothing reads or writes the
    user's real posecoach folders (saved baselines would change what posture tests judge)."""
    home = tmp_path_factory.mktemp("home")
    for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_CACHE_HOME", "XDG_STATE_HOME"):
        folder = home / name.lower()
        folder.mkdir()
        monkeypatch.setenv(name, str(folder))
    return home


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
    full_env = dict(os.environ)  # carries the test's private XDG folders (private_user_dirs)
    full_env.pop("DISPLAY", None)  # headless unless the test gives a display
    # The posecoach of this checkout, whatever ``cwd`` is (an editable install elsewhere
    # would otherwise win when cwd is not the repository).
    full_env["PYTHONPATH"] = os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])])
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

