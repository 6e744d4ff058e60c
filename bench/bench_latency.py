"""Capture → cue-on-screen latency through the live path, beyond the model's own time.

Each clip is played by the paced camera (:class:`~posecoach.sources.PacedFileCamera`, the same
``CameraSource`` code path as a webcam: capture thread, newest frame wins) into a live session
with its window: model, stages, coach, overlay, the window. Every frame carries the monotonic
time the source read it; :class:`~posecoach.pipeline.LatencyMeter` takes the time again once
the annotated picture with its cue went to the window. The table gives, per clip, the median
and 95th percentile of that latency minus the model's own time on the same frame (issue 12
§3 targets ≤ 80 ms), the latency itself, the model's time, and how many camera frames were
dropped because the analysis was still busy (stale frames are dropped, never queued).

The first second of every clip is left out (the model's start-up and first detection).

Needs a display for the window: with none, it runs itself again under ``xvfb-run``. Run::

    python bench/bench_latency.py
    python bench/bench_latency.py --clip "seated=samples/synthetic/seated_side_slouch.mp4"
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]  # measure the posecoach beside this script

from posecoach.config import Settings  # noqa: E402
from posecoach.display import display_available  # noqa: E402
from posecoach.pipeline import LatencyMeter  # noqa: E402
from posecoach.session import Outputs, run_session  # noqa: E402
from posecoach.sources import CameraSource, PacedFileCamera  # noqa: E402
from posecoach.types import FrameResult  # noqa: E402

VAL = ROOT / "samples" / "generalisation" / "val"
#: One clip per exercise from the val split (640×480 where the split has one).
DEFAULT_CLIPS = (
    f"seated side={VAL / 'seated_side-plain-436443.mp4'}",
    f"desk front={VAL / 'seated_front-plain-165199.mp4'}",
    f"roller={VAL / 'roller-plain-598008.mp4'}",
    f"wall ball={VAL / 'ball_wall-plain-674245.mp4'}",
    f"floor ball={VAL / 'ball_floor-plain-499344.mp4'}",
)
WARMUP_S = 1.0
TARGET_MS = 80.0


def measure(path: Path, settings: Settings) -> dict[str, float]:
    meter = LatencyMeter()
    times: list[float] = []

    def seen(result: FrameResult) -> None:
        if result.captured is not None:
            times.append(result.t)  # one per meter entry, in the same order

    source = CameraSource(PacedFileCamera(path))
    stats = run_session(source, settings, Outputs(), show_window=True, save_calibrations=False,
                        on_result=seen, latency=meter)
    keep = np.asarray(times) >= WARMUP_S
    beyond = meter.beyond_model_ms()[keep]
    latency = np.asarray(meter.latency_ms)[keep]
    model = np.asarray(meter.model_ms)[keep]
    return {
        "frames": float(keep.sum()),
        "captured": float(source.captured),
        "dropped": float(source.dropped),
        "beyond_median": float(np.median(beyond)),
        "beyond_p95": float(np.percentile(beyond, 95)),
        "latency_median": float(np.median(latency)),
        "latency_p95": float(np.percentile(latency, 95)),
        "model_median": float(np.median(model)),
        "fps": stats.fps,
        "source_fps": source.info.fps,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", action="append", default=None,
                        help="label=path; repeat for several (default: one per exercise)")
    args = parser.parse_args()
    if not display_available():
        if shutil.which("xvfb-run") is None or os.environ.get("POSECOACH_BENCH_XVFB"):
            sys.exit("bench_latency needs a display (or xvfb-run) for the window")
        env = {**os.environ, "POSECOACH_BENCH_XVFB": "1"}
        os.execvpe("xvfb-run", ["xvfb-run", "-a", sys.executable, __file__, *sys.argv[1:]], env)
    with tempfile.TemporaryDirectory() as home:
        # Baselines and the safety-note marker go to a scratch folder, not the user's.
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
            os.environ[name] = home
        rows = []
        for spec in args.clip or DEFAULT_CLIPS:
            label, _, path = spec.partition("=")
            rows.append((label, Path(path), measure(Path(path), Settings())))
    print(f"load average at the end: {os.getloadavg()[0]:.2f} (2 cores)")
    print("| clip | camera fps | beyond model: median / p95 ms | latency median / p95 ms "
          "| model median ms | frames shown | dropped / captured |")
    print("|---|---|---|---|---|---|---|")
    for label, path, r in rows:
        print(f"| {label} ({path.stem}) | {r['source_fps']:.0f} | "
              f"{r['beyond_median']:.1f} / {r['beyond_p95']:.1f} | "
              f"{r['latency_median']:.1f} / {r['latency_p95']:.1f} | {r['model_median']:.1f} | "
              f"{r['frames']:.0f} | {r['dropped']:.0f} / {r['captured']:.0f} |")
    worst = max(r["beyond_p95"] for _, _, r in rows)
    print(f"target: ≤ {TARGET_MS:.0f} ms beyond the model; worst p95 {worst:.1f} ms")


if __name__ == "__main__":
    main()
