"""The coach, frame by frame: onset by evidence, hysteresis, stale and withdrawn checks,
exercise changes, priority, cooldown, repeats, away. Each sequence asserts at every step."""

from __future__ import annotations

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from posecoach.coach import Coach, CoachState
from posecoach.config import CoachSettings
from posecoach.stages import CoachStage
from posecoach.types import Check, Cue, FrameResult, Severity
from tests.factories import make_frame, make_pose, selected

FPS = 10.0
DT = 1 / FPS
SLOUCH = Cue("posture.slouch", "Sit tall")
NECK = Cue("posture.forward_head", "Head back")
LUMBAR = Cue("roller.lumbar", "Move the roller up", Severity.SAFETY)
CERVICAL = Cue("roller.cervical", "Move the roller down", Severity.SAFETY)
DARK = Cue("scene.dark", "More light", Severity.INFO)
S = CoachSettings()


def check(cue: Cue, value: float | None, onset: float = 10.0, clear: float = 6.0) -> Check:
    return Check(cue, value, onset, clear)


BAD, BAND, GOOD = 15.0, 8.0, 0.0  # past onset, between clear and onset, past clear


class Run:
    """Feeds the coach one frame at a time at FPS (default settings unless overridden)."""

    def __init__(self, **kwargs) -> None:
        self.coach = Coach(CoachSettings(**kwargs))
        self.state = CoachState()
        self.i = 0

    @property
    def t(self) -> float:
        return self.i / FPS

    def frame(self, checks=(), present=True, exercise=None):
        self.state, decision = self.coach.step(self.state, self.t, checks, present, exercise)
        self.i += 1
        return decision

    def frames(self, seconds, checks=(), present=True, exercise=None):
        return [self.frame(checks, present, exercise) for _ in range(round(seconds * FPS))]


def key(decision):
    return decision.cue.key if decision.cue else None


def keys(decisions):
    return [key(d) for d in decisions]


def frames_for(seconds: float) -> int:
    return round(seconds * FPS)


# --- onset by evidence -----------------------------------------------------------------------

@pytest.mark.parametrize(("cue", "min_s"), [(SLOUCH, S.form_min_s), (LUMBAR, S.safety_min_s),
                                             (DARK, S.info_min_s)])
def test_a_continuous_fault_is_shown_exactly_after_its_minimum(cue, min_s):
    run = Run()
    for i in range(frames_for(min_s)):
        assert run.frame([check(cue, BAD)]).cue is None, f"frame {i}: too early"
    first = run.frame([check(cue, BAD)])
    assert first.cue == cue and first.started == cue
    for _ in range(20):
        decision = run.frame([check(cue, BAD)])
        assert decision.cue == cue and decision.started is None  # said once, not every frame


def test_form_onset_leaves_room_for_measurement_lag():
    # Issue 11: median onset ≤ 1.5 s after the fault starts; the measured value lags the body
    # by a few tenths of a second, so the coach itself may take at most ~1 s.
    assert S.form_min_s <= 1.0 and S.safety_min_s <= 1.0


def test_a_glance_or_a_reach_is_never_shown():
    run = Run()
    for _ in range(10):  # a glance past the threshold, shorter than the minimum, then upright
        for decision in run.frames(S.form_min_s - 0.2, [check(SLOUCH, BAD)]):
            assert decision.cue is None and decision.active == ()
        for decision in run.frames(2.5, [check(SLOUCH, GOOD)]):
            assert decision.cue is None


def test_glances_every_few_seconds_do_not_add_up_to_a_form_problem():
    run = Run()
    for _ in range(8):
        for decision in run.frames(0.6, [check(SLOUCH, BAD)]) + run.frames(
                1.4, [check(SLOUCH, GOOD)]):
            assert decision.cue is None


