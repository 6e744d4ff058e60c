"""The roller found as what fills the gap under the raised back, whatever its colour."""

from __future__ import annotations

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posecoach.props.geometry import floorward_normal
from posecoach.props.hints import BodyHint
from posecoach.props.methods import RollerMethod
from posecoach.props.roller import (
    BACK_DEPTH_CM,
    ROLLER_RADIUS_CM,
    RollerTracker,
    detect_roller_gap,
    find_roller_by_shape,
)
from posecoach.props.roller_gap import gap_rows

from .synth import roller_lying

H, W = 480, 640


def _along_spine_cm(point: np.ndarray, scene) -> float:
    u = scene.hint.shoulder_px - scene.hint.hip_px
    return float((point - scene.hint.hip_px) @ (u / np.hypot(*u))) / scene.hint.px_per_cm


@pytest.mark.parametrize("light", ["normal", "dim"])
@pytest.mark.parametrize(("seed", "px_per_cm", "mirror"), [(0, 1.5, False), (1, 3.0, True)])
def test_black_roller_under_black_shirt_is_found_by_the_gap(light: str, seed: int,
                                                            px_per_cm: float,
                                                            mirror: bool) -> None:
    """Colour and shape see one dark blob; the gap under the back shows where the roller is."""
    scene = roller_lying(seed=seed, px_per_cm=px_per_cm, kind="black", shirt="black",
                         light=light, mirror=mirror)
    found = detect_roller_gap(scene.image, scene.hint)
    assert found is not None and found.method is RollerMethod.GAP and found.method.seen
    assert abs(found.center_px[0] - scene.center[0]) <= 0.15 * scene.radius
    assert abs(found.center_px[1] - scene.center[1]) <= 0.3 * scene.radius
    # Where the back rests: the roller's point facing the spine line.
    true_top = scene.center - scene.radius * floorward_normal(scene.hint.hip_px,
                                                              scene.hint.shoulder_px)
    assert abs(_along_spine_cm(found.contact_px, scene)
               - _along_spine_cm(true_top, scene)) <= 3.0
    assert found.contact_sigma_cm >= 5.0  # no outline: never surer than an end cap


def test_tracker_sees_a_black_roller_under_a_black_shirt() -> None:
    """Before the gap search the tracker fell back to the body pivot (not seen), so roller
    mode never started for a black roller under black clothes."""
    scene = roller_lying(seed=2, px_per_cm=2.0, kind="black", shirt="black", light="dim")
    assert find_roller_by_shape(scene.image, scene.hint) is None
    tracker = RollerTracker()
    found = [tracker.update(scene.image, scene.hint, i / 15) for i in range(10)]
    assert all(f is not None and f.method is RollerMethod.GAP for f in found)
    assert abs(found[-1].center_px[0] - scene.center[0]) <= 0.15 * scene.radius
    off = RollerTracker(gap_fallback=False)
    assert all(off.update(scene.image, scene.hint, i / 15).method is RollerMethod.BODY_PIVOT
               for i in range(10))


@pytest.mark.parametrize("light", ["normal", "dim", "overexposed"])
def test_no_roller_gives_no_gap_detection(light: str) -> None:
    scene = roller_lying(seed=6, px_per_cm=3.0, kind="black", shirt="black", light=light,
                         roller=False)
    assert detect_roller_gap(scene.image, scene.hint) is None


def test_a_coloured_roller_found_by_colour_is_not_displaced_by_the_gap() -> None:
    """The gap is a fallback: a roller its colour finds keeps the colour's reading."""
    scene = roller_lying(seed=3, px_per_cm=3.0, kind="orange", shirt="navy")
    tracker = RollerTracker(work_budget=None)
    methods = {tracker.update(scene.image, scene.hint, i / 15).method for i in range(6)}
    assert RollerMethod.GAP not in methods and methods & {RollerMethod.SHAPE,
                                                           RollerMethod.COLOUR}


