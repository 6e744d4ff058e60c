"""Every exercise against bare inference, in one run: per-stage cost, replay speed, memory.

For each clip (default: one per exercise and transition from samples/synthetic) this decodes
the frames once at 640×480, loops them forward and back to at least ``--frames`` frames, and
measures on those same frames:

1. bare PoseLandmarker inference (VIDEO mode, bundled full model): fps;
2. everything after the model, per step, from the poses of (1): median, 99th percentile and
   maximum ms per frame (person selection + smoothing, each stage, the overlay drawing), and
   the per-frame total;
3. ``posecoach replay CLIP --single-process`` with no outputs, and
4. ``posecoach replay CLIP --out … --log …`` (the default: a second pose process and a sink
   process), on the looped frames written as an H.264 file: fps as the replay reports it
   (its own loop, start-up excluded) ÷ bare fps, wall-clock fps including start-up, and the
   peak RSS of every process of the replay.

The replays' ratios are interleaved with bare runs (bare, single, bare, single, …, bare,
``--out``, bare): each replay is divided by the mean of the bare runs just before and after
it, so a load that drifts during the run moves both; ``--repeats`` single-process replays
give the median ratio and its spread (lowest–highest). Both sides time the model's first
call (the replay's loop includes it): the bare run has no warm-up outside its timing.

Run (takes a few minutes)::

    python bench/bench_exercises.py
    # on a machine shared with other jobs: a session of its own whose autogroup gets the
    # cores first (root; see docs/engineering.md §5.8)
    setsid bash -c 'echo -20 > /proc/self/autogroup; python bench/bench_exercises.py'
    python bench/bench_exercises.py --clip "far=samples/generalisation/x.mp4@2-12"

A clip is ``label=path`` with an optional ``@start-end`` in seconds.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import av
import numpy as np

# Measure the posecoach beside this script (as the replays below, run from ROOT, do), not
# whichever one is installed.
ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from clips import letterbox  # noqa: E402

from posecoach.config import Settings  # noqa: E402
from posecoach.estimator import PoseEstimator  # noqa: E402
from posecoach.model import resolve_model  # noqa: E402
from posecoach.overlay import compose  # noqa: E402
from posecoach.pipeline import StageTimer  # noqa: E402
from posecoach.session import build_pipeline  # noqa: E402
from posecoach.sources import VideoFileSource  # noqa: E402
from posecoach.types import Frame, Pose  # noqa: E402

SYNTH = ROOT / "samples" / "synthetic"
DEFAULT_CLIPS = (
    f"seated side={SYNTH / 'seated_side_slouch.mp4'}",
    f"desk front={SYNTH / 'desk_front.mp4'}",
    f"roller={SYNTH / 'roller_thoracic_ok.mp4'}@4-18",
    f"wall ball={SYNTH / 'ball_wall_upper.mp4'}",
    f"floor ball={SYNTH / 'ball_floor.mp4'}",
    f"onto roller={SYNTH / 'roller_thoracic_ok.mp4'}@0-4",
)
SIZE = (640, 480)


@dataclass(frozen=True)
class Clip:
    label: str
    path: Path
    start_s: float = 0.0
    end_s: float | None = None

    @classmethod
    def parse(cls, text: str) -> Clip:
        """``label=path[@start-end]``.

        Raises:
            ValueError: the text is not in that form.
        """
        match = re.fullmatch(r"([^=]+)=(.+?)(?:@([\d.]+)-([\d.]+))?", text)
        if match is None:
            raise ValueError(f"clip must be label=path[@start-end], got {text!r}")
        label, path, start, end = match.groups()
        return cls(label, Path(path), float(start or 0.0), float(end) if end else None)


def load_frames(clip: Clip, count: int) -> tuple[list[Frame], float]:
    """At least ``count`` frames of the clip's stretch at 640×480, played forward and back so
    tracking sees continuous motion; and the clip's frame rate."""
    with VideoFileSource(clip.path) as source:
        fps = source.info.fps or 30.0
        images = [letterbox(f.image, *SIZE) if f.image.shape[1::-1] != SIZE else f.image
                  for f in source
                  if f.t >= clip.start_s and (clip.end_s is None or f.t < clip.end_s)]
    if not images:
        raise ValueError(f"{clip.path} has no frames in {clip.start_s}-{clip.end_s} s")
    cycle = images + images[-2:0:-1] if len(images) > 2 else images
    total = max(count, len(images))
    return [Frame(image=cycle[i % len(cycle)], t=i / fps, index=i) for i in range(total)], fps


def bench_bare(frames: list[Frame], settings: Settings
               ) -> tuple[float, float, list[list[Pose]]]:
    """(fps of bare inference, its CPU ms per frame (all of MediaPipe's threads), the poses
    of every frame). The model's first call (~50 ms more than the others) is timed, as in
    a replay's loop."""
    model = resolve_model(settings.model.path or None)
    poses = []
    with PoseEstimator(model, settings.model) as estimator:
        started, cpu = time.perf_counter(), time.process_time()
        for frame in frames:
            poses.append(estimator(frame.image, frame.t))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
        return len(frames) / wall, cpu * 1000 / len(frames), poses


