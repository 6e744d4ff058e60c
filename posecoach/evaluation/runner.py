"""Replay labelled samples through the real pipeline and score them."""

from __future__ import annotations

import json
import math
import time
from collections.abc import Callable, Iterable
from dataclasses import asdict, dataclass
from enum import Enum
from pathlib import Path

import numpy as np

from posecoach.config import Settings
from posecoach.evaluation.gate import Check, Thresholds
from posecoach.evaluation.scoring import ClipScore, FrameRecord, score_clip
from posecoach.evaluation.summary import by_coach, by_cue, by_factor, by_family
from posecoach.evaluation.truth import SUFFIXES, Truth, is_truth_file, load_truth, sample_name
from posecoach.selector import Exercise
from posecoach.types import FrameResult

REPORT_FORMAT = "posecoach-eval/1"


def find_truth_files(paths: Iterable[Path]) -> list[Path]:
    """Truth files named directly or found (recursively) in the given folders. Where a clip
    has both ``.truth.json`` and ``.truth.json.gz``, the plain one is read."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            # Folders may also hold other truth files (e.g. hand-checked boxes): keep ours.
            candidates = sorted(p for suffix in SUFFIXES for p in path.rglob(f"*{suffix}"))
            plain = {p.with_name(sample_name(p)) for p in candidates
                     if p.name.endswith(".truth.json")}
            found.extend(p for p in candidates if is_truth_file(p)
                         and not (p.name.endswith(".gz") and p.with_name(sample_name(p))
                                  in plain))
        else:
            found.append(path)
    return found


def load_samples(files: Iterable[Path], split: str | None = None) -> list[Truth]:
    """The truths of ``files`` (only those of ``split`` when given), sorted by name."""
    truths = [load_truth(path) for path in files]
    if split is not None:
        truths = [t for t in truths if t.split == split]
    return sorted(truths, key=lambda t: (t.split or "", t.family, t.name))


def record_of(result: FrameResult) -> FrameRecord:
    """What the harness keeps of a frame result."""
    prop = result.prop
    center = None
    if prop is not None and result.exercise is Exercise.BALL and result.ball is not None:
        center = result.ball.center_px
    return FrameRecord(
        t=result.t,
        cue=result.cue.key if result.cue else None,
        landmarks=None if result.pose is None else result.pose.xy.copy(),
        prop_contact=None if prop is None else prop.contact_px,
        prop_fraction=None if prop is None else prop.spine_fraction,
        px_per_cm=None if prop is None else prop.px_per_cm,
        prop_center=None if center is None else np.asarray(center, dtype=float),
    )


def replay(truth: Truth, settings: Settings) -> list[FrameRecord]:
    """Run the sample's video through the pipeline as a user would (uncalibrated)."""
    from posecoach.session import Outputs, run_session
    from posecoach.sources import VideoFileSource

    records: list[FrameRecord] = []
    run_session(VideoFileSource(truth.video), settings, Outputs(), show_window=False,
                save_calibrations=False,
                on_result=lambda result: records.append(record_of(result)))
    return records


def evaluate(sample: Path | Truth, settings: Settings | None = None) -> ClipScore:
    """Replay one sample and score it."""
    truth = sample if isinstance(sample, Truth) else load_truth(sample)
    return score_clip(truth, replay(truth, settings or Settings()))


@dataclass(frozen=True)
class ClipDone:
    """Reported after each clip: ``index`` of ``total`` done, in ``seconds`` of wall time."""

    index: int
    total: int
    score: ClipScore
    seconds: float


def evaluate_all(truths: list[Truth], settings: Settings,
                 on_clip: Callable[[ClipDone], None] | None = None) -> list[ClipScore]:
    """Every sample in this process, one after the other (one model load per clip)."""
    scores = []
    for index, truth in enumerate(truths, start=1):
        start = time.monotonic()
        score = evaluate(truth, settings)
        scores.append(score)
        if on_clip is not None:
            on_clip(ClipDone(index, len(truths), score, time.monotonic() - start))
    return scores


def report(scores: list[ClipScore], limits: Thresholds, checks: list[Check]) -> dict:
    """Everything measured, as JSON-ready data."""
    return _jsonable({
        "format": REPORT_FORMAT,
        "families": [_group(g) for g in by_family(scores)],
        "coaches": [_group(g) for g in by_coach(scores)],
        "factors": [{"factor": r.factor, "bin": r.bin, **_group(r.summary)}
                    for r in by_factor(scores)],
        "cues": [{**asdict(c), "precision": c.precision, "recall": c.recall}
                 for c in by_cue(scores)],
        "gate": {"thresholds": asdict(limits),
                 "checks": [{**asdict(c), "passed": c.passed} for c in checks]},
        "clips": [_clip(s) for s in scores],
    })


def write_report(scores: list[ClipScore], path: Path, limits: Thresholds | None = None,
                 checks: list[Check] | None = None) -> None:
    payload = report(scores, limits or Thresholds(), checks or [])
    path.write_text(json.dumps(payload, indent=2, allow_nan=False) + "\n", encoding="utf-8")


def _group(summary) -> dict:
    return {**asdict(summary), "recall": summary.recall,
            "false_alarm_rate": summary.false_alarm_rate}


def _clip(score: ClipScore) -> dict:
    data = asdict(score)
    prop = score.prop
    data["prop"] = {"kind": prop.kind, "spine_error_cm": prop.spine_error_cm,
                    "centre_error_cm": prop.centre_error_cm, "coverage": prop.coverage,
                    "visible_frames": prop.visible_frames, "covered_frames": prop.covered_frames,
                    "phantom_frames": prop.phantom_frames}
    return data


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None if math.isnan(value) else "inf"
    return value
