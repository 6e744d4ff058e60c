"""Replay labelled samples through the real pipeline and score them."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path

import numpy as np

from posecoach.config import Settings
from posecoach.evaluation.scoring import FAULT_CUES, FrameRecord, SampleScore, score_sample
from posecoach.evaluation.truth import FORMAT, load_truth
from posecoach.session import Outputs, run_session
from posecoach.sources import VideoFileSource
from posecoach.types import FrameResult


def find_truth_files(paths: list[Path]) -> list[Path]:
    """Truth files named directly or found (recursively) in the given folders."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            # Folders may also hold other truth files (e.g. hand-checked boxes): keep ours.
            found.extend(p for p in sorted(path.rglob("*.truth.json"))
                         if f'"{FORMAT}"' in p.read_text(encoding="utf-8")[:200])
        else:
            found.append(path)
    return found


def record_of(result: FrameResult) -> FrameRecord:
    prop = result.extras.get("prop")
    return FrameRecord(
        t=result.t,
        cue=result.cue.key if result.cue else None,
        landmarks=None if result.pose is None else result.pose.xy.copy(),
        prop_contact=getattr(prop, "contact_px", None),
        prop_fraction=getattr(prop, "spine_fraction", None),
        px_per_cm=getattr(prop, "px_per_cm", None),
    )


def evaluate(truth_file: Path, settings: Settings | None = None) -> SampleScore:
    """Replay one sample (as a user would, uncalibrated) and score it."""
    truth = load_truth(truth_file)
    records: list[FrameRecord] = []
    run_session(VideoFileSource(truth.video), settings or Settings(), Outputs(),
                show_window=False, save_calibrations=False,
                on_result=lambda result: records.append(record_of(result)))
    return score_sample(truth, records)


def summary_rows(scores: list[SampleScore]) -> list[dict]:
    """One row per sample and fault, for the printed table and the JSON report."""
    rows = []
    for score in scores:
        base = {
            "sample": score.name,
            "person_%": round(100 * score.detection_rate, 1),
            "joint_err_%": _round(score.landmark_error_pct),
            "prop_err_cm": _round(score.prop_error_cm),
            "false_alarms": len(score.false_alarms),
            "false_s": round(sum(a.duration_s for a in score.false_alarms), 1),
        }
        if not score.faults:
            rows.append({**base, "fault": "—", "onset_s": None, "clear_s": None,
                         "caught": None})
        for fault in score.faults:
            rows.append({**base, "fault": fault.label,
                         "onset_s": _round(fault.onset_latency_s),
                         "clear_s": _round(fault.clear_latency_s),
                         "caught": fault.detected})
    return rows


def totals(scores: list[SampleScore]) -> dict[str, dict[str, float]]:
    """Per corrective cue: precision (onsets inside a fault they answer / all its onsets) and,
    per fault label, recall (faults caught within the limit). Information cues are left out."""
    per_cue: dict[str, dict[str, float]] = {}
    corrective = {cue for cues in FAULT_CUES.values() for cue in cues}
    for score in scores:
        for cue, count in score.cue_onsets.items():
            if cue not in corrective:
                continue  # information (hold, move on, placement note): no fault to match
            entry = per_cue.setdefault(cue, {"onsets": 0, "true_onsets": 0, "faults": 0,
                                             "caught": 0})
            entry["onsets"] += count
            entry["true_onsets"] += score.true_onsets.get(cue, 0)
        for fault in score.faults:
            entry = per_cue.setdefault(fault.label, {"onsets": 0, "true_onsets": 0,
                                                     "faults": 0, "caught": 0})
            entry["faults"] += 1
            entry["caught"] += int(fault.detected)
    for entry in per_cue.values():
        entry["precision"] = (entry["true_onsets"] / entry["onsets"]) if entry["onsets"] else None
        entry["recall"] = (entry["caught"] / entry["faults"]) if entry["faults"] else None
    return per_cue


def write_report(scores: list[SampleScore], path: Path) -> None:
    payload = {
        "rows": summary_rows(scores),
        "per_cue": totals(scores),
        "samples": [_jsonable(asdict(score)) for score in scores],
    }
    path.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
