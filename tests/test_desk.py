"""Desk mode: fewer frames while the person sits still and upright, all of them on change,
and no fault cued later than the coaching target (docs/coaching.md §1), from scripted frames."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from posecoach.config import Settings
from posecoach.desk import DeskMode, DeskReading
from posecoach.overlay import HudAnnotator
from posecoach.session import Outputs, build_pipeline, build_stages, desk_mode, run_session
from posecoach.sources import SourceInfo, VideoFileSource
from posecoach.sources.base import InfoAfterOpen
from posecoach.types import Frame, FrameResult
from tests.conftest import SAMPLES
from tests.factories import make_result, make_side_pose

FPS = 30.0
FAULT_AT = 10.0
#: The coaching target for a fault's cue onset (s), docs/coaching.md §1 and CoachSettings.
ONSET_TARGET_S = 1.5
UPRIGHT = make_side_pose(neck_deg=20, lean_deg=2)
SLOUCHED = make_side_pose(neck_deg=50, lean_deg=15)


class ScriptedEstimator:
    """Returns the pose the script gives for the frame's time; counts its calls."""

    def __init__(self, script) -> None:
        self.script = script
        self.last_inference_ms = 15.0
        self.times: list[float] = []

    def __call__(self, image, t):
        self.times.append(t)
        return [self.script(t)]


def picture(person_x: int) -> np.ndarray:
    """A grey room with a darker block where the person sits."""
    image = np.full((480, 640, 3), 150, np.uint8)
    image[150:400, person_x:person_x + 120] = 60
    return image


def run(script, pictures, seconds: float, desk: DeskMode | None):
    settings = Settings().with_overrides({"exercise.mode": "posture"})
    stages = build_stages(settings)
    if desk is not None:
        stages.append(desk)
    estimator = ScriptedEstimator(script)
    pipeline = build_pipeline(settings, estimator, stages)  # type: ignore[arg-type]
    frames = (Frame(image=pictures(i / FPS), t=i / FPS, index=i)
              for i in range(int(seconds * FPS)))
    results: list[FrameResult] = []
    pipeline.run(desk.frames(frames) if desk is not None else frames,
                 on_result=results.append)
    return estimator.times, results


def analysed_between(times: list[float], start: float, end: float) -> int:
    return sum(start <= t < end for t in times)


def onset(results: list[FrameResult], after: float) -> float | None:
    return next((r.t for r in results if r.t >= after and r.cue is not None), None)


def test_rate_drops_while_still_and_upright_and_comes_back_on_a_change():
    desk = DeskMode(still_fps=3.0, settle_s=2.0)
    still, moved = picture(300), picture(340)
    times, results = run(lambda t: UPRIGHT, lambda t: still if t < FAULT_AT else moved,
                         FAULT_AT + 2.0, desk)
    # Calm from the start: full rate until settled, then 3 frames a second.
    assert analysed_between(times, 0.0, 2.0) == 60
    assert 14 <= analysed_between(times, 5.0, 10.0) <= 16
    assert desk.skipped > 150
    # The picture changes (the person reached for something): every frame from there on.
    assert analysed_between(times, FAULT_AT, FAULT_AT + 1.0) == 30
    before = [r for r in results if r.t < FAULT_AT][-1].desk
    after = [r for r in results if r.t >= FAULT_AT][0].desk
    assert before == DeskReading(slow=True, fps=3.0) and before.label == "desk mode: 3 fps"
    assert not after.slow and after.label == ""


@pytest.mark.parametrize(("body_moves_in_picture", "late_frames"),
                         [(True, 0), (False, 0), (False, 1), (False, 5)])
def test_a_slouch_is_cued_within_the_target_though_the_rate_was_low(body_moves_in_picture,
                                                                     late_frames):
    # late_frames shifts the fault within the slow sampling interval (1/3 s = 10 frames).
    fault_at = FAULT_AT + late_frames / FPS
    still, moved = picture(300), picture(340)
    pictures = ((lambda t: still if t < fault_at else moved) if body_moves_in_picture
                else (lambda t: still))

    def script(t: float):
        return UPRIGHT if t < fault_at else SLOUCHED

    desk = DeskMode(still_fps=3.0, settle_s=2.0)
    times, with_desk = run(script, pictures, FAULT_AT + 4.0, desk)
    assert analysed_between(times, 5.0, FAULT_AT) <= 16  # it was slow before the fault
    _, full_rate = run(script, pictures, FAULT_AT + 4.0, None)
    desk_onset, full_onset = onset(with_desk, fault_at), onset(full_rate, fault_at)
    assert full_onset is not None and desk_onset is not None
    assert with_desk[-1].cue is not None and with_desk[-1].cue.key.startswith("posture.")
    assert desk_onset - fault_at <= ONSET_TARGET_S
    if body_moves_in_picture:
        # Woken on the very frame: as early as at full rate (the smoothing's history differs,
        # hence a frame either way).
        assert desk_onset <= full_onset + 1.0 / FPS + 1e-9
    else:
        assert desk_onset <= full_onset + 1.0 / 3.0  # at most one slow interval later
    assert not with_desk[-1].desk.slow  # full rate while the fault is on


