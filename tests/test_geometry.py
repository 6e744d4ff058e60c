from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from posecoach.geometry import (
    DEFAULT_SHOULDER_HIP_CM,
    BodyPosture,
    View,
    angle_above_horizontal_deg,
    angle_from_vertical_deg,
    body_geometry,
    line_tilt_deg,
)
from posecoach.landmarks import Landmark
from posecoach.types import Pose
from tests.factories import make_front_pose, make_pose, make_side_pose


@pytest.mark.parametrize(("end", "expected"), [
    ((0, -10), 0.0), ((10, 0), 90.0), ((-10, 0), 90.0), ((10, -10), 45.0), ((0, 10), 180.0)])
def test_angle_from_vertical(end, expected):
    assert angle_from_vertical_deg(np.zeros(2), np.array(end, float)) == pytest.approx(expected)


@pytest.mark.parametrize(("end", "expected"), [
    ((10, 0), 0.0), ((-10, 0), 0.0), ((10, -10), 45.0), ((-10, -10), 45.0), ((10, 10), -45.0)])
def test_angle_above_horizontal(end, expected):
    assert angle_above_horizontal_deg(np.zeros(2), np.array(end, float)) == pytest.approx(expected)


def test_line_tilt_sign_is_independent_of_point_order():
    a, b = np.array([0.0, 10.0]), np.array([100.0, 0.0])  # right end higher
    assert line_tilt_deg(a, b) == pytest.approx(line_tilt_deg(b, a))
    assert line_tilt_deg(a, b) == pytest.approx(np.degrees(np.arctan2(10, 100)))


@given(st.floats(-170, 170), st.floats(1, 500), st.floats(-1000, 1000), st.floats(-1000, 1000))
def test_angles_do_not_depend_on_position_or_length(angle, length, x, y):
    r = np.radians(angle)
    start = np.array([x, y])
    end = start + length * np.array([np.sin(r), -np.cos(r)])
    assert angle_from_vertical_deg(start, end) == pytest.approx(abs(angle), abs=1e-6)


def test_side_view_seated_facing_right():
    geometry = body_geometry(make_side_pose(facing=1))
    assert geometry.view is View.SIDE
    assert geometry.facing == 1
    assert geometry.near_side == "left"
    assert geometry.posture is BodyPosture.SITTING
    assert geometry.px_per_cm == pytest.approx(150.0 / DEFAULT_SHOULDER_HIP_CM)


def test_side_view_facing_left_and_standing():
    geometry = body_geometry(make_side_pose(facing=-1, sitting=False))
    assert geometry.view is View.SIDE and geometry.facing == -1
    assert geometry.posture is BodyPosture.STANDING


def test_front_view_with_and_without_hips():
    assert body_geometry(make_pose()).view is View.FRONT
    assert body_geometry(make_front_pose(hips_seen=False)).view is View.FRONT


def test_oblique_view_between_side_and_front():
    pose = make_pose()
    xy = pose.xy.copy()
    centre_x = xy[:, 0].mean()
    # Turned ~50° from the camera: a frontal width ratio of ~0.75 × cos 50° ≈ 0.5.
    xy[:, 0] = centre_x + (xy[:, 0] - centre_x) * 0.5 / body_geometry(pose).width_ratio
    assert body_geometry(pose.with_xy(xy)).view is View.OBLIQUE


def test_lying_when_the_trunk_is_horizontal():
    pose = make_side_pose(lean_deg=85.0, sitting=False)
    assert body_geometry(pose).posture is BodyPosture.LYING


def test_height_sets_the_scale():
    pose = make_side_pose(torso_px=140.0)
    assert body_geometry(pose, height_cm=180.0).px_per_cm == pytest.approx(140.0 / (0.28 * 180))


@pytest.mark.parametrize(("thigh", "shank", "expected"), [
    (0.35, 0.85, BodyPosture.SITTING), (0.55, 0.85, BodyPosture.SITTING),
    (0.70, 0.85, BodyPosture.SITTING), (0.75, 0.75, BodyPosture.STANDING),
    (0.9, 0.9, BodyPosture.STANDING), (0.75, None, BodyPosture.STANDING)])
def test_facing_the_camera_short_thighs_are_sitting_and_hanging_ones_standing(thigh, shank,
                                                                              expected):
    """A seated person facing a desk camera: the thighs point at the lens and look short
    (0.33–0.5 of the trunk on the rendered desk sample, up to 0.72 with a high camera) while
    the shanks hang full length; standing, thigh and shank hang alike (thigh/shank 0.94–0.99
    on the dev split). Without ankles in view only the thigh against the trunk is left."""
    pose = make_front_pose(hips_seen=True)
    xy = pose.xy.copy()
    hip_y = xy[[Landmark.LEFT_HIP, Landmark.RIGHT_HIP], 1].mean()
    torso = hip_y - xy[[Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER], 1].mean()
    for knee, hip in ((Landmark.LEFT_KNEE, Landmark.LEFT_HIP),
                      (Landmark.RIGHT_KNEE, Landmark.RIGHT_HIP)):
        xy[knee] = (xy[hip][0], hip_y + thigh * torso)
    visibility = pose.visibility.copy()
    for ankle, knee in ((Landmark.LEFT_ANKLE, Landmark.LEFT_KNEE),
                        (Landmark.RIGHT_ANKLE, Landmark.RIGHT_KNEE)):
        if shank is None:
            visibility[ankle] = 0.05
        else:
            xy[ankle] = (xy[knee][0], xy[knee][1] + shank * torso)
    pose = Pose(xy=pose.xy, visibility=visibility, presence=pose.presence)
    assert body_geometry(pose.with_xy(xy)).posture is expected
