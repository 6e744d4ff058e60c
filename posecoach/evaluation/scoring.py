"""Scoring one replay against its ground truth: cues, clearing, landmarks and the prop.

The rules (issue 10, "scoring that cannot be gamed"):

- A corrective cue (any cue in ``FAULT_CUES``) shown at time t is right only while a fault it
  answers covers t, from ``PRE_GRACE_S`` before the fault's labelled start (the unlabelled
  transition) until ``CLEAR_LIMIT_S`` after its end. Anywhere else it is a false alarm: in a
  stretch with no fault, or the wrong cue during another fault. No label permits a cue.
- No-fault stretches are the labelled time (short unlabelled movements between two labelled
  states included) outside every fault and its grace windows; a stretch with at least one false
  alarm counts against the false-alarm rate.
- Every fault is timed: onset (first answering cue from ``PRE_GRACE_S`` before its start) and
  clearing (cue gone within ``CLEAR_LIMIT_S`` of its end). A clip that ends before the clearing
  could be seen leaves the fault "unscorable", never passed.
- The prop: error of its position along the spine (cm), the ball's centre (cm at the ball's
  depth), and coverage (frames with a position ÷ frames where the prop is visible and on the
  back).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

import numpy as np

from posecoach.evaluation.truth import Segment, Truth

#: Labels start 1 s after a change of state (samplegen.labels.TRANSITION_S): a cue in that
#: unlabelled second before a fault is early, not wrong.
PRE_GRACE_S = 1.0
#: A fault's cue must be gone this long after the fault is corrected (issue 11 acceptance).
CLEAR_LIMIT_S = 2.0
#: A fault counts as found (recall) when its cue comes within this long of its start.
DETECT_WITHIN_S = 3.0
#: Unlabelled movements between two labelled states last 1–2 s (samples/synthetic/README.md
#: "Labels"); up to this long they belong to the surrounding no-fault stretch.
GAP_BRIDGE_S = 2.0
#: Remnants of a stretch shorter than this (between two grace windows) are not stretches.
MIN_STRETCH_S = 1.0

# Targets of issue 11 ("Coaching that holds up on unseen footage"), per family, on `test`.
TARGET_RECALL = 0.95
TARGET_FALSE_ALARM_RATE = 0.05
TARGET_ONSET_S = 1.5  # median
TARGET_CLEAR_S = CLEAR_LIMIT_S  # every fault
TARGET_ROLLER_ERROR_CM = 3.0  # median, along the spine
TARGET_ROLLER_ERROR_P90_CM = 6.0
TARGET_BALL_ERROR_CM = 1.5  # median, ball centre
TARGET_PROP_COVERAGE = 0.90

_EPS = 1e-6

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

#: Every corrective cue. Others (hold, move on, turn side-on, more light) inform only.
CORRECTIVE_CUES: frozenset[str] = frozenset(c for cues in FAULT_CUES.values() for c in cues)


def is_corrective(cue: str | None) -> bool:
    return cue is not None and cue in CORRECTIVE_CUES


@dataclass(frozen=True)
class FrameRecord:
    """What the pipeline said about one frame (the harness collects these).

    Attributes:
        t: time (s).
        cue: key of the cue shown, or None.
        landmarks: (33, 2) px, or None when nobody was tracked.
        prop_contact: (2,) px of the detected prop contact, or None.
        prop_fraction: detected prop position along hip→shoulder, or None (no position).
        px_per_cm: the scale the analyzers used, or None.
        prop_center: (2,) px of the detected ball centre, or None.
    """

    t: float
    cue: str | None
    landmarks: np.ndarray | None = None
    prop_contact: np.ndarray | None = None
    prop_fraction: float | None = None
    px_per_cm: float | None = None
    prop_center: np.ndarray | None = None


class ClearStatus(Enum):
    """How a fault's cue went away after the fault was corrected."""

    CLEARED = "cleared"  # gone within CLEAR_LIMIT_S
    NOT_CLEARED = "not cleared"  # still shown later than that
    UNSCORABLE = "unscorable"  # the clip ends before it could be seen
    NOT_SHOWN = "not shown"  # the cue never came: nothing to clear (recall counts the miss)