def bench_stages(frames: list[Frame], poses: list[list[Pose]], settings: Settings
                 ) -> dict[str, np.ndarray]:
    """CPU ms per frame of each step after the model (fed the poses from the bare run).

    CPU time, not wall time: on a machine shared with other work the wall time of a step
    includes waiting for a core, which says nothing about the step."""
    timer = StageTimer(time.process_time)
    pipeline = build_pipeline(settings, None)  # type: ignore[arg-type]  # poses are given
    pipeline.timer = timer
    overlay = []
    for frame, found in zip(frames, poses, strict=True):
        result = pipeline.process(frame, found, 0.0)
        image = frame.image.copy()  # compose draws in place
        started = time.process_time()
        compose(image, result, pipeline.annotators)
        overlay.append((time.process_time() - started) * 1000.0)
    steps = {name: np.asarray(ms) for name, ms in timer.ms.items()}
    steps["overlay"] = np.asarray(overlay)
    steps["TOTAL"] = np.sum(list(steps.values()), axis=0)
    return steps


def write_clip(frames: list[Frame], fps: float, target: Path) -> Path:
    with av.open(str(target), "w") as sink:
        stream = sink.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        stream.width, stream.height = SIZE
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "veryfast", "crf": "20"}
        for frame in frames:
            sink.mux(stream.encode(av.VideoFrame.from_ndarray(frame.image, format="bgr24")))
        sink.mux(stream.encode(None))
    return target


def _tree(pid: int) -> list[int]:
    pids, todo = [], [pid]
    while todo:
        current = todo.pop()
        pids.append(current)
        try:
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        todo.extend(int(c) for c in children)
    return pids


_TICK_S = 1.0 / os.sysconf("SC_CLK_TCK")


def _peak_kb_cpu_s(pid: int) -> tuple[int, float] | None:
    """(peak RSS kB, CPU seconds so far) of a process, or None once it is gone."""
    try:
        match = re.search(r"VmHWM:\s+(\d+) kB", Path(f"/proc/{pid}/status").read_text())
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    if match is None:
        return None
    return int(match.group(1)), (int(fields[11]) + int(fields[12])) * _TICK_S


@dataclass
class Replay:
    """One ``posecoach replay`` run.

    Attributes:
        fps: as the replay reports it (its loop, start-up excluded).
        wall_fps: frames ÷ wall-clock time with start-up.
        peak_kb: peak RSS by pid.
        cpu_s: CPU seconds by pid (last reading before the process ended).
    """

    fps: float = float("nan")
    wall_fps: float = float("nan")
    peak_kb: dict[int, int] = field(default_factory=dict)
    cpu_s: dict[int, float] = field(default_factory=dict)
    waited_s: float = float("nan")


def replay(clip_file: Path, out_dir: Path, *extra: str) -> Replay:
    """Run ``posecoach replay`` on the clip as a user would, watching its processes."""
    command = [sys.executable, "-m", "posecoach", "replay", str(clip_file), "--no-window",
               *extra]
    run = Replay()
    started = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, cwd=ROOT)
    done = threading.Event()

    def watch() -> None:  # VmHWM only grows: the last reading before exit is the peak
        while not done.is_set():
            for pid in _tree(process.pid):
                found = _peak_kb_cpu_s(pid)
                if found is not None:
                    run.peak_kb[pid] = max(run.peak_kb.get(pid, 0), found[0])
                    run.cpu_s[pid] = found[1]
            time.sleep(0.05)

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    output, _ = process.communicate()
    done.set()
    watcher.join()
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise RuntimeError(f"replay failed ({process.returncode}): {output[-400:]}")
    match = re.search(r"Speed: ([\d.]+) frames/s", output)
    frames_match = re.search(r"Session finished: (\d+) frames", output)
    if match is None or frames_match is None:
        raise RuntimeError(f"cannot read the replay's speed: {output[-400:]}")
    run.fps, run.wall_fps = float(match.group(1)), int(frames_match.group(1)) / wall
    waited = re.search(r"waited ([\d.]+) s for its poses", output)
    if waited is not None:
        run.waited_s = float(waited.group(1))
    return run


