"""Ball analyzer from landmark fixtures: contact, zones, dwell, pace, pressure, lost ball."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from posecoach.coach import Coach, CoachState
from posecoach.exercises.ball import (
    DROP_MIN_CM,
    FAST_CM_S,
    BallAnalyzer,
    BallState,
    Surface,
)
from posecoach.geometry import body_geometry
from tests.factories import coached_cues, make_lying_pose, make_side_pose

FPS = 15.0


def standing_at_wall(lean_deg: float = 0.0):
    """Facing image-left with the wall behind (image right); leaning back tilts the whole
    straight body about the ankles toward the wall, as when walking the feet out."""
    pose = make_side_pose(neck_deg=10, lean_deg=0.0, facing=-1, sitting=False)
    ankle = pose.xy[27]
    r = np.radians(lean_deg)
    rot = np.array([[np.cos(r), -np.sin(r)], [np.sin(r), np.cos(r)]])  # tilts the top to +x
    return pose.with_xy((pose.xy - ankle) @ rot.T + ankle)


def ball_at(pose, fraction: float, behind_cm: float = 12.0) -> np.ndarray:
    geometry = body_geometry(pose)
    point = geometry.mid_hip + fraction * (geometry.mid_shoulder - geometry.mid_hip)
    return point + np.array([behind_cm * geometry.px_per_cm, 0.0])  # behind = image right


def run(analyzer, fractions, start_t=0.0, lean_deg=0.0, seen=True, behind_cm=12.0):
    pose = standing_at_wall(lean_deg)
    geometry = body_geometry(pose)
    return [analyzer.update(pose, geometry, ball_at(pose, f, behind_cm), seen, start_t + i / FPS)
            for i, f in enumerate(fractions)]


def check(reading, key):
    return next((c for c in reading.checks if c.key == key), None)


def bad(reading, key) -> bool:
    """Whether check ``key`` is bad; fails when it is missing or has no value, so "not bad"
    cannot pass because the check was not judged."""
    found = check(reading, key)
    assert found is not None, f"{key} not among {[c.key for c in reading.checks]}"
    verdict = found.is_bad(False)
    assert verdict is not None, f"{key} was not judged"
    return verdict


def test_setting_up_until_the_ball_rests_on_the_back():
    readings = run(BallAnalyzer(), [0.85] * 30)
    assert readings[0].state is BallState.SETTING_UP
    assert readings[0].checks == ()  # no corrective cue while setting up
    assert readings[-1].state is BallState.IN_CONTACT
    assert readings[-1].surface is Surface.WALL


def test_a_ball_far_from_the_back_is_not_in_contact():
    readings = run(BallAnalyzer(), [0.85] * 30, behind_cm=60)
    assert all(r.state is BallState.SETTING_UP for r in readings)


@pytest.mark.parametrize(("fraction", "key"), [(0.3, "ball.lumbar"), (1.25, "ball.neck")])
def test_lower_back_and_neck_are_safety_problems(fraction, key):
    reading = run(BallAnalyzer(), [fraction] * 30)[-1]
    assert bad(reading, key)
    upper = run(BallAnalyzer(), [0.85] * 30)[-1]
    assert not bad(upper, key)


def test_spot_timer_and_move_on_after_90_s():
    analyzer = BallAnalyzer()
    readings = run(analyzer, [0.85] * int(95 * FPS))
    assert readings[-1].spot_s == pytest.approx(95 - 1.0, abs=0.5)  # from when it settled
    assert bad(readings[-1], "ball.move_on")
    assert not bad(readings[int(60 * FPS)], "ball.move_on")
    moved = run(analyzer, [0.7] * 20, start_t=95.0)[-1]
    assert moved.spot_s < 2.0 and moved.spots == 2


def test_moving_fast_is_flagged_and_slow_is_not():
    def sweep(cm_per_s):
        """Settle at 0.85, then move back and forth between 0.6 and 1.0 (a triangle wave)."""
        step = cm_per_s / 47.5 / FPS
        phase = [(0.25 + i * step) % 0.8 for i in range(60)]  # starts where it settled
        return [0.85] * 30 + [0.6 + (p if p <= 0.4 else 0.8 - p) for p in phase]
    fast = run(BallAnalyzer(), sweep(25))
    slow = run(BallAnalyzer(), sweep(4))
    assert any(bad(r, "ball.too_fast") for r in fast[-30:])
    assert not any(bad(r, "ball.too_fast") for r in slow[-30:])
    assert FAST_CM_S == 10.0


def test_carrying_the_ball_to_the_next_spot_is_not_rushing():
    """Settled at 0.85, then carried one way down to 0.5 at 17 cm/s and held there: a
    transition between spots (issue 11, item 4), never "Slow down"; the same speed back and
    forth over a spot still is (the test above)."""
    step = 17.0 / 47.5 / FPS
    carry = [0.85 - step * i for i in range(1, int(0.35 / step) + 1)]
    readings = run(BallAnalyzer(), [0.85] * 30 + carry + [carry[-1]] * 45)
    fast = [r for r in readings if (c := check(r, "ball.too_fast")) is not None
            and c.is_bad(False)]
    assert not fast
    assert max(r.speed_cm_s or 0.0 for r in readings) > FAST_CM_S  # it did move that fast


def test_leaning_back_harder_than_at_the_start_raises_pressure():
    analyzer = BallAnalyzer()
    run(analyzer, [0.85] * int(5 * FPS), lean_deg=2)
    eased = run(analyzer, [0.85] * 10, start_t=5.0, lean_deg=4)[-1]
    pressed = run(analyzer, [0.85] * 10, start_t=6.0, lean_deg=18)[-1]
    assert not bad(eased, "ball.pressure")
    assert bad(pressed, "ball.pressure")
    assert pressed.pressure == pytest.approx(16, abs=2)


def test_a_dropped_ball_is_reported_and_clears_when_it_is_back():
    analyzer, coach, state = BallAnalyzer(), Coach(), CoachState()
    pose = standing_at_wall()
    geometry = body_geometry(pose)
    shown = []
    # Falling: two frames on its way down the back (9 cm), then gone.
    timeline = [0.85] * 45 + [0.75, 0.6] + [None] * 58 + [0.85] * 60
    for i, fraction in enumerate(timeline):
        t = i / FPS
        center = None if fraction is None else ball_at(pose, fraction)
        reading = analyzer.update(pose, geometry, center, fraction is not None, t)
        state, decision = coach.step(state, t, reading.checks, True)
        shown.append(decision.cue.key if decision.cue else None)
        if fraction is None and t > 3.5:
            assert reading.state is BallState.LOST
    lost_at = shown.index("ball.lost") / FPS
    assert 3.0 < lost_at <= 3.0 + 3.0  # within 3 s of the drop at 3 s
    assert "ball.lost" not in shown[-15:]


def test_placement_reminder_is_shown_once():
    analyzer, coach, state = BallAnalyzer(), Coach(), CoachState()
    pose = standing_at_wall()
    geometry = body_geometry(pose)
    keys = []
    for i in range(int(20 * FPS)):
        reading = analyzer.update(pose, geometry, ball_at(pose, 0.85), True, i / FPS)
        state, decision = coach.step(state, i / FPS, reading.checks, True)
        keys.append(decision.cue.key if decision.cue else None)
    appearances = sum(1 for a, b in zip([None, *keys], keys, strict=False)
                      if b == "ball.beside_spine" and a != b)
    assert appearances == 1


def ball_scene(segments):
    """The ball analyzer and the default coach over ``(seconds, fraction, seen)`` segments
    (fraction None: no ball found); returns ``(t, cue key)`` per frame."""
    analyzer = BallAnalyzer()
    pose = standing_at_wall()
    geometry = body_geometry(pose)

    def read(t, fraction, seen):
        center = None if fraction is None else ball_at(pose, fraction)
        return analyzer.update(pose, geometry, center, seen, t).checks

    return coached_cues(segments, read, FPS)


def test_scene_a_ball_that_drops_from_the_neck_says_it_dropped():
    """Issue 11, stuck cues: "Keep the ball off your neck" stayed up after the ball dropped,
    hiding "The ball dropped". A new scene: the ball on the neck for 4 s, then it falls."""
    frames = ball_scene([(4.0, 1.25, True), (2 / FPS, 1.05, True), (5.0, None, False)])
    assert any(key == "ball.neck" for t, key in frames if t < 4.0)
    gone = 4.0 + 2 / FPS
    after = [(t, key) for t, key in frames if t >= gone]
    assert all(key != "ball.neck" for _, key in after)
    assert all(key == "ball.lost" for t, key in after if t >= gone + 1.5)


def test_scene_a_hidden_ball_does_not_freeze_its_cue():
    """Issue 11: unjudged frames (prop hidden) froze the state. A new scene: the ball on the
    neck for 4 s, then hidden behind the shoulder (its last position held, not seen) for 6 s."""
    frames = ball_scene([(4.0, 1.25, True), (6.0, 1.25, False)])
    assert any(key == "ball.neck" for t, key in frames if t < 4.0)
    for t, key in frames:
        if t >= 4.0 + 2.0:
            assert key != "ball.neck", f"{t:.2f} s: still shown"


def test_a_push_soon_after_placing_the_ball_is_pressure():
    """Issue 11, pressure: a person who leans back hard 1.5 s after pinning the ball was never
    told (the start was learned over the first 3 s, push included). The start is the least
    lean seen on this placement."""
    analyzer = BallAnalyzer()
    run(analyzer, [0.85] * int(1.5 * FPS), lean_deg=3)
    pushed = run(analyzer, [0.85] * int(2 * FPS), start_t=1.5, lean_deg=17)
    assert bad(pushed[-1], "ball.pressure")
    assert pushed[-1].pressure == pytest.approx(14, abs=2)


def test_each_placement_has_its_own_start():
    """Issue 11: the pressure baseline resets for each placement. Placed upright, dropped,
    placed again from a stance leaning 9° back: that new stance is the start, not pressure."""
    analyzer = BallAnalyzer()
    run(analyzer, [0.85] * int(3 * FPS), lean_deg=1)
    pose = standing_at_wall(9)
    geometry = body_geometry(pose)
    for i in range(int(1.0 * FPS)):  # the ball is off the back for a second
        analyzer.update(pose, geometry, None, False, 3.0 + i / FPS)
    again = run(analyzer, [0.85] * int(4 * FPS), start_t=4.0, lean_deg=9)
    assert not bad(again[-1], "ball.pressure")
    harder = run(analyzer, [0.85] * int(1 * FPS), start_t=8.0, lean_deg=19)
    assert bad(harder[-1], "ball.pressure")


def knees_bent(drop_px: float):
    """At the wall with the feet 25 cm out, the trunk leaning 6° back; bending the knees
    lowers hips, trunk and head by ``drop_px`` (the back slides down the wall, its tilt
    unchanged) while the feet stay put."""
    pose = standing_at_wall(6)
    xy = pose.xy.copy()
    upper = [i for i in range(33) if i not in (25, 26, 27, 28, 29, 30, 31, 32)]
    feet = [27, 28, 29, 30, 31, 32]
    xy[feet] += np.array([-25.0 * body_geometry(pose).px_per_cm, 0.0])  # feet out, away
    xy[upper] += np.array([0.0, drop_px])
    xy[[25, 26]] = (xy[[23, 24]] + xy[[27, 28]]) / 2 + np.array([-40.0, 0.0])  # knees forward
    return pose.with_xy(xy)


def test_a_knee_bend_that_rolls_the_ball_is_not_pressure():
    """Issue 11: "a knee bend is not pressure". Rolling the ball up the back by bending the
    knees tilts the ankle → shoulder line but not the trunk, which is what leans on the ball."""
    analyzer = BallAnalyzer()
    readings = []
    for i in range(int(6 * FPS)):
        t = i / FPS
        drop = 0.0 if t < 2.0 else min(t - 2.0, 2.0) * 40.0  # 80 px ≈ 25 cm of knee bend
        pose = knees_bent(drop)
        geometry = body_geometry(pose)
        fraction = 0.7 + 0.1 * drop / 80.0  # the ball rolls up the back as the body sinks
        readings.append(analyzer.update(pose, geometry, ball_at(pose, fraction), True, t))
    assert not any(bad(r, "ball.pressure") for r in readings if r.pressure is not None)
    assert readings[-1].pressure is not None


def test_carrying_the_ball_off_the_neck_clears_the_cue_at_once():
    """Issue 11, clearing: "Keep the ball off your neck" stayed up while the ball was already
    being carried back down (≈ 2.5 s after the correction began). A carry toward the upper back
    is the correction: the cue goes within a second of it starting."""
    step = 8.0 / 47.5 / FPS  # an unhurried 8 cm/s carry
    carry = [1.3 - step * i for i in range(1, int(0.45 / step) + 1)]
    frames = ball_scene([(6.0, 1.3, True)] + [(1 / FPS, f, True) for f in carry]
                        + [(3.0, carry[-1], True)])
    start = 6.0
    assert any(key == "ball.neck" for t, key in frames if t < start)
    assert all(key != "ball.neck" for t, key in frames if t >= start + 1.0)


def test_a_ball_rocked_over_the_neck_line_is_not_a_carry():
    """Passes that cross onto the neck on every turn stay judged on each one: only a one-way
    carry ends the problem."""
    step = 12.0 / 47.5 / FPS
    phase = [(i * step) % 0.4 for i in range(int(8 * FPS))]
    rocking = [0.95 + (p if p <= 0.2 else 0.4 - p) * 1.5 for p in phase]  # 0.95 ↔ 1.25
    frames = ball_scene([(2.0, 0.9, True)] + [(1 / FPS, f, True) for f in rocking])
    assert any(key == "ball.neck" for t, key in frames if t > 4.0)


def test_slow_down_goes_soon_after_the_ball_stops():
    """Issue 11, clearing: "Slow down" stayed ~2.5 s after fast passes ended (the speed over
    the last 1.5 s remembers them). Once the ball is still, the cue goes within ~1.2 s."""
    step = 20.0 / 47.5 / FPS
    phase = [(0.25 + i * step) % 0.8 for i in range(int(5 * FPS))]
    passes = [0.6 + (p if p <= 0.4 else 0.8 - p) for p in phase]
    frames = ball_scene([(2.0, 0.85, True)] + [(1 / FPS, f, True) for f in passes]
                        + [(4.0, passes[-1], True)])
    stop = 2.0 + len(passes) / FPS
    assert any(key == "ball.too_fast" for t, key in frames if t < stop)
    assert all(key != "ball.too_fast" for t, key in frames if t >= stop + 1.2)


def test_a_ball_out_of_sight_for_a_moment_keeps_its_start():
    """The spot search loses a pinned ball for a few frames when the body moves over it (the
    hips lift off the floor, the back leans into the wall): that is the same placement, so the
    push is still measured from the stance before it."""
    analyzer = BallAnalyzer()
    run(analyzer, [0.85] * int(2 * FPS), lean_deg=2)
    pose = standing_at_wall(17)
    geometry = body_geometry(pose)
    for i in range(int(0.5 * FPS)):
        analyzer.update(pose, geometry, None, False, 2.0 + i / FPS)
    back = run(analyzer, [0.85] * int(2 * FPS), start_t=2.5, lean_deg=17)
    assert bad(back[-1], "ball.pressure")


def test_slow_down_goes_when_the_ball_moves_on_unhurried():
    """Fast passes, then an unhurried carry to the next spot at 7.5 cm/s (below the 10 cm/s
    limit, within the clearing band): "Slow down" goes within 2 s. The clearing threshold
    was 7 cm/s, 30 % under the limit, so a ball that kept moving at an easy pace kept the
    cue until it stopped."""
    step = 20.0 / 47.5 / FPS
    phase = [(0.25 + i * step) % 0.8 for i in range(int(4 * FPS))]
    passes = [0.6 + (p if p <= 0.4 else 0.8 - p) for p in phase]
    carry_step = 7.5 / 47.5 / FPS
    carry = [passes[-1] + carry_step * (i + 1) * (1 if passes[-1] < 0.8 else -1)
             for i in range(int(3 * FPS))]
    frames = ball_scene([(2.0, 0.85, True)] + [(1 / FPS, f, True) for f in passes + carry])
    stop = 2.0 + len(passes) / FPS
    assert any(key == "ball.too_fast" for t, key in frames if t < stop)
    assert all(key != "ball.too_fast" for t, key in frames if t >= stop + 2.0)


def _fast_passes(miss_every: int | None):
    step = 20.0 / 47.5 / FPS
    phase = [(0.25 + i * step) % 0.8 for i in range(int(4 * FPS))]
    passes = [0.6 + (p if p <= 0.4 else 0.8 - p) for p in phase]
    seen = [miss_every is None or i % miss_every != miss_every - 1 for i in range(len(passes))]
    return ball_scene([(2.0, 0.85, True)]
                      + [(1 / FPS, f, s) for f, s in zip(passes, seen, strict=True)])


def test_fast_passes_are_answered_within_1_5_s():
    """20 cm/s passes after a hold: "Slow down" within 1.5 s of their start (the coach's 1 s
    of evidence plus the pace's own ~0.5 s; the speed's 80th percentile over 1.5 s took
    ~1.9 s)."""
    shown = [t for t, key in _fast_passes(None) if key == "ball.too_fast"]
    assert shown and shown[0] <= 2.0 + 1.5


def test_fast_passes_stay_judged_through_frames_the_ball_is_not_found():
    """The spot search misses the ball on one frame in three while it is moved fast: those
    frames keep the last pace (they used to be unjudged, and the cue came 2.7 s in), so the
    cue still comes within 1.7 s (a third fewer positions make the pace ~0.2 s later)."""
    shown = [t for t, key in _fast_passes(3) if key == "ball.too_fast"]
    assert shown and shown[0] <= 2.0 + 1.7


def lying_on_ball(lift_cm: float, toe_down_cm: float = 0.0):
    """Lying with the ball under the upper back, the hips ``lift_cm`` off their start
    (hips, knees and thighs moved up, shoulders and feet where they were); the far foot's
    toe landmark reads ``toe_down_cm`` below the floor line (a flexed foot, landmark jitter)."""
    pose = make_lying_pose(tilt_deg=5.0)
    scale = body_geometry(make_lying_pose(tilt_deg=5.0)).px_per_cm
    xy = pose.xy.copy()
    xy[[23, 24, 25, 26]] += np.array([0.0, -lift_cm * scale])  # hips and knees up
    xy[32] += np.array([0.0, toe_down_cm * scale])  # the far foot's index
    return pose.with_xy(xy), scale


def test_on_the_floor_the_feet_landmarks_moving_is_not_a_hip_lift():
    """Issue 11: only the hips lifting off the floor is more weight on the ball. On the dev
    floor clips the lowest foot landmark sank a few pixels while the hips rose (heel and toe
    landmarks jitter, a heel blinks in and out of view), reading a 6 cm lift as 10 cm. A
    7 cm lift (within the 8–10 cm the range calls fine, docs/coaching.md §4) while the toe
    landmark reads 4 cm lower is not pressure; a 13 cm lift is. The hip landmarks rise ~1.5 cm
    more than the buttocks (dev ball_floor-plain-323979: a near-miss 8 cm lift raised the hip
    joints 10 cm), so 10.5 cm at the hips is still within the range."""
    for lift_cm, expected in ((7.0, False), (10.5, False), (13.0, True)):
        analyzer = BallAnalyzer()
        readings = []
        for i in range(int(5 * FPS)):
            t = i / FPS
            lifted = t >= 2.0
            pose, scale = lying_on_ball(lift_cm if lifted else 0.0, 4.0 if lifted else 0.0)
            geometry = body_geometry(pose)
            ball = geometry.mid_hip + 0.85 * (geometry.mid_shoulder - geometry.mid_hip)
            readings.append(analyzer.update(pose, geometry, ball + np.array([0.0, 10 * scale]),
                                            True, t))
        assert readings[-1].surface is Surface.FLOOR
        assert bad(readings[-1], "ball.pressure") is expected, lift_cm
        assert readings[-1].pressure == pytest.approx(lift_cm, abs=1.0)


def _floor_scene(segments):
    """The ball analyzer and the default coach over ``(seconds, lift_from_cm, lift_to_cm)``
    segments of someone lying on a ball under the upper back, the hips moving linearly from
    one height to the other (cm off where they come to rest); returns ``(t, cue key, reading)``."""
    analyzer, coach, state = BallAnalyzer(), Coach(), CoachState()
    out, t = [], 0.0
    for seconds, start_cm, end_cm in segments:
        n = int(round(seconds * FPS))
        for i in range(n):
            lift = start_cm + (end_cm - start_cm) * i / max(n - 1, 1)
            pose, scale = lying_on_ball(lift)
            geometry = body_geometry(pose)
            ball = geometry.mid_hip + 0.85 * (geometry.mid_shoulder - geometry.mid_hip)
            reading = analyzer.update(pose, geometry, ball + np.array([0.0, 10 * scale]), True, t)
            state, decision = coach.step(state, t, reading.checks, True)
            out.append((t, decision.cue.key if decision.cue else None, reading))
            t += 1 / FPS
    return out


def test_the_pressure_start_is_where_the_hips_come_to_rest_not_a_dip_on_the_way():
    """Dev ball_floor-plain-3000002: lying back onto the ball, the hips passed 10 cm below
    where they came to rest while the ball was already under the back; that dip became the
    start, the resting hips read as a 9.5 cm lift and "Ease off the pressure" stayed up after
    the lift ended. A new scene of that kind: the hips rise 10 cm into their rest over 1.5 s,
    rest 2 s, lift 15 cm for 2.5 s, come back down and rest."""
    frames = _floor_scene([(1.5, -10.0, 0.0), (2.0, 0.0, 0.0), (0.5, 0.0, 15.0),
                           (2.5, 15.0, 15.0), (0.5, 15.0, 0.0), (5.0, 0.0, 0.0)])
    back = 1.5 + 2.0 + 0.5 + 2.5 + 0.5
    assert any(key == "ball.pressure" for t, key, _ in frames if t < back)
    resting = [r.pressure for t, _, r in frames if t >= back + 1.0]
    assert max(resting) == pytest.approx(0.0, abs=1.0)
    late = [(round(t, 2), key) for t, key, _ in frames if t >= back + 2.0 and key is not None]
    assert not late, late


def test_a_ball_found_late_is_measured_from_where_the_hips_rested_before():
    """Dev ball_floor-second_person-698165: a faint ball under the back was only found (after
    a second of evidence) as the hips were already lifting, so the lifted hips became the
    start and a 13 cm lift went untold. A new scene of that kind: lying at rest for 2 s with
    the ball not yet found (the stage shows the analyzer the body), then the ball is found
    as the hips lift 14 cm, held for 2.5 s."""
    analyzer, coach, state = BallAnalyzer(), Coach(), CoachState()
    cues, t = [], 0.0
    for seconds, start_cm, end_cm, found in ((2.0, 0.0, 0.0, False), (0.6, 0.0, 14.0, True),
                                             (2.5, 14.0, 14.0, True)):
        n = int(round(seconds * FPS))
        for i in range(n):
            pose, scale = lying_on_ball(start_cm + (end_cm - start_cm) * i / max(n - 1, 1))
            geometry = body_geometry(pose)
            if not found:
                analyzer.watch(geometry, t)
            else:
                ball = geometry.mid_hip + 0.85 * (geometry.mid_shoulder - geometry.mid_hip)
                reading = analyzer.update(pose, geometry, ball + np.array([0.0, 10 * scale]),
                                          True, t)
                state, decision = coach.step(state, t, reading.checks, True)
                cues.append((t, decision.cue.key if decision.cue else None))
            t += 1 / FPS
    assert reading.pressure == pytest.approx(14.0, abs=1.5)
    told = [t for t, key in cues if key == "ball.pressure"]
    assert told and told[0] - 2.0 <= 2.0, told[:1]


def test_easing_off_to_just_under_the_limit_ends_the_pressure_cue():
    """Dev ball_wall-walk_in_wall-3000007: after leaning back hard, the person eased off to
    a lean 3–5° over the start, under the 7° limit; the cue waited for 3.5° and outlasted the
    fault by more than 2 s. A new scene: a 3° start, 20° for 3 s, then 8° (5° over the start)."""
    analyzer, coach, state = BallAnalyzer(), Coach(), CoachState()
    cues, t = [], 0.0
    for seconds, lean in ((2.0, 3.0), (3.0, 20.0), (5.0, 8.0)):
        for _ in range(int(seconds * FPS)):
            pose = standing_at_wall(lean)
            reading = analyzer.update(pose, body_geometry(pose), ball_at(pose, 0.85), True, t)
            state, decision = coach.step(state, t, reading.checks, True)
            cues.append((t, decision.cue.key if decision.cue else None))
            t += 1 / FPS
    assert any(key == "ball.pressure" for t, key in cues if t < 5.0)
    late = [round(t, 2) for t, key in cues if t >= 5.0 + 2.0 and key == "ball.pressure"]
    assert not late, late


def test_scene_a_ball_that_vanishes_in_place_is_out_of_sight_not_dropped():
    """Issue 11: "a ball on the back was declared dropped right after a walk-in". A new scene:
    the ball pinned at the upper back for 3 s, then the detector loses it where it was (no
    fall on the way), then finds it again. posecoach says it cannot see the ball (information)
    and never "The ball dropped" (a corrective cue), and that ends once the ball is seen."""
    frames = ball_scene([(3.0, 0.85, True), (4.0, None, False), (3.0, 0.85, True)])
    keys = [key for _, key in frames]
    assert "ball.lost" not in keys
    during = [key for t, key in frames if 3.0 + 1.5 <= t < 7.0]
    assert during and all(key == "ball.unseen" for key in during)
    assert all(key != "ball.unseen" for t, key in frames if t >= 7.0 + 1.5)


def test_a_ball_seen_off_the_back_is_dropped_even_without_a_fall():
    """Seen away from the back (on the floor by the feet), it has left the back: dropped."""
    analyzer, coach, state = BallAnalyzer(), Coach(), CoachState()
    pose = standing_at_wall()
    geometry = body_geometry(pose)
    floor = geometry.mid_hip + np.array([60.0 * geometry.px_per_cm, 80.0 * geometry.px_per_cm])
    shown = []
    for i in range(int(7 * FPS)):
        t = i / FPS
        on_back = t < 3.0
        center = ball_at(pose, 0.85) if on_back else floor
        reading = analyzer.update(pose, geometry, center, True, t)
        state, decision = coach.step(state, t, reading.checks, True)
        shown.append(decision.cue.key if decision.cue else None)
    assert reading.state is BallState.LOST
    assert shown[-1] == "ball.lost"
    assert "ball.unseen" not in shown


@given(drop_cm=st.floats(0.0, 30.0), frames_falling=st.integers(0, 3))
@settings(max_examples=40, deadline=None)
def test_dropped_or_unseen_follows_the_fall_before_the_loss(drop_cm, frames_falling):
    """Property: a ball that vanishes is told as dropped exactly when it went toward the hips
    by DROP_MIN_CM or more on its last frames on the back."""
    assume(abs(drop_cm - DROP_MIN_CM) > 1e-6)  # no float rounding at the limit
    analyzer = BallAnalyzer()
    pose = standing_at_wall()
    geometry = body_geometry(pose)
    start = 0.85
    fractions = [start] * int(2 * FPS)
    for k in range(1, frames_falling + 1):
        fractions.append(start - drop_cm / analyzer.shoulder_hip_cm * k / frames_falling)
    t = 0.0
    for t_index, fraction in enumerate(fractions):
        t = t_index / FPS
        analyzer.update(pose, geometry, ball_at(pose, fraction), True, t)
    reading = analyzer.update(pose, geometry, None, False, t + 1 / FPS)
    fell = frames_falling > 0 and drop_cm >= DROP_MIN_CM
    assert reading.state is (BallState.LOST if fell else BallState.UNSEEN)
