"""Scoring a replay against ground truth: landmarks, prop position, and cue timing.

A fault label (e.g. ``slouched``) expects one of its cues within ``ONSET_LIMIT_S`` of the
segment's start and the cue gone within ``CLEAR_LIMIT_S`` of its end. A correct label (e.g.
``upright``, ``looking_down``) expects none of the cues it lists, except while a preceding fault
is still clearing (up to ``CLEAR_LIMIT_S`` after that fault's end).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from posecoach.evaluation.truth import Segment, Truth

ONSET_LIMIT_S = 3.0
CLEAR_LIMIT_S = 3.0

POSTURE_CUES = ("posture.slouch", "posture.forward_head", "posture.lean")
ROLLER_ZONE_CUES = ("roller.lumbar", "roller.cervical")
BALL_ZONE_CUES = ("ball.lumbar", "ball.neck")

#: Fault label → the cues that correctly answer it.
FAULT_CUES: dict[str, tuple[str, ...]] = {
    "slouched": ("posture.slouch", "posture.forward_head"),
    "leaning": ("posture.lean",),
    "roller_lumbar": ("roller.lumbar",),
    "roller_cervical": ("roller.cervical",),
    "rolling_too_fast": ("roller.too_fast",),
    "head_unsupported": ("roller.head",),
    "ball_lower_back": ("ball.lumbar",),
    "ball_neck": ("ball.neck",),
    "ball_moving_fast": ("ball.too_fast",),
    "ball_dropped": ("ball.lost",),
    "pressure_high": ("ball.pressure",),
}

#: Correct label → cues that must not fire during it.
FORBIDDEN_CUES: dict[str, tuple[str, ...]] = {
    "upright": POSTURE_CUES,
    "looking_down": POSTURE_CUES,
    "roller_thoracic": ROLLER_ZONE_CUES,
    "rolling_ok_pace": ("roller.too_fast",),
    "rolling_slow": ("roller.too_fast",),
    "ball_upper_back": BALL_ZONE_CUES,
    "setting_up": (*ROLLER_ZONE_CUES, "roller.too_fast", "roller.head", *BALL_ZONE_CUES,
                   "ball.too_fast", "ball.lost", "ball.pressure"),
    "empty": (*POSTURE_CUES, *ROLLER_ZONE_CUES, *BALL_ZONE_CUES),
}


@dataclass(frozen=True)
class FrameRecord:
    """What the pipeline said about one frame (the harness collects these).

    Attributes:
        t: time (s).
        cue: key of the cue shown, or None.
        landmarks: (33, 2) px, or None when nobody was tracked.
        prop_contact: (2,) px of the detected prop contact, or None.
        prop_fraction: detected prop position along hip→shoulder, or None.
        px_per_cm: the scale the analyzers used, or None.
    """

    t: float
    cue: str | None
    landmarks: np.ndarray | None = None
    prop_contact: np.ndarray | None = None
    prop_fraction: float | None = None
    px_per_cm: float | None = None


@dataclass
class FaultScore:
    """How one fault segment was answered."""

    label: str
    segment: Segment
    onset_latency_s: float | None  # None: never shown during the segment (+ limit)
    clear_latency_s: float | None  # None: still shown at the end of the video

    @property
    def detected(self) -> bool:
        return self.onset_latency_s is not None and self.onset_latency_s <= ONSET_LIMIT_S

    @property
    def cleared(self) -> bool:
        return self.clear_latency_s is not None and self.clear_latency_s <= CLEAR_LIMIT_S


@dataclass
class FalseAlarm:
    """A cue shown where the ground truth says it must not be."""

    cue: str
    label: str
    start_s: float
    duration_s: float


@dataclass
class SampleScore:
    name: str
    frames: int
    detection_rate: float
    landmark_error_pct: float | None  # median visible-joint error, % of torso length
    prop_error_cm: float | None  # median contact-point error along the spine, cm
    faults: list[FaultScore] = field(default_factory=list)
    false_alarms: list[FalseAlarm] = field(default_factory=list)
    cue_onsets: dict[str, int] = field(default_factory=dict)
    true_onsets: dict[str, int] = field(default_factory=dict)


def score_sample(truth: Truth, records: list[FrameRecord]) -> SampleScore:
    times = np.array([r.t for r in records])
    cues = [r.cue for r in records]
    score = SampleScore(
        name=truth.name,
        frames=len(records),
        detection_rate=float(np.mean([r.landmarks is not None for r in records])) if records
        else 0.0,
        landmark_error_pct=_landmark_error(truth, records),
        prop_error_cm=_prop_error(truth, records),
    )
    faults = [s for s in truth.segments if s.label in FAULT_CUES]
    for segment in faults:
        score.faults.append(_score_fault(segment, FAULT_CUES[segment.label], times, cues))
    score.false_alarms = _false_alarms(truth, faults, times, cues)
    onsets = _onsets(times, cues)
    for cue, t in onsets:
        score.cue_onsets[cue] = score.cue_onsets.get(cue, 0) + 1
        if any(cue in FAULT_CUES[s.label] and s.start_s <= t <= s.end_s for s in faults):
            score.true_onsets[cue] = score.true_onsets.get(cue, 0) + 1
    return score


def _score_fault(segment: Segment, accepted: tuple[str, ...], times: np.ndarray,
                 cues: list[str | None]) -> FaultScore:
    shown = np.array([c in accepted for c in cues])
    window = (times >= segment.start_s) & (times <= segment.end_s)
    onset = None
    if (shown & window).any():
        onset = float(times[shown & window][0] - segment.start_s)
    clear = None
    after = times >= segment.end_s
    if onset is not None and after.any():
        gone = after & ~shown
        if gone.any():
            clear = float(max(0.0, times[gone][0] - segment.end_s))
    elif onset is not None:
        clear = None
    return FaultScore(segment.label, segment, onset, clear)


def _false_alarms(truth: Truth, faults: list[Segment], times: np.ndarray,
                  cues: list[str | None]) -> list[FalseAlarm]:
    alarms: list[FalseAlarm] = []
    for segment in truth.segments:
        forbidden = FORBIDDEN_CUES.get(segment.label)
        if not forbidden:
            continue
        start: float | None = None
        current: str | None = None
        for t, cue in zip(times, cues, strict=True):
            inside = segment.contains(t) and cue in forbidden and not _clearing(
                cue, t, faults)
            if inside and start is None:
                start, current = t, cue
            elif not inside and start is not None:
                alarms.append(FalseAlarm(current, segment.label, float(start), float(t - start)))
                start = None
        if start is not None:
            alarms.append(FalseAlarm(current, segment.label, float(start),
                                     float(min(times[-1], segment.end_s) - start)))
    return alarms


def _clearing(cue: str, t: float, faults: list[Segment]) -> bool:
    """A fault's cue may linger up to CLEAR_LIMIT_S after the fault ended."""
    return any(cue in FAULT_CUES[f.label] and f.end_s <= t <= f.end_s + CLEAR_LIMIT_S
               for f in faults)


