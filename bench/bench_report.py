"""Time to make the session report of a long session, and the history page of many.

Synthesises a 30-minute session at 30 fps as a session record (54,000 frame rows of the real
row format, landmarks included: 20 minutes at the desk with a slouch now and then, 10 on the
roller with a drift onto the lower back), then times ``posecoach report RECORD`` as a user runs
it (a fresh process: start-up, reading the log, summary, plots, page) and, in this process,
each step. Then ``posecoach history`` over 90 records. Run:

    python bench/bench_report.py [--minutes 30] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import math
import random
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from posecoach.record.store import FRAMES, SUMMARY, new_record_dir, write_json_atomic  # noqa: E402
from posecoach.record.summary import SummaryBuilder, summarise_rows  # noqa: E402


def synthetic_rows(minutes: float, fps: float = 30.0, seed: int = 0):
    """Frame records of a desk-then-roller session, in the JSONL log's format."""
    rng = random.Random(seed)
    desk_s = minutes * 60 * 2 / 3
    passes, last_up = 0, None
    for i in range(int(minutes * 60 * fps)):
        t = i / fps
        landmarks = [[round(rng.uniform(100, 500), 1), round(rng.uniform(50, 450), 1),
                      round(rng.random(), 3), round(rng.random(), 3)] for _ in range(33)]
        row = {"frame": i, "t": round(t, 4), "person": True, "inference_ms": 16.0,
               "landmarks": landmarks, "status": ""}
        if t < desk_s:
            slouch = (t % 300) > 240  # the last minute of every five
            neck = 52.0 if slouch else 22.0 + rng.uniform(-2, 2)
            cue = "posture.slouch" if slouch and (t % 300) > 241 else None
            row.update(metrics={"posture.neck_deg": neck, "posture.trunk_deg": 6.0},
                       checks={"posture.slouch": [neck, 40.0, 35.0]},
                       active=["posture.slouch"] if slouch else [], cue=cue,
                       cue_text="Sit tall" if cue else None, exercise="posture",
                       exercise_reason="sitting")
        else:
            phase = ((t - desk_s) % 6.0) / 6.0
            up = phase < 0.5
            passes += last_up is not None and up != last_up
            last_up = up
            fraction = 0.62 + 0.4 * (1 - abs(1 - 2 * phase))
            if 300 < t - desk_s < 315:
                fraction = 0.45  # drifted onto the lower back
            speed = 10.0 * abs(math.sin(2 * math.pi * phase)) + rng.uniform(0, 2)
            cue = "roller.lumbar" if 301 < t - desk_s < 315 else None
            row.update(metrics={"roller.fraction": fraction, "roller.speed_cm_s": speed,
                                "roller.passes": float(passes), "roller.set_s": t - desk_s,
                                "roller.hold_s": 0.0, "roller.state": 1.0},
                       checks={"roller.lumbar": [fraction, 0.52, 0.56]},
                       active=["roller.lumbar"] if cue else [], cue=cue,
                       cue_text="Move the roller up" if cue else None, exercise="roller",
                       exercise_reason="lying on a roller")
        yield row


def make_record(root: Path, started: datetime, minutes: float) -> Path:
    folder = new_record_dir(root, started)
    builder = SummaryBuilder({"started": started.astimezone().isoformat(timespec="seconds"),
                              "source": {"name": "camera 0", "live": True}})
    with (folder / FRAMES).open("w") as file:
        for row in synthetic_rows(minutes):
            file.write(json.dumps(row, separators=(",", ":")) + "\n")
            builder.add(row)
    write_json_atomic(folder / SUMMARY, builder.snapshot(complete=True, ended="finished"))
    return folder


def timed(command: list[str]) -> float:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--keep", type=Path, help="make the records here and keep them")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        root = args.keep or Path(scratch) / "sessions"
        started = time.perf_counter()
        folder = make_record(root, datetime.now() - timedelta(hours=1), args.minutes)
        size = (folder / FRAMES).stat().st_size / 1e6
        print(f"synthesised {args.minutes:.0f} min record: {size:.0f} MB log "
              f"({time.perf_counter() - started:.1f} s, summary built row by row)")
        wall = timed([sys.executable, "-m", "posecoach", "report", str(folder)])
        print(f"posecoach report (fresh process, HTML): {wall:.1f} s; page "
              f"{(folder / 'report.html').stat().st_size / 1e3:.0f} kB")
        wall = timed([sys.executable, "-m", "posecoach", "report", str(folder), "--format",
                      "json"])
        print(f"posecoach report --format json: {wall:.1f} s")

        from posecoach.record.store import read_rows
        from posecoach.report.data import log_from_rows
        from posecoach.report.page import render_session

        t0 = time.perf_counter()
        rows = list(read_rows(folder / FRAMES))
        t1 = time.perf_counter()
        log = log_from_rows(folder / FRAMES, rows)
        t2 = time.perf_counter()
        summary = summarise_rows(rows)
        t3 = time.perf_counter()
        render_session(summary, log)
        t4 = time.perf_counter()
        print(f"  in-process: parse JSONL {t1 - t0:.1f} s, columns {t2 - t1:.1f} s, "
              f"summary {t3 - t2:.1f} s, plots + page {t4 - t3:.1f} s")
        many = Path(scratch) / "many"
        for n in range(90):
            make_record(many, datetime.now() - timedelta(days=n, hours=2), 0.5)
        wall = timed([sys.executable, "-m", "posecoach", "history", "--session-dir", str(many)])
        print(f"posecoach history over 90 records (fresh process): {wall:.1f} s")


if __name__ == "__main__":
    main()