def test_nobody_in_view_is_calm_too_and_a_person_walking_in_wakes_it():
    empty, person = picture(0), picture(300)
    desk = DeskMode(still_fps=3.0, settle_s=2.0)
    times, _ = run(lambda t: UPRIGHT, lambda t: empty if t < FAULT_AT else person,
                   FAULT_AT + 1.0, desk)
    assert analysed_between(times, FAULT_AT, FAULT_AT + 1.0) == 30


def test_desk_mode_is_for_live_posture_sessions_only():
    live = SourceInfo("camera 0", 640, 480, 30.0, None, live=True)
    video = SourceInfo("clip.mp4", 640, 480, 30.0, 300, live=False)
    settings = Settings()
    assert isinstance(desk_mode(settings, live), DeskMode)
    assert desk_mode(settings, video) is None
    assert desk_mode(settings.with_overrides({"exercise.mode": "roller"}), live) is None
    assert desk_mode(settings.with_overrides({"desk.enabled": False}), live) is None
    desk = desk_mode(settings.with_overrides({"desk.still_fps": 2.0}), live)
    assert desk is not None and desk.still_fps == 2.0


def test_bad_desk_values_are_refused():
    with pytest.raises(ValueError, match="still_fps"):
        DeskMode(still_fps=0.0)
    with pytest.raises(ValueError, match="settle_s"):
        DeskMode(settle_s=-1.0)


def test_the_hud_shows_desk_mode_only_while_slow():
    blank = np.zeros((480, 640, 3), np.uint8)
    plain = HudAnnotator().annotate(blank.copy(), make_result(pose=UPRIGHT))
    fast = HudAnnotator().annotate(blank.copy(), make_result(
        pose=UPRIGHT, desk=DeskReading(slow=False, fps=3.0)))
    slow = HudAnnotator().annotate(blank.copy(), make_result(
        pose=UPRIGHT, desk=DeskReading(slow=True, fps=3.0)))
    assert np.array_equal(plain, fast)
    assert not np.array_equal(plain[:40], slow[:40])


class LiveClip(InfoAfterOpen):
    """The first ``frames`` frames of a video as a live source that never drops a frame."""

    def __init__(self, path: Path, frames: int) -> None:
        self._video = VideoFileSource(path, max_frames=frames)

    def __enter__(self) -> LiveClip:
        info = self._video.__enter__().info
        self._info = replace(info, live=True, frame_count=None)
        return self

    def __exit__(self, *exc: object) -> None:
        self._video.__exit__(*exc)

    def __iter__(self):
        return iter(self._video)


def test_a_live_session_of_someone_sitting_still_and_upright_goes_to_desk_rate(model_file):
    # 6 s of the synthetic seated clip, all upright (its truth: upright 0–6 s), at 15 fps.
    clip = LiveClip(SAMPLES / "synthetic" / "seated_side_slouch.mp4", frames=90)
    results: list[FrameResult] = []
    run_session(clip, Settings(), Outputs(), show_window=False, model=model_file,
                save_calibrations=False, on_result=results.append)
    assert results[-1].desk.slow
    assert len(results) < 60  # 2 s at 15 fps, then 3 frames a second
    assert not results[0].desk.slow


@pytest.mark.parametrize(("flags", "expected"), [((), True), (("--no-desk",), False)])
def test_live_has_desk_mode_on_unless_told_otherwise(monkeypatch, flags, expected):
    from typer.testing import CliRunner

    import posecoach.session as session
    from posecoach.cli import app
    from posecoach.pipeline import SessionStats

    used: list[Settings] = []

    def run_session_stub(source, settings, *args, **kwargs):
        used.append(settings)
        return SessionStats()

    monkeypatch.setattr(session, "open_camera_source", lambda settings, **kwargs: None)
    monkeypatch.setattr(session, "run_session", run_session_stub)
    outcome = CliRunner().invoke(app, ["live", "--no-window", "--no-log", *flags])
    assert outcome.exit_code == 0, outcome.output
    assert used[0].desk.enabled is expected
