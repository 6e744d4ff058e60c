"""The ball coach on drawn scenes at webcam scale, through the real stages (detector,
selector, analyzer, coach) with landmark fixtures instead of the model.

The balls are not the fluorescent yellow the colour table was made for, and a few pixels
across: what a 640×480 webcam 2–3 m away shows.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from posecoach.config import Settings
from posecoach.session import build_stages
from tests.factories import make_side_pose
from tests.props import synth
from tests.test_exercise_scenes import FPS, exercise, keys, run

BALLS = {"red": (40, 40, 200), "blue": (200, 110, 30), "green": (60, 200, 60)}


def small_wall_scene(ball_bgr: tuple[int, int, int] | None, px_per_cm: float = 1.6,
                     seed: int = 4, shirt: str = "navy"):
    """Standing with the back to a wall, a ball (or none) at the upper back, drawn at
    ``px_per_cm``, and the pose that matches the drawing."""
    scene = synth.ball_at_wall(seed=seed, px_per_cm=px_per_cm, hidden=0.25, shirt=shirt,
                               ball=ball_bgr is not None,
                               ball_bgr=ball_bgr or synth.BALL_BGR)
    hint = scene.hint
    trunk = float(np.hypot(*(hint.shoulder_px - hint.hip_px)))
    lean = math.degrees(math.atan2(hint.shoulder_px[0] - hint.hip_px[0],
                                   hint.hip_px[1] - hint.shoulder_px[1]))
    pose = make_side_pose(neck_deg=10.0, lean_deg=lean, torso_px=trunk, sitting=False,
                          hip=tuple(hint.hip_px))
    return scene, pose


@pytest.mark.parametrize("ball", sorted(BALLS))
def test_a_small_ball_of_any_colour_starts_the_ball_coach_and_is_placed(ball: str) -> None:
    """Within 3 s at the wall the ball coach runs, the ball it reports is within 1.5 cm of
    the drawn centre (the accuracy target), and on the upper back it raises no zone problem."""
    scene, pose = small_wall_scene(BALLS[ball])
    results = run(build_stages(Settings()), [(scene.image, pose, 4.0)])
    late = results[int(3 * FPS):]
    assert {exercise(r) for r in late} == {"ball"}
    placed = [r.ball.center_px for r in late
              if r.ball is not None and r.ball.center_px is not None]
    assert len(placed) == len(late)
    errors_cm = [float(np.hypot(*(c - scene.center))) / 1.6 for c in placed]
    assert max(errors_cm) <= 1.5
    # On the upper back: no zone problem.
    assert not {"ball.lumbar", "ball.neck"} & {k for r in late for k in r.active}


@pytest.mark.parametrize("shirt", ["navy", "grey", "yellow"])
def test_standing_at_a_wall_without_a_ball_never_starts_the_ball_coach(shirt: str) -> None:
    scene, pose = small_wall_scene(None, shirt=shirt)
    results = run(build_stages(Settings()), [(scene.image, pose, 5.0)])
    assert "ball" not in {exercise(r) for r in results}
    assert not keys(results, "ball.")


def test_a_push_while_the_coach_is_still_starting_is_pressure() -> None:
    """Issue 11, pressure: pinning the ball and leaning back into it at once (before the
    selector's second of sightings has started the ball coach) was measured from the pushed
    stance and never told. The analyzer follows the ball from its first sightings, so the
    start is the stance before the push."""
    scene, upright = small_wall_scene(BALLS["red"])
    hip = upright.xy[23:25].mean(axis=0)

    def leaning(deg: float):
        """The upper body turned about the hips toward the wall (the back side)."""
        r = math.radians(deg)
        xy = upright.xy.copy()
        upper = [i for i in range(33) if i not in range(23, 33)]
        side = -np.sign(float(scene.center[0] - hip[0]))  # toward the ball (and wall)
        rot = np.array([[math.cos(r), -side * math.sin(r)], [side * math.sin(r), math.cos(r)]])
        xy[upper] = (xy[upper] - hip) @ rot + hip
        return upright.with_xy(xy)

    pushed = leaning(9.0)
    results = run(build_stages(Settings()), [(scene.image, upright, 1.0),
                                             (scene.image, pushed, 5.0)])
    assert {exercise(r) for r in results[int(3 * FPS):]} == {"ball"}
    assert any("ball.pressure" in r.active for r in results)
    judged = [c.value for r in results for c in r.checks
              if c.key == "ball.pressure" and c.value is not None]
    assert judged and max(judged) == pytest.approx(9.0, abs=1.5)


def test_a_ball_too_faint_for_one_frame_starts_the_ball_coach_once_it_stays_put() -> None:
    """Issue 11 (a dark ball 2–3 px across in dim light was never found on dev: 6–12 ΔE on
    every frame, under the 15 a single frame needs): a grey-blue ball on the pale wall at
    1 px/cm, resting on the upper back, is taken once its place has recurred for a second,
    and the ball coach runs on it, placed on the ball (within its 3.3 cm radius: a quarter of
    this 3 px ball is hidden by the back, and the spot is its visible part)."""
    scene, pose = small_wall_scene((140, 150, 160), px_per_cm=1.0)
    stages = build_stages(Settings())
    results = run(stages, [(scene.image, pose, 5.0)])
    late = results[int(4 * FPS):]
    assert {exercise(r) for r in late} == {"ball"}
    placed = [r.ball.center_px for r in late
              if r.ball is not None and r.ball.center_px is not None]
    assert placed
    assert max(float(np.hypot(*(c - scene.center))) for c in placed) <= 3.3


def test_a_faint_spot_is_looked_for_on_every_frame_until_it_is_settled() -> None:
    """Away from the ball coach the ball is looked for every 0.2 s only; while a faint spot
    waits for its place to recur, on every frame, so the second of evidence it needs is not
    three times as long. With nothing behind the back the idle pace stays."""
    faint, pose = small_wall_scene((140, 150, 160), px_per_cm=1.0)
    empty, _ = small_wall_scene(None, px_per_cm=1.0)
    span = slice(int(0.3 * FPS), int(1.0 * FPS))
    searched = [r.ball_searched for r in run(build_stages(Settings()),
                                             [(faint.image, pose, 1.0)])[span]]
    idle = [r.ball_searched for r in run(build_stages(Settings()),
                                         [(empty.image, pose, 1.0)])[span]]
    assert all(searched)
    assert sum(idle) <= len(idle) / 2
