"""The coach: from per-frame checks to at most one calm, timely cue.

A pure state machine, ``Coach.step(state, t, checks, present, exercise) -> (state, decision)``;
it never reads a clock, so every timing rule is testable frame by frame. Numbers are in
:class:`posecoach.config.CoachSettings`, with the reasoning behind each default.

- **onset by evidence**: each frame a judged check is past its onset threshold or not. A
  problem becomes active when, in some stretch ending now and starting within the last
  ``window_s``, the time past onset reaches ``min_s`` and at least ``fraction`` of the judged
  time (one rule per severity). So a continuous fault is caught ``min_s`` after it starts, a
  fault that comes and goes (a roller dipping into the lower back at the end of every pass) is
  caught once its moments add up, and a glance or a reach shorter than ``min_s`` is not. A
  problem only becomes active on a frame where it is past onset.
- **hysteresis and clearing**: an active problem stays active while its value is between the
  clear and onset thresholds (set by the analyzer); back past the clear threshold for
  ``clear_s`` with nothing bad since (unjudged frames in between do not stop that clock) it
  clears, and collects evidence afresh. Together with the stale rule, no cue outlives its
  cause by more than ``stale_s + clear_s``.
- **stale**: a check that is absent or unjudged (value None) for ``stale_s`` is dropped with
  its cue; shorter gaps hold everything as it was. A **withdrawn** check (its cause is gone:
  the prop was lost, the ball dropped) is dropped at once, and a change of ``exercise`` drops
  every problem whose check the new exercise does not produce. None of these starts a cooldown:
  nothing was corrected.
- **priority**: one cue at a time. An active safety problem always takes the screen from form
  and information cues; otherwise the cue on screen stays until its problem clears unless a
  more severe one appears, and a cue newly shown needs its problem past onset at that moment
  (not just latched), so nothing new flashes up while the person recovers.
- **cooldown and repeats**: a form or information cue that cleared is not shown again for
  ``cooldown_s``; safety cues are never held back. A form cue the user leaves on screen is
  started again (``Decision.started``, to be spoken) every ``cooldown_s``, a safety cue every
  ``safety_repeat_s``; information cues are said once.
- **away**: with nobody in view for ``away_after_s`` every timer restarts and nothing is shown.
  While someone is briefly out of view, checks are not read (the state holds) but stale
  problems still go.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType

from posecoach.config import CoachSettings, OnsetRule
from posecoach.types import Check, Cue, Severity

#: A frame's sample counts for the time until the next frame, at most this long (s): a stall in
#: the pipeline or a stretch out of view is not evidence either way.
MAX_SAMPLE_S = 0.5

#: Frame sample marks: past onset, judged but not past onset, not judged.
PAST, JUDGED, UNJUDGED = 1, 0, -1

_EPS = 1e-9
_ONSET_KIND = {Severity.SAFETY: "safety", Severity.FORM: "form", Severity.INFO: "info"}


@dataclass(frozen=True)
class ProblemState:
    """One check's memory.

    Attributes:
        cue: the cue to show while active (the latest the analyzer gave).
        samples: ``(t, mark)`` of the frames within the onset window (mark: PAST, JUDGED or
            UNJUDGED), oldest first; cleared when the problem clears.
        last_judged_t: when the check last had a value.
        active: the evidence was enough and the problem has not cleared since.
        active_since: when it became active (None while inactive); older problems of equal
            severity come first.
        bad: the hysteresis latch while active (past clear ⇒ False, past onset ⇒ True).
        good_since: when the latch last turned good while active.
        past_onset: the latest judged value is past the onset threshold.
    """

    cue: Cue
    samples: tuple[tuple[float, int], ...] = ()
    last_judged_t: float = 0.0
    active: bool = False
    active_since: float | None = None
    bad: bool = False
    good_since: float | None = None
    past_onset: bool = False


@dataclass(frozen=True)
class CoachState:
    """Everything the coach remembers between frames.

    Attributes:
        problems: per check key.
        shown: the cue on screen, or None.
        cleared_at: when each shown form/info cue last cleared (for the cooldown).
        said_at: when each cue was last started (for repeats).
        last_present_t: when someone was last in view.
        away: nobody has been in view for ``away_after_s``.
        exercise: the exercise of the latest frame (a change drops the old exercise's cues).
    """

    problems: Mapping[str, ProblemState] = field(default_factory=lambda: MappingProxyType({}))
    shown: Cue | None = None
    cleared_at: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    said_at: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    last_present_t: float | None = None
    away: bool = False
    exercise: str | None = None


@dataclass(frozen=True)
class Decision:
    """The coach's output for one frame.

    Attributes:
        cue: the one cue to show now, or None.
        active: keys of every active problem (shown or not), for logs and totals.
        away: nobody has been in view for a while.
        started: the cue to say this frame: it appeared, or it is repeated to a user who has
            left it on screen; else None.
    """

    cue: Cue | None
    active: tuple[str, ...]
    away: bool
    started: Cue | None = None


class Coach:
    """Stateless rules; the state is passed in and returned (see module docstring)."""

    def __init__(self, settings: CoachSettings | None = None) -> None:
        self.settings = settings or CoachSettings()

    def step(self, state: CoachState, t: float, checks: Iterable[Check], present: bool,
             exercise: str | None = None) -> tuple[CoachState, Decision]:
        """One frame at time ``t`` (s) with the analyzers' ``checks``; ``present``: someone is
        in view; ``exercise``: the exercise being coached (any change in it, None included,
        drops the problems whose checks this frame does not carry)."""
        by_key = {check.key: check for check in checks}
        if exercise != state.exercise:
            state = self.forget(state, [k for k in state.problems if k not in by_key])
            state = replace(state, exercise=exercise)
        if not present:
            return self._out_of_view(state, t)
        state = replace(state, last_present_t=t, away=False)
        problems = dict(state.problems)
        for key, check in by_key.items():
            before = problems.get(key)
            if check.withdrawn:
                problems.pop(key, None)
                continue
            if before is None and check.value is None:
                continue  # nothing known about it yet
            problems[key] = self._update(before or ProblemState(cue=check.cue), check, t)
        for key, problem in list(problems.items()):
            if key not in by_key:
                problems[key] = replace(problem, samples=_trimmed(
                    (*problem.samples, (t, UNJUDGED)), t, self._rule(problem.cue).window_s))
        problems, cleared_at = self._settle(state, problems, t)
        for key in self._stale(problems, t):
            del problems[key]

        shown = self._choose(state.shown, problems, t, cleared_at)
        said_at = dict(state.said_at)
        started = None
        if shown is not None and shown != state.shown:
            started = shown
        elif shown is not None and t - said_at.get(shown.key, t) >= self._repeat_s(shown):
            started = shown  # still on screen, still not acted on: say it again
        if started is not None:
            said_at[started.key] = t
        new_state = replace(state, problems=MappingProxyType(problems), shown=shown,
                            cleared_at=MappingProxyType(cleared_at),
                            said_at=MappingProxyType(said_at))
        return new_state, Decision(cue=shown, active=_active_keys(problems), away=False,
                                   started=started)

    def _out_of_view(self, state: CoachState, t: float) -> tuple[CoachState, Decision]:
        gone_since = state.last_present_t if state.last_present_t is not None else t
        if t - gone_since >= self.settings.away_after_s and not state.away:
            # Away: forget every problem; cooldowns remain.
            state = replace(state, problems=MappingProxyType({}), shown=None, away=True)
        if state.away:
            return state, Decision(cue=None, active=(), away=True)
        # Briefly out of view: nothing is read, but fixed and stale problems still go.
        problems, cleared_at = self._settle(state, dict(state.problems), t)
        state = replace(state, problems=MappingProxyType(problems),
                        cleared_at=MappingProxyType(cleared_at))
        state = self.forget(state, self._stale(state.problems, t))
        shown = state.shown
        if shown is not None and not (shown.key in state.problems
                                      and state.problems[shown.key].active):
            state = replace(state, shown=None)
        return state, Decision(cue=state.shown, active=_active_keys(state.problems),
                               away=False)

    def forget(self, state: CoachState, keys: Iterable[str]) -> CoachState:
        """``state`` without the problems ``keys`` (and their cue, if shown), as if they had
        never been seen: no cooldown starts. For causes that are gone, not fixed."""
        keys = set(keys)
        if not keys & set(state.problems):
            return state
        problems = {k: p for k, p in state.problems.items() if k not in keys}
        shown = None if state.shown is not None and state.shown.key in keys else state.shown
        return replace(state, problems=MappingProxyType(problems), shown=shown)

    def _rule(self, cue: Cue) -> OnsetRule:
        return self.settings.onset(_ONSET_KIND[cue.severity])

    def _repeat_s(self, cue: Cue) -> float:
        if cue.severity is Severity.SAFETY:
            return self.settings.safety_repeat_s
        if cue.severity is Severity.FORM:
            return self.settings.cooldown_s
        return float("inf")  # information is said once

    def _settle(self, state: CoachState, problems: dict[str, ProblemState],
                t: float) -> tuple[dict[str, ProblemState], dict[str, float]]:
        """Clears every active problem judged good for ``clear_s`` with nothing bad since
        (frames not judged in between do not stop the clock: the last word was good). A
        cleared problem collects evidence afresh, so one stray frame past onset right after a
        long fault does not bring it back. Returns the problems and the cooldown starts."""
        cleared_at = dict(state.cleared_at)
        for key, p in problems.items():
            if p.active and not p.bad and p.good_since is not None \
                    and t - p.good_since >= self.settings.clear_s - _EPS:
                problems[key] = ProblemState(cue=p.cue, last_judged_t=p.last_judged_t)
                if state.shown is not None and state.shown.key == key:
                    cleared_at[key] = t  # the cooldown runs from when a *shown* cue was fixed
        return problems, cleared_at

    def _stale(self, problems: Mapping[str, ProblemState], t: float) -> list[str]:
        return [k for k, p in problems.items()
                if t - p.last_judged_t >= self.settings.stale_s - _EPS]

    def _update(self, problem: ProblemState, check: Check, t: float) -> ProblemState:
        rule = self._rule(check.cue)
        past = check.is_bad(False)
        mark = UNJUDGED if past is None else PAST if past else JUDGED
        samples = _trimmed((*problem.samples, (t, mark)), t, rule.window_s)
        problem = replace(problem, cue=check.cue, samples=samples)
        if past is None:
            return problem  # not judged this frame: hold (until stale)
        problem = replace(problem, last_judged_t=t, past_onset=past)
        if not problem.active:
            if past and _enough_evidence(samples, t, rule):
                return replace(problem, active=True, active_since=t, bad=True, good_since=None)
            return problem
        if check.is_bad(problem.bad):
            return replace(problem, bad=True, good_since=None)
        good_since = problem.good_since if problem.good_since is not None else t
        return replace(problem, bad=False, good_since=good_since)  # cleared by _settle

    def _choose(self, shown: Cue | None, problems: Mapping[str, ProblemState], t: float,
                cleared_at: Mapping[str, float]) -> Cue | None:
        # The cue on screen stays while its problem is active (through the hysteresis band);
        # a form or information cue that would newly appear needs its problem past onset now,
        # so a second problem fading as the person recovers does not flash up after the first
        # one clears, and needs its cooldown over. An active safety problem always qualifies.
        def eligible(key: str, p: ProblemState) -> bool:
            if not p.active:
                return False
            if (shown is not None and shown.key == key) or p.cue.severity is Severity.SAFETY:
                return True
            return p.past_onset and t - cleared_at.get(key, -1e18) >= self.settings.cooldown_s

        candidates = [p for key, p in problems.items() if eligible(key, p)]
        if not candidates:
            return None
        best = max(candidates, key=lambda p: (
            p.cue.severity.value, -(p.active_since if p.active_since is not None else t)))
        current = next((p for p in candidates if shown is not None and p.cue.key == shown.key),
                       None)
        if current is not None and current.cue.severity.value >= best.cue.severity.value:
            return current.cue
        return best.cue


def _trimmed(samples: tuple[tuple[float, int], ...], t: float,
             window_s: float) -> tuple[tuple[float, int], ...]:
    start = 0
    while start < len(samples) and samples[start][0] < t - window_s - _EPS:
        start += 1
    return samples[start:]


def _enough_evidence(samples: tuple[tuple[float, int], ...], t: float, rule: OnsetRule) -> bool:
    """Some stretch of ``samples`` ending at ``t`` has ``min_s`` past onset and at least
    ``fraction`` of its judged time past onset. A frame's sample lasts until the next one (the
    last, at ``t``, lasts 0), at most MAX_SAMPLE_S."""
    past = judged = 0.0
    end = t
    for sample_t, mark in reversed(samples):
        duration = min(end - sample_t, MAX_SAMPLE_S)
        end = sample_t
        if mark == UNJUDGED:
            continue
        judged += duration
        if mark == PAST:
            past += duration
            # A stretch worth testing starts on a frame past onset.
            if past >= rule.min_s - _EPS and past >= rule.fraction * judged - _EPS:
                return True
    return False


def _active_keys(problems: Mapping[str, ProblemState]) -> tuple[str, ...]:
    return tuple(sorted(key for key, p in problems.items() if p.active))
