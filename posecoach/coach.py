"""The coach: from per-frame checks to at most one calm, timely cue.

A pure state machine, ``Coach.step(state, t, checks, present) -> (state, decision)``; it never
reads a clock, so every timing rule is testable frame by frame:

- **persistence**: a check must stay bad for ``persist_s`` before its cue is shown (a glance
  or a moment of reaching is not a slouch; DESIGN.md §1 asks for ~1–2 s);
- **hysteresis**: a bad check becomes good only past its ``clear`` threshold (half the margin
  back, set by the analyzer), and must stay good for ``clear_s`` before the cue goes;
- **priority**: one cue at a time; safety before form before information; a cue on screen
  stays until it clears unless a more severe one appears; a cue newly shown needs its problem
  past onset at that moment (not just latched), so nothing new flashes up during recovery;
- **cooldown**: a form or information cue that cleared is not shown again for ``cooldown_s``
  (no nagging); safety cues are never held back;
- **away**: with nobody in view for ``away_after_s`` all timers restart and nothing is shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from posecoach.config import CoachSettings
from posecoach.types import Check, Cue, Severity


@dataclass(frozen=True)
class ProblemState:
    """One check's memory.

    Attributes:
        bad: the hysteresis latch (bad now, after onset/clear thresholds).
        bad_since: when the latch last turned bad (None while good).
        good_since: when the latch last turned good while the problem was active.
        active: the problem has persisted long enough to be coached.
        cue: the cue to show while active.
        past_onset: this frame's value is past the onset threshold (not just latched in the
            hysteresis band).
    """

    bad: bool = False
    bad_since: float | None = None
    good_since: float | None = None
    active: bool = False
    cue: Cue | None = None
    past_onset: bool = False


@dataclass(frozen=True)
class CoachState:
    problems: Mapping[str, ProblemState] = field(default_factory=lambda: MappingProxyType({}))
    shown: Cue | None = None
    cleared_at: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    last_present_t: float | None = None
    away: bool = False


@dataclass(frozen=True)
class Decision:
    """The coach's output for one frame.

    Attributes:
        cue: the one cue to show now, or None.
        active: keys of every problem that has persisted (shown or not), for logs and totals.
        away: nobody has been in view for a while.
        started: a cue that appeared this frame (to speak it), or None.
    """

    cue: Cue | None
    active: tuple[str, ...]
    away: bool
    started: Cue | None = None


class Coach:
    """Stateless rules; the state is passed in and returned (see module docstring)."""

    def __init__(self, settings: CoachSettings | None = None) -> None:
        self.settings = settings or CoachSettings()

    def step(self, state: CoachState, t: float, checks: Iterable[Check],
             present: bool) -> tuple[CoachState, Decision]:
        s = self.settings
        if present:
            state = replace(state, last_present_t=t, away=False)
        else:
            gone_since = state.last_present_t if state.last_present_t is not None else t
            if t - gone_since >= s.away_after_s and not state.away:
                # Away: forget every timer; cooldowns remain.
                state = replace(state, problems=MappingProxyType({}), shown=None, away=True)
            if state.away:
                return state, Decision(cue=None, active=(), away=True)
            # Briefly lost: hold everything as it is.
            return state, Decision(cue=state.shown, active=_active_keys(state), away=False)

        problems = dict(state.problems)
        cleared_at = dict(state.cleared_at)
        seen_keys = set()
        for check in checks:
            seen_keys.add(check.key)
            before = problems.get(check.key, ProblemState())
            after = self._update_problem(before, check, t)
            if before.active and not after.active and state.shown is not None \
                    and state.shown.key == check.key:
                cleared_at[check.key] = t  # cooldown runs from when a *shown* cue went
            problems[check.key] = after
        for key in list(problems):
            if key not in seen_keys and not problems[key].active:
                del problems[key]  # a check no longer measured (view changed): forget it

        shown = self._choose(state.shown, problems, t, cleared_at)
        started = shown if shown is not None and shown != state.shown else None
        new_state = replace(state, problems=MappingProxyType(problems), shown=shown,
                            cleared_at=MappingProxyType(cleared_at))
        return new_state, Decision(cue=shown, active=_active_keys(new_state), away=False,
                                   started=started)

    def _update_problem(self, problem: ProblemState, check: Check, t: float) -> ProblemState:
        s = self.settings
        verdict = check.is_bad(problem.bad)
        if verdict is None:
            return problem  # not judged this frame: hold
        if verdict:
            bad_since = problem.bad_since if problem.bad else t
            active = problem.active or t - bad_since >= s.persist_s
            return ProblemState(bad=True, bad_since=bad_since, good_since=None, active=active,
                                cue=check.cue, past_onset=check.is_bad(False) is True)
        if not problem.active:
            return ProblemState(cue=check.cue)
        good_since = problem.good_since if problem.good_since is not None else t
        if t - good_since >= s.clear_s:
            return ProblemState(cue=check.cue)
        return replace(problem, bad=False, bad_since=None, good_since=good_since, cue=check.cue)

    def _choose(self, shown: Cue | None, problems: Mapping[str, ProblemState], t: float,
                cleared_at: Mapping[str, float]) -> Cue | None:
        # The cue on screen stays while its problem is active (through the hysteresis band);
        # a cue that would newly appear needs its problem past onset now, so a second problem
        # that is fading as the person recovers does not flash up after the first one clears.
        candidates = [
            p for key, p in problems.items()
            if p.active and p.cue is not None and (
                (shown is not None and shown.key == key)
                or (p.past_onset and (p.cue.severity is Severity.SAFETY
                                      or t - cleared_at.get(key, -1e18)
                                      >= self.settings.cooldown_s)))
        ]
        if not candidates:
            return None
        current = next((p for p in candidates if shown is not None and p.cue.key == shown.key),
                       None)
        best = max(candidates, key=lambda p: (p.cue.severity.value,
                                              -(p.bad_since if p.bad_since is not None else t)))
        if current is not None and current.cue.severity.value >= best.cue.severity.value:
            return current.cue
        return best.cue


def _active_keys(state: CoachState) -> tuple[str, ...]:
    return tuple(sorted(key for key, p in state.problems.items() if p.active))
