"""The colour-agnostic ball finder on synthetic side views at webcam scale.

Balls of any colour, 2–5 px in radius (a 640×480 or 320×240 webcam 2–3 m away), partly
hidden by the back, with noise, blur and JPEG: the scenes the hue table missed.
"""

from __future__ import annotations

from dataclasses import replace

import cv2
import numpy as np
import pytest

from posecoach.props.ball import MIN_SPOT_CONTRAST, BallTracker, detect_ball
from posecoach.props.ball_acquire import MIN_SPAN_S
from posecoach.props.ball_spot import find_spot, spot_contrast, unmixed
from posecoach.props.hints import BodyHint

from .synth import LIGHTS, SHIRTS, H, W, ball_at_wall, camera, draw_ball

#: BGR balls: red, blue, pink, green and a dark purple massage ball. (A white ball is left
#: out: the drawn wall is near-white, and a ball the colour of both its neighbours cannot
#: stand out from them.)
BALLS = {"red": (40, 40, 200), "blue": (200, 110, 30), "pink": (150, 60, 240),
         "green": (60, 200, 60), "purple": (150, 40, 110)}
#: A shirt that differs from each ball.
SHIRT_FOR = {"red": "navy", "blue": "red", "pink": "navy", "green": "red", "purple": "grey"}


def _with_back(scene, mirror: bool = False, lean_deg: float = 6.0):
    """The scene with the back side in its hint: toward the wall, which ball_at_wall puts at
    the image's left (right when mirrored), square to the trunk leaning back lean_deg."""
    lean = np.radians(lean_deg)
    back = np.array([np.cos(lean) if mirror else -np.cos(lean), np.sin(lean)])
    return replace(scene, hint=replace(scene.hint, back_normal=back))


@pytest.mark.parametrize("ball", sorted(BALLS))
@pytest.mark.parametrize("light", [light for light in LIGHTS if light != "dim"])
def test_a_ball_of_any_colour_is_found_at_webcam_scale(ball: str, light: str) -> None:
    """Centre within 1.5 cm (the accuracy target) at 1.2 and 2 px/cm (ball radius 4–7 px),
    a quarter hidden by the back, mirrored or not: the default yellow colour box finds none
    of these."""
    _found_within_target(ball, light)


@pytest.mark.parametrize("ball", ["red", "blue"])
def test_in_dim_light_a_ball_that_stands_out_is_found(ball: str) -> None:
    """At 0.42× light with more noise a saturated ball is still found (a pale one on a grey
    shirt may not be: then the coach says it cannot see the ball)."""
    _found_within_target(ball, "dim")


def _found_within_target(ball: str, light: str) -> None:
    for i, px_per_cm in enumerate((1.2, 2.0)):
        scene = _with_back(ball_at_wall(seed=7 + i, px_per_cm=px_per_cm, light=light,
                                        hidden=0.25, mirror=i == 1, shirt=SHIRT_FOR[ball],
                                        ball_bgr=BALLS[ball]), mirror=i == 1)
        found = detect_ball(scene.image, scene.hint)
        assert found is not None, (ball, light, px_per_cm)
        error_cm = float(np.hypot(*(found.center_px - scene.center))) / px_per_cm
        assert error_cm <= 1.5, (ball, light, px_per_cm, error_cm)
        assert found.method == "spot"


@pytest.mark.parametrize("light", LIGHTS)
@pytest.mark.parametrize("shirt", ["navy", "yellow", "grey"])
def test_no_ball_no_spot(light: str, shirt: str) -> None:
    """Without a ball the back's outline, the arm and the head give no spot."""
    scene = _with_back(ball_at_wall(seed=5, px_per_cm=1.6, light=light, shirt=shirt,
                                    ball=False))
    assert detect_ball(scene.image, scene.hint) is None


def test_where_three_regions_meet_is_a_blend_not_a_ball() -> None:
    """Where shirt, trousers and wall meet, a blurred webcam picture holds a small even patch
    that differs from each of them, like a ball 2 px in radius; but its colour is a blend of
    two of them: no ball."""
    img = np.zeros((120, 120, 3), np.uint8)
    img[:, :] = (60, 120, 150)       # wall
    img[:60, :60] = (235, 235, 235)  # white shirt
    img[60:, :60] = (30, 30, 30)     # dark trousers
    img = cv2.GaussianBlur(img, (0, 0), 2.0)
    radius = 2.0
    contrast = spot_contrast(img, radius)
    iy, ix = np.unravel_index(int(np.argmax(contrast)), contrast.shape)
    assert abs(ix - 60) <= 4 and abs(iy - 60) <= 4  # the corner
    assert contrast[iy, ix] > MIN_SPOT_CONTRAST  # by contrast alone it would pass
    lab = cv2.GaussianBlur(cv2.cvtColor(img, cv2.COLOR_BGR2LAB).astype(np.float32),
                           (0, 0), 0.6)
    assert unmixed(lab, ix, iy, radius) < 0.2 * MIN_SPOT_CONTRAST
    hint = BodyHint(shoulder_px=np.array([45.0, 10.0]), hip_px=np.array([45.0, 110.0]),
                    px_per_cm=radius / (0.85 * 3.3), lying=False,
                    back_normal=np.array([1.0, 0.0]))
    assert detect_ball(img, hint) is None