@dataclass(frozen=True)
class FaultScore:
    """How one fault segment was answered.

    Attributes:
        onset_s: from the fault's start to its first answering cue (0 if already shown), None
            when none came before the fault ended.
        clear_latency_s: from the fault's end until its cue was gone for good; None when not
            seen to go (see ``clear``).
    """

    label: str
    start_s: float
    end_s: float
    onset_s: float | None
    clear: ClearStatus
    clear_latency_s: float | None

    @property
    def detected(self) -> bool:
        return self.onset_s is not None and self.onset_s <= DETECT_WITHIN_S + _EPS

    @property
    def clear_scorable(self) -> bool:
        return self.clear in (ClearStatus.CLEARED, ClearStatus.NOT_CLEARED)

    @property
    def clear_value_s(self) -> float | None:
        """Clearing time for limits: infinite when the cue never went, None if unscorable."""
        if not self.clear_scorable:
            return None
        return float("inf") if self.clear_latency_s is None else self.clear_latency_s


@dataclass(frozen=True)
class Alarm:
    """A run of frames showing one corrective cue, all right or all wrong.

    Attributes:
        correct: inside a fault it answers (with grace windows).
        labels: the labels at its start ("" when unlabelled), to say where it happened.
    """

    cue: str
    start_s: float
    end_s: float
    correct: bool
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Stretch:
    """A stretch with no fault; ``false_cues`` are the corrective cues shown in it."""

    start_s: float
    end_s: float
    labels: tuple[str, ...]
    false_cues: tuple[str, ...]

    @property
    def false_alarm(self) -> bool:
        return bool(self.false_cues)


@dataclass(frozen=True)
class PropScore:
    """The prop's position against the truth.

    Attributes:
        kind: "roller", "ball" or "" (no prop in the scene).
        spine_errors_cm: per frame with both positions, |error| along the spine, cm.
        centre_errors_cm: per ball frame with both, image distance of the centres ÷ the true
            scale at the ball, cm.
        visible_frames: frames where the prop is visible and on the back.
        covered_frames: of those, frames where the pipeline gave a position.
        phantom_frames: frames with a position while the prop is not on the back.
    """

    kind: str
    spine_errors_cm: tuple[float, ...] = ()
    centre_errors_cm: tuple[float, ...] = ()
    visible_frames: int = 0
    covered_frames: int = 0
    phantom_frames: int = 0

    @property
    def coverage(self) -> float | None:
        return self.covered_frames / self.visible_frames if self.visible_frames else None

    @property
    def spine_error_cm(self) -> float | None:
        return _median(self.spine_errors_cm)

    @property
    def centre_error_cm(self) -> float | None:
        return _median(self.centre_errors_cm)


@dataclass(frozen=True)
class ClipScore:
    """Everything scored on one clip."""

    name: str
    family: str
    split: str | None
    transition: str | None
    frames: int
    duration_s: float
    detection_rate: float
    landmark_error_pct: float | None  # median visible-joint error, % of torso length
    prop: PropScore
    faults: tuple[FaultScore, ...] = ()
    stretches: tuple[Stretch, ...] = ()
    alarms: tuple[Alarm, ...] = ()
    nuisance: dict[str, Any] = field(default_factory=dict)

    @property
    def false_alarms(self) -> tuple[Alarm, ...]:
        return tuple(a for a in self.alarms if not a.correct)


def score_clip(truth: Truth, records: list[FrameRecord]) -> ClipScore:
    """Score one replay (records in time order) against its truth."""
    times = np.array([r.t for r in records], dtype=float)
    if np.any(np.diff(times) <= 0):
        raise ValueError(f"{truth.name}: frame times must strictly increase")
    cues = [r.cue for r in records]
    faults = [s for s in truth.segments if s.label in FAULT_CUES]
    correct = [None if not is_corrective(c) else _answers(c, t, faults)
               for c, t in zip(cues, times, strict=True)]
    return ClipScore(
        name=truth.name,
        family=truth.family,
        split=truth.split,
        transition=truth.transition,
        frames=len(records),
        duration_s=float(times[-1] - times[0]) if len(times) else 0.0,
        detection_rate=float(np.mean([r.landmarks is not None for r in records]))
        if records else 0.0,
        landmark_error_pct=_landmark_error(truth, records),
        prop=score_prop(truth, records),
        faults=tuple(score_fault(f, faults, times, cues) for f in faults),
        stretches=_stretches(truth.segments, faults, times, cues, correct),
        alarms=_alarms(truth, times, cues, correct),
        nuisance=dict(truth.nuisance),
    )


