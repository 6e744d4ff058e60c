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
    full_env.update(env or {})
    return subprocess.run([sys.executable, "-m", "posecoach", *args], capture_output=True,
                          text=True, timeout=timeout, env=full_env, cwd=cwd or ROOT)
