"""Foam-roller analyzer from landmark fixtures: zones, speed, passes, sets, form."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posecoach.coach import Coach, CoachState
from posecoach.exercises.roller import (
    NECK_LIMIT_FRACTION,
    SPINE_LINE_SIGMA_CM,
    T12_FRACTION,
    RollerAnalyzer,
    RollState,
    Zone,
    head_hang_deg,
    knee_angle_deg,
    zone_of,
)
from posecoach.geometry import BodyPosture, body_geometry
from tests.factories import coached_cues, make_lying_pose, roller_contact

FPS = 15.0


def bad(reading, key):
    """Whether check ``key`` is bad; fails when it is missing or has no value, so "not bad"
    cannot pass because the check was not judged."""
    check = next(c for c in reading.checks if c.key == key)
    verdict = check.is_bad(False)
    assert verdict is not None, f"{key} was not judged"
    return verdict


@pytest.mark.parametrize(("fraction", "zone"), [
    (0.2, Zone.LUMBAR), (T12_FRACTION - 0.01, Zone.LUMBAR), (0.7, Zone.THORACIC),
    (0.95, Zone.THORACIC), (NECK_LIMIT_FRACTION + 0.01, Zone.CERVICAL), (1.12, Zone.CERVICAL)])
def test_zone_of(fraction, zone):
    assert zone_of(fraction) is zone


@given(st.floats(-0.5, 1.6))
def test_zones_are_ordered_along_the_spine(fraction):
    order = [Zone.LUMBAR, Zone.THORACIC, Zone.CERVICAL]
    assert order.index(zone_of(fraction)) <= order.index(zone_of(fraction + 0.05))


def test_the_fixture_is_lying():
    assert body_geometry(make_lying_pose()).posture is BodyPosture.LYING


def roll(analyzer, positions_fraction, start_t=0.0, method="colour", **pose_kwargs):
    pose = make_lying_pose(**pose_kwargs)
    geometry = body_geometry(pose)
    readings = []
    for i, fraction in enumerate(positions_fraction):
        readings.append(analyzer.update(pose, geometry, roller_contact(pose, fraction), method,
                                        start_t + i / FPS))
    return readings


def sweep(low, high, cm_per_s, seconds, trunk_cm=47.5):
    """Fractions of a back-and-forth roll between two fractions at a constant speed."""
    span = high - low
    step = cm_per_s / trunk_cm / FPS
    fractions, f, direction = [], low, 1
    for _ in range(int(seconds * FPS)):
        fractions.append(f)
        f += direction * step
        if f > high or f < low:
            direction = -direction
            f = min(max(f, low), high)
    assert span > 0
    return fractions


def test_position_maps_to_the_spine_fraction_and_zone():
    reading = roll(RollerAnalyzer(), [0.8])[-1]
    assert reading.fraction == pytest.approx(0.8, abs=1e-6)
    assert reading.zone is Zone.THORACIC
    assert reading.position_cm == pytest.approx(0.8 * 47.5)


@pytest.mark.parametrize("speed", [5.0, 10.0, 25.0])
def test_speed_along_the_spine_is_measured(speed):
    readings = roll(RollerAnalyzer(), sweep(0.55, 1.0, speed, 6.0))
    speeds = [r.speed_cm_s for r in readings if r.speed_cm_s is not None]
    median = sorted(speeds)[len(speeds) // 2]
    assert median == pytest.approx(speed, rel=0.2)
    too_fast = [bad(r, "roller.too_fast") for r in readings[30:]]
    if speed > 15:
        assert sum(too_fast) > 0.7 * len(too_fast)
    else:
        assert not any(too_fast)


def test_passes_are_counted_per_direction_change():
    # 0.55 → 1.0 is 21 cm; at 10 cm/s a pass takes ~2.1 s: 12 s ≈ 5 reversals.
    readings = roll(RollerAnalyzer(), sweep(0.55, 1.0, 10.0, 12.0))
    assert 4 <= readings[-1].passes <= 6


def test_jitter_alone_is_not_rolling_or_passes():
    import numpy as np

    rng = np.random.default_rng(1)
    fractions = list(0.8 + rng.normal(0, 0.01, 90))  # ±0.5 cm detector jitter, held still
    readings = roll(RollerAnalyzer(), fractions)
    assert readings[-1].passes == 0
    assert readings[-1].state is RollState.HOLDING
    # Held still, the speed is not even measured (jitter is not movement): never too fast.
    speeds = [next(c for c in r.checks if c.key == "roller.too_fast") for r in readings]
    assert all(c.value is None or not c.is_bad(False) for c in speeds)
    assert readings[-1].speed_cm_s is None or readings[-1].speed_cm_s < 2.0


def test_lumbar_and_cervical_are_safety_problems():
    analyzer = RollerAnalyzer()
    assert bad(roll(analyzer, [0.4])[-1], "roller.lumbar")
    assert not bad(roll(analyzer, [0.8], start_t=1)[-1], "roller.lumbar")
    assert bad(roll(analyzer, [1.2], start_t=2)[-1], "roller.cervical")


def test_hidden_roller_positions_are_shown_but_not_judged():
    reading = roll(RollerAnalyzer(), [0.4], method="body_pivot")[-1]
    assert reading.fraction == pytest.approx(0.4)
    lumbar = next(c for c in reading.checks if c.key == "roller.lumbar")
    assert lumbar.value is None


def test_roller_seen_but_contact_unknown_says_so_and_judges_no_zone():
    # Issue 11: an oblique roller whose axis cannot be read gives no contact; the coach
    # says it cannot see the roller well rather than judging a guessed zone, and the set
    # keeps running (the person is still rolling).
    analyzer = RollerAnalyzer()
    before = roll(analyzer, [0.8] * 10)[-1]
    pose = make_lying_pose()
    reading = analyzer.update(pose, body_geometry(pose), None, "colour", 10 / FPS)
    assert reading.state is RollState.UNSEEN and reading.on_roller
    assert reading.fraction is None and reading.zone is None
    zone_checks = [c for c in reading.checks if c.key in ("roller.lumbar", "roller.cervical")]
    assert zone_checks and all(c.value is None for c in zone_checks)
    assert reading.sets == before.sets and reading.set_s > before.set_s
    gone = analyzer.update(pose, body_geometry(pose), None, "", 11 / FPS)
    assert gone.state is RollState.RESTING


def _zone_checks(reading):
    return {c.key: c.value for c in reading.checks
            if c.key in ("roller.lumbar", "roller.cervical")}


@pytest.mark.parametrize("border", [T12_FRACTION, NECK_LIMIT_FRACTION])
def test_contact_that_may_lie_either_side_of_a_border_gives_no_zone(border):
    # Issue 11: a contact read from the end cap alone is known to ~5 cm along the spine; 3 cm
    # past the neck (or lower-back) border it may still be on the upper back, so that border
    # is not judged ("can't tell", no confident wrong zone), and no safety cue comes of it.
    past = border + (3.0 / 47.5 if border == NECK_LIMIT_FRACTION else -3.0 / 47.5)
    analyzer = RollerAnalyzer()
    pose = make_lying_pose()
    geometry = body_geometry(pose)
    readings = [analyzer.update(pose, geometry, roller_contact(pose, past), "colour", i / FPS,
                                contact_sigma_cm=5.0) for i in range(60)]
    key = "roller.cervical" if border == NECK_LIMIT_FRACTION else "roller.lumbar"
    assert all(_zone_checks(r)[key] is None for r in readings)
    assert all(r.zone is None and r.fraction == pytest.approx(past) for r in readings)
    state, cues = CoachState(), []
    coach = Coach()
    for i, r in enumerate(readings):
        state, decision = coach.step(state, i / FPS, r.checks, True)
        cues.append(decision.cue.key if decision.cue else None)
    assert key not in cues


@pytest.mark.parametrize("sigma_cm", [0.0, 2.0, 5.0])
def test_contact_past_a_border_by_more_than_its_uncertainty_is_judged(sigma_cm):
    analyzer = RollerAnalyzer()
    pose = make_lying_pose()
    geometry = body_geometry(pose)
    # The margin is the contact's uncertainty with the spine line's own added.
    margin_cm = math.hypot(sigma_cm, SPINE_LINE_SIGMA_CM) if sigma_cm > 0 else 0.0
    neck = NECK_LIMIT_FRACTION + (margin_cm + 1.0) / 47.5
    reading = analyzer.update(pose, geometry, roller_contact(pose, neck), "colour", 0.0,
                              contact_sigma_cm=sigma_cm)
    assert bad(reading, "roller.cervical") and reading.zone is Zone.CERVICAL
    upper_back = analyzer.update(pose, geometry, roller_contact(pose, 0.8), "colour", 0.1,
                                 contact_sigma_cm=sigma_cm)
    assert not bad(upper_back, "roller.cervical") and not bad(upper_back, "roller.lumbar")
    assert upper_back.zone is Zone.THORACIC


def test_head_hanging_back_without_hands_is_flagged():
    pose = make_lying_pose(head_hang_deg=30)
    assert head_hang_deg(pose, body_geometry(pose)) == pytest.approx(30, abs=1)
    assert bad(roll(RollerAnalyzer(), [0.8], head_hang_deg=30)[-1], "roller.head")
    assert not bad(roll(RollerAnalyzer(), [0.8], head_hang_deg=30,
                        hands_behind_head=True)[-1], "roller.head")
    assert not bad(roll(RollerAnalyzer(), [0.8], head_hang_deg=5)[-1], "roller.head")


def test_straight_legs_are_flagged():
    pose = make_lying_pose(knee_deg=170)
    assert knee_angle_deg(pose, body_geometry(pose)) == pytest.approx(170, abs=1)
    assert bad(roll(RollerAnalyzer(), [0.8], knee_deg=170)[-1], "roller.knees")
    assert not bad(roll(RollerAnalyzer(), [0.8], knee_deg=90)[-1], "roller.knees")


def test_set_timer_runs_on_the_roller_and_a_long_break_starts_a_new_set():
    analyzer = RollerAnalyzer()
    readings = roll(analyzer, sweep(0.6, 0.95, 8.0, 30.0))
    assert readings[-1].sets == 1 and readings[-1].set_s == pytest.approx(30.0, abs=0.2)
    pose = make_lying_pose()
    off = analyzer.update(pose, body_geometry(pose), None, "", 30.5)
    assert off.state is RollState.RESTING
    again = roll(analyzer, [0.8, 0.8], start_t=45.0)[-1]
    assert again.sets == 2 and again.set_s < 1.0


def test_too_fast_rolling_is_coached_within_3_s():
    coach, state = Coach(), CoachState()
    analyzer = RollerAnalyzer()
    shown_at = None
    fractions = sweep(0.55, 1.0, 10.0, 6.0) + sweep(0.55, 1.0, 30.0, 6.0)
    pose = make_lying_pose()
    geometry = body_geometry(pose)
    for i, fraction in enumerate(fractions):
        t = i / FPS
        reading = analyzer.update(pose, geometry, roller_contact(pose, fraction), "colour", t)
        state, decision = coach.step(state, t, reading.checks, True)
        if t < 6.0:
            assert decision.cue is None or decision.cue.key != "roller.too_fast"
        elif decision.cue is not None and decision.cue.key == "roller.too_fast":
            shown_at = shown_at or t
    assert shown_at is not None and shown_at - 6.0 <= 3.0
    assert math.isfinite(shown_at)


def coach_scene(segments):
    """Runs the roller analyzer and the default coach over ``(seconds, fraction, method)``
    segments (fraction None: no roller found); returns ``(t, cue key)`` per frame."""
    analyzer = RollerAnalyzer()
    pose = make_lying_pose()
    geometry = body_geometry(pose)

    def read(t, fraction, method):
        contact = None if fraction is None else roller_contact(pose, fraction)
        return analyzer.update(pose, geometry, contact, method, t).checks

    return coached_cues(segments, read, FPS)


def test_scene_roller_back_on_the_upper_back_after_the_neck_clears_the_neck_cue():
    """Issue 11, stuck cues: "Move the roller down" stayed up for 12 s after the roller was back
    on the upper back. A new scene: the roller at the base of the neck for 3 s, then rolled
    down to the shoulder blades, where the arms hide it and its position is only inferred
    from the body (not judged) for 12 s."""
    frames = coach_scene([(3.0, 1.22, "colour"), (12.0, 0.8, "body_pivot")])
    assert any(key == "roller.cervical" for t, key in frames if t < 3.0)
    for t, key in frames:
        if t >= 3.0 + 2.0:
            assert key is None, f"{t:.2f} s: {key} still shown"


def test_scene_a_lost_roller_withdraws_its_cues_at_once():
    frames = coach_scene([(3.0, 0.3, "colour"), (6.0, None, "")])
    assert frames[int(3.0 * FPS) - 1][1] == "roller.lumbar"
    assert all(key is None for t, key in frames if t >= 3.0)


def test_scene_head_hanging_while_the_roller_drops_out_of_sight_is_still_coached():
    """Issue 11, head hang missed: the arms unfold as the head falls back and hide the roller
    for a few frames now and then; the head is seen in the pose all along, so its check must
    not be withdrawn with the roller's (zone and pace) checks."""
    analyzer = RollerAnalyzer()
    resting, hanging = make_lying_pose(), make_lying_pose(head_hang_deg=32)

    def read(t, pose, fraction):
        geometry = body_geometry(pose)
        contact = None if fraction is None else roller_contact(pose, fraction)
        return analyzer.update(pose, geometry, contact, "colour" if contact is not None
                               else "", t).checks

    # 4 s rolling with the head at rest, then 4 s hanging: the roller seen 3 frames in 5.
    segments = [(4.0, resting, 0.8)]
    for _ in range(12):
        segments += [(0.2, hanging, 0.8), (2 / FPS, hanging, None)]
    frames = coached_cues(segments, read, FPS)
    assert any(key == "roller.head" for t, key in frames if t >= 4.0)
    # The roller's own checks still go with it: nothing about the zone is made up meanwhile.
    readings = [analyzer.update(hanging, body_geometry(hanging), None, "", 20.0 + i / FPS)
                for i in range(3)]
    zone = [c for c in readings[-1].checks if c.key in ("roller.lumbar", "roller.cervical")]
    assert zone and all(c.value is None for c in zone)