def test_a_fault_interrupted_by_flicker_is_still_caught():
    # Past onset 3 frames in 4 (a jittery measurement): the old rule restarted its timer at
    # every good frame and never fired.
    run = Run()
    pattern = [BAD, BAD, BAD, GOOD] * 10
    shown_at = None
    for i, value in enumerate(pattern):
        decision = run.frame([check(SLOUCH, value)])
        if decision.cue is not None and shown_at is None:
            shown_at = i / FPS
            assert value == BAD  # a problem starts on a frame past onset
    assert shown_at is not None and shown_at <= S.form_min_s / 0.75 + 2 * DT


def test_a_roller_dipping_into_the_lower_back_on_every_pass_is_caught():
    # A back-and-forth cycle of 4 s with 0.6 s past T12 at one end: never 0.8 s in a row.
    run = Run()
    cycle = [BAD] * 6 + [GOOD] * 34
    shown = keys(d for _ in range(3) for d in [run.frame([check(LUMBAR, v)]) for v in cycle])
    assert "roller.lumbar" in shown
    assert shown.index("roller.lumbar") < 2 * len(cycle)  # by the second dip
    # A form problem with the same pattern (a glance every 4 s) is not.
    form = Run()
    assert set(keys(form.frame([check(SLOUCH, v)]) for _ in range(3) for v in cycle)) == {None}


def test_a_rare_graze_of_the_border_is_not_a_safety_problem():
    run = Run()
    cycle = [BAD] * 4 + [GOOD] * 56  # 0.4 s every 6 s: within the zone border's error
    assert set(keys(run.frame([check(LUMBAR, v)]) for _ in range(4) for v in cycle)) == {None}


def test_hysteresis_between_clear_and_onset_keeps_the_state():
    run = Run()
    run.frames(S.form_min_s + 0.5, [check(SLOUCH, BAD)])
    for decision in run.frames(10, [check(SLOUCH, BAND)]):
        assert key(decision) == "posture.slouch"
    fresh = Run()  # a fresh problem in that band never starts one
    for decision in fresh.frames(10, [check(SLOUCH, BAND)]):
        assert decision.cue is None and decision.active == ()


def test_recovery_clears_after_holding_good():
    run = Run()
    run.frames(S.form_min_s + 0.5, [check(SLOUCH, BAD)])
    for i in range(frames_for(S.clear_s)):
        assert key(run.frame([check(SLOUCH, GOOD)])) == "posture.slouch", f"frame {i}"
    gone = run.frame([check(SLOUCH, GOOD)])
    assert gone.cue is None and gone.active == ()


def test_evidence_starts_afresh_after_a_problem_clears():
    run = Run()
    run.frames(3.0, [check(LUMBAR, BAD)])
    run.frames(S.clear_s + 0.1, [check(LUMBAR, GOOD)])
    # One stray frame past onset right after a long fault does not bring the cue back.
    assert run.frame([check(LUMBAR, BAD)]).cue is None
    assert run.frame([check(LUMBAR, GOOD)]).cue is None


# --- stale, unjudged and withdrawn checks ----------------------------------------------------

@pytest.mark.parametrize("gap", ["unjudged", "absent"])
def test_a_check_not_judged_for_long_is_dropped_and_brief_gaps_hold(gap):
    run = Run()
    run.frames(2.0, [check(SLOUCH, BAD)])
    missing = [check(SLOUCH, None)] if gap == "unjudged" else []
    for i in range(frames_for(S.stale_s) - 1):  # a brief gap: held as it was
        decision = run.frame(missing)
        assert key(decision) == "posture.slouch" and decision.started is None, f"frame {i}"
    dropped = run.frame(missing)
    assert dropped.cue is None and dropped.active == ()
    for decision in run.frames(3, missing):
        assert decision.cue is None


def test_a_brief_gap_does_not_interrupt_the_evidence():
    run = Run()
    run.frames(0.6, [check(SLOUCH, BAD)])
    run.frames(0.5, [check(SLOUCH, None)])  # a prop or limb hidden for a moment
    decisions = run.frames(0.6, [check(SLOUCH, BAD)])
    assert keys(decisions).index("posture.slouch") == frames_for(S.form_min_s - 0.6)


