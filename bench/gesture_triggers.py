"""Gestures on labelled clips: recognised where the truth labels one, false triggers elsewhere.

Replays each clip as a user would (uncalibrated, gestures on) and lists every gesture the
coach recognised. A recognition inside (or within 2 s after) a truth segment labelled
``gesture_<name>`` of the same gesture is a hit; any other is a false trigger. Prints one line
per clip and, over the clips without gesture labels, false triggers per hour of video. Run
from the repository root (the dev split lives outside it, in /tmp/devclips):

    python bench/gesture_triggers.py samples/synthetic /tmp/devclips/dev --family roller ball
    python bench/gesture_triggers.py samples/gestures --json out.json

Never point it at the test split (issue 10: only the lead scores it).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

#: A gesture is recognised once held (≤ 2 s); its label starts 1 s after the pose settles.
MATCH_AFTER_S = 2.0


def recognitions(truth) -> tuple[list[tuple[float, str]], float]:
    """(time, gesture name) of every recognised gesture, and the clip's duration (s)."""
    from posecoach.config import Settings
    from posecoach.session import Outputs, run_session
    from posecoach.sources import VideoFileSource

    found: list[tuple[float, str]] = []

    def keep(result) -> None:
        reading = result.gesture
        if reading is not None and reading.recognised is not None:
            found.append((result.t, reading.recognised.name.lower()))

    run_session(VideoFileSource(truth.video), Settings(), Outputs(), show_window=False,
                save_calibrations=False, parallel=False, on_result=keep)
    return found, truth.frame_count / truth.fps


def judge(truth, found: list[tuple[float, str]]) -> dict:
    """Hits per labelled gesture segment and the false triggers."""
    segments = [s for s in truth.segments if s.label.startswith("gesture_")]
    hits, false = [], []
    for t, name in found:
        match = [s for s in segments if s.label == f"gesture_{name}"
                 and s.start_s - 1.0 <= t <= s.end_s + MATCH_AFTER_S]
        (hits if match else false).append((round(t, 2), name))
    missed = [s.label for s in segments
              if not any(s.start_s - 1.0 <= t <= s.end_s + MATCH_AFTER_S
                         and s.label == f"gesture_{n}" for t, n in found)]
    return {"labelled": [s.label for s in segments], "hits": hits, "false": false,
            "missed": missed}


def main(argv: list[str] | None = None) -> int:
    sys.path.insert(0, str(Path.cwd()))
    from posecoach.evaluation.runner import find_truth_files, load_samples

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("paths", nargs="+", type=Path)
    ap.add_argument("--family", nargs="*", default=None,
                    help="only clips whose name starts with one of these")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    files = [f for f in find_truth_files(args.paths) if "/test/" not in f.as_posix()]
    truths = load_samples(files)
    if args.family:
        truths = [t for t in truths if t.name.startswith(tuple(args.family))]
    rows = []
    seconds = 0.0
    false_total = 0
    for truth in truths:
        found, duration = recognitions(truth)
        row = {"name": truth.name, "duration_s": round(duration, 2), **judge(truth, found)}
        rows.append(row)
        if not row["labelled"]:
            seconds += duration
            false_total += len(row["false"])
        print(json.dumps(row), flush=True)
    per_hour = false_total / seconds * 3600 if seconds else 0.0
    summary = {"clips": len(rows), "unlabelled_s": round(seconds, 1),
               "false_triggers": false_total, "false_per_hour": round(per_hour, 2)}
    print(json.dumps(summary), flush=True)
    if args.json is not None:
        args.json.write_text(json.dumps({"clips": rows, "summary": summary}, indent=1) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
