"""Foam-roller detection on synthetic lying side views with known ground truth."""

from __future__ import annotations

import dataclasses

import cv2
import numpy as np
import pytest

from posecoach.props.budget import BudgetedSearch
from posecoach.props.colour import RollerColorModel
from posecoach.props.geometry import floorward_normal
from posecoach.props.methods import RollerMethod
from posecoach.props.roller import (
    RollerDetection,
    RollerTracker,
    detect_roller_colour,
    find_roller_by_shape,
    roller_from_body,
)

from .synth import roller_lying

KINDS = ("black", "blue", "orange", "grey", "patterned")
SHIRT_FOR = {"black": "red", "blue": "red", "orange": "navy", "grey": "green",
             "patterned": "grey"}


def _true_contact(scene) -> np.ndarray:
    foot = scene.hint.hip_px + np.dot(scene.center - scene.hint.hip_px, _axis(scene)) * _axis(scene)
    toward = foot - scene.center
    return scene.center + scene.radius * toward / np.hypot(*toward)


def _axis(scene) -> np.ndarray:
    u = scene.hint.shoulder_px - scene.hint.hip_px
    return u / np.hypot(*u)


def _check(found: RollerDetection | None, scene, what: str) -> None:
    assert found is not None, f"no roller: {what}"
    assert np.hypot(*(found.center_px - scene.center)) <= 0.15 * scene.radius, what
    assert abs(found.radius_px / scene.radius - 1) <= 0.20, what
    assert np.hypot(*(found.contact_px - _true_contact(scene))) <= 0.25 * scene.radius, what


def _kind_light_cases() -> list:
    cases = []
    for kind in KINDS:
        for light in ("normal", "dim", "warm", "cool"):
            marks = []
            if (kind, light) == ("patterned", "cool"):
                marks = [pytest.mark.xfail(strict=True, reason=(
                    "known limit: a teal ring against a cyan-lit wall, 40 % hidden, "
                    "3 px/cm is not separated by the colour clusters"))]
            cases.append(pytest.param(kind, light, marks=marks, id=f"{kind}-{light}"))
    return cases


@pytest.mark.parametrize(("kind", "light"), _kind_light_cases())
def test_roller_of_unknown_colour_is_found_then_tracked_by_colour(kind: str, light: str) -> None:
    """Shape search learns the colour; the learned model finds it in the next frame."""
    # A two-tone (hollow-core) end 40 % hidden needs ~3 px/cm (R ≈ 22 px): at 2.5 px/cm its
    # thin visible ring is lost in cleaning (a known limit, see the module docstring).
    small = 3.0 if kind == "patterned" else 2.5
    cases = [dict(seed=0, px_per_cm=3.5, cover=0.2, roll_fraction=0.7),
             dict(seed=1, px_per_cm=small, cover=0.4, roll_fraction=0.8, mirror=True)]
    for case in cases:
        scene = roller_lying(kind=kind, light=light, shirt=SHIRT_FOR[kind], **case)
        assert 0.1 <= scene.hidden_fraction <= 0.45
        shaped = find_roller_by_shape(scene.image, scene.hint)
        assert shaped is not None, f"shape search failed: {case}"
        found, model = shaped
        assert found.method == "shape"
        _check(found, scene, f"shape {case}")
        later = roller_lying(kind=kind, light=light, shirt=SHIRT_FOR[kind],
                             **{**case, "seed": case["seed"] + 7,
                                "roll_fraction": case["roll_fraction"] - 0.06})
        again = detect_roller_colour(later.image, later.hint, model)
        _check(again, later, f"colour {case}")
        assert again.method == "colour"


@pytest.mark.parametrize("kind", ["blue", "orange"])
def test_overexposed_roller(kind: str) -> None:
    scene = roller_lying(seed=2, px_per_cm=3.0, kind=kind, light="overexposed", cover=0.3)
    shaped = find_roller_by_shape(scene.image, scene.hint)
    assert shaped is not None
    _check(shaped[0], scene, "overexposed")


def test_roller_sticking_out_in_front_of_the_torso() -> None:
    scene = roller_lying(seed=3, px_per_cm=3.0, kind="black", in_front=True)
    shaped = find_roller_by_shape(scene.image, scene.hint)
    assert shaped is not None
    _check(shaped[0], scene, "in front")


