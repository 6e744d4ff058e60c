"""Pooling clip scores: per family, per coach, per nuisance factor, per cue.

Rates pool the underlying events (faults, stretches, frames) over the clips of a group, so a
group of many short clips and one of a few long ones weigh each event the same.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from posecoach.evaluation.scoring import (
    CORRECTIVE_CUES,
    FAULT_CUES,
    ClearStatus,
    ClipScore,
)
from posecoach.evaluation.truth import FAMILIES

#: The coach that answers each scene family (issue 11 gates per coach: posture, roller, ball).
COACH_OF_FAMILY = {"seated_side": "posture", "seated_front": "posture", "roller": "roller",
                   "ball_wall": "ball", "ball_floor": "ball", "empty": "empty"}
COACHES = ("posture", "roller", "ball", "empty")


@dataclass(frozen=True)
class GroupSummary:
    """Pooled results of a group of clips.

    Attributes:
        faults, caught: fault segments, and those answered within DETECT_WITHIN_S.
        onset_median_s: median onset of the faults that were answered.
        cleared, clear_scorable, unscorable: clearing of the faults whose cue came.
        worst_clear_s: slowest clearing of a scorable fault (inf: a cue that never went).
        stretches, false_stretches: no-fault stretches, and those with a false alarm.
        false_alarms: runs of a wrong corrective cue anywhere (stretch or another fault).
        roller_error_cm, roller_error_p90_cm: roller position along the spine, all frames.
        ball_error_cm: ball centre; ball_spine_error_cm: ball position along the spine.
        prop_error_cm: along the spine, roller and ball frames together.
        roller_coverage, ball_coverage, coverage: frames with a prop position ÷ frames with
            the prop visible on the back (coverage: both kinds).
    """

    name: str
    clips: int
    faults: int
    caught: int
    onset_median_s: float | None
    cleared: int
    clear_scorable: int
    unscorable: int
    worst_clear_s: float | None
    stretches: int
    false_stretches: int
    false_alarms: int
    roller_error_cm: float | None
    roller_error_p90_cm: float | None
    ball_error_cm: float | None
    ball_spine_error_cm: float | None
    prop_error_cm: float | None
    roller_coverage: float | None
    ball_coverage: float | None
    coverage: float | None

    @property
    def recall(self) -> float | None:
        return self.caught / self.faults if self.faults else None

    @property
    def false_alarm_rate(self) -> float | None:
        return self.false_stretches / self.stretches if self.stretches else None


def summarise(name: str, scores: list[ClipScore]) -> GroupSummary:
    faults = [f for s in scores for f in s.faults]
    onsets = [f.onset_s for f in faults if f.detected]
    scorable = [f.clear_value_s for f in faults if f.clear_scorable]
    stretches = [st for s in scores for st in s.stretches]
    props = [s.prop for s in scores]
    roller = [e for p in props if p.kind == "roller" for e in p.spine_errors_cm]
    ball_spine = [e for p in props if p.kind == "ball" for e in p.spine_errors_cm]
    return GroupSummary(
        name=name,
        clips=len(scores),
        faults=len(faults),
        caught=sum(f.detected for f in faults),
        onset_median_s=_percentile(onsets, 50),
        cleared=sum(f.clear is ClearStatus.CLEARED for f in faults),
        clear_scorable=len(scorable),
        unscorable=sum(f.clear is ClearStatus.UNSCORABLE for f in faults),
        worst_clear_s=max(scorable) if scorable else None,
        stretches=len(stretches),
        false_stretches=sum(st.false_alarm for st in stretches),
        false_alarms=sum(len(s.false_alarms) for s in scores),
        roller_error_cm=_percentile(roller, 50),
        roller_error_p90_cm=_percentile(roller, 90),
        ball_error_cm=_percentile([e for p in props for e in p.centre_errors_cm], 50),
        ball_spine_error_cm=_percentile(ball_spine, 50),
        prop_error_cm=_percentile(roller + ball_spine, 50),
        roller_coverage=_coverage(p for p in props if p.kind == "roller"),
        ball_coverage=_coverage(p for p in props if p.kind == "ball"),
        coverage=_coverage(props),
    )


def by_family(scores: list[ClipScore]) -> list[GroupSummary]:
    """One row per scene family present (contract order, unknown families after)."""
    return _grouped(scores, lambda s: s.family, FAMILIES)


def by_coach(scores: list[ClipScore]) -> list[GroupSummary]:
    """One row per coach present (posture, roller, ball, empty): what issue 11 gates."""
    return _grouped(scores, coach_of, COACHES)


def coach_of(score: ClipScore) -> str:
    return COACH_OF_FAMILY.get(score.family, score.family)


@dataclass(frozen=True)
class FactorRow:
    """Results of the clips whose nuisance ``factor`` falls in ``bin``."""

    factor: str
    bin: str
    summary: GroupSummary


#: Numeric nuisance factors: (shown name, value → binned quantity, inner bin edges). Edges
#: split the ranges drawn in issue 10 (azimuth ±30°, light 0.35–1.3, distance 1.2–4 m, …).
NUMERIC_BINS: dict[str, tuple[str, Callable[[float], float], tuple[float, ...]]] = {
    "azimuth_deg": ("|azimuth_deg|", abs, (10.0, 20.0)),
    "light_level": ("light_level", float, (0.6, 0.9)),
    "distance_m": ("distance_m", float, (2.0, 3.0)),
    "camera_height_m": ("camera_height_m", float, (0.3, 0.6)),
    "hfov_deg": ("hfov_deg", float, (60.0, 75.0)),
    "tint": ("tint", float, (-0.33, 0.33)),
    "height_cm": ("height_cm", float, (160.0, 180.0)),
    "skin_tone": ("skin_tone", float, (0.33, 0.67)),
    "height": ("height", float, (0.33, 0.67)),  # anny's phenotype sliders, 0–1
    "weight": ("weight", float, (0.33, 0.67)),
    "muscle": ("muscle", float, (0.33, 0.67)),
    "age": ("age", float, (0.33, 0.67)),
    "gender": ("gender", float, (0.33, 0.67)),
    "noise_sigma": ("noise_sigma", float, (2.0, 5.0)),
    "blur_sigma_px": ("blur_sigma_px", float, (0.7, 1.4)),
    "jpeg_quality": ("jpeg_quality", float, (50.0, 75.0)),
}
#: Numeric factors without declared bins and at most this many values are shown value by value.
_FEW_VALUES = 5


def by_factor(scores: list[ClipScore]) -> list[FactorRow]:
    """For every nuisance factor in the clips: one row per bin (numbers) or value (others)."""
    rows: list[FactorRow] = []
    factors = sorted({k for s in scores for k in s.nuisance})
    for factor in factors:
        present = [s for s in scores if factor in s.nuisance]
        binner = _binner(factor, [s.nuisance[factor] for s in present])
        bins: dict[tuple, list[ClipScore]] = {}
        for score in present:
            bins.setdefault(binner(score.nuisance[factor]), []).append(score)
        shown = NUMERIC_BINS[factor][0] if factor in NUMERIC_BINS else factor
        for key in sorted(bins):
            rows.append(FactorRow(shown, key[-1], summarise(key[-1], bins[key])))
    return rows


@dataclass(frozen=True)
class CueSummary:
    """One corrective cue over all clips.

    Attributes:
        alarms: runs of frames showing it; correct: inside a fault it answers.
        faults, caught: faults it answers, and those answered (by any of their cues).
    """

    cue: str
    alarms: int
    correct: int
    faults: int
    caught: int

    @property
    def precision(self) -> float | None:
        return self.correct / self.alarms if self.alarms else None

    @property
    def recall(self) -> float | None:
        return self.caught / self.faults if self.faults else None


def by_cue(scores: list[ClipScore]) -> list[CueSummary]:
    """Precision and recall of each corrective cue that was shown or expected."""
    rows = []
    for cue in sorted(CORRECTIVE_CUES):
        alarms = [a for s in scores for a in s.alarms if a.cue == cue]
        faults = [f for s in scores for f in s.faults if cue in FAULT_CUES[f.label]]
        if alarms or faults:
            rows.append(CueSummary(cue, len(alarms), sum(a.correct for a in alarms),
                                   len(faults), sum(f.detected for f in faults)))
    return rows


def _grouped(scores: list[ClipScore], key: Callable[[ClipScore], str],
             order: Iterable[str]) -> list[GroupSummary]:
    groups: dict[str, list[ClipScore]] = {}
    for score in scores:
        groups.setdefault(key(score), []).append(score)
    names = [n for n in order if n in groups] + sorted(set(groups) - set(order))
    return [summarise(name, groups[name]) for name in names]


def _binner(factor: str, values: list) -> Callable[[object], tuple]:
    """value → (rank, sort value, shown bin) for one factor."""
    numeric = [v for v in values if _is_number(v)]
    if factor in NUMERIC_BINS:
        _, quantity, edges = NUMERIC_BINS[factor]
    elif len(numeric) == len(values) and len(set(numeric)) > _FEW_VALUES:
        quantity = float
        edges = tuple(float(e) for e in np.percentile(numeric, [100 / 3, 200 / 3]))
    else:
        return _category

    def binned(value: object) -> tuple:
        if not _is_number(value):
            return _category(value)
        k = int(np.searchsorted(edges, quantity(value), side="right"))
        if k == 0:
            return (0, k, f"< {edges[0]:g}")
        if k == len(edges):
            return (0, k, f"≥ {edges[-1]:g}")
        return (0, k, f"{edges[k - 1]:g}–{edges[k]:g}")

    return binned


def _category(value: object) -> tuple:
    if _is_number(value):
        return (0, float(value), f"{value:g}")
    return (1, 0.0, str(value).lower() if isinstance(value, bool) else str(value))


def _is_number(value: object) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _coverage(props) -> float | None:
    props = list(props)
    visible = sum(p.visible_frames for p in props)
    return sum(p.covered_frames for p in props) / visible if visible else None


def _percentile(values: list[float], q: float) -> float | None:
    return float(np.percentile(values, q)) if values else None