def test_dropping_a_stale_problem_starts_no_cooldown():
    run = Run()
    run.frames(2.0, [check(SLOUCH, BAD)])
    run.frames(S.stale_s + 0.5, [check(SLOUCH, None)])
    back = run.frames(S.form_min_s + 0.2, [check(SLOUCH, BAD)])
    assert key(back[-1]) == "posture.slouch"  # not held back for cooldown_s
    assert back[frames_for(S.form_min_s)].started == SLOUCH


def test_a_withdrawn_check_goes_at_once_and_uncovers_the_next_cue():
    run = Run()
    neck = Cue("ball.neck", "Keep the ball off your neck", Severity.SAFETY)
    lost = Cue("ball.lost", "The ball dropped", Severity.FORM)
    run.frames(2.0, [check(neck, BAD), check(lost, GOOD)])
    assert key(run.frame([check(neck, BAD), check(lost, GOOD)])) == "ball.neck"
    dropped = [check(neck, None).withdraw(), check(lost, BAD)]
    first = run.frame(dropped)
    assert first.cue is None and "ball.neck" not in first.active  # gone this very frame
    for i in range(frames_for(S.form_min_s) - 1):
        assert run.frame(dropped).cue is None, f"frame {i}"
    assert run.frame(dropped).started == lost
    for decision in run.frames(3, dropped):
        assert key(decision) == "ball.lost"


def test_a_withdrawn_check_starts_no_cooldown():
    run = Run()
    run.frames(2.0, [check(SLOUCH, BAD)])
    run.frame([check(SLOUCH, None).withdraw()])
    assert key(run.frames(S.form_min_s + 0.1, [check(SLOUCH, BAD)])[-1]) == "posture.slouch"


def test_a_change_of_exercise_clears_the_previous_cues_at_once():
    run = Run()
    turn = Cue("view.turn", "Turn side-on", Severity.INFO)
    run.frames(3.0, [check(SLOUCH, BAD), check(turn, BAD), check(DARK, BAD)],
               exercise="posture")
    before = run.frame([check(SLOUCH, BAD), check(turn, BAD), check(DARK, BAD)],
                       exercise="posture")
    assert key(before) == "posture.slouch"
    after = run.frame([check(DARK, BAD)], exercise="roller")
    assert after.active == ("scene.dark",)  # the scene's own check carries on
    assert key(after) == "scene.dark"


def test_forget_drops_problems_without_a_cooldown():
    run = Run()
    run.frames(2.0, [check(SLOUCH, BAD)])
    run.state = run.coach.forget(run.state, ["posture.slouch"])
    assert run.state.shown is None and "posture.slouch" not in run.state.problems
    assert key(run.frames(S.form_min_s + 0.1, [check(SLOUCH, BAD)])[-1]) == "posture.slouch"


# --- priority, cooldown, repeats -------------------------------------------------------------

def test_one_cue_at_a_time_and_safety_wins_the_screen_at_once():
    run = Run()
    both = [check(SLOUCH, BAD), check(DARK, BAD)]
    run.frames(2.0, both)
    assert key(run.frame(both)) == "posture.slouch"  # form before information
    every = [*both, check(LUMBAR, BAD)]
    for i in range(frames_for(S.safety_min_s)):
        assert key(run.frame(every)) == "posture.slouch", f"frame {i}"
    takeover = run.frame(every)
    assert key(takeover) == "roller.lumbar" and takeover.started == LUMBAR
    assert takeover.active == ("posture.slouch", "roller.lumbar", "scene.dark")
    for decision in run.frames(30, every):  # form never takes the screen back
        assert key(decision) == "roller.lumbar"


def test_an_active_safety_problem_takes_the_screen_even_within_its_band():
    run = Run()
    run.frames(2.0, [check(CERVICAL, BAD), check(SLOUCH, BAD)])
    run.frames(0.5, [check(CERVICAL, BAND), check(SLOUCH, BAD)])
    run.state = CoachState(problems=run.state.problems, shown=SLOUCH)  # a form cue up
    assert key(run.frame([check(CERVICAL, BAND), check(SLOUCH, BAD)])) == "roller.cervical"