def _flat_scene(px_per_cm: float, roller_frac: float | None, dark: tuple[int, int, int],
                wall: tuple[int, int, int] = (170, 180, 190),
                floor: tuple[int, int, int] = (70, 110, 150)) -> tuple[np.ndarray, BodyHint,
                                                                       float | None]:
    """A level trunk over a floor, drawn in one dark colour (body and roller alike): its
    back rests on a roller at ``roller_frac`` of hip → shoulder (None: nothing is drawn
    under it, the gap under the back shows only background)."""
    s = px_per_cm
    r = ROLLER_RADIUS_CM * s
    floor_y = 380
    img = np.empty((H, W, 3), np.uint8)
    img[:floor_y] = wall
    img[floor_y:] = floor
    trunk = 47 * s
    hip = np.array([W / 2 - trunk / 2, floor_y - 2 * r - BACK_DEPTH_CM * s])
    shoulder = hip + np.array([trunk, 0.0])
    top, bottom = int(hip[1] - 12 * s), int(floor_y - 2 * r)
    cv2.rectangle(img, (int(hip[0] - 10 * s), top), (int(shoulder[0] + 5 * s), bottom), dark, -1)
    head = shoulder + np.array([14 * s, -3 * s])
    cv2.circle(img, tuple(np.round(head).astype(int)), int(9 * s), (120, 150, 200), -1)
    x_roller = None
    if roller_frac is not None:
        x_roller = float(hip[0] + roller_frac * trunk)
        cv2.circle(img, (int(round(x_roller)), int(round(floor_y - r))), int(round(r)), dark, -1)
    hint = BodyHint(shoulder_px=shoulder, hip_px=hip, px_per_cm=s, lying=True, head_px=head,
                    floor_y_px=float(floor_y))
    return img, hint, x_roller


@settings(max_examples=40, deadline=None)
@given(px_per_cm=st.floats(1.3, 4.0), frac=st.floats(0.35, 1.05),
       grey=st.integers(10, 60))
def test_a_roller_the_colour_of_the_body_is_found_where_it_is(px_per_cm: float, frac: float,
                                                              grey: int) -> None:
    img, hint, x_roller = _flat_scene(px_per_cm, frac, (grey, grey, grey + 5))
    found = detect_roller_gap(img, hint)
    r = ROLLER_RADIUS_CM * px_per_cm
    assert found is not None
    assert abs(found.center_px[0] - x_roller) <= 0.2 * r
    assert abs(found.center_px[1] - (380 - r)) <= 0.25 * r + 1


def test_unreadable_gap_says_unseen() -> None:
    img, hint, _ = _flat_scene(3.0, 0.7, (30, 30, 30))
    # No floor line: the gap cannot be placed.
    no_floor = BodyHint(hint.shoulder_px, hint.hip_px, hint.px_per_cm, lying=True,
                        head_px=hint.head_px)
    assert detect_roller_gap(img, no_floor) is None
    # Not lying (sitting, standing): no gap under the back to read.
    sitting = BodyHint(hint.shoulder_px, hint.hip_px, hint.px_per_cm, lying=False,
                       head_px=hint.head_px, floor_y_px=hint.floor_y_px)
    assert detect_roller_gap(img, sitting) is None
    # Nothing under the back: background everywhere in the gap.
    empty, hint2, _ = _flat_scene(3.0, None, (30, 30, 30))
    assert detect_roller_gap(empty, hint2) is None
    # A background the roller's colour: no contrast, nothing found.
    img3, hint3, _ = _flat_scene(3.0, 0.7, (30, 30, 30), wall=(32, 32, 34), floor=(30, 31, 30))
    assert detect_roller_gap(img3, hint3) is None
    # A person too small in the picture to read a gap a few pixels tall.
    img4, hint4, _ = _flat_scene(0.5, 0.7, (30, 30, 30))
    assert detect_roller_gap(img4, hint4) is None


@settings(max_examples=60, deadline=None)
@given(hx=st.floats(50, 300), hy=st.floats(100, 400), dx=st.floats(60, 300),
       dy=st.floats(-50, 50), s=st.floats(0.5, 5.0), depth=st.floats(0.0, 15.0))
def test_back_line_is_the_joint_line_lowered_along_its_normal(hx: float, hy: float, dx: float,
                                                              dy: float, s: float,
                                                              depth: float) -> None:
    """The back row over each column lies ``depth`` cm from the hip → shoulder line,
    measured along the line's normal (a tilted trunk shows it taller in the image)."""
    hint = BodyHint(shoulder_px=(hx + dx, hy + dy), hip_px=(hx, hy), px_per_cm=s, lying=True,
                    floor_y_px=hy + 100)
    xs = np.linspace(hx - 20, hx + dx + 20, 7)
    back, floor = gap_rows(hint, xs, depth)
    u = np.array([dx, dy]) / np.hypot(dx, dy)
    n = np.array([-u[1], u[0]])  # points down the image for dx > 0
    for x, y in zip(xs, back, strict=True):
        assert abs((np.array([x, y]) - hint.hip_px) @ n - depth * s) < 1e-6
    assert np.all(floor == hint.floor_y_px)