def _answers(cue: str, t: float, faults: list[Segment]) -> bool:
    return any(cue in FAULT_CUES[f.label]
               and f.start_s - PRE_GRACE_S - _EPS <= t <= f.end_s + CLEAR_LIMIT_S + _EPS
               for f in faults)


def score_fault(fault: Segment, faults: list[Segment], times: np.ndarray,
                cues: list[str | None]) -> FaultScore:
    """Onset and clearing of one fault (``faults``: all the clip's faults, for the next one
    answered by the same cue, until which clearing is watched)."""
    accepted = FAULT_CUES[fault.label]
    shown = np.array([c in accepted for c in cues], dtype=bool)
    window = (times >= fault.start_s - PRE_GRACE_S - _EPS) & (times <= fault.end_s + _EPS)
    if not (shown & window).any():
        return FaultScore(fault.label, fault.start_s, fault.end_s, None, ClearStatus.NOT_SHOWN,
                          None)
    onset = max(0.0, float(times[shown & window][0]) - fault.start_s)
    status, latency = _clearing(fault, faults, times, shown)
    return FaultScore(fault.label, fault.start_s, fault.end_s, onset, status, latency)


def _clearing(fault: Segment, faults: list[Segment], times: np.ndarray,
              shown: np.ndarray) -> tuple[ClearStatus, float | None]:
    accepted = set(FAULT_CUES[fault.label])
    # Watch until a later fault answered by the same cue begins (its early grace included).
    horizon = min((max(fault.end_s, f.start_s - PRE_GRACE_S) for f in faults
                   if f is not fault and f.end_s > fault.end_s
                   and accepted & set(FAULT_CUES[f.label])), default=float("inf"))
    deadline = fault.end_s + CLEAR_LIMIT_S
    if horizon <= fault.end_s + _EPS or times[-1] < min(deadline, horizon) - _EPS:
        return ClearStatus.UNSCORABLE, None  # the same cue is due on, or the clip ended
    watched = np.flatnonzero((times >= fault.end_s - _EPS) & (times < horizon))
    on = watched[shown[watched]]
    if on.size == 0:
        return ClearStatus.CLEARED, 0.0
    gone = on[-1] + 1
    if gone < len(times) and times[gone] < horizon:
        latency = float(times[gone]) - fault.end_s
        ok = latency <= CLEAR_LIMIT_S + _EPS
        return (ClearStatus.CLEARED if ok else ClearStatus.NOT_CLEARED), latency
    # Still shown at the end of what is watched: failed if that is past the limit.
    end = min(horizon, float(times[-1]))
    if end - fault.end_s > CLEAR_LIMIT_S + _EPS:
        return ClearStatus.NOT_CLEARED, None
    return ClearStatus.UNSCORABLE, None


def no_fault_stretches(segments: tuple[Segment, ...] | list[Segment], t_first: float,
                       t_last: float) -> list[tuple[float, float]]:
    """(start, end) of each stretch with no fault between ``t_first`` and ``t_last``."""
    faults = [s for s in segments if s.label in FAULT_CUES]
    covered = _merge([(s.start_s, s.end_s) for s in segments], bridge=GAP_BRIDGE_S)
    windows = _merge([(f.start_s - PRE_GRACE_S, f.end_s + CLEAR_LIMIT_S) for f in faults])
    stretches = []
    for start, end in _subtract(covered, windows):
        start, end = max(start, t_first), min(end, t_last)
        if end - start >= MIN_STRETCH_S - _EPS:
            stretches.append((start, end))
    return stretches


