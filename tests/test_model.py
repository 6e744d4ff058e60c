from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pytest

from posecoach.errors import ModelError
from posecoach.model import BUNDLED_MODEL_NAME, models_dir, resolve_model


def test_bundled_model_is_found_and_verified():
    model = resolve_model()
    assert model.bundled
    assert model.path.name == BUNDLED_MODEL_NAME
    expected = (models_dir() / f"{BUNDLED_MODEL_NAME}.sha256").read_text().split()[0]
    assert model.sha256 == expected


@pytest.fixture
def model_copy(tmp_path: Path, monkeypatch) -> Path:
    folder = tmp_path / "models"
    folder.mkdir()
    for name in (BUNDLED_MODEL_NAME, f"{BUNDLED_MODEL_NAME}.sha256"):
        shutil.copy(models_dir() / name, folder / name)
    monkeypatch.setenv("POSECOACH_MODELS_DIR", str(folder))
    return folder


def test_corrupt_bundled_model_is_refused_with_a_rebuild_hint(model_copy: Path):
    path = model_copy / BUNDLED_MODEL_NAME
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ModelError) as info:
        resolve_model()
    assert "corrupt" in info.value.message
    assert "build_model.py" in info.value.hint


def test_missing_bundled_model_says_how_to_restore_it(model_copy: Path):
    (model_copy / BUNDLED_MODEL_NAME).unlink()
    with pytest.raises(ModelError) as info:
        resolve_model()
    assert "not found" in info.value.message
    assert "git checkout models/" in info.value.hint


def test_user_model_that_is_not_a_bundle_is_refused(tmp_path: Path):
    fake = tmp_path / "fake.task"
    fake.write_bytes(b"not a zip at all")
    with pytest.raises(ModelError, match="not a MediaPipe .task bundle"):
        resolve_model(fake)


def test_user_bundle_without_pose_models_is_refused(tmp_path: Path):
    other = tmp_path / "hands.task"
    with zipfile.ZipFile(other, "w") as bundle:
        bundle.writestr("hand_detector.tflite", b"x")
    with pytest.raises(ModelError, match="missing pose_detector.tflite"):
        resolve_model(other)


def test_user_model_path_that_does_not_exist(tmp_path: Path):
    with pytest.raises(ModelError, match="not found") as info:
        resolve_model(tmp_path / "nope.task")
    assert "--model" in info.value.hint