def test_calibrated_from_a_user_box() -> None:
    scene = roller_lying(seed=4, px_per_cm=3.0, kind="blue", light="warm", cover=0.3)
    cx, cy, r = *np.round(scene.center).astype(int), int(scene.radius)
    model = RollerColorModel.from_region(scene.image, (cx - r // 2, cy, cx + r // 2, cy + r // 2))
    later = roller_lying(seed=5, px_per_cm=3.0, kind="blue", light="warm", cover=0.4,
                         roll_fraction=0.62)
    _check(detect_roller_colour(later.image, later.hint, model), later, "calibrated")
    with pytest.raises(ValueError, match="empty"):
        RollerColorModel.from_region(scene.image, (700, 10, 710, 20))


@pytest.mark.parametrize("light", ["normal", "dim", "warm", "cool", "overexposed"])
def test_no_roller_no_shape_and_body_pivot_fallback(light: str) -> None:
    """No roller in view: nothing is invented from pixels; the body pivot lands near where
    the (removed) roller touched the back."""
    with_roller = roller_lying(seed=6, px_per_cm=3.0, kind="orange", light=light)
    scene = roller_lying(seed=6, px_per_cm=3.0, kind="orange", light=light, roller=False)
    assert find_roller_by_shape(scene.image, scene.hint) is None
    pivot = roller_from_body(scene.hint)
    assert pivot is not None and pivot.method == "body_pivot" and pivot.confidence <= 0.45
    assert np.hypot(*(pivot.contact_px - _true_contact(with_roller))) <= 0.5 * with_roller.radius


def test_body_pivot_follows_the_trunk_or_gives_up() -> None:
    """The pivot moves with the trunk's tilt; with no floor line, or a back that never rises
    one roller diameter above the floor, it is None (it used to be a fixed spot along the
    spine, which told the coach nothing about where the roller is)."""
    low = roller_lying(seed=7, px_per_cm=3.0, roller=False, roll_fraction=0.55)
    high = roller_lying(seed=7, px_per_cm=3.0, roller=False, roll_fraction=0.85)
    fractions = []
    for scene in (low, high):
        pivot = roller_from_body(scene.hint)
        assert pivot is not None and pivot.confidence <= 0.45
        axis = scene.hint.shoulder_px - scene.hint.hip_px
        fractions.append(float((pivot.contact_px - scene.hint.hip_px) @ axis / (axis @ axis)))
    assert fractions[1] > fractions[0] + 0.15
    assert roller_from_body(dataclasses.replace(low.hint, floor_y_px=None)) is None
    flat = dataclasses.replace(low.hint, shoulder_px=low.hint.hip_px + [141.0, 0.0],
                               floor_y_px=float(low.hint.hip_px[1] + 30.0))
    assert roller_from_body(flat) is None  # a level back lying on the floor
    assert roller_from_body(dataclasses.replace(low.hint, lying=False)) is None


@pytest.mark.parametrize("seed", [3, 4])
@pytest.mark.parametrize("kind", ["black", "blue"])
def test_roller_end_below_the_feet_line_with_its_body_showing(seed: int, kind: str) -> None:
    """As in the renders: the hint's floor line (heel landmarks, far from the camera) lies
    ~6 cm above the floor under the roller's near end, the camera sees the cylinder running
    up from the end disc to the back, and dark hair hangs under the head. The old search
    stopped at the feet line and never saw the disc."""
    scene = roller_lying(seed=seed, px_per_cm=3.0, kind=kind, cover=0.3, hair=True,
                         body_cm=8.0, feet_above_cm=6.0, shirt=SHIRT_FOR[kind])
    shaped = find_roller_by_shape(scene.image, scene.hint)
    assert shaped is not None
    found, model = shaped
    assert np.hypot(*(found.center_px - scene.center)) <= 0.15 * scene.radius
    assert abs(found.radius_px / scene.radius - 1) <= 0.20
    later = roller_lying(seed=seed + 7, px_per_cm=3.0, kind=kind, cover=0.3, hair=True,
                         body_cm=8.0, feet_above_cm=6.0, shirt=SHIRT_FOR[kind],
                         roll_fraction=0.66)
    tracked = detect_roller_colour(later.image, later.hint, model)
    assert tracked is not None
    assert np.hypot(*(tracked.center_px - later.center)) <= 0.15 * later.radius


@pytest.mark.parametrize("seed", [3, 4])
def test_dark_blob_under_the_head_is_not_a_roller(seed: int) -> None:
    """Hair and its shadow under the head make a dark disc of about a roller's size; with
    no floor line to rule it out, only the head's position can (the head is solid)."""
    scene = roller_lying(seed=seed, px_per_cm=3.0, kind="black", roller=False)
    hint = dataclasses.replace(scene.hint, floor_y_px=None)
    n = floorward_normal(hint.hip_px, hint.shoulder_px)
    blob = hint.head_px + 9 * hint.px_per_cm * n
    image = scene.image.copy()
    cv2.circle(image, tuple(np.round(blob).astype(int)), int(7.5 * hint.px_per_cm),
               (25, 25, 28), -1, cv2.LINE_AA)
    assert find_roller_by_shape(image, hint) is None


def test_tracker_shape_then_colour_then_hold_then_pivot() -> None:
    tracker = RollerTracker(max_misses=2, work_budget=None)  # each search in one frame
    scenes = [roller_lying(seed=10 + i, px_per_cm=3.0, kind="blue",
                           roll_fraction=0.7 + 0.01 * i) for i in range(3)]
    empty = roller_lying(seed=20, px_per_cm=3.0, kind="blue", roller=False)
    methods = []
    t = 0.0
    for scene in scenes:
        found = tracker.update(scene.image, scene.hint, t)
        t += 1 / 30
        methods.append(found.method)
        assert np.hypot(*(found.center_px - scene.center)) <= 0.15 * scene.radius
    assert methods == ["shape", "colour", "colour"]
    assert [tracker.update(empty.image, empty.hint, t + k / 30).method for k in range(3)] == \
        ["hold", "hold", "body_pivot"]
    assert tracker.update(empty.image, None, t + 1) is None


def test_values_are_checked() -> None:
    with pytest.raises(ValueError, match="radius_px"):
        RollerDetection(np.zeros(2), 0.0, np.zeros(2), 0.5, "colour")
    with pytest.raises(ValueError, match="contact_px"):
        RollerDetection(np.zeros(2), 1.0, np.zeros(3), 0.5, "colour")
    with pytest.raises(ValueError, match="max_distance"):
        RollerColorModel(np.zeros(3), np.eye(3), max_distance=0)
    with pytest.raises(ValueError, match="max_misses"):
        RollerTracker(max_misses=-1)


def _finished(result):
    """A shape search that has its result at once."""
    def steps():
        return result
        yield 0  # a generator with no steps

    return BudgetedSearch(steps())


def test_failed_shape_search_is_retried_after_a_growing_pause(monkeypatch) -> None:
    import posecoach.props.roller as roller_module

    calls = []

    def failing(frame, hint):
        calls.append(1)
        return _finished(None)

    monkeypatch.setattr(roller_module, "shape_search", failing)
    tracker = RollerTracker(shape_interval_s=0.5)
    empty = roller_lying(seed=21, px_per_cm=3.0, roller=False)
    methods = [tracker.update(empty.image, empty.hint, k / 10).method for k in range(60)]
    assert methods == ["body_pivot"] * 60
    assert len(calls) == 5  # at t = 0, 0.5, 1.5, 3.5 and 5.5 s (the pause doubles, to 2 s)


def test_learned_colour_is_rechecked_by_shape_at_growing_intervals(monkeypatch) -> None:
    """A colour learned from a wrong blob would be followed for good: the shape search runs
    again after 2 s, and the wait doubles each time it agrees with the colour."""
    import posecoach.props.roller as roller_module

    real = roller_module.shape_search
    calls: list[float] = []
    clock = {"t": 0.0}

    def weaker_shape(frame, hint):  # never better than the colour: a confirmation
        calls.append(clock["t"])
        found = real(frame, hint).run()
        if found is None:
            return _finished(None)
        return _finished((dataclasses.replace(found[0], confidence=0.5 * found[0].confidence),
                          found[1]))

    monkeypatch.setattr(roller_module, "shape_search", weaker_shape)
    scene = roller_lying(seed=12, px_per_cm=3.0, kind="blue")
    tracker = RollerTracker()
    for k in range(31):
        clock["t"] = 0.5 * k
        found = tracker.update(scene.image, scene.hint, clock["t"])
        assert found is not None and found.method in ("shape", "colour")
    assert calls == [0.0, 2.0, 6.0, 14.0]


def test_a_detection_names_its_method_as_the_enum_and_rejects_an_unknown_one():
    detection = RollerDetection(np.zeros(2), 5.0, None, 0.5, "shape")
    assert detection.method is RollerMethod.SHAPE and detection.method.seen
    assert not RollerMethod.BODY_PIVOT.seen and not RollerMethod.HOLD.seen
    with pytest.raises(ValueError):
        RollerDetection(np.zeros(2), 5.0, None, 0.5, "guess")