def test_the_track_holds_against_an_equal_ball_elsewhere() -> None:
    """A second, equal ball appears behind the back: the tracked one is kept."""
    def frame(balls: tuple[int, ...]) -> np.ndarray:
        img = np.full((200, 200, 3), (200, 200, 205), np.uint8)
        cv2.rectangle(img, (60, 20), (99, 190), (90, 40, 25), -1)  # the back; wall at right
        for y in balls:
            cv2.circle(img, (103, y), 4, (40, 40, 200), -1, cv2.LINE_AA)
        return cv2.GaussianBlur(img, (0, 0), 0.8)  # a webcam's blur

    hint = BodyHint(shoulder_px=np.array([80.0, 40.0]), hip_px=np.array([80.0, 180.0]),
                    px_per_cm=1.2, lying=False, back_normal=np.array([1.0, 0.0]))
    for y in (70, 130):
        tracker = BallTracker()
        first = tracker.update(frame((y,)), hint, 0.0)
        assert first is not None and abs(first.center_px[1] - y) < 2.0
        for k in range(1, 4):
            found = tracker.update(frame((70, 130)), hint, 0.07 * k)
            assert found is not None and abs(found.center_px[1] - y) < 2.0, (y, k)


def test_back_normal_must_be_a_unit_vector() -> None:
    with pytest.raises(ValueError, match="back_normal"):
        BodyHint(shoulder_px=np.array([0.0, 0.0]), hip_px=np.array([0.0, 10.0]),
                 px_per_cm=1.0, lying=False, back_normal=np.array([2.0, 0.0]))
    with pytest.raises(ValueError, match="back_normal"):
        find_spot(np.zeros((20, 20, 3), np.uint8),
                  BodyHint(shoulder_px=np.array([0.0, 0.0]), hip_px=np.array([0.0, 10.0]),
                           px_per_cm=1.0, lying=False), np.array([0.0, 0.5]))


@pytest.mark.parametrize("size", [1.0, 2.3])
def test_a_round_thing_larger_than_a_ball_is_not_one(size: float) -> None:
    """A disc at the back the size of a ball is found; one 2.3 times larger (the end of a
    foam roller, a fist, a head) is not taken for the ball."""
    img = np.full((200, 200, 3), (200, 200, 205), np.uint8)
    cv2.rectangle(img, (40, 20), (99, 190), (90, 40, 25), -1)  # the back; wall at the right
    px_per_cm = 1.5
    radius = 3.3 * px_per_cm * size
    cv2.circle(img, (int(round(100 + 0.3 * radius)), 100), int(round(radius)), (40, 40, 200),
               -1, cv2.LINE_AA)
    img = cv2.GaussianBlur(img, (0, 0), 0.8)
    hint = BodyHint(shoulder_px=np.array([80.0, 40.0]), hip_px=np.array([80.0, 180.0]),
                    px_per_cm=px_per_cm, lying=False, back_normal=np.array([1.0, 0.0]))
    found = detect_ball(img, hint)
    if size == 1.0:
        assert found is not None and abs(found.center_px[1] - 100) < 1.5 * px_per_cm
    else:
        assert found is None


@pytest.mark.parametrize("behind_cm", [4.5, 9.0])
def test_the_neck_is_not_a_ball_but_a_ball_behind_it_is(behind_cm: float) -> None:
    """A small even patch 4.5 cm behind the shoulder → ear line is the neck's skin between
    the shirt, the hair and the wall; the same patch 9 cm behind it is a ball at the neck."""
    px_per_cm = 1.5
    img = np.full((200, 200, 3), (200, 200, 205), np.uint8)  # wall
    cv2.rectangle(img, (40, 90), (99, 190), (40, 40, 190), -1)  # red shirt; wall at right
    shoulder, head = np.array([80.0, 95.0]), np.array([80.0, 50.0])
    spot = (int(round(80 + behind_cm * px_per_cm)), 80)
    cv2.circle(img, spot, int(round(3.3 * px_per_cm)), (120, 150, 205), -1, cv2.LINE_AA)
    img = cv2.GaussianBlur(img, (0, 0), 0.8)
    hint = BodyHint(shoulder_px=shoulder, hip_px=np.array([80.0, 185.0]),
                    px_per_cm=px_per_cm, lying=False, head_px=head,
                    back_normal=np.array([1.0, 0.0]))
    found = detect_ball(img, hint)
    if behind_cm < 6.5:
        assert found is None
    else:
        assert found is not None and np.hypot(*(found.center_px - spot)) < 1.5 * px_per_cm



