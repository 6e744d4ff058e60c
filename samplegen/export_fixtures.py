"""Write small landmark fixtures from the truth files into ``tests/fixtures/landmarks/``.

Usage: ``python -m samplegen.export_fixtures``

Each fixture is one frame picked inside a labelled segment (so analyzers and the coach can be
unit-tested without the model), plus one second of surrounding frames for speed-like states::

    {"source": name, "frame": i, "t": s, "width": W, "height": H, "view": ..., "exercise": ...,
     "landmarks_px": [[x, y, visible] ... 33], "prop": {...} | null, "labels": [...],
     "body": {...}, "sequence": [{"i", "t", "landmarks_px", "prop"} ... 15]}

``<state>.json`` is taken 40 % into the state's first segment, ``<state>_late.json`` at 80 %.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "synthetic"
OUT = ROOT / "tests" / "fixtures" / "landmarks"

#: (fixture name, sample, label) — the frame comes from that label's first segment.
FIXTURES: tuple[tuple[str, str, str], ...] = (
    ("seated_side_upright", "seated_side_slouch", "upright"),
    ("seated_side_slouched", "seated_side_slouch", "slouched"),
    ("seated_side_far_upright", "seated_side_far", "upright"),
    ("seated_side_far_slouched", "seated_side_far", "slouched"),
    ("desk_front_upright", "desk_front", "upright"),
    ("desk_front_looking_down", "desk_front", "looking_down"),
    ("desk_front_slouched", "desk_front", "slouched"),
    ("desk_front_leaning", "desk_front", "leaning"),
    ("roller_setting_up", "roller_thoracic_ok", "setting_up"),
    ("roller_thoracic", "roller_thoracic_ok", "rolling_ok_pace"),
    ("roller_lumbar", "roller_drift_lumbar", "roller_lumbar"),
    ("roller_too_fast", "roller_too_fast", "rolling_too_fast"),
    ("roller_cervical", "roller_neck", "roller_cervical"),
    ("roller_head_unsupported", "roller_head_unsupported", "head_unsupported"),
    ("ball_wall_upper", "ball_wall_upper", "ball_upper_back"),
    ("ball_wall_pressure_high", "ball_wall_upper", "pressure_high"),
    ("ball_wall_lower", "ball_wall_lower", "ball_lower_back"),
    ("ball_wall_neck", "ball_wall_neck", "ball_neck"),
    ("ball_wall_fast", "ball_wall_fast", "ball_moving_fast"),
    ("ball_dropped", "ball_wall_drop", "ball_dropped"),
    ("ball_floor_upper", "ball_floor", "ball_upper_back"),
    ("ball_floor_pressure_high", "ball_floor", "pressure_high"),
    ("empty_room", "empty_room", "empty"),
)
SEQUENCE_FRAMES = 15


def labels_at(truth: dict, t: float) -> list[str]:
    """Every label whose segment contains time ``t`` (s)."""
    return sorted(s["label"] for s in truth["segments"] if s["start_s"] <= t < s["end_s"])


def fixture(truth: dict, label: str, where: float) -> dict | None:
    """The fixture for ``label`` at fraction ``where`` of its first segment, or None."""
    seg = next((s for s in truth["segments"] if s["label"] == label), None)
    if seg is None:
        return None
    t = seg["start_s"] + where * (seg["end_s"] - seg["start_s"])
    i = min(int(round(t * truth["fps"])), truth["frame_count"] - 1)
    fr = truth["frames"][i]
    lo = max(0, i - SEQUENCE_FRAMES // 2)
    seq = [
        {"i": f["i"], "t": f["t"], "landmarks_px": f["landmarks_px"], "prop": f["prop"]}
        for f in truth["frames"][lo : lo + SEQUENCE_FRAMES]
    ]
    return {
        "source": truth["name"],
        "frame": i,
        "t": fr["t"],
        "width": truth["width"],
        "height": truth["height"],
        "view": truth["view"],
        "exercise": truth["exercise"],
        "landmarks_px": fr["landmarks_px"],
        "prop": fr["prop"],
        "labels": labels_at(truth, fr["t"]),
        "body": truth["body"],
        "sequence": seq,
    }


def main() -> int:
    OUT.mkdir(parents=True, exist_ok=True)
    written = 0
    for name, sample, label in FIXTURES:
        path = SAMPLES / f"{sample}.truth.json"
        if not path.exists():
            print(f"skip {name}: {path.name} missing", file=sys.stderr)
            continue
        truth = json.loads(path.read_text())
        for suffix, where in (("", 0.4), ("_late", 0.8)):
            fx = fixture(truth, label, where)
            if fx is None:
                print(f"skip {name}{suffix}: no {label!r} segment in {sample}", file=sys.stderr)
                continue
            (OUT / f"{name}{suffix}.json").write_text(json.dumps(fx, separators=(",", ":")) + "\n")
            written += 1
    print(f"wrote {written} fixtures to {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