def test_the_cue_on_screen_stays_while_an_equal_one_appears():
    run = Run()
    run.frames(2.0, [check(SLOUCH, BAD)])
    for decision in run.frames(5, [check(SLOUCH, BAD), check(NECK, BAD)]):
        assert key(decision) == "posture.slouch"
    after = run.frames(2, [check(SLOUCH, GOOD), check(NECK, BAD)])
    assert key(after[-1]) == "posture.forward_head"


def test_a_fading_second_problem_does_not_flash_up_during_recovery():
    run = Run()
    run.frames(2.5, [check(SLOUCH, BAD), check(NECK, BAD)])
    decisions = run.frames(3, [check(SLOUCH, GOOD), check(NECK, BAND)])
    assert decisions[-1].cue is None and "posture.forward_head" not in keys(decisions)
    run2 = Run()
    run2.frames(2.5, [check(SLOUCH, BAD), check(NECK, BAD)])
    assert key(run2.frames(3, [check(SLOUCH, GOOD), check(NECK, BAD)])[-1]) \
        == "posture.forward_head"


def test_cooldown_holds_back_a_fixed_form_cue_but_not_a_safety_cue():
    run = Run()
    run.frames(2.5, [check(SLOUCH, BAD)])
    run.frames(1.5, [check(SLOUCH, GOOD)])
    for decision in run.frames(5, [check(SLOUCH, BAD)]):
        assert decision.cue is None  # within the cooldown
    run.frames(S.cooldown_s - 5, [check(SLOUCH, GOOD)])
    assert "posture.slouch" in keys(run.frames(2, [check(SLOUCH, BAD)]))

    safety = Run()
    safety.frames(2.5, [check(LUMBAR, BAD)])
    safety.frames(1.5, [check(LUMBAR, GOOD)])
    assert "roller.lumbar" in keys(safety.frames(2, [check(LUMBAR, BAD)]))


@pytest.mark.parametrize(("cue", "every_s"), [(SLOUCH, S.cooldown_s),
                                               (LUMBAR, S.safety_repeat_s)])
def test_an_ignored_problem_is_said_again_after_its_interval(cue, every_s):
    run = Run()
    decisions = run.frames(3 * every_s + 5, [check(cue, BAD)])
    said = [i / FPS for i, d in enumerate(decisions) if d.started is not None]
    first = said[0]
    assert said == pytest.approx([first, first + every_s, first + 2 * every_s, first + 3 * every_s])
    assert all(d.cue == cue for d in decisions[frames_for(first):])  # on screen throughout
    assert S.safety_repeat_s < S.cooldown_s  # safety cues repeat sooner


def test_information_is_said_once():
    run = Run()
    decisions = run.frames(3 * S.cooldown_s, [check(DARK, BAD)])
    assert sum(d.started is not None for d in decisions) == 1


# --- away ------------------------------------------------------------------------------------

def test_away_pauses_and_resets_timers():
    run = Run()
    run.frames(0.8, [check(SLOUCH, BAD)])
    for decision in run.frames(1.0, present=False):
        assert not decision.away
    gone = run.frames(S.away_after_s, present=False)
    assert gone[-1].away and gone[-1].cue is None and gone[-1].active == ()
    back = run.frames(S.form_min_s, [check(SLOUCH, BAD)])  # evidence starts over
    assert set(keys(back)) == {None}


def test_briefly_out_of_view_holds_the_cue_but_not_past_stale():
    run = Run()
    run.frames(2.0, [check(SLOUCH, BAD)])
    for i in range(frames_for(S.stale_s) - 1):
        assert key(run.frame(present=False)) == "posture.slouch", f"frame {i}"
    assert run.frame(present=False).cue is None


# --- the stage: exercise, speech, totals -----------------------------------------------------