@pytest.mark.parametrize("shirt", ["red", "navy", "green"])
@pytest.mark.parametrize("light", ["normal", "warm"])
def test_a_ball_the_colour_of_the_shirt_is_found_against_the_wall(shirt: str,
                                                                  light: str) -> None:
    """A ball dyed like the shirt touches the back in a colour nothing tells apart; away from
    the back it still differs from the wall and the gap on either side. Found within the
    1.5 cm target at 1.2 and 2 px/cm, mirrored or not (the contrast all around missed it).
    (A yellow ball on a yellow shirt in warm light is left out: the warm-lit near-white wall
    is then close to the ball's colour too.)"""
    for i, px_per_cm in enumerate((1.2, 2.0)):
        scene = _with_back(ball_at_wall(seed=11 + i, px_per_cm=px_per_cm, light=light,
                                        hidden=0.25, mirror=i == 1, shirt=shirt,
                                        ball_bgr=SHIRTS[shirt]), mirror=i == 1)
        found = detect_ball(scene.image, scene.hint)
        assert found is not None, (shirt, light, px_per_cm)
        error_cm = float(np.hypot(*(found.center_px - scene.center))) / px_per_cm
        assert error_cm <= 1.5, (shirt, light, px_per_cm, error_cm)


def _back_against_wall(top_y: int) -> tuple[np.ndarray, BodyHint]:
    """A navy back at the left of a near-white wall whose top edge (the top of the shoulder,
    a convex corner against the wall) is at ``top_y``; shoulders at y 95, ear at y 50."""
    img = np.full((200, 200, 3), (200, 200, 205), np.uint8)
    cv2.rectangle(img, (40, top_y), (99, 190), (90, 40, 25), -1)
    hint = BodyHint(shoulder_px=np.array([80.0, 95.0]), hip_px=np.array([80.0, 185.0]),
                    px_per_cm=1.5, lying=False, head_px=np.array([75.0, 50.0]),
                    back_normal=np.array([1.0, 0.0]))
    return img, hint


def test_the_top_of_the_shoulder_is_not_a_ball() -> None:
    """The corner where the top of the shoulder meets the wall differs from the wall on
    every side away from the back but one: the back's outline runs on below it. A ball of
    the shirt's colour sitting on that outline is found."""
    img, hint = _back_against_wall(top_y=88)
    assert detect_ball(cv2.GaussianBlur(img, (0, 0), 0.8), hint) is None
    ball = (int(round(99 + 3.3 * 1.5 * 0.7)), 130)
    cv2.circle(img, ball, int(round(3.3 * 1.5)), (90, 40, 25), -1, cv2.LINE_AA)
    found = detect_ball(cv2.GaussianBlur(img, (0, 0), 0.8), hint)
    assert found is not None and np.hypot(*(found.center_px - ball)) < 1.5 * 1.5


def test_the_back_of_the_head_is_not_a_ball() -> None:
    """Hair gathered behind the head toward the wall, above the ear, ball-sized and darker
    than the wall, is the back of the head: no ball. The same knot below the ear, on the
    neck, is taken for a ball there (the neck is where a ball may sit)."""
    for knot_y, is_ball in ((66, False), (86, True)):
        img, hint = _back_against_wall(top_y=100)
        hint = replace(hint, head_px=np.array([75.0, 75.0]))  # the head bowed: ear low
        cv2.ellipse(img, (78, 72), (14, 12), 0, 0, 360, (30, 40, 60), -1, cv2.LINE_AA)
        cv2.circle(img, (96, knot_y), 5, (30, 40, 60), -1, cv2.LINE_AA)
        found = detect_ball(cv2.GaussianBlur(img, (0, 0), 0.8), hint)
        assert (found is not None) == is_ball, knot_y