def _onsets(times: np.ndarray, cues: list[str | None]) -> list[tuple[str, float]]:
    onsets = []
    previous = None
    for t, cue in zip(times, cues, strict=True):
        if cue is not None and cue != previous:
            onsets.append((cue, float(t)))
        previous = cue
    return onsets


def _landmark_error(truth: Truth, records: list[FrameRecord]) -> float | None:
    """Median error of visible joints (shoulders, elbows, wrists, hips, knees, ankles) as a
    percentage of the true torso length, over frames where both exist."""
    joints = [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]
    errors = []
    for i, record in enumerate(records[: len(truth.landmarks)]):
        if record.landmarks is None:
            continue
        true = truth.landmarks[i]
        torso = np.linalg.norm((true[11] + true[12]) / 2 - (true[23] + true[24]) / 2)
        if not np.isfinite(torso) or torso < 1:
            continue
        for j in joints:
            if truth.visible[i, j] and np.isfinite(true[j]).all():
                errors.append(100.0 * np.linalg.norm(record.landmarks[j] - true[j]) / torso)
    return float(np.median(errors)) if errors else None


def _prop_error(truth: Truth, records: list[FrameRecord]) -> float | None:
    """Median error of the detected prop position along the spine, cm."""
    errors = []
    for i, record in enumerate(records[: len(truth.prop_fraction)]):
        if record.prop_fraction is None or not np.isfinite(truth.prop_fraction[i]):
            continue
        errors.append(abs(record.prop_fraction - truth.prop_fraction[i]) * truth.shoulder_hip_cm)
    return float(np.median(errors)) if errors else None
