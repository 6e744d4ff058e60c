from __future__ import annotations

from pathlib import Path

import pytest

from posecoach.config import Settings, load_settings
from posecoach.errors import ConfigError


def test_defaults_are_valid_and_use_the_bundled_model():
    settings = load_settings()
    assert settings == Settings()
    assert settings.model.path == ""
    assert settings.camera.width == 640 and settings.camera.height == 480


def test_profile_values_apply_and_flags_override_them(tmp_path: Path):
    profile = tmp_path / "me.toml"
    profile.write_text('[camera]\ndevice = "2"\nwidth = 1280\n[smoothing]\nbeta = 0.1\n')
    settings = load_settings(profile, {"camera.width": 800, "camera.height": None})
    assert settings.camera.device == "2"
    assert settings.camera.width == 800  # the flag wins over the profile
    assert settings.camera.height == 480  # None means "flag not given"
    assert settings.smoothing.beta == pytest.approx(0.1)


@pytest.mark.parametrize(("text", "message"), [
    ("[camera]\nwidht = 640\n", "unknown setting camera.widht"),
    ("[camra]\n", "unknown settings section [camra]"),
    ('[camera]\nwidth = "wide"\n', "camera.width must be a int"),
    ("[camera]\nwidth = 10\n", "camera.width must be between"),
    ("[model]\nnum_poses = 0\n", "model.num_poses must be between"),
    ('[display]\nwindow = "maybe"\n', "display.window must be auto, on or off"),
    ("[camera\nwidth = 1\n", "is not valid TOML"),
])
def test_bad_profiles_name_the_problem(tmp_path: Path, text: str, message: str):
    profile = tmp_path / "bad.toml"
    profile.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_settings(profile)
    assert message in info.value.one_line()
    assert "\n" not in info.value.one_line()


def test_missing_profile_is_a_config_error(tmp_path: Path):
    with pytest.raises(ConfigError, match="profile not found"):
        load_settings(tmp_path / "nope.toml")


def test_overrides_are_validated():
    with pytest.raises(ConfigError, match="smoothing.min_cutoff_hz"):
        Settings().with_overrides({"smoothing.min_cutoff_hz": -1.0})


def test_tests_never_touch_the_users_saved_baselines(private_user_dirs):
    # Saved baselines change what posture is judged against: an in-process test must not
    # read the developer's own (conftest gives each test empty folders).
    from posecoach.baseline import baseline_path_for

    saved = baseline_path_for("camera 0")
    assert saved.is_relative_to(private_user_dirs)
    assert not saved.exists()
