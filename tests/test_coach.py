"""The coach, frame by frame: persistence, hysteresis, priority, cooldown, away."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from posecoach.coach import Coach, CoachState
from posecoach.config import CoachSettings
from posecoach.types import Check, Cue, Severity

FPS = 10.0
SLOUCH = Cue("posture.slouch", "Sit tall")
NECK = Cue("posture.forward_head", "Head back")
LUMBAR = Cue("roller.lumbar", "Move the roller up", Severity.SAFETY)
DARK = Cue("scene.dark", "More light", Severity.INFO)


def check(cue: Cue, value: float | None, onset: float = 10.0, clear: float = 6.0) -> Check:
    return Check(cue, value, onset, clear)


class Run:
    """Feeds the coach one frame at a time at FPS."""

    def __init__(self, **kwargs) -> None:
        self.coach = Coach(CoachSettings(**{"persist_s": 2.0, "clear_s": 1.0,
                                            "cooldown_s": 20.0, "away_after_s": 3.0, **kwargs}))
        self.state = CoachState()
        self.t = 0.0

    def frame(self, checks=(), present=True):
        self.state, decision = self.coach.step(self.state, self.t, checks, present)
        self.t += 1 / FPS
        return decision

    def frames(self, seconds, checks=(), present=True):
        return [self.frame(checks, present) for _ in range(round(seconds * FPS))]


def shown(decisions):
    return [d.cue.key if d.cue else None for d in decisions]


def test_a_problem_shows_only_after_it_persists():
    run = Run()
    decisions = run.frames(3.0, [check(SLOUCH, 15)])
    keys = shown(decisions)
    first = keys.index("posture.slouch")
    assert first == round(2.0 * FPS)  # exactly after 2 s, not before
    assert all(k == "posture.slouch" for k in keys[first:])
    assert decisions[first].started == SLOUCH
    assert decisions[first + 1].started is None  # "started" only on the first frame


def test_a_brief_problem_is_never_shown():
    run = Run()
    keys = shown(run.frames(1.5, [check(SLOUCH, 15)]) + run.frames(3, [check(SLOUCH, 0)]))
    assert set(keys) == {None}


def test_interrupted_persistence_starts_over():
    run = Run()
    run.frames(1.5, [check(SLOUCH, 15)])
    run.frames(0.1, [check(SLOUCH, 0)])
    keys = shown(run.frames(1.9, [check(SLOUCH, 15)]))
    assert set(keys) == {None}


def test_hysteresis_between_clear_and_onset_keeps_the_state():
    run = Run()
    run.frames(2.5, [check(SLOUCH, 15)])
    # Between clear (6) and onset (10): still a problem, however long.
    assert set(shown(run.frames(10, [check(SLOUCH, 8)]))) == {"posture.slouch"}
    # A fresh problem in that band never starts one.
    fresh = Run()
    assert set(shown(fresh.frames(10, [check(SLOUCH, 8)]))) == {None}


def test_recovery_clears_after_holding_good():
    run = Run()
    run.frames(2.5, [check(SLOUCH, 15)])
    keys = shown(run.frames(2.0, [check(SLOUCH, 3)]))
    assert keys.index(None) == round(1.0 * FPS)


def test_cooldown_holds_back_a_repeat_but_not_a_safety_cue():
    run = Run(cooldown_s=20.0)
    run.frames(2.5, [check(SLOUCH, 15)])
    run.frames(1.5, [check(SLOUCH, 0)])
    assert set(shown(run.frames(5, [check(SLOUCH, 15)]))) == {None}  # within cooldown
    run.frames(15, [check(SLOUCH, 0)])
    assert "posture.slouch" in shown(run.frames(3, [check(SLOUCH, 15)]))  # after cooldown

    safety = Run(cooldown_s=20.0)
    safety.frames(2.5, [check(LUMBAR, 15)])
    safety.frames(1.5, [check(LUMBAR, 0)])
    assert "roller.lumbar" in shown(safety.frames(3, [check(LUMBAR, 15)]))


def test_one_cue_at_a_time_safety_first():
    run = Run()
    run.frames(2.5, [check(SLOUCH, 15), check(DARK, 15)])
    assert shown([run.frame([check(SLOUCH, 15), check(DARK, 15)])]) == ["posture.slouch"]
    decisions = run.frames(3, [check(SLOUCH, 15), check(DARK, 15), check(LUMBAR, 15)])
    assert shown(decisions)[-1] == "roller.lumbar"  # safety overrides form once it persists
    assert decisions[-1].active == ("posture.slouch", "roller.lumbar", "scene.dark")


def test_the_cue_on_screen_stays_while_an_equal_one_appears():
    run = Run()
    run.frames(2.5, [check(SLOUCH, 15)])
    keys = shown(run.frames(5, [check(SLOUCH, 15), check(NECK, 15)]))
    assert set(keys) == {"posture.slouch"}
    # When it clears, the other active problem takes its place.
    after = shown(run.frames(2, [check(SLOUCH, 0), check(NECK, 15)]))
    assert after[-1] == "posture.forward_head"


def test_away_pauses_and_resets_timers():
    run = Run(away_after_s=3.0)
    run.frames(1.5, [check(SLOUCH, 15)])
    brief = run.frames(1.0, present=False)
    assert not any(d.away for d in brief)
    gone = run.frames(3.0, present=False)
    assert gone[-1].away and gone[-1].cue is None
    # Back: persistence starts over.
    back = shown(run.frames(1.9, [check(SLOUCH, 15)]))
    assert set(back) == {None}


def test_unjudged_frames_hold_the_state():
    run = Run()
    run.frames(2.5, [check(SLOUCH, 15)])
    assert set(shown(run.frames(3, [check(SLOUCH, None)]))) == {"posture.slouch"}


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 8.0, 15.0, None]), st.booleans()),
                min_size=1, max_size=120))
def test_shown_cue_always_belongs_to_a_problem_that_persisted(frames):
    """Whatever the input, a shown cue is an active problem whose latest bad stretch
    (counting hysteresis) lasted at least persist_s."""
    run = Run(persist_s=0.5, clear_s=0.3, cooldown_s=1.0, away_after_s=0.6)
    bad_run_start = None
    latched = False
    last_present = None
    for value, present in frames:
        t = run.t
        decision = run.frame([check(SLOUCH, value)], present)
        if present:
            last_present = t
            if value is not None:
                latched = value > 10.0 or (latched and value >= 6.0)
                if latched and bad_run_start is None:
                    bad_run_start = t
                if not latched:
                    bad_run_start = None
        elif last_present is None or t - last_present >= 0.6 - 1e-9:
            bad_run_start, latched = None, False  # away: the coach forgets its timers
        if decision.started is not None:
            assert bad_run_start is not None and t - bad_run_start >= 0.5 - 1e-9
        if decision.cue is not None:
            assert "posture.slouch" in decision.active
            assert not decision.away
        if decision.away:
            assert decision.cue is None and decision.active == ()


def test_a_fading_second_problem_does_not_flash_up_during_recovery():
    run = Run()
    run.frames(2.5, [check(SLOUCH, 15), check(NECK, 15)])  # slouch shown, neck also active
    # Recovering: the slouch clears, the neck is in its hysteresis band (between clear and
    # onset), still latched but on its way back: no new cue.
    keys = shown(run.frames(3, [check(SLOUCH, 0), check(NECK, 8)]))
    assert keys[-1] is None and "posture.forward_head" not in keys
    # Were it still past onset, it would take over.
    run2 = Run()
    run2.frames(2.5, [check(SLOUCH, 15), check(NECK, 15)])
    assert shown(run2.frames(3, [check(SLOUCH, 0), check(NECK, 15)]))[-1] == "posture.forward_head"

