"""Pipeline speed vs bare MediaPipe inference, measured in one run on the same frames.

Decodes a clip once, letterboxes it to each target size and loops it to N frames, then measures
(a) bare PoseLandmarker inference (VIDEO mode) and (b) the full pipeline (inference, person
selection, smoothing, analyzers and coach, overlay, H.264 video file and JSONL log, the last
three in their own process as in a session with --out), and prints
both, their ratio and the peak resident memory. Run:

    python bench/bench_pipeline.py [--video samples/...mp4] [--frames 300]
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

from posecoach.config import Settings
from posecoach.estimator import PoseEstimator
from posecoach.model import resolve_model
from posecoach.session import build_pipeline
from posecoach.sinks import JsonlSink, VideoFileSink
from posecoach.sources import VideoFileSource
from posecoach.types import Frame

sys.path.insert(0, str(Path(__file__).resolve().parent))
from clips import REAL_CLIP as DEFAULT_VIDEO  # noqa: E402
from clips import letterbox  # noqa: E402


def load_frames(video: Path, size: tuple[int, int], count: int, fps: float) -> list[Frame]:
    """``count`` frames at ``fps``: the clip letterboxed to ``size``, played forward and back so
    tracking sees continuous motion."""
    with VideoFileSource(video) as source:
        images = [letterbox(f.image, *size) for f in source]
    cycle = images + images[-2:0:-1]
    return [Frame(image=cycle[i % len(cycle)].copy(), t=i / fps, index=i) for i in range(count)]


def bench_bare(frames: list[Frame], settings: Settings) -> float:
    model = resolve_model(settings.model.path or None)
    with PoseEstimator(model, settings.model) as estimator:
        estimator(frames[0].image, -1.0)  # warm-up outside the timing
        started = time.perf_counter()
        for frame in frames:
            estimator(frame.image, frame.t)
        return len(frames) / (time.perf_counter() - started)


def bench_pipeline(frames: list[Frame], settings: Settings,
                   out_dir: Path) -> tuple[float, float]:
    """(steady fps from the first to the last frame's result, start-up seconds before the
    first result: opening the sinks and their process, once per session)."""
    model = resolve_model(settings.model.path or None)
    width, height = frames[0].size
    done: list[float] = []
    with PoseEstimator(model, settings.model) as estimator:
        estimator(frames[0].image, -1.0)
        pipeline = build_pipeline(settings, estimator)
        sinks = [VideoFileSink(out_dir / "bench.mp4", 30.0, (width, height)),
                 JsonlSink(out_dir / "bench.jsonl")]
        # Overlay draws in place: give the pipeline its own copies, made outside the timing.
        copies = [Frame(image=f.image.copy(), t=f.t, index=f.index) for f in frames]
        started = time.perf_counter()
        stats = pipeline.run(copies, sinks, sink_process=True,  # as sessions with --out run
                             frame_shape=(height, width, 3),
                             on_result=lambda _: done.append(time.perf_counter()))
    assert stats.frames == len(frames)
    return (len(done) - 1) / (done[-1] - done[0]), done[0] - started


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--video", type=Path, default=DEFAULT_VIDEO)
    parser.add_argument("--frames", type=int, default=300)
    parser.add_argument("--fps", type=float, default=30.0, help="timestamp rate of the frames")
    parser.add_argument("--sizes", default="640x480,1280x720")
    args = parser.parse_args(argv)
    settings = Settings()
    print(f"clip: {args.video.name}, {args.frames} frames per size, full model, VIDEO mode")
    print(f"{'size':>10} {'bare fps':>9} {'pipeline fps':>13} {'ratio':>6} {'x real time':>12}"
          f" {'start s':>9}")
    for size_text in args.sizes.split(","):
        width, height = (int(v) for v in size_text.split("x"))
        frames = load_frames(args.video, (width, height), args.frames, args.fps)
        bare = bench_bare(frames, settings)
        with tempfile.TemporaryDirectory() as tmp:
            full, startup = bench_pipeline(frames, settings, Path(tmp))
        print(f"{size_text:>10} {bare:9.1f} {full:13.1f} {full / bare:6.2f} "
              f"{full / args.fps:11.2f}x {startup:9.2f}")
        del frames
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
    print(f"peak RSS of this benchmark (it holds every frame in memory): {peak_mb:.0f} MB;"
          " see bench_replay.py for a session's")
    return 0


if __name__ == "__main__":
    sys.exit(main())
