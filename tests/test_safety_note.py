"""The one-time safety note before a first roller or ball session (issue 11 §6)."""

from __future__ import annotations

import numpy as np
import pytest

from posecoach.overlay.safety import SafetyNoteAnnotator
from posecoach.safety import SafetyNoteStage, default_marker_path
from posecoach.types import Frame, FrameResult
from tests.factories import selected

IMAGE = np.zeros((480, 640, 3), np.uint8)


def feed(stage: SafetyNoteStage, exercises: list[str | None], fps: float = 10.0,
         keys: dict[int, int] | None = None) -> list[bool]:
    """Whether the note is up on each frame, for a sequence of selected exercises."""
    shown = []
    for i, exercise in enumerate(exercises):
        t = i / fps
        if keys and i in keys:
            stage.on_key(keys[i], t)
        result = FrameResult(i, t, None, 15.0, selection=selected(exercise))
        shown.append(bool(stage.update(Frame(IMAGE, t, i), result).safety_note))
    return shown


def test_the_note_shows_when_the_first_prop_session_starts_then_never_again(tmp_path):
    marker = tmp_path / "seen"
    shown = feed(SafetyNoteStage(marker, show_s=3.0), ["posture"] * 20 + ["roller"] * 50)
    assert not any(shown[:20])  # desk work: no note
    assert all(shown[20:50]) and not any(shown[50:])  # 3 s on entering roller mode, then gone
    assert marker.exists()
    again = feed(SafetyNoteStage(marker, show_s=3.0), ["ball"] * 50)
    assert not any(again)


def test_space_dismisses_the_note_and_it_is_remembered(tmp_path):
    marker = tmp_path / "seen"
    shown = feed(SafetyNoteStage(marker, show_s=10.0), ["ball"] * 40, keys={5: ord(" ")})
    assert shown[:5] == [True] * 5 and not any(shown[5:])
    assert marker.exists()


def test_other_keys_do_not_dismiss_it(tmp_path):
    shown = feed(SafetyNoteStage(tmp_path / "seen", show_s=2.0), ["roller"] * 30,
                 keys={3: ord("m")})
    assert all(shown[:20])


def test_without_a_marker_nothing_is_written_and_the_note_still_ends(tmp_path):
    shown = feed(SafetyNoteStage(None, show_s=1.0), ["roller"] * 30)
    assert all(shown[:10]) and not any(shown[10:])
    assert not list(tmp_path.iterdir())


def test_an_unwritable_marker_only_means_the_note_shows_again(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    stage = SafetyNoteStage(blocker / "seen", show_s=1.0)  # parent is a file
    assert not any(feed(stage, ["roller"] * 30)[10:])


def test_the_marker_lives_in_the_users_config_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert default_marker_path().is_relative_to(tmp_path)


def test_a_bad_duration_is_refused():
    with pytest.raises(ValueError, match="show_s"):
        SafetyNoteStage(None, show_s=0)


def test_the_overlay_draws_the_note_only_while_it_is_up():
    annotator = SafetyNoteAnnotator()
    blank = annotator.annotate(IMAGE.copy(), FrameResult(0, 0.0, None, 15.0))
    assert not blank.any()
    drawn = annotator.annotate(IMAGE.copy(), FrameResult(0, 0.0, None, 15.0,
                                                         safety_note=True))
    middle = drawn[120:360, 80:560]
    # Light text on a panel in the middle of the picture.
    assert (middle.max(axis=2) > 200).sum() > 500


@pytest.mark.model
def test_a_live_roller_session_shows_the_note_once_and_a_replay_does_not(private_user_dirs):
    from tests.conftest import SAMPLES, run_cli

    clip = SAMPLES / "synthetic" / "roller_thoracic_ok.mp4"
    marker = default_marker_path()
    replay = run_cli("replay", str(clip), "--single-process")
    assert replay.returncode == 0, replay.stderr
    assert not marker.exists()  # reviewing a recording is not the user's own first session
    live = run_cli("live", "--simulate-camera", str(clip))
    assert live.returncode == 0, live.stderr
    assert marker.exists()  # the roller coach started, the note was shown and is remembered
