"""Keys: help panel, snooze 5/15/30 min, exercise switch."""

from __future__ import annotations

from posecoach.config import load_settings
from posecoach.controls import ControlsStage
from posecoach.overlay.help import HelpAnnotator, help_lines
from posecoach.selector import Exercise
from posecoach.session import build_annotators, build_stages
from posecoach.stages import CoachStage, ExerciseStage
from posecoach.types import FrameResult
from tests.factories import make_frame, make_lying_pose


def step(stage, t: float, result: FrameResult | None = None) -> FrameResult:
    frame = make_frame(int(t * 10), t=t)
    result = result or FrameResult(frame_index=frame.index, t=t, pose=None, inference_ms=0.0)
    return stage.update(frame, result)


def test_h_shows_and_hides_the_help_panel():
    controls = ControlsStage(CoachStage())
    annotator = HelpAnnotator()
    blank = make_frame().image
    assert not step(controls, 0.0).controls.help
    controls.on_key(ord("h"), 0.1)
    shown = step(controls, 0.2)
    assert shown.controls.help
    assert (annotator.annotate(blank.copy(), shown) != blank).any()
    controls.on_key(ord("h"), 0.3)
    hidden = step(controls, 0.4)
    assert (annotator.annotate(blank.copy(), hidden) == blank).all()


def test_snooze_pauses_coaching_and_resumes_it_when_the_time_is_up():
    coach = CoachStage()
    controls = ControlsStage(coach)
    controls.on_key(ord("s"), 10.0)
    result = step(controls, 10.1)
    assert coach.paused and "snoozed" in result.status and "5:00" in result.status
    step(controls, 10.0 + 299.0)
    assert coach.paused
    result = step(controls, 10.0 + 300.0)
    assert not coach.paused and "snoozed" not in result.status


def test_snooze_steps_through_5_15_30_minutes_then_off():
    coach = CoachStage()
    controls = ControlsStage(coach)
    lengths = []
    for _ in range(3):
        controls.on_key(ord("s"), 0.0)
        lengths.append(step(controls, 0.0).controls.snooze_s)
    assert lengths == [300.0, 900.0, 1800.0]
    controls.on_key(ord("s"), 0.0)
    assert not coach.paused and step(controls, 0.1).controls.snooze_s is None


def test_resuming_with_p_ends_the_snooze():
    coach = CoachStage()
    controls = ControlsStage(coach)
    controls.on_key(ord("s"), 0.0)
    coach.on_key(ord("p"), 1.0)
    result = step(controls, 1.1)
    assert not coach.paused and controls.snoozed_until is None
    assert "snoozed" not in result.status


def test_e_switches_the_exercise_in_turn():
    exercise = ExerciseStage(None, None)
    controls = ControlsStage(CoachStage(), exercise)
    seen = []
    pose = make_lying_pose(hip=(300.0, 350.0))
    for i in range(4):
        controls.on_key(ord("e"), float(i))
        frame = make_frame(i, t=float(i))
        result = exercise.update(frame, FrameResult(frame_index=i, t=float(i), pose=pose,
                                                    inference_ms=0.0))
        seen.append(result.exercise_name)
    assert seen[:3] == ["posture", "roller", "ball"]
    assert exercise.selector.forced is None  # back to automatic


def test_help_lists_keys_and_gestures_unless_gestures_are_off():
    keys = {k for k, _ in help_lines()}
    assert {"h", "p", "s", "m", "e", "q"} <= keys
    assert any("hand" in k for k in keys)
    assert not any("hand" in k for k, _ in help_lines(gestures=False))


def test_sessions_get_the_controls_and_the_help_panel():
    settings = load_settings()
    stages = build_stages(settings)
    controls = next(s for s in stages if isinstance(s, ControlsStage))
    assert controls.exercise is not None and controls.modes == (
        Exercise.POSTURE, Exercise.ROLLER, Exercise.BALL)
    forced = build_stages(load_settings(overrides={"exercise.mode": "roller"}))
    assert next(s for s in forced if isinstance(s, ControlsStage)).exercise is None
    assert any(isinstance(a, HelpAnnotator) for a in build_annotators(settings))
