"""Score the prop trackers on the rendered samples (``samples/synthetic``), frame by frame.

Not a test: a script (``python -m tests.props.evaluate_on_renders [names...]``) that, for each
rendered sample with a prop, runs MediaPipe exactly as the app does (VIDEO mode, the bundled
model), builds the :class:`BodyHint` with :func:`posecoach.stages.body_hint`, feeds the
tracker and compares with the truth file. Landmarks are cached under /tmp (keyed by the video's
size and mtime) so re-runs cost only the trackers; ``--no-cache`` recomputes them.

Printed per sample:

* ``vis``: frames where the truth prop is visible;
* ``recall``: frames with a detection (any method, "hold" and "body_pivot" included)
  within 0.5 truth radius of the truth centre ÷ ``vis``;
* ``rec_run``: the same over the visible frames where the tracker ran (the app runs the
  roller tracker only while the person lies, or once it has seen the roller);
* ``false``: detections more than 1 truth radius from the truth centre (any frame);
* ``err_px`` / ``err_cm``: median centre error over frames with a visible prop and a
  detection (truth radius → cm with 3.3 cm per ball radius, 7.5 cm per roller radius);
* ``frac_cm``: median |contact spine fraction − truth| × 47.5 cm, the fraction measured on
  the MediaPipe hip → shoulder axis as the analyzers do;
* ``methods``: counts of the detection methods; ``ms``/``p50``/``p95``: tracker time per
  frame where it ran (mean, median, 95th percentile), milliseconds.
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from posecoach.geometry import BodyPosture, body_geometry
from posecoach.props.ball import BALL_RADIUS_CM, BallTracker
from posecoach.props.geometry import spine_coords
from posecoach.props.roller import ROLLER_RADIUS_CM, RollerTracker
from posecoach.stages import body_hint
from posecoach.types import Pose

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "synthetic"
CACHE = Path("/tmp/posecoach_render_poses")
TRUNK_CM = 47.5  # the hint's shoulder–hip length (posecoach.geometry, docs/coaching.md §3.2)


@dataclass
class SampleResult:
    name: str
    kind: str
    visible: int
    recall: float
    recall_run: float
    false: int
    err_px: float
    err_cm: float
    frac_cm: float
    methods: dict[str, int]
    ms_mean: float
    ms_median: float
    ms_p95: float


def _frames(video: Path):
    cap = cv2.VideoCapture(str(video))
    try:
        while True:
            ok, image = cap.read()
            if not ok:
                return
            yield image
    finally:
        cap.release()


def _poses(video: Path, fps: float, use_cache: bool) -> list[Pose | None]:
    """MediaPipe poses of every frame (None where no person), as the app computes them."""
    stat = video.stat()
    cache = CACHE / f"{video.stem}-{stat.st_size}-{int(stat.st_mtime)}.npz"
    if use_cache and cache.exists():
        data = np.load(cache)
        return [None if not ok else Pose(xy, vis, pres) for ok, xy, vis, pres in
                zip(data["ok"], data["xy"], data["vis"], data["pres"], strict=True)]
    from posecoach.estimator import PoseEstimator
    from posecoach.model import resolve_model

    poses: list[Pose | None] = []
    with PoseEstimator(resolve_model()) as estimator:
        for i, image in enumerate(_frames(video)):
            found = estimator(image, i / fps)
            poses.append(found[0] if found else None)
    n = len(poses)
    ok = np.array([p is not None for p in poses])
    xy, vis, pres = np.zeros((n, 33, 2)), np.zeros((n, 33)), np.zeros((n, 33))
    for i, p in enumerate(poses):
        if p is not None:
            xy[i], vis[i], pres[i] = p.xy, p.visibility, p.presence
    CACHE.mkdir(parents=True, exist_ok=True)
    np.savez(cache, ok=ok, xy=xy, vis=vis, pres=pres)
    return poses


def evaluate_sample(truth_file: Path, use_cache: bool = True) -> SampleResult | None:
    """Run the matching tracker over one sample; None when it has no prop."""
    truth = json.loads(truth_file.read_text(encoding="utf-8"))
    frames = truth["frames"]
    kinds = {f["prop"]["kind"] for f in frames if f.get("prop")}
    if not kinds:
        return None
    kind = kinds.pop()
    video = truth_file.with_name(truth_file.name.replace(".truth.json", ".mp4"))
    fps = float(truth["fps"])
    poses = _poses(video, fps, use_cache)
    tracker = RollerTracker() if kind == "roller" else BallTracker()
    radius_cm = ROLLER_RADIUS_CM if kind == "roller" else BALL_RADIUS_CM
    visible = hits = false = run_visible = 0
    err_px: list[float] = []
    err_cm: list[float] = []
    frac: list[float] = []
    methods: Counter[str] = Counter()
    times: list[float] = []
    engaged = False
    for i, image in enumerate(_frames(video)):
        if i >= len(frames):
            break
        pose = poses[i] if i < len(poses) else None
        hint, geometry = None, None
        if pose is not None:
            geometry = body_geometry(pose)
            hint = body_hint(pose, geometry)
        t = i / fps
        found, ran = None, False
        # As posecoach.stages.ExerciseStage: the roller tracker runs while the person lies
        # (or, roughly, once it has seen the roller); the ball tracker always.
        if kind == "ball" or (geometry is not None and (
                geometry.posture is BodyPosture.LYING or engaged)):
            started, ran = time.perf_counter(), True
            found = tracker.update(image, hint, t)
            times.append((time.perf_counter() - started) * 1000.0)
            engaged |= found is not None and found.method in ("colour", "shape")
        prop = frames[i].get("prop")
        shown = bool(prop and prop.get("visible"))
        visible += shown
        run_visible += shown and ran
        if found is None:
            continue
        methods[found.method] += 1
        if not prop:
            false += 1
            continue
        centre = np.asarray(prop["center_px"], float)
        r = float(prop["radius_px"])
        d = float(np.hypot(*(found.center_px - centre)))
        if d > r:
            false += 1
        if shown:
            hits += d <= 0.5 * r
            err_px.append(d)
            err_cm.append(d * radius_cm / r)
            contact = getattr(found, "contact_px", None)
            if contact is not None and hint is not None and prop.get("spine_fraction") is not None:
                f = float(spine_coords(contact, hint.hip_px, hint.shoulder_px,
                                       hint.px_per_cm).fraction[0])
                frac.append(abs(f - float(prop["spine_fraction"])) * TRUNK_CM)
    if not times:  # the video is missing or still being written
        return None
    return SampleResult(truth["name"], kind, visible, hits / visible if visible else 0.0,
                        hits / run_visible if run_visible else 0.0,
                        false, _median(err_px), _median(err_cm), _median(frac),
                        dict(methods),
                        float(np.mean(times)), float(np.median(times)),
                        float(np.percentile(times, 95)))


def _median(values: list[float]) -> float:
    return float(np.median(values)) if values else float("nan")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="sample names (default: all with a prop)")
    parser.add_argument("--no-cache", action="store_true", help="recompute the landmarks")
    args = parser.parse_args(argv)
    files = sorted(SAMPLES.glob("*.truth.json"))
    if args.names:
        files = [f for f in files if f.name.split(".")[0] in args.names]
    print(f"{'sample':24} {'vis':>4} {'recall':>6} {'rec_run':>7} {'false':>5} {'err_px':>6} "
          f"{'err_cm':>6} {'frac_cm':>7} {'ms':>5} {'p50':>5} {'p95':>5}  methods")
    for f in files:
        res = evaluate_sample(f, not args.no_cache)
        if res is None:
            continue
        methods = " ".join(f"{k}:{v}" for k, v in sorted(res.methods.items()))
        print(f"{res.name:24} {res.visible:4d} {res.recall:6.2f} {res.recall_run:7.2f} "
              f"{res.false:5d} "
              f"{res.err_px:6.1f} {res.err_cm:6.1f} {res.frac_cm:7.1f} {res.ms_mean:5.1f} "
              f"{res.ms_median:5.1f} {res.ms_p95:5.1f}  {methods}", flush=True)


if __name__ == "__main__":
    main()