def roll_with_coach(fractions):
    coach, state, analyzer = Coach(), CoachState(), RollerAnalyzer()
    pose = make_lying_pose()
    geometry = body_geometry(pose)
    keys = []
    for i, fraction in enumerate(fractions):
        reading = analyzer.update(pose, geometry, roller_contact(pose, fraction), "colour",
                                  i / FPS)
        state, decision = coach.step(state, i / FPS, reading.checks, True)
        keys.append(decision.cue.key if decision.cue else None)
    return keys


def test_a_roller_dipping_past_t12_at_the_end_of_every_pass_is_caught():
    # 10 cm/s between 0.45 and 0.95: ~3 cm past T12 for ~0.7 s of every ~5 s cycle, never
    # 2 s in a row (the old rule's persistence), yet a roller on the lower back every pass.
    keys = roll_with_coach(sweep(0.45, 0.95, 10.0, 15.0))
    assert "roller.lumbar" in keys
    assert keys.index("roller.lumbar") / FPS < 11.0  # by the second pass over the lower back
    # The same rolling within the thoracic band is never told off.
    assert "roller.lumbar" not in roll_with_coach(sweep(0.58, 1.05, 10.0, 15.0))


def test_contact_switching_between_the_roller_ends_is_not_rolling_too_fast():
    # A roller seen obliquely: the detector takes its contact from one end, then the
    # other, which disagree by ~4 cm; one frame in three comes from the other end while
    # the person rolls at an easy 8 cm/s. That is not a 15 cm/s roll.
    offset = 4.0 / 47.5
    fractions = [f + (offset if i % 3 == 1 else 0.0)
                 for i, f in enumerate(sweep(0.6, 1.0, 8.0, 8.0))]
    readings = roll(RollerAnalyzer(), fractions)
    pace = [next(c for c in r.checks if c.key == "roller.too_fast") for r in readings]
    assert not any(c.value is not None and c.is_bad(False) for c in pace)
    speeds = [r.speed_cm_s for r in readings if r.speed_cm_s is not None]
    assert sorted(speeds)[len(speeds) // 2] == pytest.approx(8.0, rel=0.25)


def test_roller_moved_elsewhere_is_tracked_again_after_the_jump():
    # Put back 12 cm lower: a real move, not a detector jump; its speed is measured again.
    fractions = sweep(0.8, 0.95, 8.0, 3.0) + sweep(0.55, 0.7, 8.0, 3.0)
    readings = roll(RollerAnalyzer(), fractions)
    assert readings[-1].fraction == pytest.approx(fractions[-1])
    assert readings[-1].speed_cm_s == pytest.approx(8.0, rel=0.3)


def _head_sequence(analyzer, neutral_deg, hang_deg, neutral_s=3.0, hang_s=1.0):
    """Rolling with the head at ``neutral_deg`` (the face angle of this person's resting head),
    then letting it fall back to ``hang_deg``; the readings of the hang."""
    roll(analyzer, [0.8] * int(neutral_s * FPS), head_hang_deg=neutral_deg)
    return roll(analyzer, [0.8] * int(hang_s * FPS), start_t=neutral_s,
                head_hang_deg=hang_deg)


def test_head_falling_back_is_counted_from_the_persons_own_resting_head():
    # Issue 11: "head hanging off the end of the roller was missed". The pose model puts the
    # nose of a head in line with the trunk below the ear by a per-person amount (here the
    # resting face angle is -15°): a 22° fall to +7° stays under 20° from the trunk line.
    readings = _head_sequence(RollerAnalyzer(), neutral_deg=-15, hang_deg=7)
    assert bad(readings[-1], "roller.head")
    # A 16° fall (a near miss) is not a hang.
    readings = _head_sequence(RollerAnalyzer(), neutral_deg=-15, hang_deg=1)
    assert not bad(readings[-1], "roller.head")
    # Hands behind the head support it, whatever the angle.
    analyzer = RollerAnalyzer()
    roll(analyzer, [0.8] * 45, head_hang_deg=-15)
    reading = roll(analyzer, [0.8] * 15, start_t=3.0, head_hang_deg=10,
                   hands_behind_head=True)[-1]
    assert not bad(reading, "roller.head")


def test_a_head_hanging_from_the_start_is_judged_from_the_trunk_line():
    # The learned resting head never sits above the trunk line: hanging all along is a hang.
    readings = roll(RollerAnalyzer(), [0.8] * int(5 * FPS), head_hang_deg=28)
    assert all(bad(r, "roller.head") for r in readings)


def test_the_resting_head_is_learned_while_lying_before_the_roller_is_coached():
    # The roller may be found only seconds after the person lies down; a head that falls
    # back in the first moments on it is judged from the head seen while lying before.
    analyzer = RollerAnalyzer()
    resting = make_lying_pose(head_hang_deg=-15)
    geometry = body_geometry(resting)
    for i in range(int(3 * FPS)):
        analyzer.observe_head(resting, geometry, i / FPS)
    reading = roll(analyzer, [0.8], start_t=3.0, head_hang_deg=7)[-1]
    assert bad(reading, "roller.head")
    # Observing someone sitting teaches nothing.
    analyzer = RollerAnalyzer()
    sitting = make_lying_pose(head_hang_deg=-15, tilt_deg=80)
    assert body_geometry(sitting).posture is not BodyPosture.LYING
    for i in range(int(3 * FPS)):
        analyzer.observe_head(sitting, body_geometry(sitting), i / FPS)
    assert not bad(roll(analyzer, [0.8], start_t=3.0, head_hang_deg=7)[-1], "roller.head")


# Pace that holds on unseen footage (issue 11): judged while the roller is tracked, prompt.

def test_scene_neck_roller_missed_for_a_frame_now_and_then_is_still_cued_in_time():
    """Dev roller-plain-932704: the roller at the base of the neck, its contact unreadable on
    one frame (an orange roller under an orange shirt), after which the tracker held that
    unreadable roller for a frame ("hold" with no contact). The held frame was taken for a
    lost roller, which withdrew the neck problem and restarted its evidence, so the cue came
    1.7 s late. A new scene of that kind: every 0.5 s one unreadable and one held frame."""
    fault = [(0.5, 1.22, "colour"), (1 / FPS, None, "colour"), (1 / FPS, None, "hold")]
    frames = coach_scene([(2.0, 0.8, "colour"), *fault * 6])
    neck = [t for t, key in frames if key == "roller.cervical"]
    assert neck and neck[0] - 2.0 <= 1.5, f"neck cue at {neck[:1]} (fault from 2.0 s)"


def pace_scene(segments, trunk_cm=47.5, hold_every=0):
    """The roller analyzer (``trunk_cm`` hip–shoulder length) and the default coach over
    ``(seconds, cm_per_s)`` segments of back-and-forth rolling between 0.6 and 1.0 of the
    trunk (0: held still); with ``hold_every`` = n, every n-th frame is a held-over detection
    (the tracker's "hold", as when the roller is missed for a frame). Returns ``(t, cue key,
    reading)`` per frame."""
    coach, state = Coach(), CoachState()
    analyzer = RollerAnalyzer(trunk_cm)
    pose = make_lying_pose()
    geometry = body_geometry(pose)
    out, t, f, direction, i = [], 0.0, 0.6, 1, 0
    for seconds, speed in segments:
        for _ in range(int(round(seconds * FPS))):
            held = hold_every and i % hold_every == hold_every - 1
            reading = analyzer.update(pose, geometry, roller_contact(pose, f),
                                      "hold" if held else "colour", t)
            state, decision = coach.step(state, t, reading.checks, True)
            out.append((t, decision.cue.key if decision.cue else None, reading))
            f += direction * speed / trunk_cm / FPS
            if not 0.6 <= f <= 1.0:
                direction, f = -direction, min(max(f, 0.6), 1.0)
            t += 1 / FPS
            i += 1
    return out


def test_a_2_s_fast_stretch_is_answered_within_1_5_s_with_a_roller_missed_now_and_then():
    """A 60 cm trunk rolling at 25 cm/s for 2 s between easy 8 cm/s rolling; the tracker
    misses the roller on one frame in four (held-over positions). The pace stays judged
    through those frames, so "Slow down" comes ≤ 1.5 s into the fast stretch (it used to
    restart its estimate on every missed frame and never got there)."""
    frames = pace_scene([(4.0, 8.0), (2.0, 25.0), (4.0, 8.0)], trunk_cm=60.0, hold_every=4)
    shown = [t for t, key, _ in frames if key == "roller.too_fast"]
    assert shown and 4.0 <= shown[0] <= 4.0 + 1.5
    assert all(r.speed_cm_s is not None for t, _, r in frames if 1.0 <= t)


def test_slow_down_leaves_well_within_2_s_of_slowing():
    """Fast passes for 4 s, then easy rolling: the cue must be gone ≤ 2 s after the
    slow-down on real footage, where the landmarks lag the body by ~0.15 s (dev split) and the
    detector misses frames; on clean positions it goes within 1.5 s (the speed over the last
    1.5 s used to remember the passes and kept it ~1.9 s here, 2.7 s on a dev clip)."""
    frames = pace_scene([(3.0, 8.0), (4.0, 25.0), (5.0, 8.0)])
    assert any(key == "roller.too_fast" for t, key, _ in frames if t < 7.0)
    assert all(key != "roller.too_fast" for t, key, _ in frames if t >= 7.0 + 1.5)


def test_near_miss_rolling_stays_quiet():
    """Rolling at 12 cm/s (0.8 of the limit, a near miss) with missed frames is never told
    to slow down."""
    frames = pace_scene([(10.0, 12.0)], hold_every=4)
    assert all(key != "roller.too_fast" for _, key, _ in frames)


def test_the_pace_is_known_from_the_first_coached_frame():
    """While the selector still weighs the roller (not yet coached) the analyzer follows its
    movement, so a fast roll is judged from the first frame of roller mode, not 0.3 s later."""
    analyzer = RollerAnalyzer()
    pose = make_lying_pose()
    geometry = body_geometry(pose)
    fractions = sweep(0.6, 1.0, 25.0, 1.0)
    for i, fraction in enumerate(fractions):
        analyzer.observe_pace(geometry, roller_contact(pose, fraction), True, i / FPS)
    t = len(fractions) / FPS
    first = analyzer.update(pose, geometry, roller_contact(pose, fractions[-1] + 0.03),
                            "colour", t)
    assert first.speed_cm_s is not None and first.speed_cm_s > 15.0


def test_a_frame_without_the_roller_does_not_drop_slow_down():
    """Rolling fast with "Slow down" on screen, the detector misses the roller entirely for
    two frames: the pace stands for that gap and the cue stays (every roller check used to be
    withdrawn at once, taking the cue down and restarting its evidence)."""
    coach, state = Coach(), CoachState()
    analyzer = RollerAnalyzer()
    pose = make_lying_pose()
    geometry = body_geometry(pose)
    keys = []
    for i, fraction in enumerate(sweep(0.6, 1.0, 25.0, 5.0)):
        missed = 60 <= i < 62
        contact = None if missed else roller_contact(pose, fraction)
        reading = analyzer.update(pose, geometry, contact, "" if missed else "colour", i / FPS)
        state, decision = coach.step(state, i / FPS, reading.checks, True)
        keys.append(decision.cue.key if decision.cue else None)
    assert keys[59] == "roller.too_fast"
    assert keys[60:64] == ["roller.too_fast"] * 4


def test_a_roller_whose_contact_cannot_be_told_still_has_a_pace():
    """An oblique roller whose axis is not seen has no contact (no zone is judged), but its
    end disc is seen: the pace is measured from it."""
    analyzer = RollerAnalyzer()
    pose = make_lying_pose()
    geometry = body_geometry(pose)
    readings = [analyzer.update(pose, geometry, None, "colour", i / FPS,
                                anchor_px=roller_contact(pose, f) + 40.0)
                for i, f in enumerate(sweep(0.6, 1.0, 25.0, 3.0))]
    assert readings[-1].state is RollState.UNSEEN
    assert readings[-1].zone is None
    assert bad(readings[-1], "roller.too_fast")


def rounded_passes(cm_per_s, seconds, low, high, trunk_cm=47.5, tau_s=0.15):
    """Fractions of back-and-forth passes whose turns are rounded and delayed as measured
    ones are (the pose model and the landmark smoothing: ~0.13 s behind on the dev split)."""
    alpha = 1.0 / (1.0 + tau_s * FPS)
    out, y = [], None
    for f in sweep(low, high, cm_per_s, seconds, trunk_cm):
        y = f if y is None else y + alpha * (f - y)
        out.append(y)
    return out


def run_coach(fractions):
    coach, state = Coach(), CoachState()
    analyzer = RollerAnalyzer()
    pose = make_lying_pose()
    geometry = body_geometry(pose)
    cues = []
    for i, fraction in enumerate(fractions):
        t = i / FPS
        reading = analyzer.update(pose, geometry, roller_contact(pose, fraction), "colour", t)
        state, decision = coach.step(state, t, reading.checks, True)
        cues.append((t, None if decision.cue is None else decision.cue.key))
    return cues


def test_short_fast_passes_with_rounded_turns_are_told_to_slow_down():
    """Issue 11 (rolling too fast): passes of ~0.65 s at 20 cm/s over 13 cm of the upper
    back, their turns rounded by the landmark smoothing: "Slow down" within 2.5 s, although
    the slopes that straddle each turn read ~12 cm/s (tests/test_motion.py)."""
    cues = run_coach([0.6] * int(2 * FPS) + rounded_passes(20.0, 6.0, 0.6, 0.6 + 13 / 47.5))
    shown = [t for t, key in cues if key == "roller.too_fast"]
    assert shown and shown[0] - 2.0 <= 2.5


def test_short_passes_just_under_the_limit_with_rounded_turns_stay_quiet():
    """The same short passes at 12 cm/s (a near miss): recognising turns does not push
    the pace over the limit."""
    cues = run_coach(rounded_passes(12.0, 10.0, 0.6, 0.6 + 13 / 47.5))
    assert all(key != "roller.too_fast" for _, key in cues)
