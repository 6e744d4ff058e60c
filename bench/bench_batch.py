"""Batch throughput: video-seconds analysed per wall-second, for 1 and 2 local worker
processes and for the Ray path (a local Ray on loopback), on the same committed samples, in
one run, each timed as a user runs it (``posecoach batch … --out`` into a fresh folder, so
nothing is skipped; the wall time includes starting the workers, or Ray).

    python bench/bench_batch.py [--clips N] [--no-ray]

The Ray figure includes Ray's own start (~10–15 s here) and needs ``pip install
'posecoach[cluster]'``; on a 2-core machine it can at best match 2 local workers.
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = sorted((ROOT / "samples" / "synthetic").glob("*.mp4"))


def run(clips: list[Path], out: Path, *flags: str) -> tuple[float, float, int]:
    """(wall seconds, video seconds, videos ok) of one batch."""
    command = [sys.executable, "-m", "posecoach", "batch", *map(str, clips), "--out", str(out),
               "--no-report", *flags]
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True, cwd=ROOT)
    wall = time.perf_counter() - started
    with (out / "batch.csv").open(encoding="utf-8") as file:
        rows = [r for r in csv.DictReader(file) if r["status"] == "ok"]
    return wall, sum(float(r["duration_s"]) for r in rows), len(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clips", type=int, default=6, help="how many samples (default 6)")
    parser.add_argument("--no-ray", action="store_true", help="skip the Ray path")
    args = parser.parse_args()
    clips = SAMPLES[:args.clips]
    setups = [("local, 1 worker", ("--workers", "1")), ("local, 2 workers", ("--workers", "2"))]
    if not args.no_ray and importlib.util.find_spec("ray") is not None:
        setups.append(("Ray (local, 2 CPUs)", ("--ray", "--workers", "2")))
    elif not args.no_ray:
        print("ray is not installed: the Ray path is skipped")
    print(f"{len(clips)} samples: {', '.join(c.stem for c in clips)}")
    print(f"{'setup':<22}{'wall s':>8}{'video s':>9}{'video-s/wall-s':>16}")
    with tempfile.TemporaryDirectory(prefix="bench-batch-") as scratch:
        for n, (label, flags) in enumerate(setups):
            wall, media, ok = run(clips, Path(scratch) / str(n), *flags)
            if ok != len(clips):
                print(f"{label}: only {ok} of {len(clips)} videos finished")
            print(f"{label:<22}{wall:>8.1f}{media:>9.1f}{media / wall:>16.2f}")


if __name__ == "__main__":
    main()
