"""The exercise selector as a pure state machine: evidence in, one exercise out, frame by frame.

Times are in seconds; frames come at 30 fps unless a test says otherwise.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posecoach.geometry import BodyPosture, body_geometry
from posecoach.landmarks import Landmark
from posecoach.selector import (
    BALL_GONE_S,
    ENTER_POSTURE_S,
    ENTER_PROP_S,
    EXIT_S,
    Evidence,
    Exercise,
    ExerciseSelector,
    WalkDetector,
    back_placement,
)
from tests.factories import make_lying_pose, make_side_pose

DT = 1 / 30
SITTING = Evidence(person=True, posture=BodyPosture.SITTING)
STANDING = Evidence(person=True, posture=BodyPosture.STANDING)
WALKING = Evidence(person=True, posture=BodyPosture.STANDING, walking=True)
NOBODY = Evidence(person=False)
LYING_HIDDEN_ROLLER = Evidence(person=True, posture=BodyPosture.LYING, roller_seen=False)
ON_ROLLER = Evidence(person=True, posture=BodyPosture.LYING, roller_seen=True)
BALL_AT_WALL = Evidence(person=True, posture=BodyPosture.STANDING, ball_at_back=True)
NO_BALL_STANDING = Evidence(person=True, posture=BodyPosture.STANDING, ball_at_back=False)
SEATED_BALL_SEEN = Evidence(person=True, posture=BodyPosture.SITTING, ball_at_back=True)


class Run:
    """Feeds evidence frame by frame and remembers what the selector said."""

    def __init__(self, selector: ExerciseSelector | None = None) -> None:
        self.selector = selector or ExerciseSelector()
        self.state = self.selector.initial()
        self.t = 0.0
        self.decisions = []

    def feed(self, evidence: Evidence, seconds: float = DT, dt: float = DT) -> Exercise:
        for _ in range(max(1, int(round(seconds / dt)))):
            self.state, decision = self.selector.step(self.state, evidence, self.t)
            self.decisions.append((self.t, decision))
            self.t += dt
        return self.decisions[-1][1].exercise

    @property
    def reason(self) -> str:
        return self.decisions[-1][1].reason

    def switch_times(self) -> list[float]:
        return [t for t, d in self.decisions if d.switched]


def test_sitting_starts_posture_and_standing_gets_no_posture_checks():
    run = Run()
    assert run.feed(SITTING, 2.0) is Exercise.POSTURE
    assert run.reason == "sitting"
    assert run.feed(STANDING, EXIT_S - 0.3) is Exercise.POSTURE  # not yet: hysteresis
    assert run.feed(STANDING, 0.6) is Exercise.NONE
    assert run.reason == "standing — no posture checks"
    assert run.feed(WALKING) is Exercise.NONE
    assert run.reason == "walking — no posture checks"
    assert run.feed(NOBODY) is Exercise.NONE and run.reason == "nobody in view"


def test_a_pedestrian_never_enters_posture_mode():
    run = Run()
    run.feed(NOBODY, 1.0)
    # Walking across: the posture class flickers to sitting now and then (strides).
    for i in range(90):
        run.feed(SITTING if i % 4 == 0 else WALKING)
        assert run.decisions[-1][1].exercise is Exercise.NONE


def test_roller_enters_after_a_second_of_sightings_not_one_frame():
    run = Run()
    run.feed(SITTING, 2.0)
    run.feed(LYING_HIDDEN_ROLLER, 1.0)
    run.feed(ON_ROLLER)  # one false sighting
    assert run.feed(LYING_HIDDEN_ROLLER, 5.0) is not Exercise.ROLLER
    run = Run()
    run.feed(LYING_HIDDEN_ROLLER, 1.0)
    for _ in range(int(ENTER_PROP_S / DT) - 2):
        assert run.feed(ON_ROLLER) is not Exercise.ROLLER
    assert run.feed(ON_ROLLER, 0.2) is Exercise.ROLLER
    assert run.reason == "lying on a roller"


def test_a_roller_hidden_under_the_body_keeps_roller_mode_and_sitting_at_the_desk_ends_it():
    run = Run()
    run.feed(ON_ROLLER, 2.0)
    assert run.feed(LYING_HIDDEN_ROLLER, 30.0) is Exercise.ROLLER
    run.feed(SITTING)  # a one-frame misclassification
    assert run.feed(ON_ROLLER, 1.0) is Exercise.ROLLER
    assert run.feed(SITTING, EXIT_S - 0.3) is Exercise.ROLLER
    assert run.feed(SITTING, 0.6) is Exercise.POSTURE
    assert run.reason == "sitting"


def test_seated_person_never_enters_ball_mode_even_with_a_ball_seen_behind_them():
    run = Run()
    assert run.feed(SEATED_BALL_SEEN, 20.0) is Exercise.POSTURE
    assert all(d.exercise is Exercise.POSTURE for _, d in run.decisions)


def test_ball_mode_enters_with_hysteresis_and_ends_when_the_person_sits_down():
    run = Run()
    run.feed(STANDING, 1.0)
    run.feed(BALL_AT_WALL)
    assert run.feed(NO_BALL_STANDING, 3.0) is Exercise.NONE  # one false sighting
    assert run.feed(BALL_AT_WALL, ENTER_PROP_S - 0.2) is Exercise.NONE
    assert run.feed(BALL_AT_WALL, 0.3) is Exercise.BALL
    assert run.reason == "ball between back and wall"
    run.feed(SITTING)
    assert run.feed(BALL_AT_WALL, 1.0) is Exercise.BALL
    assert run.feed(SITTING, EXIT_S - 0.3) is Exercise.BALL
    assert run.feed(SITTING, 0.6) is Exercise.POSTURE


def test_a_dropped_ball_keeps_ball_mode_a_while_then_it_ends():
    run = Run()
    run.feed(BALL_AT_WALL, 2.0)
    assert run.feed(NO_BALL_STANDING, BALL_GONE_S - 1.0) is Exercise.BALL  # "ball dropped"
    assert run.feed(NO_BALL_STANDING, 1.5) is Exercise.NONE


def test_ball_on_the_floor_reason():
    run = Run()
    floor = Evidence(person=True, posture=BodyPosture.LYING, ball_at_back=True,
                     roller_seen=False)
    assert run.feed(floor, 2.0) is Exercise.BALL
    assert run.reason == "ball between back and floor"


def test_forced_exercise_ignores_the_evidence():
    run = Run(ExerciseSelector(forced=Exercise.ROLLER))
    for evidence in (SITTING, STANDING, NOBODY, BALL_AT_WALL):
        assert run.feed(evidence, 1.0) is Exercise.ROLLER
    assert "--exercise roller" in run.reason
    assert not run.switch_times()


EVIDENCE = st.builds(
    Evidence,
    person=st.booleans(),
    posture=st.sampled_from(list(BodyPosture)),
    walking=st.booleans(),
    roller_seen=st.sampled_from([None, False, True]),
    ball_at_back=st.sampled_from([None, False, True]),
)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.tuples(EVIDENCE, st.floats(0.0, 0.5)), min_size=2, max_size=400))
def test_never_switches_twice_within_the_hysteresis_window(frames):
    """Under any flicker of evidence and any frame timing, two switches are at least the
    shortest entry time apart."""
    selector = ExerciseSelector()
    state, t, switches = selector.initial(), 0.0, []
    for evidence, dt in frames:
        t += dt
        state, decision = selector.step(state, evidence, t)
        if decision.switched:
            switches.append(t)
    gaps = np.diff(switches)
    assert (gaps >= min(ENTER_PROP_S, ENTER_POSTURE_S) - 1e-9).all(), switches


SETTLED = [SITTING, STANDING, WALKING, NOBODY, ON_ROLLER, LYING_HIDDEN_ROLLER, BALL_AT_WALL,
           NO_BALL_STANDING]


@settings(max_examples=150, deadline=None)
@given(st.sampled_from(SETTLED), EVIDENCE, st.floats(1 / 60, 0.2))
def test_one_odd_frame_never_switches_a_settled_selector(steady, odd, dt):
    run = Run()
    run.feed(steady, 15.0, dt=dt)  # long enough to settle, shorter than BALL_GONE_S + entry
    before = run.decisions[-1][1].exercise
    run.feed(odd, dt, dt=dt)
    run.feed(steady, 5.0, dt=dt)
    assert [d.exercise for _, d in run.decisions[-int(5.0 / dt) - 1:]] == \
        [before] * (int(5.0 / dt) + 1)


def test_walking_is_the_hips_moving_sideways_at_walking_speed():
    walk = WalkDetector()
    pose = make_side_pose(sitting=False)
    cm = body_geometry(pose).px_per_cm
    results = []
    for i in range(45):  # 1.5 s at 60 cm/s
        moved = make_side_pose(sitting=False, hip=(100.0 + 60 * cm * i * DT, 360.0))
        results.append(walk.update(body_geometry(moved), i * DT))
    assert results[-1] and not results[0]
    still = WalkDetector()
    sway = [still.update(body_geometry(make_side_pose(
        sitting=True, hip=(320.0 + 10 * np.sin(i / 3), 360.0))), i * DT) for i in range(60)]
    assert not any(sway)
    with pytest.raises(ValueError, match="speed_cm_s"):
        WalkDetector(speed_cm_s=0)


def _back_offset(pose, fraction: float, back_cm: float) -> np.ndarray:
    geometry = body_geometry(pose)
    axis = geometry.mid_shoulder - geometry.mid_hip
    normal = np.array([-axis[1], axis[0]]) / np.linalg.norm(axis)
    front = pose.xy[Landmark.NOSE] - geometry.mid_shoulder
    if normal @ front > 0:
        normal = -normal
    return geometry.mid_hip + fraction * axis + back_cm * geometry.px_per_cm * normal


@pytest.mark.parametrize("facing", [1, -1])
def test_a_ball_counts_between_the_back_and_the_wall_not_in_front_or_in_the_lap(facing):
    standing = make_side_pose(sitting=False, facing=facing, lean_deg=-5)
    geometry = body_geometry(standing)
    at_wall = back_placement(_back_offset(standing, 0.8, 13.0), standing, geometry)
    assert at_wall is not None and at_wall.at_back and at_wall.back_cm == pytest.approx(13.0)
    in_front = back_placement(_back_offset(standing, 0.8, -13.0), standing, geometry)
    assert in_front is not None and not in_front.at_back
    at_feet = back_placement(standing.xy[Landmark.LEFT_ANKLE], standing, geometry)
    assert at_feet is not None and not at_feet.at_back
    seated = make_side_pose(sitting=True, facing=facing)
    lap = (seated.xy[Landmark.LEFT_HIP] + seated.xy[Landmark.LEFT_KNEE]) / 2
    lap = back_placement(lap + np.array([0.0, -15.0]), seated, body_geometry(seated))
    assert lap is not None and not lap.at_back


def test_a_ball_in_the_hand_behind_the_back_is_held_not_pinned():
    standing = make_side_pose(sitting=False, lean_deg=-5)
    ball = _back_offset(standing, 0.6, 10.0)
    xy = standing.xy.copy()
    xy[Landmark.LEFT_WRIST] = ball + np.array([-4.0, 6.0])
    held = standing.with_xy(xy)
    placement = back_placement(ball, held, body_geometry(held))
    assert placement is not None and placement.in_hand and not placement.at_back


def test_on_the_floor_the_back_is_toward_the_floor():
    lying = make_lying_pose()
    placement = back_placement(_back_offset(lying, 0.8, 12.0), lying, body_geometry(lying))
    assert placement is not None and placement.at_back
    geometry = body_geometry(lying)
    ball = _back_offset(lying, 0.8, 12.0)
    assert ball[1] > geometry.mid_hip[1] + 0.8 * (geometry.mid_shoulder[1] - geometry.mid_hip[1])


def test_arms_folded_over_the_chest_do_not_hold_a_ball_under_the_back():
    """Lying on a ball with the arms folded over the chest: in a side view a wrist can pass
    within 10 cm of the ball in the image, but it is in front of the trunk, so the ball is
    pinned under the back, not held (issue 11: the ball was found but never counted)."""
    lying = make_lying_pose()
    geometry = body_geometry(lying)
    ball = _back_offset(lying, 0.8, 8.0)
    xy = lying.xy.copy()
    for wrist in (Landmark.LEFT_WRIST, Landmark.RIGHT_WRIST):
        xy[wrist] = _back_offset(lying, 0.8, -1.0)  # on the chest side of the trunk line
    folded = lying.with_xy(xy)
    assert np.linalg.norm(xy[Landmark.LEFT_WRIST] - ball) < 10.0 * geometry.px_per_cm
    placement = back_placement(ball, folded, body_geometry(folded))
    assert placement is not None and not placement.in_hand and placement.at_back
