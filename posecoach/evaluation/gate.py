"""Thresholds a CI run gates on, and which of them a set of clip scores fails."""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

from posecoach.evaluation.scoring import (
    TARGET_BALL_ERROR_CM,
    TARGET_CLEAR_S,
    TARGET_FALSE_ALARM_RATE,
    TARGET_ONSET_S,
    TARGET_PROP_COVERAGE,
    TARGET_RECALL,
    TARGET_ROLLER_ERROR_CM,
    TARGET_ROLLER_ERROR_P90_CM,
    ClipScore,
)
from posecoach.evaluation.summary import by_coach, summarise


@dataclass(frozen=True)
class Thresholds:
    """Limits to gate on; None: not checked. Recall, false alarms, onset and clearing are
    checked per coach (posture, roller, ball, empty); prop errors and coverage per prop."""

    min_recall: float | None = None
    max_false_alarm_rate: float | None = None
    max_onset_s: float | None = None
    max_clear_s: float | None = None
    max_roller_error_cm: float | None = None
    max_roller_error_p90_cm: float | None = None
    max_ball_error_cm: float | None = None
    min_prop_coverage: float | None = None

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if value is not None and (not math.isfinite(value) or value < 0):
                raise ValueError(f"{f.name} must be a finite number ≥ 0, got {value}")
        for name in ("min_recall", "max_false_alarm_rate", "min_prop_coverage"):
            value = getattr(self, name)
            if value is not None and value > 1:
                raise ValueError(f"{name} is a fraction in 0…1, got {value}")

    @property
    def any(self) -> bool:
        return any(getattr(self, f.name) is not None for f in fields(self))

    def filled_from(self, defaults: Thresholds) -> Thresholds:
        """These limits, with ``defaults`` wherever one is not set."""
        return Thresholds(**{f.name: getattr(defaults, f.name) if getattr(self, f.name) is None
                             else getattr(self, f.name) for f in fields(self)})


#: The acceptance targets of issue 11 ("Coaching that holds up on unseen footage").
ISSUE_11 = Thresholds(
    min_recall=TARGET_RECALL,
    max_false_alarm_rate=TARGET_FALSE_ALARM_RATE,
    max_onset_s=TARGET_ONSET_S,
    max_clear_s=TARGET_CLEAR_S,
    max_roller_error_cm=TARGET_ROLLER_ERROR_CM,
    max_roller_error_p90_cm=TARGET_ROLLER_ERROR_P90_CM,
    max_ball_error_cm=TARGET_BALL_ERROR_CM,
    min_prop_coverage=TARGET_PROP_COVERAGE,
)


@dataclass(frozen=True)
class Check:
    """One threshold applied to one group: ``passed`` is None when there was nothing to
    measure (e.g. no roller clip)."""

    name: str
    scope: str
    value: float | None
    limit: float
    at_least: bool  # True: value must be ≥ limit; False: ≤ limit

    @property
    def passed(self) -> bool | None:
        if self.value is None:
            return None
        return self.value >= self.limit if self.at_least else self.value <= self.limit

    def line(self) -> str:
        sign = ("≥" if self.at_least else "≤")
        return f"{self.name}[{self.scope}] = {_fmt(self.value)} (limit {sign} {self.limit:g})"


def check(scores: list[ClipScore], limits: Thresholds) -> list[Check]:
    """Every threshold that is set, applied to every group it concerns."""
    checks: list[Check] = []
    coaches = by_coach(scores)
    per_coach = (
        ("recall", limits.min_recall, True, lambda g: g.recall),
        ("false_alarm_rate", limits.max_false_alarm_rate, False, lambda g: g.false_alarm_rate),
        ("onset_median_s", limits.max_onset_s, False, lambda g: g.onset_median_s),
        ("worst_clear_s", limits.max_clear_s, False, lambda g: g.worst_clear_s),
    )
    for name, limit, at_least, value_of in per_coach:
        if limit is not None:
            checks.extend(Check(name, g.name, value_of(g), limit, at_least) for g in coaches)
    everything = summarise("all", scores)
    props = (
        ("roller_error_cm", limits.max_roller_error_cm, False, "roller",
         everything.roller_error_cm),
        ("roller_error_p90_cm", limits.max_roller_error_p90_cm, False, "roller",
         everything.roller_error_p90_cm),
        ("ball_error_cm", limits.max_ball_error_cm, False, "ball", everything.ball_error_cm),
        ("prop_coverage", limits.min_prop_coverage, True, "roller", everything.roller_coverage),
        ("prop_coverage", limits.min_prop_coverage, True, "ball", everything.ball_coverage),
    )
    for name, limit, at_least, scope, value in props:
        if limit is not None:
            checks.append(Check(name, scope, value, limit, at_least))
    return checks


def failures(checks: list[Check]) -> list[Check]:
    return [c for c in checks if c.passed is False]


def _fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if math.isinf(value):
        return "never"
    return f"{value:.3g}"

