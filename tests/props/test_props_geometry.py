"""Spine-axis geometry, the body hint, and circle fitting: hand cases and properties."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posecoach.props.circlefit import circles_in_mask, fit_circle_lsq, fit_circle_to_arc
from posecoach.props.geometry import band_box, floorward_normal, point_on_axis, spine_coords
from posecoach.props.hints import BodyHint

coord = st.floats(-2000, 2000, allow_nan=False)
angle = st.floats(-math.pi, math.pi, allow_nan=False)


def _rot(theta: float) -> np.ndarray:
    return np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])


def test_hand_computed_case() -> None:
    c = spine_coords(np.array([[5.0, 2.0], [15.0, -1.0], [0.0, 0.0]]), np.array([0.0, 0.0]),
                     np.array([10.0, 0.0]), px_per_cm=2.0)
    np.testing.assert_allclose(c.fraction, [0.5, 1.5, 0.0])
    # Right-hand side of hip → shoulder on screen (y down) is +y here: below the axis.
    np.testing.assert_allclose(c.offset_cm, [1.0, -0.5, 0.0])


@settings(max_examples=60, deadline=None)
@given(coord, coord, coord, coord, st.floats(-1.0, 2.0), st.floats(0.1, 20.0))
def test_points_on_axis_have_their_fraction(hx, hy, sx, sy, t, px_per_cm) -> None:
    hip, shoulder = np.array([hx, hy]), np.array([sx, sy])
    if np.hypot(*(shoulder - hip)) < 1.0:
        return
    c = spine_coords(hip + t * (shoulder - hip), hip, shoulder, px_per_cm)
    assert c.fraction[0] == pytest.approx(t, abs=1e-9)
    assert c.offset_cm[0] == pytest.approx(0.0, abs=1e-6)


@settings(max_examples=60, deadline=None)
@given(coord, coord, angle, st.floats(0.2, 5.0), coord, coord, st.floats(-1.0, 2.0),
       st.floats(-50.0, 50.0))
def test_invariant_under_translation_rotation_scale(tx, ty, theta, k, px, py, t, off) -> None:
    hip, shoulder = np.array([3.0, 4.0]), np.array([120.0, -40.0])
    point = point_on_axis(hip, shoulder, t, off)
    ref = spine_coords(point, hip, shoulder, 2.5)
    move = lambda p: k * (_rot(theta) @ p) + np.array([tx, ty])  # noqa: E731
    moved = spine_coords(move(point), move(hip), move(shoulder), 2.5 * k)
    assert moved.fraction[0] == pytest.approx(ref.fraction[0], abs=1e-7)
    assert moved.offset_cm[0] == pytest.approx(ref.offset_cm[0], abs=1e-6)
    assert ref.fraction[0] == pytest.approx(t, abs=1e-9)
    assert ref.offset_cm[0] == pytest.approx(off / 2.5, abs=1e-9)


@settings(max_examples=30, deadline=None)
@given(coord, coord)
def test_mirror_flips_the_side(px, py) -> None:
    hip, shoulder, point = np.array([10.0, 50.0]), np.array([200.0, 20.0]), np.array([px, py])
    mirror = np.array([-1.0, 1.0])
    a = spine_coords(point, hip, shoulder, 1.0)
    b = spine_coords(point * mirror, hip * mirror, shoulder * mirror, 1.0)
    assert b.fraction[0] == pytest.approx(a.fraction[0], abs=1e-9)
    assert b.offset_cm[0] == pytest.approx(-a.offset_cm[0], abs=1e-9)


def test_bad_values_are_named() -> None:
    with pytest.raises(ValueError, match="px_per_cm"):
        spine_coords(np.zeros(2), np.zeros(2), np.ones(2), 0.0)
    with pytest.raises(ValueError, match="coincide"):
        spine_coords(np.zeros(2), np.ones(2), np.ones(2), 1.0)
    with pytest.raises(ValueError, match="px_per_cm"):
        BodyHint(np.array([0.0, 0.0]), np.array([0.0, 50.0]), px_per_cm=-1.0, lying=False)
    with pytest.raises(ValueError, match="shoulder_px"):
        BodyHint(np.array([0.0, np.nan]), np.array([0.0, 50.0]), px_per_cm=1.0, lying=False)
    with pytest.raises(ValueError, match="coincide"):
        BodyHint(np.array([5.0, 5.0]), np.array([5.0, 5.0]), px_per_cm=1.0, lying=True)


def test_floorward_normal_points_down_and_band_box_clips() -> None:
    for hip, shoulder in (([0, 0], [100, -30]), ([100, 0], [0, -30]), ([0, 0], [100, 30])):
        n = floorward_normal(np.array(hip, float), np.array(shoulder, float))
        assert n[1] > 0 and np.hypot(*n) == pytest.approx(1.0)
    box = band_box(np.array([50.0, 50.0]), np.array([150.0, 50.0]), (0.0, 1.0), (-10.0, 10.0),
                   image_shape=(480, 120, 3))
    assert box == (50, 40, 120, 61)
    assert band_box(np.array([500.0, 50.0]), np.array([600.0, 50.0]), (0.0, 1.0), (-1.0, 1.0),
                    image_shape=(480, 120, 3)) is None


@settings(max_examples=40, deadline=None)
@given(st.floats(-500, 500), st.floats(-500, 500), st.floats(3.0, 300.0), angle,
       st.floats(math.radians(60), 2 * math.pi))
def test_lsq_circle_is_exact_on_clean_arcs(cx, cy, r, start, span) -> None:
    t = start + np.linspace(0, span, 40)
    pts = np.column_stack([cx + r * np.cos(t), cy + r * np.sin(t)])
    centre, radius = fit_circle_lsq(pts)
    np.testing.assert_allclose(centre, [cx, cy], atol=1e-5 * r + 1e-6)
    assert radius == pytest.approx(r, rel=1e-6)


def test_arc_fit_ignores_the_occluding_chord() -> None:
    # A half-hidden disc's outline: a 200° arc closed by a straight chord.
    t = np.linspace(math.radians(-100), math.radians(100), 60)
    arc = np.column_stack([50 + 20 * np.cos(t), 40 + 20 * np.sin(t)])
    chord = np.column_stack([np.full(25, arc[0, 0]), np.linspace(arc[0, 1], arc[-1, 1], 25)])
    pts = np.vstack([arc, chord])
    centre, radius, inliers = fit_circle_to_arc(pts, 10, 40)
    np.testing.assert_allclose(centre, [50, 40], atol=0.05)
    assert radius == pytest.approx(20, abs=0.05)
    assert not inliers[len(arc) + 3:-3].any()
    # The naive least-squares fit of all outline points is visibly biased.
    naive, _ = fit_circle_lsq(pts)
    assert np.hypot(*(naive - [50, 40])) > 2.0


def test_circles_in_mask_on_a_cut_disc_and_rejects_a_big_blob() -> None:
    import cv2

    mask = np.zeros((200, 300), np.uint8)
    cv2.circle(mask, (100, 100), 30, 255, -1)
    mask[:, 100:] = 0  # left half visible
    cv2.ellipse(mask, (230, 100), (60, 90), 0, 0, 360, 255, -1)  # a large blob
    fits = circles_in_mask(mask, 15, 45)
    assert len(fits) == 1
    np.testing.assert_allclose(fits[0].center, [100, 100], atol=1.0)
    assert fits[0].radius == pytest.approx(30.5, abs=1.0)
    with pytest.raises(ValueError, match="r_min"):
        circles_in_mask(mask, 0, 10)