@dataclass
class Interleaved:
    """Replays of one kind, each divided by the mean fps of the bare runs just before and
    after it (the load of the moment moves both)."""

    runs: list[Replay] = field(default_factory=list)
    ratios: list[float] = field(default_factory=list)

    def add(self, run: Replay, bare_before: float, bare_after: float) -> None:
        self.runs.append(run)
        self.ratios.append(run.fps / ((bare_before + bare_after) / 2.0))

    @property
    def median_run(self) -> Replay:
        """The run whose ratio is the median (the lower middle one of an even count)."""
        if not self.runs:
            return Replay()
        order = np.argsort(self.ratios)
        return self.runs[int(order[(len(order) - 1) // 2])]


def _cell(runs: Interleaved) -> str:
    """fps (wall-clock fps) ratio [lowest-highest ratio] of the median run."""
    if not runs.runs:
        return "-"
    run, ratios = runs.median_run, runs.ratios
    cell = f"{run.fps:5.1f} ({run.wall_fps:4.1f}) {float(np.median(ratios)):4.2f}x"
    if len(ratios) > 1:
        cell += f" [{min(ratios):.2f}-{max(ratios):.2f}]"
    return cell


def _procs(run: Replay, frames: int) -> str:
    """Peak RSS MB and CPU ms per frame of the run's processes above 50 MB (helpers such
    as multiprocessing's resource tracker are left out), largest first."""
    pids = sorted((pid for pid, kb in run.peak_kb.items() if kb > 50 * 1024),
                  key=lambda pid: -run.peak_kb[pid])
    return " / ".join(f"{run.peak_kb[pid] / 1024:.0f} MB "
                      f"{run.cpu_s.get(pid, 0) * 1000 / frames:.0f} ms" for pid in pids)


def _stats(ms: np.ndarray) -> str:
    return f"{np.median(ms):5.2f} {np.percentile(ms, 99):6.2f} {ms.max():6.1f}"


def _load() -> str:
    return "load average " + " ".join(f"{v:.1f}" for v in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", action="append", dest="clips",
                        help="label=path[@start-end] (repeatable); default: every exercise")
    parser.add_argument("--frames", type=int, default=450, help="least frames per clip")
    parser.add_argument("--repeats", type=int, default=3,
                        help="single-process replays per clip, each between two bare runs")
    parser.add_argument("--no-replay", action="store_true", help="skip the replay runs")
    parser.add_argument("--no-out", action="store_true", help="skip the --out --log replay")
    args = parser.parse_args(argv)
    if args.repeats < 1:
        parser.error(f"--repeats must be >= 1, got {args.repeats}")
    clips = [Clip.parse(text) for text in (args.clips or DEFAULT_CLIPS)]
    settings = Settings()
    rows = []
    for clip in clips:
        frames, fps = load_frames(clip, args.frames)
        bare, bare_cpu, poses = bench_bare(frames, settings)
        steps = bench_stages(frames, poses, settings)
        print(f"\n{clip.label}: {clip.path.name} {clip.start_s:g}-{clip.end_s or 'end'} s, "
              f"{len(frames)} frames, bare {bare:.1f} fps ({bare_cpu:.1f} CPU ms per frame); "
              f"{_load()}; CPU ms per frame outside the model:")
        print(f"  {'step':<12} {'median':>6} {'p99':>6} {'max':>6}")
        for name, ms in steps.items():
            print(f"  {name:<12} {_stats(ms)}")
        single, double = Interleaved(), Interleaved()
        bares = [bare]
        if not args.no_replay:
            with tempfile.TemporaryDirectory() as tmp:
                folder = Path(tmp)
                clip_file = write_clip(frames, fps, folder / "clip.mp4")
                for _ in range(args.repeats):
                    run = replay(clip_file, folder, "--single-process")
                    bares.append(bench_bare(frames, settings)[0])
                    single.add(run, bares[-2], bares[-1])
                if not args.no_out:
                    run = replay(clip_file, folder, "--out", str(folder / "out.mp4"),
                                 "--log", str(folder / "log.jsonl"), "--verbose")
                    bares.append(bench_bare(frames, settings)[0])
                    double.add(run, bares[-2], bares[-1])
            print(f"  bare fps {' '.join(f'{b:.1f}' for b in bares)}; single ÷ bare "
                  f"{' '.join(f'{r:.3f}' for r in single.ratios)}; {_load()}")
        rows.append((clip.label, len(frames), float(np.median(bares)), bare_cpu,
                     steps["TOTAL"], single, double, _load()))
        del frames, poses

    print("\nfps: bare inference (median of the bare runs); replays as they report it (their "
          "loop; wall-clock fps with start-up in brackets) and ÷ the bare runs beside each "
          f"(median [lowest-highest] of {args.repeats} single-process replays)")
    print(f"{'clip':<12} {'frames':>6} {'bare':>6} {'non-model CPU ms p50/p99/max':>28} "
          f"{'single, no out':>32} {'--out --log':>22}")
    for label, count, bare, _, total, single, double, load in rows:
        print(f"{label:<12} {count:6d} {bare:6.1f} {_stats(total):>28} "
              f"{_cell(single):>32} {_cell(double):>22}  {load}")
    print("\nper process: peak RSS, CPU ms per frame with start-up (largest process first); "
          "bare inference's CPU ms per frame for comparison")
    for label, count, _, bare_cpu, _, single, double, _ in rows:
        print(f"{label:<12} bare:   {bare_cpu:.0f} ms")
        print(f"{'':<12} single: {_procs(single.median_run, count)}")
        if double.runs:
            print(f"{'':<12} --out:  {_procs(double.median_run, count)}; waited "
                  f"{double.median_run.waited_s:.2f} s for the pose worker")
    return 0


if __name__ == "__main__":
    sys.exit(main())