def _on_the_floor(seed: int, ball: bool, colour: str, px_per_cm: float = 2.0,
                  shade: float = 0.0) -> tuple[np.ndarray, BodyHint, np.ndarray]:
    """Lying on a mat seen from the side by a camera near floor level, a ball under the upper
    back: the room's wall shows through the gap between back and mat on either side of the
    ball, the mat (another colour) lies under it, and the shirt is the ball's own colour.
    ``shade`` in [0, 1) blends the ball's colour toward the gap's grey (the back settling
    over it shades it). Returns the image, the hint (back toward the floor) and the ball's
    centre."""
    rng = np.random.default_rng(seed)
    s = px_per_cm
    img = np.zeros((H, W, 3), np.float32)
    img[:] = (130, 132, 128)  # the room's far wall
    img += 3.0 * rng.standard_normal((H, W, 1)).astype(np.float32)  # paint's grain
    hip, shoulder = np.array([200.0, 300.0]), np.array([200.0 + 47 * s, 300.0])
    radius = 3.35 * s
    # The back rests on the ball (its top hidden), the ball sinks a little into the mat.
    center = hip + 0.8 * (shoulder - hip) + np.array([0.0, 10.5 * s + radius * 0.6])
    mat_top = int(round(center[1] + 0.85 * radius))
    img[mat_top + int(8 * s):] = (90, 110, 120)  # the floor
    if ball:
        bgr = (1 - shade) * np.array(SHIRTS[colour]) + shade * np.array((130, 132, 128))
        draw_ball(img, rng, center, radius, tuple(int(v) for v in bgr))
    img[mat_top:mat_top + int(8 * s)] = (150, 50, 110)  # a purple mat, in front of the ball
    torso = np.zeros((H, W), np.uint8)
    cv2.ellipse(torso, tuple(int(v) for v in (hip + shoulder) / 2),
                (int(30 * s), int(10.5 * s)), 0, 0, 360, 1, -1)
    img[torso > 0] = SHIRTS[colour]
    img[torso > 0] += 4.0 * rng.standard_normal((int(torso.sum()), 1)).astype(np.float32)
    head = shoulder + np.array([13 * s, -4 * s])
    cv2.circle(img, tuple(int(v) for v in head), int(9 * s), (120, 150, 200), -1, cv2.LINE_AA)
    hint = BodyHint(shoulder_px=shoulder, hip_px=hip, px_per_cm=s, lying=True,
                    head_px=head, back_normal=np.array([0.0, 1.0]))
    return camera(img, rng), hint, center


@pytest.mark.parametrize("colour", ["red", "navy", "yellow"])
def test_a_ball_the_colour_of_the_shirt_is_found_on_the_floor(colour: str) -> None:
    """Issue 11 (a pink ball under a pink shirt on a purple mat was never found on dev): on
    the floor, what lies away from the back is two surfaces, the mat under the ball and the
    room seen through the gap at its sides, not the one wall of a ball at a wall. The ball is
    found within the 1.5 cm target, and the same scene without a ball has none. (The dark
    green shirt is left out: against the grey wall its ball differs by about the least
    contrast a spot needs, MIN_SPOT_CONTRAST.)"""
    for seed in (1, 2):
        img, hint, center = _on_the_floor(seed, True, colour)
        found = detect_ball(img, hint)
        assert found is not None, (colour, seed)
        assert np.hypot(*(found.center_px - center)) / hint.px_per_cm <= 1.5, (colour, seed)
        img, hint, _ = _on_the_floor(seed, False, colour)
        assert detect_ball(img, hint) is None, (colour, seed)


def test_a_tracked_ball_that_grows_faint_keeps_its_track() -> None:
    """Issue 11: on the floor, a ball found at 15–22 ΔE read 10–15 for seconds once the back
    settled over it, below the contrast a new sighting needs; the track was lost and the coach
    said "The ball dropped" with the ball on the back. Where the ball was a moment ago, less
    contrast keeps it (KEEP_SPOT_CONTRAST); the same faint spot is no ball for a tracker that
    has not seen it, until it has recurred there for a while (posecoach.props.ball_acquire)."""
    tracker, fresh = BallTracker(), BallTracker()
    for i in range(5):
        img, hint, _ = _on_the_floor(1 + i % 3, True, "red")
        assert tracker.update(img, hint, i / 15) is not None
    seen = 0
    for i in range(5, 35):
        img, hint, center = _on_the_floor(1 + i % 3, True, "red", shade=0.5)
        kept = tracker.update(img, hint, i / 15)
        assert kept is not None, i  # never lost (a frame at the edge may be held over)
        seen += kept.method.seen
        assert np.hypot(*(kept.center_px - center)) / hint.px_per_cm <= 1.5, i
        first_look = fresh.update(img, hint, i / 15)
        if (i - 5) / 15 < MIN_SPAN_S:
            assert first_look is None, i
    assert seen >= 0.6 * 30
