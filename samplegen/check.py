"""Run MediaPipe PoseLandmarker (VIDEO mode) over the samples and score it against the truth.

Usage: ``python -m samplegen.check [NAME ...] [--model PATH] [--out REPORT.json]``

Per sample it prints the detection rate and the median error of the visible major joints
(shoulders, elbows, wrists, hips, knees, ankles whose truth ``visible`` is true), as a
percentage of the torso length (mid-shoulder ↔ mid-hip, truth pixels). Acceptance: ≥ 95 %
detection on every non-empty sample and a median error ≤ 10 %. For the empty room it reports
the false-detection rate instead. The ear offset (MediaPipe ear − anny COCO ear, pixels) is
reported on its own: it is a known constant difference of definitions, not an error.
"""

from __future__ import annotations

import argparse
import gzip
import json
import sys
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "samples" / "synthetic"
MODEL = ROOT / "models" / "pose_landmarker_full.task"
MAJOR_JOINTS = (11, 12, 13, 14, 15, 16, 23, 24, 25, 26, 27, 28)
MIN_DETECTION = 0.95
MAX_MEDIAN_ERROR_PCT = 10.0


def _landmarker(model: Path):
    from mediapipe.tasks.python import BaseOptions
    from mediapipe.tasks.python.vision import PoseLandmarker, PoseLandmarkerOptions, RunningMode

    opts = PoseLandmarkerOptions(
        base_options=BaseOptions(model_asset_path=str(model)),
        running_mode=RunningMode.VIDEO,
        num_poses=1,
    )
    return PoseLandmarker.create_from_options(opts)


def score_sample(truth_path: Path, model: Path) -> dict:
    """Detection rate and errors of one sample (see the module docstring)."""
    import mediapipe as mp

    raw = truth_path.read_bytes()
    truth = json.loads(gzip.decompress(raw) if truth_path.suffix == ".gz" else raw)
    video = truth_path.with_name(truth["name"] + ".mp4")
    w, h = truth["width"], truth["height"]
    errors, ear_dx, ear_dy, detected, shown = [], [], [], 0, 0
    per_joint: dict[int, list[float]] = {j: [] for j in MAJOR_JOINTS}
    with _landmarker(model) as lmk, av.open(str(video)) as container:
        for i, frame in enumerate(container.decode(video=0)):
            rgb = np.ascontiguousarray(frame.to_ndarray(format="rgb24"))
            image = mp.Image(image_format=mp.ImageFormat.SRGB, data=rgb)
            res = lmk.detect_for_video(image, int(round(i * 1000 / truth["fps"])))
            gt = truth["frames"][i]["landmarks_px"] if i < len(truth["frames"]) else [None]
            # Frames where the person is out of view (left the desk) do not count.
            in_view = gt[0] is not None and any(p[2] for p in gt)
            shown += in_view
            if not res.pose_landmarks:
                continue
            if not in_view:
                detected += gt[0] is None  # the empty room: a false detection
                continue
            detected += 1
            pred = np.array([[p.x * w, p.y * h] for p in res.pose_landmarks[0]])
            g = np.array([[p[0], p[1]] for p in gt])
            torso = np.linalg.norm(0.5 * (g[11] + g[12]) - 0.5 * (g[23] + g[24]))
            for j in MAJOR_JOINTS:
                if gt[j][2]:
                    e = 100.0 * float(np.linalg.norm(pred[j] - g[j])) / torso
                    errors.append(e)
                    per_joint[j].append(e)
            for j in (7, 8):
                if gt[j][2]:
                    ear_dx.append(pred[j][0] - g[j][0])
                    ear_dy.append(pred[j][1] - g[j][1])
    n = truth["frame_count"]
    empty = truth["exercise"] == "none"
    rate = detected / (n if empty else shown) if n and (empty or shown) else 0.0
    med = float(np.median(errors)) if errors else float("nan")
    ok = (rate <= 0.05) if empty else (rate >= MIN_DETECTION and med <= MAX_MEDIAN_ERROR_PCT)
    return {
        "name": truth["name"],
        "frames": n,
        "detection_rate": round(rate, 4),
        "median_error_pct_torso": None if empty else round(med, 2),
        "p90_error_pct_torso": (
            None if empty or not errors else round(float(np.percentile(errors, 90)), 2)
        ),
        "per_joint_median_pct": {
            str(j): round(float(np.median(v)), 2) for j, v in per_joint.items() if v
        },
        "ear_offset_px": None
        if not ear_dx
        else [round(float(np.median(ear_dx)), 1), round(float(np.median(ear_dy)), 1)],
        "pass": bool(ok),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="sample names (default: all truth files)")
    ap.add_argument("--model", type=Path, default=MODEL)
    ap.add_argument("--samples", type=Path, default=SAMPLES)
    ap.add_argument("--out", type=Path, default=None, help="write the results as JSON here")
    args = ap.parse_args(argv)
    if not args.model.exists():
        print(f"model not found: {args.model}", file=sys.stderr)
        return 2
    paths = sorted(args.samples.glob("*.truth.json")) + sorted(
        args.samples.glob("**/*.truth.json.gz")
    )
    if args.names:
        paths = [p for p in paths if p.name.split(".")[0] in args.names]
    rows = []
    print(
        f"{'sample':34} {'frames':>6} {'detect %':>8} {'median %':>8} {'p90 %':>6} "
        f"{'ear dx,dy px':>13}  result"
    )
    for p in paths:
        r = score_sample(p, args.model)
        rows.append(r)
        med = "-" if r["median_error_pct_torso"] is None else f"{r['median_error_pct_torso']:.1f}"
        p90 = "-" if r["p90_error_pct_torso"] is None else f"{r['p90_error_pct_torso']:.1f}"
        ear = "-" if r["ear_offset_px"] is None else "{:.0f},{:.0f}".format(*r["ear_offset_px"])
        print(
            f"{r['name']:34} {r['frames']:6d} {100 * r['detection_rate']:8.1f} {med:>8} "
            f"{p90:>6} {ear:>13}  {'PASS' if r['pass'] else 'FAIL'}",
            flush=True,
        )
    if args.out is not None:
        args.out.write_text(json.dumps(rows, indent=1) + "\n")
    return 0 if all(r["pass"] for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
