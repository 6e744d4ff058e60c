"""Where the CPU of a replay goes, piece by piece, in CPU ms per frame (robust on a busy machine).

For each clip (the same defaults as ``bench_exercises.py``, looped to ``--frames``) this
measures, one piece at a time on the same frames:

- decode: reading the H.264 clip into BGR frames (:class:`VideoFileSource`, FFmpeg threads);
- model: the whole estimator call; and inside it the Python around the native call
  (BGR → RGB, ``mp.Image``, turning the result into :class:`Pose` s);
- stages: everything after the model (selection, smoothing, analyzers, coach), total;
- overlay: each annotator, and all of them;
- encode: :class:`VideoFileSink` (YUV conversion and libx264) at each preset asked for;
- log: :class:`JsonlSink` rows;
- IPC: pickling a frame's result (what crosses to another process), the frame's copy into and
  out of shared memory;
- start-up: a spawned process that imports MediaPipe, loads the model and estimates a frame
  (CPU s and wall s), as the pose worker of a replay does.

Run::

    python bench/bench_breakdown.py
    python bench/bench_breakdown.py --clip "roller=samples/synthetic/roller_thoracic_ok.mp4@4-18"
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import pickle
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "bench")]
from bench_exercises import DEFAULT_CLIPS, Clip, load_frames, write_clip  # noqa: E402

from posecoach.config import Settings  # noqa: E402
from posecoach.estimator import PoseEstimator  # noqa: E402
from posecoach.model import resolve_model  # noqa: E402
from posecoach.session import build_pipeline  # noqa: E402
from posecoach.sinks import JsonlSink, VideoFileSink  # noqa: E402
from posecoach.sources import VideoFileSource  # noqa: E402
from posecoach.types import Frame, FrameResult, Pose  # noqa: E402


def cpu_ms(work: Callable[[], object], count: int) -> float:
    """CPU ms per item of ``work()`` done on ``count`` items (every thread of the process)."""
    started = time.process_time()
    work()
    return (time.process_time() - started) * 1000.0 / count


def _startup(model_path: str, image: np.ndarray, out: mp.Queue) -> None:
    started = time.perf_counter()
    from posecoach.config import ModelSettings
    from posecoach.estimator import PoseEstimator
    from posecoach.model import resolve_model

    with PoseEstimator(resolve_model(model_path), ModelSettings()) as estimator:
        estimator(image, 0.0)
    out.put((time.process_time(), time.perf_counter() - started))


def startup_cost(model_path: str, image: np.ndarray) -> tuple[float, float]:
    """(CPU s, wall s) of a spawned process until its first pose, as ahead.py's worker."""
    context = mp.get_context("spawn")
    out = context.Queue()
    started = time.perf_counter()
    process = context.Process(target=_startup, args=(model_path, image, out))
    process.start()
    cpu, _ = out.get(timeout=120)
    wall = time.perf_counter() - started
    process.join()
    return cpu, wall


