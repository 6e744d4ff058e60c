"""Desk mode's CPU use over a long simulated desk session, and its cue onsets.

The session is a seated clip (default ``samples/synthetic/seated_side_slouch.mp4``: upright
0–6 s, slouched 7.5–14 s, upright again from 15.5 s) made into a desk day: a cycle of
``--still-s`` seconds of its upright stretch played forward and back (someone sitting still
and upright, moving only as the render does), then the whole clip once (a slouch, its cue,
sitting tall again), at 30 fps (each 15 fps frame twice), written once as an H.264 file.
That file is decoded again on every pass (a camera's frames cost decoding too) and played as a
live source, paced ``--speed`` times faster than real time, for ``--minutes`` of video through
``run_session`` with the default settings (desk mode on, exercise auto, no window, no voice).

The paced source never drops a frame: when the analysis is slower than the pace it simply
waits, so every frame a 30 fps camera would have delivered is either analysed or skipped by
desk mode. CPU is this process's user + system time (all threads, MediaPipe's included) per
second of video: ``100 × CPU-s / video-s`` is the % of one core a real-time session would
use. ``--compare`` runs one cycle again with desk mode off for the full-rate figure and
cue onsets.

Run (about 10 min for 30 min of video at --speed 4)::

    python bench/bench_desk.py
    python bench/bench_desk.py --minutes 5 --compare
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT)]  # measure the posecoach beside this script

from posecoach.config import Settings  # noqa: E402
from posecoach.session import Outputs, run_session  # noqa: E402
from posecoach.sources import VideoFileSource, paced  # noqa: E402
from posecoach.sources.base import InfoAfterOpen, SourceInfo  # noqa: E402
from posecoach.types import Frame, FrameResult  # noqa: E402

CLIP = ROOT / "samples" / "synthetic" / "seated_side_slouch.mp4"
UPRIGHT_S = (0.5, 6.0)  # the clip's upright stretch (its truth: upright 0–6 s)
SLOUCH_AT_S = 7.5  # its truth: slouched from 7.5 s
FPS = 30
TARGET_PERCENT = 15.0
ONSET_TARGET_S = 1.5


def desk_day(clip: Path, still_s: float, target: Path) -> tuple[Path, float, float]:
    """Writes one cycle (still, then the whole clip) at 30 fps; returns (path, cycle length s,
    time of the slouch within the cycle s)."""
    with av.open(str(clip)) as container:
        stream = container.streams.video[0]
        clip_fps = float(stream.average_rate)
        images = [f.to_ndarray(format="bgr24") for f in container.decode(stream)]
    first, last = (int(s * clip_fps) for s in UPRIGHT_S)
    stretch = images[first:last]
    ping_pong = stretch + stretch[-2:0:-1]
    repeat = max(1, round(FPS / clip_fps))
    still = [ping_pong[i % len(ping_pong)] for i in range(int(still_s * clip_fps))]
    sequence = [image for image in still + images for _ in range(repeat)]
    with av.open(str(target), "w") as sink:
        out = sink.add_stream("libx264", rate=Fraction(FPS))
        out.height, out.width = sequence[0].shape[:2]
        out.pix_fmt = "yuv420p"
        out.options = {"preset": "veryfast", "crf": "20"}
        for image in sequence:
            sink.mux(out.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        sink.mux(out.encode(None))
    return target, len(sequence) / FPS, len(still) * repeat / FPS + SLOUCH_AT_S


class LoopedLiveSource(InfoAfterOpen):
    """A live source playing ``path`` over and over for ``total_s`` of video, paced ``speed``
    times faster than real time, stamping each frame with its capture time."""

    def __init__(self, path: Path, total_s: float, speed: float) -> None:
        self.path, self.total_s, self.speed = path, total_s, speed
        self._info: SourceInfo | None = None

    def __enter__(self) -> LoopedLiveSource:
        with VideoFileSource(self.path) as probe:
            info = probe.info
        self._info = SourceInfo("desk session", info.width, info.height, info.fps, None,
                                live=True)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def _frames(self) -> Iterator[Frame]:
        offset, index = 0.0, 0
        while offset < self.total_s:
            with VideoFileSource(self.path) as source:
                for frame in source:
                    t = offset + frame.index / FPS
                    if t >= self.total_s:
                        return
                    yield replace(frame, t=t, index=index)
                    index += 1
            offset = index / FPS

    def __iter__(self) -> Iterator[Frame]:
        for frame in paced(self._frames(), self.speed):
            yield replace(frame, captured=time.monotonic())


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def session(path: Path, total_s: float, speed: float, desk: bool) -> dict:
    settings = Settings().with_overrides({"desk.enabled": desk})
    results: list[tuple[float, bool, str | None]] = []

    def seen(result: FrameResult) -> None:
        reading = result.desk
        results.append((result.t, bool(reading and reading.slow),
                        result.cue.key if result.cue else None))

    source = LoopedLiveSource(path, total_s, speed)
    cpu0, wall0 = cpu_s(), time.perf_counter()
    run_session(source, settings, Outputs(), show_window=False, save_calibrations=False,
                on_result=seen)
    cpu, wall = cpu_s() - cpu0, time.perf_counter() - wall0
    times = np.array([t for t, _, _ in results])
    slow = np.array([s for _, s, _ in results])
    gaps = np.diff(np.append(times, total_s))
    return {"cpu_s": cpu, "wall_s": wall, "video_s": total_s, "analysed": len(results),
            "camera_frames": int(round(total_s * FPS)),
            "slow_share": float(gaps[slow].sum() / total_s) if len(gaps) else 0.0,
            "cues": results}


def onsets(cues: list[tuple[float, bool, str | None]], cycle_s: float, slouch_s: float,
           total_s: float) -> list[float | None]:
    """Per cycle: seconds from the slouch to the first posture cue after it."""
    found = []
    start = slouch_s
    while start < total_s:
        first = next((t for t, _, key in cues
                      if start <= t < start + 8.0 and key and key.startswith("posture.")), None)
        found.append(None if first is None else first - start)
        start += cycle_s
    return found


def report(label: str, r: dict, found: list[float | None]) -> None:
    percent = 100.0 * r["cpu_s"] / r["video_s"]
    print(f"{label}: {r['video_s'] / 60:.1f} min of video in {r['wall_s'] / 60:.1f} min; "
          f"CPU {r['cpu_s']:.0f} s = {percent:.1f} % of one core in real time; "
          f"analysed {r['analysed']} of {r['camera_frames']} camera frames "
          f"({r['analysed'] / r['video_s']:.1f} fps on average); "
          f"slow {100 * r['slow_share']:.0f} % of the time")
    shown = ", ".join("none" if o is None else f"{o:.2f}" for o in found)
    print(f"  cue onset after each slouch (s; truth: slouched from {SLOUCH_AT_S} s into the "
          f"clip): {shown}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", type=Path, default=CLIP)
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--still-s", type=float, default=280.0,
                        help="seconds of sitting still per cycle (then the whole clip)")
    parser.add_argument("--speed", type=float, default=4.0)
    parser.add_argument("--compare", action="store_true",
                        help="also one cycle with desk mode off")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        for name in ("XDG_CONFIG_HOME", "XDG_DATA_HOME", "XDG_STATE_HOME"):
            os.environ[name] = scratch  # no baseline or marker written to the user's folders
        path, cycle_s, slouch_s = desk_day(args.clip, args.still_s, Path(scratch) / "day.mp4")
        total_s = args.minutes * 60.0
        print(f"cycle: {cycle_s:.0f} s ({args.still_s:.0f} s still and upright, then "
              f"{args.clip.name}); {total_s / cycle_s:.1f} cycles; speed {args.speed:g}×; "
              f"load average {os.getloadavg()[0]:.2f} (2 cores)")
        on = session(path, total_s, args.speed, desk=True)
        report("desk mode on", on, onsets(on["cues"], cycle_s, slouch_s, total_s))
        if args.compare:
            off = session(path, cycle_s, args.speed, desk=False)
            report("desk mode off (one cycle)", off,
                   onsets(off["cues"], cycle_s, slouch_s, cycle_s))
        percent = 100.0 * on["cpu_s"] / on["video_s"]
        print(f"target: ≤ {TARGET_PERCENT:.0f} % of one core; measured {percent:.1f} %; "
              f"cue onset target ≤ {ONSET_TARGET_S} s")


if __name__ == "__main__":
    main()
