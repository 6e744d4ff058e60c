"""Finding and verifying the pose model file.

The bundled model is ``models/pose_landmarker_full.task`` beside the package, built by
``models/build_model.py`` and pinned by ``models/pose_landmarker_full.task.sha256``. Loading
verifies the checksum so a truncated or corrupted file fails with a clear message instead of a
crash deep inside MediaPipe. Any other PoseLandmarker ``.task`` (e.g. Google's lite or heavy
files) may be passed by path; those are checked for the right layout only.
"""

from __future__ import annotations

import hashlib
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

from posecoach.errors import ModelError

BUNDLED_MODEL_NAME = "pose_landmarker_full.task"
#: The two TFLite files a PoseLandmarker bundle must hold.
REQUIRED_MEMBERS = ("pose_detector.tflite", "pose_landmarks_detector.tflite")
REBUILD_HINT = (
    "restore it with `git checkout models/` or rebuild it with `python models/build_model.py`"
)


@dataclass(frozen=True)
class ModelFile:
    """A verified PoseLandmarker bundle.

    Attributes:
        path: the ``.task`` file.
        sha256: its checksum (hex).
        bundled: True for posecoach's own model (checksum pinned).
    """

    path: Path
    sha256: str
    bundled: bool

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()


def models_dir() -> Path:
    """Where the bundled model lives: ``$POSECOACH_MODELS_DIR`` if set (packagers, tests), else
    the repository's ``models/`` folder next to the ``posecoach`` package."""
    override = os.environ.get("POSECOACH_MODELS_DIR")
    if override:
        return Path(override)
    return Path(__file__).resolve().parent.parent / "models"


def resolve_model(path: str | Path | None = None) -> ModelFile:
    """Locate and verify the model: ``path`` if given, else the bundled one.

    Raises:
        ModelError: the file is missing, unreadable, corrupt, or not a PoseLandmarker bundle.
    """
    if path:
        return _verify(Path(path).expanduser(), expected_sha256=None)
    bundled = models_dir() / BUNDLED_MODEL_NAME
    if not bundled.is_file():
        raise ModelError(f"model file not found: {bundled}", REBUILD_HINT)
    checksum_file = bundled.with_name(bundled.name + ".sha256")
    try:
        expected = checksum_file.read_text(encoding="utf-8").split()[0].lower()
    except (FileNotFoundError, IndexError):
        raise ModelError(f"model checksum file missing: {checksum_file}", REBUILD_HINT) from None
    return _verify(bundled, expected_sha256=expected)


def _verify(path: Path, expected_sha256: str | None) -> ModelFile:
    if not path.is_file():
        hint = REBUILD_HINT if expected_sha256 else "check the path given to --model"
        raise ModelError(f"model file not found: {path}", hint)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model file {path}: {exc.strerror}",
                         "check its permissions") from None
    digest = hashlib.sha256(data).hexdigest()
    if expected_sha256 is not None and digest != expected_sha256:
        raise ModelError(f"model file {path} is corrupt (sha256 {digest[:12]}… expected "
                         f"{expected_sha256[:12]}…)", REBUILD_HINT)
    try:
        with zipfile.ZipFile(path) as bundle:
            names = set(bundle.namelist())
    except zipfile.BadZipFile:
        raise ModelError(f"{path} is not a MediaPipe .task bundle (not a zip archive)",
                         REBUILD_HINT if expected_sha256 else "pass a PoseLandmarker .task file"
                         ) from None
    missing = [m for m in REQUIRED_MEMBERS if m not in names]
    if missing:
        raise ModelError(f"{path} is not a PoseLandmarker bundle (missing {', '.join(missing)})",
                         "pass a PoseLandmarker .task file")
    return ModelFile(path=path, sha256=digest, bundled=expected_sha256 is not None)