def measure(clip: Clip, frames: list[Frame], fps: float, presets: list[str],
            folder: Path) -> dict[str, float]:
    settings = Settings()
    count = len(frames)
    rows: dict[str, float] = {}
    clip_file = write_clip(frames, fps, folder / "clip.mp4")

    def decode() -> None:
        with VideoFileSource(clip_file) as source:
            for _ in source:
                pass

    rows["decode"] = cpu_ms(decode, count)

    model = resolve_model(settings.model.path or None)
    poses: list[list[Pose]] = []
    with PoseEstimator(model, settings.model) as estimator:
        estimator(frames[0].image, -1.0)
        rows["model (all)"] = cpu_ms(
            lambda: poses.extend(estimator(f.image, f.t) for f in frames), count)
    rows["model: python around it"] = _python_around_model(frames)

    pipeline = build_pipeline(settings, None)  # type: ignore[arg-type]  # poses are given
    results: list[FrameResult] = []
    rows["stages"] = cpu_ms(lambda: results.extend(
        pipeline.process(f, p, 0.0) for f, p in zip(frames, poses, strict=True)), count)

    copies = [f.image.copy() for f in frames]
    for annotator in pipeline.annotators:
        name = type(annotator).__name__.removesuffix("Annotator")
        images = [c.copy() for c in copies[:count]]
        rows[f"overlay: {name}"] = cpu_ms(lambda a=annotator, i=images: [
            a.annotate(image, r) for image, r in zip(i, results, strict=True)], count)
    images = [c.copy() for c in copies]
    from posecoach.overlay import compose

    rows["overlay (all)"] = cpu_ms(lambda: [
        compose(image, r, pipeline.annotators) for image, r in zip(images, results,
                                                                    strict=True)], count)
    for preset in presets:
        def encode(preset: str = preset) -> None:
            with VideoFileSink(folder / f"{preset}.mp4", fps, (640, 480),
                               preset=preset) as sink:
                for image, r in zip(images, results, strict=True):
                    sink.write(image, r)

        rows[f"encode ({preset})"] = cpu_ms(encode, count)
        rows[f"  file kB per frame ({preset})"] = (folder / f"{preset}.mp4").stat().st_size \
            / 1024 / count

    def log() -> None:
        with JsonlSink(folder / "log.jsonl") as sink:
            for r in results:
                sink.write(None, r)

    rows["log (JSONL)"] = cpu_ms(log, count)
    sizes = []

    def ipc() -> None:
        for r in results:
            data = pickle.dumps(r, protocol=pickle.HIGHEST_PROTOCOL)
            pickle.loads(data)
            sizes.append(len(data))

    rows["IPC: pickle + unpickle result"] = cpu_ms(ipc, count)
    rows["  pickled result kB"] = float(np.mean(sizes)) / 1024
    ring = np.empty_like(frames[0].image)
    rows["IPC: frame into + out of shm"] = cpu_ms(
        lambda: [(ring.__setitem__(Ellipsis, f.image), ring.copy()) for f in frames], count)
    cpu_s, wall_s = startup_cost(str(model.path), frames[0].image)
    rows["worker start-up CPU s"] = cpu_s
    rows["worker start-up wall s"] = wall_s
    return rows


def _python_around_model(frames: list[Frame]) -> float:
    """CPU ms per frame of the estimator's own Python: colour conversion, mp.Image, and the
    result's conversion (timed on a canned result shaped like MediaPipe's)."""
    import cv2
    import mediapipe as mp_lib

    from posecoach.estimator import _to_pose

    class _Landmark:
        def __init__(self, i: int) -> None:
            self.x, self.y, self.z = 0.1 + i * 0.01, 0.2, 0.0
            self.visibility, self.presence = 0.9, 0.9

    canned = [_Landmark(i) for i in range(33)]

    def work() -> None:
        for frame in frames:
            rgb = cv2.cvtColor(frame.image, cv2.COLOR_BGR2RGB)
            mp_lib.Image(image_format=mp_lib.ImageFormat.SRGB, data=rgb)
            _to_pose(canned, canned, 640, 480)

    return cpu_ms(work, len(frames))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clip", action="append", dest="clips",
                        help="label=path[@start-end] (repeatable); default: every exercise")
    parser.add_argument("--frames", type=int, default=450, help="least frames per clip")
    parser.add_argument("--preset", action="append", dest="presets",
                        help="x264 presets to time (repeatable); default: the sink's own")
    args = parser.parse_args(argv)
    clips = [Clip.parse(text) for text in (args.clips or DEFAULT_CLIPS)]
    presets = args.presets or [VideoFileSink.DEFAULT_PRESET]
    table: dict[str, dict[str, float]] = {}
    for clip in clips:
        frames, fps = load_frames(clip, args.frames)
        with tempfile.TemporaryDirectory() as tmp:
            table[clip.label] = measure(clip, frames, fps, presets, Path(tmp))
        print(f"{clip.label}: done", file=sys.stderr)
    labels = list(table)
    names = list(next(iter(table.values())))
    print("CPU ms per frame (640×480) unless named otherwise")
    print(f"{'piece':<32}" + "".join(f"{label[:12]:>13}" for label in labels))
    for name in names:
        print(f"{name:<32}" + "".join(f"{table[label][name]:13.2f}" for label in labels))
    return 0


if __name__ == "__main__":
    sys.exit(main())
