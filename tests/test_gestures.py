"""Gestures: per-frame classes from crafted poses, the hold state machine (hypothesis), and the
stage's answers (ease off, pause, end the set)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posecoach.geometry import BodyPosture, body_geometry
from posecoach.gestures import (
    CUE_EASE_FLOOR,
    CUE_EASE_WALL,
    CUE_SET_ENDED,
    HOLD_S,
    Gesture,
    GestureStage,
    GestureState,
    GestureTracker,
    classify,
)
from posecoach.landmarks import Landmark as L
from posecoach.types import Cue, FrameResult, Pose, Severity
from tests.factories import make_frame, make_lying_pose, make_side_pose, selected

FPS = 15.0
TORSO = 150.0


def lying(**kwargs) -> Pose:
    return make_lying_pose(hip=(300.0, 350.0), trunk_px=TORSO, **kwargs)


def with_arm(pose: Pose, side: str, elbow: np.ndarray, wrist: np.ndarray) -> Pose:
    xy = pose.xy.copy()
    xy[L[f"{side}_ELBOW"]] = elbow
    xy[L[f"{side}_WRIST"]] = wrist
    return pose.with_xy(xy)


def raise_arm(pose: Pose, side: str) -> Pose:
    """The arm straight up toward the ceiling (lying) or overhead (standing)."""
    shoulder = pose.xy[L[f"{side}_SHOULDER"]]
    torso = body_geometry(pose).torso_px
    raised = with_arm(pose, side, shoulder + [0.0, -0.55 * torso],
                      shoulder + [0.0, -1.1 * torso])
    visibility = raised.visibility.copy()  # a raised far arm comes out from behind the body
    visibility[[L[f"{side}_ELBOW"], L[f"{side}_WRIST"]]] = 0.9
    return Pose(raised.xy, visibility, raised.presence)


def hand_on_crown(pose: Pose, side: str = "LEFT") -> Pose:
    g = body_geometry(pose)
    axis = (g.mid_shoulder - g.mid_hip) / g.torso_px
    ears = (pose.xy[L.LEFT_EAR] + pose.xy[L.RIGHT_EAR]) / 2
    wrist = ears + 0.25 * g.torso_px * axis
    return with_arm(pose, side, wrist - 0.4 * g.torso_px * axis + [0, -0.2 * g.torso_px], wrist)


def standing_at_wall() -> Pose:
    return make_side_pose(sitting=False, hip=(320.0, 330.0), torso_px=110.0)


@pytest.mark.parametrize("pose, expected", [
    (lying(), None),
    (lying(hands_behind_head=True), None),  # supporting the head while rolling
    (raise_arm(lying(), "LEFT"), Gesture.PRESSURE),
    (raise_arm(lying(), "RIGHT"), Gesture.PRESSURE),
    (raise_arm(raise_arm(lying(), "LEFT"), "RIGHT"), Gesture.PAUSE),
    (hand_on_crown(lying()), Gesture.END_SET),
    (standing_at_wall(), None),
    (raise_arm(standing_at_wall(), "LEFT"), Gesture.PRESSURE),
    (raise_arm(raise_arm(standing_at_wall(), "LEFT"), "RIGHT"), Gesture.PAUSE),
], ids=["lying", "hands-behind-head", "lying-left-up", "lying-right-up", "lying-both-up",
        "lying-crown", "wall", "wall-left-up", "wall-both-up"])
def test_classify_one_frame(pose, expected):
    assert classify(pose, body_geometry(pose)) is expected


def test_a_hand_at_shoulder_height_is_not_raised():
    pose = lying()
    shoulder = pose.xy[L.LEFT_SHOULDER]
    half = with_arm(pose, "LEFT", shoulder + [20.0, -0.3 * TORSO], shoulder + [40.0, -0.3 * TORSO])
    assert classify(half, body_geometry(half)) is None


def with_visibility(pose: Pose, points: list[L], value: float) -> Pose:
    visibility = pose.visibility.copy()
    visibility[points] = value
    return Pose(pose.xy, visibility, pose.presence)


def test_a_blind_guess_of_the_far_wrist_does_not_count():
    pose = with_visibility(raise_arm(lying(), "RIGHT"), [L.RIGHT_WRIST], 0.1)
    assert body_geometry(pose).near_side == "left"
    assert classify(pose, body_geometry(pose)) is None


def test_a_far_arm_partly_hidden_behind_the_body_still_counts():
    # Both hands up in a side view: the far arm is behind the near one, and the model gives it
    # a visibility of 0.2–0.5 (rendered gesture clips); without it "pause" would be "pressure".
    both = raise_arm(raise_arm(lying(), "LEFT"), "RIGHT")
    pose = with_visibility(both, [L.RIGHT_WRIST, L.RIGHT_ELBOW], 0.3)
    assert classify(pose, body_geometry(pose)) is Gesture.PAUSE
    crown = with_visibility(hand_on_crown(lying(), "RIGHT"), [L.RIGHT_WRIST], 0.3)
    assert classify(crown, body_geometry(crown)) is Gesture.END_SET


def test_a_barely_seen_far_arm_raised_alone_is_a_guess_not_a_gesture():
    # The model guessing a hidden far arm may put it straight up (a mirrored dev floor-ball
    # clip: visibility 0.17-0.42 while both true arms lay on the chest). Alone it is no
    # "too much pressure"; clearly seen it is, and beside a raised near arm it makes "pause".
    far_up = raise_arm(lying(), "RIGHT")
    assert body_geometry(far_up).near_side == "left"
    guessed = with_visibility(far_up, [L.RIGHT_WRIST, L.RIGHT_ELBOW], 0.3)
    assert classify(guessed, body_geometry(guessed)) is None
    assert classify(far_up, body_geometry(far_up)) is Gesture.PRESSURE  # visibility 0.9


def test_the_near_arm_needs_a_clear_view():
    pose = with_visibility(raise_arm(lying(), "LEFT"), [L.LEFT_WRIST, L.LEFT_ELBOW], 0.3)
    assert classify(pose, body_geometry(pose)) is None


# --- the state machine -------------------------------------------------------------------

def feed(tracker: GestureTracker, seq: list[Gesture | None], dt: float = 1 / FPS):
    state, events = GestureState(), []
    states = []
    for i, seen in enumerate(seq):
        state, reading = tracker.step(state, seen, i * dt)
        states.append(state)
        if reading.recognised is not None:
            events.append((i, reading.recognised))
    return events, states


def frames(seconds: float) -> int:
    return int(round(seconds * FPS))


def test_a_hold_fires_once_after_its_time_and_again_only_after_letting_go():
    tracker = GestureTracker()
    seq = [None] * 5 + [Gesture.PRESSURE] * frames(3.0) + [None] * frames(1.0) \
        + [Gesture.PRESSURE] * frames(1.5)
    events, _ = feed(tracker, seq)
    assert [g for _, g in events] == [Gesture.PRESSURE, Gesture.PRESSURE]
    assert events[0][0] == 5 + frames(1.0)  # exactly 1 s after the hand went up


def test_raising_the_second_hand_gives_pause_not_pressure():
    seq = [Gesture.PRESSURE] * frames(0.4) + [Gesture.PAUSE] * frames(1.5)
    events, _ = feed(GestureTracker(), seq)
    assert [g for _, g in events] == [Gesture.PAUSE]


def test_hand_on_head_needs_two_seconds():
    events, _ = feed(GestureTracker(), [Gesture.END_SET] * frames(1.8))
    assert events == []
    events, _ = feed(GestureTracker(), [Gesture.END_SET] * frames(2.2))
    assert [g for _, g in events] == [Gesture.END_SET]


def test_a_one_frame_dropout_does_not_break_a_hold():
    seq = [Gesture.PRESSURE] * frames(0.6) + [None] + [Gesture.PRESSURE] * frames(0.6)
    events, _ = feed(GestureTracker(), seq)
    assert [g for _, g in events] == [Gesture.PRESSURE]


gestures = st.sampled_from(list(Gesture))


@st.composite
def brief_raises(draw):
    """Arms that go up for less than their hold, then come down long enough to count."""
    seq: list[Gesture | None] = []
    for _ in range(draw(st.integers(1, 8))):
        gesture = draw(gestures)
        up = draw(st.integers(1, frames(HOLD_S[gesture]) - 1))
        down = draw(st.integers(frames(0.25) + 1, frames(3.0)))
        seq += [gesture] * up + [None] * down
    return seq


@settings(max_examples=150, deadline=None)
@given(brief_raises())
def test_arms_that_never_stay_up_long_enough_make_no_gesture(seq):
    events, _ = feed(GestureTracker(), seq)
    assert events == []


@settings(max_examples=150, deadline=None)
@given(st.lists(st.one_of(st.none(), gestures), min_size=1, max_size=120))
def test_every_gesture_leaves_its_state(seq):
    # After anything at all, arms down for the let-go time return the tracker to rest.
    tracker = GestureTracker()
    events, states = feed(tracker, seq + [None] * frames(0.5))
    assert states[-1] == GestureState()
    # and a gesture fires at most once per uninterrupted hold
    for (i, _), (j, _) in zip(events, events[1:], strict=False):
        assert j - i >= frames(min(HOLD_S.values())) - 1


@settings(max_examples=100, deadline=None)
@given(speed=st.floats(0.3, 3.0), sway=st.floats(0.0, 0.08), start=st.floats(-1.0, 1.0))
def test_a_hand_that_keeps_moving_never_holds_a_gesture_and_one_that_sways_does(speed, sway,
                                                                              start):
    # speed: torso lengths per second, as an arm passing through a "raised" pose while getting
    # off a roller; sway: how far a hand held up wobbles (torso lengths).
    tracker = GestureTracker()
    state, fired = GestureState(), []
    for i in range(frames(4.0)):
        t = i / FPS
        state, reading = tracker.step(state, Gesture.PRESSURE, t, (start + speed * t, -0.9))
        fired += [reading.recognised] if reading.recognised else []
    assert fired == []
    state = GestureState()
    for i in range(frames(1.5)):
        wobble = sway * np.sin(7.0 * i / FPS)
        state, reading = tracker.step(state, Gesture.PRESSURE, i / FPS, (start + wobble, -0.9))
        fired += [reading.recognised] if reading.recognised else []
    assert fired == [Gesture.PRESSURE]


def test_a_raised_hand_that_settles_fires_one_second_after_it_stops():
    tracker = GestureTracker()
    state, fired_at = GestureState(), []
    for i in range(frames(3.0)):
        t = i / FPS
        y = -0.3 - 0.6 * min(t, 1.0)  # rises for 1 s, then held
        state, reading = tracker.step(state, Gesture.PRESSURE, t, (0.1, y))
        fired_at += [t] if reading.recognised else []
    assert len(fired_at) == 1 and 1.5 <= fired_at[0] <= 2.1


def test_tracker_rejects_bad_settings():
    with pytest.raises(ValueError, match="gap_s"):
        GestureTracker(gap_s=-1)
    with pytest.raises(ValueError, match="still_radius"):
        GestureTracker(still_radius=0.0)
    with pytest.raises(ValueError, match="PAUSE"):
        GestureTracker(hold_s={Gesture.PAUSE: 0.0})


# --- the stage ---------------------------------------------------------------------------

def run_stage(stage: GestureStage, pose: Pose, seconds: float, start: int = 0,
              exercise: str = "roller", cue: Cue | None = None) -> list[FrameResult]:
    out = []
    for i in range(start, start + frames(seconds)):
        frame = make_frame(i, t=i / FPS)
        result = FrameResult(frame_index=i, t=i / FPS, pose=pose, inference_ms=0.0, cue=cue,
                             selection=selected(exercise))
        out.append(stage.update(frame, result))
    return out


def test_raised_hand_on_the_floor_gets_the_ease_off_answer_logged_and_shown():
    stage = GestureStage()
    out = run_stage(stage, raise_arm(lying(), "LEFT"), 1.5)
    first = next(i for i, r in enumerate(out) if r.cue is not None)
    assert out[first].cue == CUE_EASE_FLOOR and out[first].cue_started
    assert out[first].metrics["gesture.pressure"] == 1.0
    assert out[first].gesture.recognised is Gesture.PRESSURE
    assert out[-1].cue == CUE_EASE_FLOOR and not out[-1].cue_started
    assert [g for _, g in stage.recognised] == [Gesture.PRESSURE]


def test_raised_hand_at_the_wall_says_lean_back_less():
    out = run_stage(GestureStage(), raise_arm(standing_at_wall(), "LEFT"), 1.5, exercise="ball")
    assert out[-1].cue == CUE_EASE_WALL


def test_the_answer_leaves_the_screen_after_its_time():
    stage = GestureStage(answer_s=2.0)
    run_stage(stage, raise_arm(lying(), "LEFT"), 1.2)
    out = run_stage(stage, lying(), 3.0, start=frames(1.2))
    assert out[-1].cue is None
    assert out[-1].gesture.shown is None


def test_a_safety_cue_is_never_covered_by_an_answer():
    safety = Cue("roller.lumbar", "Move the roller up", Severity.SAFETY)
    out = run_stage(GestureStage(), raise_arm(lying(), "LEFT"), 2.0, cue=safety)
    assert all(r.cue == safety for r in out)


def test_both_hands_toggle_pause_and_hand_on_head_ends_the_set():
    paused, ended = [], []
    stage = GestureStage(on_pause=paused.append, on_end_set=ended.append)
    run_stage(stage, raise_arm(raise_arm(lying(), "LEFT"), "RIGHT"), 1.5)
    assert len(paused) == 1
    run_stage(stage, lying(), 0.5, start=frames(1.5))
    out = run_stage(stage, hand_on_crown(lying()), 2.5, start=frames(2.0))
    assert len(ended) == 1 and out[-1].cue == CUE_SET_ENDED


def test_no_gestures_at_the_desk():
    seated = raise_arm(make_side_pose(), "LEFT")
    out = run_stage(GestureStage(), seated, 2.0, exercise="posture")
    assert all(r.gesture.recognised is None for r in out)


def test_overlay_shows_the_hold_then_the_recognised_gesture():
    from posecoach.overlay.gesture import GestureAnnotator
    stage = GestureStage()
    annotator = GestureAnnotator()
    out = run_stage(stage, raise_arm(lying(), "LEFT"), 1.5)
    blank = make_frame().image
    drawn = [annotator.annotate(blank.copy(), r) for r in (out[3], out[-1])]
    assert out[3].gesture.holding is Gesture.PRESSURE
    assert out[-1].gesture.shown is Gesture.PRESSURE
    for image in drawn:
        assert (image != blank).any(axis=2)[:, 320:].sum() > 200  # a panel at the top right
    idle = run_stage(GestureStage(), lying(), 0.5)[-1]
    assert (annotator.annotate(blank.copy(), idle) == blank).all()


def test_gestures_can_be_turned_off():
    from posecoach.config import load_settings
    from posecoach.session import build_annotators, build_stages
    on = load_settings()
    off = load_settings(overrides={"gestures.enabled": "off"})
    assert any(isinstance(s, GestureStage) for s in build_stages(on))
    assert not any(isinstance(s, GestureStage) for s in build_stages(off))
    assert len(build_annotators(off)) == len(build_annotators(on)) - 1


def test_both_hands_pause_the_real_coach_and_again_resume_it():
    from posecoach.config import load_settings
    from posecoach.session import build_stages
    from posecoach.stages import CoachStage
    stages = build_stages(load_settings())
    coach = next(s for s in stages if isinstance(s, CoachStage))
    gestures = next(s for s in stages if isinstance(s, GestureStage))
    both = raise_arm(raise_arm(lying(), "LEFT"), "RIGHT")
    run_stage(gestures, both, 1.5)
    assert coach.paused
    run_stage(gestures, lying(), 0.5, start=frames(1.5))
    run_stage(gestures, both, 1.5, start=frames(2.0))
    assert not coach.paused


def test_arms_folded_on_a_chest_higher_than_the_head_are_not_raised():
    # On a roller the chest is higher than the head hanging toward the floor: folded arms sit
    # half a torso above the ears (as on the rendered roller clips), elbows a little above the
    # shoulders. Not a gesture.
    pose = lying(head_hang_deg=40.0)
    g = body_geometry(pose)
    ears_y = pose.xy[[L.LEFT_EAR, L.RIGHT_EAR], 1].min()
    xy = pose.xy.copy()
    for side in ("LEFT", "RIGHT"):
        xy[L[f"{side}_WRIST"]] = (g.mid_shoulder[0] - 0.3 * TORSO, ears_y - 0.5 * TORSO)
        xy[L[f"{side}_ELBOW"]] = (g.mid_shoulder[0] - 0.1 * TORSO,
                                  pose.xy[L[f"{side}_SHOULDER"], 1] - 0.2 * TORSO)
    folded = pose.with_xy(xy)
    assert classify(folded, body_geometry(folded)) is None


def test_an_arm_raised_to_the_ceiling_counts_when_the_camera_lifts_the_far_shoulder():
    # A camera above the floor shows the far shoulder higher in the picture than the near one
    # (guidance.camera_down_deg); an arm raised straight up from the near shoulder rises from
    # its own shoulder, as on the rendered roller clips (wrist ≈ 0.9 torso above it).
    pose = lying()
    xy = pose.xy.copy()
    xy[L.RIGHT_SHOULDER] = xy[L.LEFT_SHOULDER] + [0.0, -0.2 * TORSO]
    shoulder = xy[L.LEFT_SHOULDER]
    xy[L.LEFT_ELBOW] = shoulder + [0.0, -0.5 * TORSO]
    xy[L.LEFT_WRIST] = shoulder + [0.0, -0.9 * TORSO]
    raised = pose.with_xy(xy)
    assert classify(raised, body_geometry(raised)) is Gesture.PRESSURE


@pytest.mark.parametrize("hips_up_deg", [30.0, 33.0])
def test_an_arm_resting_along_a_trunk_that_slopes_up_to_lifted_hips_is_not_raised(hips_up_deg):
    # Getting off a roller the hips go up and the trunk slopes down to the shoulders; an arm
    # reaching along the body toward the hips (a little off the trunk line, away from the
    # floor) then ends high in the picture, but it points at the hips, not the ceiling.
    pose = lying(tilt_deg=-hips_up_deg)
    g = body_geometry(pose)
    to_hips = (g.mid_hip - g.mid_shoulder) / g.torso_px
    turn = np.radians(20.0) * (1.0 if to_hips[0] > 0 else -1.0)  # up, away from the floor
    rot = np.array([[np.cos(turn), np.sin(turn)], [-np.sin(turn), np.cos(turn)]])
    arm = rot @ to_hips
    xy = pose.xy.copy()
    for side in ("LEFT", "RIGHT"):
        shoulder = xy[L[f"{side}_SHOULDER"]]
        xy[L[f"{side}_ELBOW"]] = shoulder + 0.5 * TORSO * arm
        xy[L[f"{side}_WRIST"]] = shoulder + 1.05 * TORSO * arm
    resting = pose.with_xy(xy)
    geometry = body_geometry(resting)
    assert geometry.posture is BodyPosture.LYING
    assert xy[L.LEFT_WRIST, 1] < xy[L.LEFT_SHOULDER, 1] - 0.75 * TORSO  # high in the picture
    assert classify(resting, geometry) is None
    # The same body with an arm raised to the ceiling still asks for less pressure.
    assert classify(raise_arm(resting, "LEFT"), geometry) is Gesture.PRESSURE


def test_an_answer_never_hides_a_corrective_cue_from_the_real_coach():
    # Ground-truth landmarks of a person on a roller with the head hanging (the rendered
    # roller_head_unsupported sample): the roller analyzer and the coach put up "Support your
    # head". Then the person raises the near hand for "too much pressure". The head cue keeps
    # the screen and the voice; the ease-off answer goes to the gesture panel.
    from posecoach.coach import Coach, CoachState
    from posecoach.exercises.roller import CUE_HEAD, RollerAnalyzer
    from posecoach.overlay.gesture import GestureAnnotator
    from tests.test_fixtures import load, pose_of, roller_step

    fixture = load("roller_head_unsupported")
    sequence = sorted([*fixture["sequence"], fixture], key=lambda f: f["t"])
    step = roller_step(RollerAnalyzer())
    coach, state, stage = Coach(), CoachState(), GestureStage()
    out = []
    for i in range(frames(6.0)):
        shown = sequence[i % len(sequence)]
        pose = pose_of(shown["landmarks_px"])
        t = i / FPS
        reading = step(pose, shown.get("prop"), t)  # the head hangs whatever the arm does
        if t >= 2.5:
            pose = raise_arm(pose, body_geometry(pose).near_side.upper())
        state, decision = coach.step(state, t, reading.checks, True, "roller")
        result = FrameResult(frame_index=i, t=t, pose=pose, inference_ms=0.0,
                             cue=decision.cue, cue_started=decision.started is not None,
                             selection=selected("roller"))
        out.append(stage.update(make_frame(i, t=t), result))
    assert [g for _, g in stage.recognised] == [Gesture.PRESSURE]
    recognised_at = next(i for i, r in enumerate(out) if r.gesture.recognised is not None)
    assert out[recognised_at - 1].cue == CUE_HEAD  # the head cue was up before the gesture
    after = out[recognised_at:]
    assert all(r.cue == CUE_HEAD for r in after)
    assert not any(r.cue_started for r in after[:frames(4.0)])  # nothing new is spoken
    assert all(r.gesture.shown is Gesture.PRESSURE and r.gesture.answer == CUE_EASE_FLOOR
               for r in after[:frames(3.0)])
    # The panel shows the answer under the recognised gesture: a taller panel.
    annotator = GestureAnnotator()
    blank = make_frame().image
    with_answer = annotator.annotate(blank.copy(), after[0])
    bare = annotator.annotate(blank.copy(), replace(after[0], gesture=replace(
        after[0].gesture, answer=None)))
    def rows(image):  # rows the panel covers
        return int((image != blank).any(axis=(1, 2)).sum())

    assert rows(with_answer) > rows(bare) > 0


def test_an_information_cue_waits_while_the_answer_is_shown():
    # Set-up guidance ("Turn side-on") is no correction: the answer may take its place.
    guidance = Cue("guidance.view", "Turn side-on to the camera", Severity.INFO)
    out = run_stage(GestureStage(), raise_arm(lying(), "LEFT"), 1.5, cue=guidance)
    assert out[-1].cue == CUE_EASE_FLOOR and out[-1].gesture.answer is None


@pytest.mark.parametrize("foreshortened", [1.0, 1.4])
def test_a_forearm_lifted_from_a_low_elbow_is_not_a_raised_hand(foreshortened):
    # Getting on or off a roller, the upper arm rests low beside the body (shoulder flexed
    # ~40°) and the forearm points up; seen obliquely the torso looks shorter, so in torso
    # lengths the wrist ends as high as a raised hand's (dev roller_on_off clips: wrist 0.77
    # above its shoulder, elbow 0.25, upper arm 60° from vertical). The upper arm decides.
    pose = lying()
    g = body_geometry(pose)
    to_hips = np.sign(g.mid_hip[0] - g.mid_shoulder[0])
    xy = pose.xy.copy()
    shoulder = xy[L.LEFT_SHOULDER]
    elbow = shoulder + np.array([0.6 * to_hips, -0.38]) * TORSO * foreshortened
    xy[L.LEFT_ELBOW] = elbow
    xy[L.LEFT_WRIST] = elbow + np.array([0.05 * to_hips, -0.45]) * TORSO * foreshortened
    forearm_up = pose.with_xy(xy)
    assert classify(forearm_up, body_geometry(forearm_up)) is None
    # The same arm with the upper arm lifted to the ceiling is a raised hand.
    xy[L.LEFT_ELBOW] = shoulder + np.array([0.1 * to_hips, -0.5]) * TORSO
    xy[L.LEFT_WRIST] = shoulder + np.array([0.3 * to_hips, -0.95]) * TORSO
    raised = pose.with_xy(xy)
    assert classify(raised, body_geometry(raised)) is Gesture.PRESSURE
