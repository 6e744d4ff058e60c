"""Replay speed against real time and peak memory, measured as a user runs it.

Makes a 60 s, 30 fps, 640×480 webcam-like clip from the bundled real footage, then times
``posecoach replay CLIP --out … --log …`` (a) as shipped (long videos use a second pose
process) and (b) with ``--single-process``, printing × real time and the peak resident memory of
the largest process. Run:

    python bench/bench_replay.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clips import webcam_clip  # noqa: E402

_MEASURE = ("import resource, subprocess, sys; "
            "subprocess.run(sys.argv[1:], check=True, capture_output=True); "
            "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)")


def replay(clip: Path, out_dir: Path, *extra: str) -> tuple[float, float]:
    """(wall seconds, peak RSS MB of the largest process) of one replay, measured from a fresh
    parent so each run's peak is its own."""
    command = [sys.executable, "-m", "posecoach", "replay", str(clip),
               "--out", str(out_dir / "annotated.mp4"), "--log", str(out_dir / "log.jsonl"),
               *extra]
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], check=True,
                          capture_output=True, text=True)
    wall = time.perf_counter() - started
    return wall, int(done.stdout.split()[-1]) / 1024.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        clip = webcam_clip(folder / "clip.mp4", seconds=args.seconds)
        print(f"clip: {args.seconds:.0f} s, 30 fps, 640x480 (bundled real footage, letterboxed)")
        for label, extra in (("two processes (default)", ()),
                             ("one process", ("--single-process",))):
            wall, peak = replay(clip, folder, *extra)
            print(f"{label:>24}: {args.seconds * 30 / wall:5.1f} fps, "
                  f"{args.seconds / wall:4.2f}x real time, peak RSS {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
