"""`posecoach doctor`: is this machine ready? Model, cameras, display, audio."""

from __future__ import annotations

import platform
import shutil
from dataclasses import dataclass
from enum import Enum
from importlib import metadata

import numpy as np

from posecoach.display import display_available
from posecoach.errors import PosecoachError
from posecoach.model import resolve_model
from posecoach.sources.camera import list_cameras


class Status(Enum):
    OK = "ok"
    WARN = "warn"
    FAIL = "FAIL"


@dataclass(frozen=True)
class Check:
    """One line of the doctor's table."""

    name: str
    status: Status
    detail: str


def run_checks(model_path: str | None = None) -> list[Check]:
    """All checks; only a failing model check makes the setup unusable."""
    return [_versions(), _model(model_path), _cameras(), _display(), _audio(), _voice()]


def _versions() -> Check:
    names = ("mediapipe", "opencv-contrib-python", "numpy", "av")
    parts = [f"python {platform.python_version()}"]
    for name in names:
        try:
            parts.append(f"{name} {metadata.version(name)}")
        except metadata.PackageNotFoundError:
            parts.append(f"{name} missing")
    missing = any(p.endswith("missing") for p in parts)
    return Check("packages", Status.FAIL if missing else Status.OK, ", ".join(parts))


def _model(model_path: str | None) -> Check:
    try:
        model = resolve_model(model_path)
        from posecoach.estimator import PoseEstimator

        with PoseEstimator(model) as estimator:
            estimator(np.zeros((256, 256, 3), dtype=np.uint8), 0.0)
    except PosecoachError as exc:
        return Check("pose model", Status.FAIL, exc.one_line())
    kind = "bundled, checksum verified" if model.bundled else "user-supplied"
    return Check("pose model", Status.OK,
                 f"{model.path} ({kind}, sha256 {model.sha256[:12]}…, loads and runs)")


def _cameras() -> Check:
    cameras = list_cameras()
    if not cameras:
        return Check("cameras", Status.WARN,
                     "none found — live coaching needs a webcam; replay works without one")
    return Check("cameras", Status.OK, "; ".join(f"{c.path}: {c.name}" for c in cameras))


def _display() -> Check:
    if display_available():
        return Check("display", Status.OK, "a window can be opened")
    return Check("display", Status.WARN,
                 "no display — sessions run without a window (use --out to save a video)")


def _audio() -> Check:
    try:
        import sounddevice

        outputs = [d for d in sounddevice.query_devices() if d["max_output_channels"] > 0]
    except (OSError, ImportError) as exc:
        return Check("audio output", Status.WARN, f"not available ({exc})")
    except Exception as exc:  # PortAudio raises its own error type when no host API works
        return Check("audio output", Status.WARN, f"not available ({exc})")
    if not outputs:
        return Check("audio output", Status.WARN, "no output device — spoken cues are off")
    return Check("audio output", Status.OK, f"{len(outputs)} device(s), e.g. {outputs[0]['name']}")


def _voice() -> Check:
    engine = shutil.which("espeak-ng") or shutil.which("espeak")
    if engine is None:
        return Check("speech engine", Status.WARN,
                     "espeak-ng not found — install it (apt install espeak-ng) for spoken cues")
    return Check("speech engine", Status.OK, engine)