def test_the_stage_passes_the_exercise_and_marks_cues_to_speak():
    stage = CoachStage()

    def step(i, checks, exercise):
        frame = make_frame(i, t=i / FPS)
        return stage.update(frame, FrameResult(frame_index=i, t=frame.t, pose=make_pose(),
                                               inference_ms=1.0, checks=checks,
                                               selection=selected(exercise)))

    results = [step(i, (check(SLOUCH, BAD),), None) for i in range(frames_for(2.0))]
    assert sum(r.cue_started for r in results) == 1
    assert results[-1].cue == SLOUCH
    assert stage.judged_s > 0
    after = step(len(results), (check(LUMBAR, GOOD),), "roller")
    assert after.cue is None and after.active == ()


# --- properties ------------------------------------------------------------------------------

VALUES = st.sampled_from([BAD, BAND, GOOD, None, "absent", "withdrawn"])


@settings(max_examples=200, deadline=None)
@example([(BAD, "absent", True, 15), (GOOD, "absent", True, 40)], SLOUCH)
@example([(BAD, BAD, True, 15), (None, BAND, True, 40)], LUMBAR)
@example([(BAD, "absent", True, 15), ("absent", "absent", True, 40)], DARK)
@example([(BAD, "absent", True, 15), ("withdrawn", "absent", True, 2)], DARK)
@example([(BAD, "absent", True, 15), (BAD, "absent", False, 25)], DARK)
@given(st.lists(st.tuples(VALUES, VALUES, st.booleans(), st.integers(1, 40)),
                min_size=1, max_size=25),
       st.sampled_from([SLOUCH, LUMBAR, DARK]))
def test_cues_end_when_their_cause_ends(stretches, other):
    """No cue stays on screen longer than stale_s + clear_s after its check was last produced
    with a value at or past its clear threshold; a withdrawn check's cue is gone that frame;
    a shown cue belongs to an active problem; away shows nothing. Input: stretches of frames
    (value of each check, someone in view, how many frames)."""
    run = Run()
    bound = S.stale_s + S.clear_s + DT + 1e-6
    cause_t: dict[str, float] = {}
    frames = [(a, b, present) for a, b, present, n in stretches for _ in range(n)]
    for value_a, value_b, present in frames:
        t = run.t
        checks = []
        for cue, value in ((NECK, value_a), (other, value_b)):
            if value == "withdrawn":
                checks.append(check(cue, None).withdraw())
            elif value != "absent":
                checks.append(check(cue, value))
                if present and value is not None and value >= 6.0:
                    cause_t[cue.key] = t
        decision = run.frame(checks, present)
        if decision.cue is not None:
            shown = decision.cue.key
            assert shown in decision.active and not decision.away
            assert t - cause_t[shown] <= bound
            assert not (present and any(c.withdrawn and c.key == shown for c in checks))
        if decision.away:
            assert decision.cue is None and decision.active == ()


@settings(max_examples=100, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([BAD, BAND, GOOD, None]), st.integers(1, 12)),
                min_size=1, max_size=30))
# Found by hypothesis: a past-onset frame exactly window_s before the cue (at 0.1 s of 3.1 s).
@example([(BAND, 1), (BAD, 1), (BAD, 4), (BAND, 8), (None, 12), (BAD, 6)])
def test_a_cue_starts_only_on_evidence(stretches):
    """A cue newly shown has, within its window, at least min_s past onset, and its value is
    past onset on that frame."""
    run = Run()
    values = [value for value, n in stretches for _ in range(n)]
    history: list[tuple[float, float | None]] = []
    previous = None
    for value in values:
        t = run.t
        decision = run.frame([check(SLOUCH, value)])
        history.append((t, value))
        if decision.cue is not None and previous is None:
            assert value == BAD
            # The window includes its first instant; t is a sum of float steps, so the edge is
            # compared with the coach's own tolerance.
            start = t - S.form_window_s - 1e-9
            past = sum(DT for ht, v in history[:-1] if v == BAD and ht >= start)
            assert past >= S.form_min_s - 1e-6
        previous = decision.cue
