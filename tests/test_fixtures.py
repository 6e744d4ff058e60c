"""Analyzers on ground-truth landmarks exported from the labelled samples (no model needed).

Each fixture is a frame (plus the second before it) of a rendered person in a known state; the
analyzer must reach the state the labels name.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from posecoach.baseline import PostureBaseline
from posecoach.exercises.ball import BallAnalyzer
from posecoach.exercises.posture import PostureAnalyzer, front_metrics
from posecoach.exercises.roller import RollerAnalyzer, Zone
from posecoach.geometry import body_geometry
from posecoach.types import Pose

FIXTURES = Path(__file__).parent / "fixtures" / "landmarks"


def load(name: str) -> dict:
    return json.loads((FIXTURES / f"{name}.json").read_text())


def pose_of(landmarks: list) -> Pose:
    xy = np.array([p[:2] if p else [np.nan, np.nan] for p in landmarks], dtype=float)
    visible = np.array([0.95 if (p and p[2]) else 0.3 for p in landmarks])
    return Pose(xy=np.nan_to_num(xy), visibility=visible, presence=np.ones(len(landmarks)))


def bad_keys(checks) -> set[str]:
    return {c.key for c in checks if c.is_bad(False)}


def assert_judged(checks, *keys: str) -> None:
    """Each of ``keys`` was measured this frame, so "not bad" means judged good, not absent."""
    values = {c.key: c.value for c in checks}
    for key in keys:
        assert values.get(key) is not None, f"{key} not judged: {values}"


def replay_sequence(fixture: dict, step) -> object:
    """Feed the fixture's second of frames (all in the same labelled state) in time order;
    return the reading of the last one."""
    frames = {round(f["t"], 4): f for f in [*fixture["sequence"], fixture]}
    reading = None
    for t in sorted(frames):
        frame = frames[t]
        reading = step(pose_of(frame["landmarks_px"]), frame.get("prop"), frame["t"])
    return reading


@pytest.mark.parametrize(("name", "expect_bad"), [
    ("seated_side_upright", False), ("seated_side_far_upright", False),
    ("seated_side_slouched", True), ("seated_side_far_slouched", True)])
def test_side_view_posture_from_truth(name, expect_bad):
    fixture = load(name)
    analyzer = PostureAnalyzer()
    reading = replay_sequence(fixture, lambda pose, prop, t: analyzer.update(pose, t))
    assert_judged(reading.checks, "posture.slouch", "posture.forward_head")
    posture_bad = {k for k in bad_keys(reading.checks) if k.startswith("posture.")}
    assert bool(posture_bad) is expect_bad, (name, reading.metrics)


@pytest.mark.parametrize(("name", "expected"), [
    ("desk_front_upright", set()), ("desk_front_looking_down", set()),
    ("desk_front_slouched", {"posture.slouch"}), ("desk_front_leaning", {"posture.lean"})])
def test_front_view_posture_from_truth(name, expected):
    upright = load("desk_front_upright")
    baseline = PostureBaseline.new("front", front_metrics(pose_of(upright["landmarks_px"])),
                                   "fixture")
    analyzer = PostureAnalyzer(baseline=baseline)
    reading = replay_sequence(load(name), lambda pose, prop, t: analyzer.update(pose, t))
    assert_judged(reading.checks, "posture.slouch", "posture.forward_head", "posture.lean")
    found = {k for k in bad_keys(reading.checks) if k.startswith("posture.")}
    # A slouch seen from the front may bring the head forward too; the upright ones, nothing.
    assert (expected <= found) if expected else found == set(), (name, found)
    if name == "desk_front_looking_down":
        assert reading.looking_down


def roller_step(analyzer):
    def step(pose, prop, t):
        contact = np.array(prop["contact_px"]) if prop and prop.get("in_contact") else None
        return analyzer.update(pose, body_geometry(pose), contact, "colour", t)
    return step


@pytest.mark.parametrize(("name", "zone"), [
    ("roller_lumbar", Zone.LUMBAR), ("roller_thoracic", Zone.THORACIC),
    ("roller_cervical", Zone.CERVICAL), ("roller_too_fast", Zone.THORACIC)])
def test_roller_zone_from_truth(name, zone):
    reading = replay_sequence(load(name), roller_step(RollerAnalyzer()))
    assert reading.zone is zone
    assert_judged(reading.checks, "roller.lumbar", "roller.cervical")
    assert ("roller.lumbar" in bad_keys(reading.checks)) is (zone is Zone.LUMBAR)
    assert ("roller.cervical" in bad_keys(reading.checks)) is (zone is Zone.CERVICAL)


def test_roller_speed_from_truth():
    fast = replay_sequence(load("roller_too_fast"), roller_step(RollerAnalyzer()))
    assert fast.speed_cm_s is not None and fast.speed_cm_s > 15.0
    steady = replay_sequence(load("roller_thoracic"), roller_step(RollerAnalyzer()))
    assert steady.speed_cm_s is not None and steady.speed_cm_s <= 15.0


@pytest.mark.parametrize(("name", "hanging"), [
    ("roller_head_unsupported", True), ("roller_thoracic", False)])
def test_head_support_from_truth(name, hanging):
    reading = replay_sequence(load(name), roller_step(RollerAnalyzer()))
    assert_judged(reading.checks, "roller.head")
    assert ("roller.head" in bad_keys(reading.checks)) is hanging


def ball_step(analyzer):
    def step(pose, prop, t):
        centre = np.array(prop["center_px"]) if prop and prop.get("visible", True) else None
        return analyzer.update(pose, body_geometry(pose), centre, centre is not None, t)
    return step


@pytest.mark.parametrize(("name", "key"), [
    ("ball_wall_lower", "ball.lumbar"), ("ball_wall_neck", "ball.neck")])
def test_ball_zone_from_truth(name, key):
    analyzer = BallAnalyzer()
    fixture = load(name)
    # The fixture's second of frames is too short to settle: settle on its first frame.
    first = fixture["sequence"][0]
    for k in range(20):
        ball_step(analyzer)(pose_of(first["landmarks_px"]), first["prop"], first["t"] - 2 + k * 0.1)
    reading = replay_sequence(fixture, ball_step(analyzer))
    assert key in bad_keys(reading.checks)
    upper = load("ball_wall_upper")
    analyzer = BallAnalyzer()
    for k in range(20):
        ball_step(analyzer)(pose_of(upper["landmarks_px"]), upper["prop"], k * 0.1)
    reading = ball_step(analyzer)(pose_of(upper["landmarks_px"]), upper["prop"], 2.5)
    assert_judged(reading.checks, "ball.lumbar", "ball.neck")
    assert not {"ball.lumbar", "ball.neck"} & bad_keys(reading.checks)