def _stretches(segments: tuple[Segment, ...], faults: list[Segment], times: np.ndarray,
               cues: list[str | None], correct: list[bool | None]) -> tuple[Stretch, ...]:
    if len(times) == 0:
        return ()
    out = []
    for start, end in no_fault_stretches(segments, float(times[0]), float(times[-1])):
        inside = (times >= start - _EPS) & (times <= end + _EPS)
        false_cues = sorted({cues[i] for i in np.flatnonzero(inside) if correct[i] is False})
        labels = sorted({s.label for s in segments if s.start_s < end and s.end_s > start})
        out.append(Stretch(start, end, tuple(labels), tuple(false_cues)))
    return tuple(out)


def _alarms(truth: Truth, times: np.ndarray, cues: list[str | None],
            correct: list[bool | None]) -> tuple[Alarm, ...]:
    alarms: list[Alarm] = []
    start = 0
    for i in range(1, len(cues) + 1):
        ended = i == len(cues) or cues[i] != cues[start] or correct[i] != correct[start]
        if not ended:
            continue
        cue = cues[start]
        if is_corrective(cue):
            end = float(times[i]) if i < len(times) else float(times[-1])
            labels = tuple(sorted(truth.labels_at(float(times[start])))) or ("",)
            alarms.append(Alarm(cue, float(times[start]), end, bool(correct[start]), labels))
        start = i
    return tuple(alarms)


def score_prop(truth: Truth, records: list[FrameRecord]) -> PropScore:
    """Prop position error and coverage over the frames the truth knows."""
    prop = truth.prop
    if not prop.kind:
        return PropScore("")
    spine, centre = [], []
    visible = covered = phantom = 0
    for record, i in _indexed(truth, records):
        found = record.prop_fraction is not None
        if prop.visible[i] and prop.in_contact[i]:
            visible += 1
            covered += int(found)
        if not found:
            continue
        if not prop.in_contact[i]:
            phantom += 1
            continue
        if np.isfinite(prop.fraction[i]):
            spine.append(abs(record.prop_fraction - prop.fraction[i]) * truth.shoulder_hip_cm)
        if (prop.kind == "ball" and record.prop_center is not None
                and np.isfinite(prop.center_px[i]).all() and np.isfinite(prop.px_per_cm[i])):
            distance = np.linalg.norm(np.asarray(record.prop_center) - prop.center_px[i])
            centre.append(float(distance / prop.px_per_cm[i]))
    return PropScore(prop.kind, tuple(float(e) for e in spine), tuple(centre), visible,
                     covered, phantom)


def _indexed(truth: Truth, records: list[FrameRecord]):
    """(record, truth frame index) for records inside the truth's frames (matched by time)."""
    n = len(truth.prop.visible)
    for record in records:
        i = int(round(record.t * truth.fps))
        if 0 <= i < n:
            yield record, i


def _landmark_error(truth: Truth, records: list[FrameRecord]) -> float | None:
    """Median error of visible joints (shoulders, elbows, wrists, hips, knees, ankles) as a
    percentage of the true torso length, over frames where both exist."""
    joints = [11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28]
    errors = []
    for record, i in _indexed(truth, records):
        if record.landmarks is None:
            continue
        true = truth.landmarks[i]
        torso = np.linalg.norm((true[11] + true[12]) / 2 - (true[23] + true[24]) / 2)
        if not np.isfinite(torso) or torso < 1:
            continue
        for j in joints:
            if truth.visible[i, j] and np.isfinite(true[j]).all():
                errors.append(100.0 * np.linalg.norm(record.landmarks[j] - true[j]) / torso)
    return _median(errors)


def _merge(intervals: list[tuple[float, float]], bridge: float = 0.0) -> list[tuple[float, float]]:
    merged: list[tuple[float, float]] = []
    for start, end in sorted(intervals):
        if merged and start <= merged[-1][1] + bridge + _EPS:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _subtract(intervals: list[tuple[float, float]],
              holes: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = []
    for start, end in intervals:
        pieces = [(start, end)]
        for hole_start, hole_end in holes:
            pieces = [piece for a, b in pieces for piece in
                      ((a, min(b, hole_start)), (max(a, hole_end), b)) if piece[1] > piece[0]]
        out.extend(pieces)
    return out


def _median(values) -> float | None:
    return float(np.median(values)) if len(values) else None
