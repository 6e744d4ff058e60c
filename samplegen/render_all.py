"""Render the hand-written scenes into ``samples/synthetic``, or the generalisation split.

Usage:
    python -m samplegen.render_all [NAME ...] [--out DIR] [--max-frames N]
    python -m samplegen.render_all --generalisation [--split test] [--shard 0/2] [NAME ...]
    python -m samplegen.render_all --guided [--out DIR] [NAME ...]

Renders one scene at a time in this process (the machine has two cores; run two shards in
two processes). Same scene file, or same (family, transition, seed), ⇒ same truth, byte for
byte. ``--generalisation`` also (re)writes ``samples/generalisation/manifest.json``.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENES = ROOT / "samplegen" / "scenes"
OUT = ROOT / "samples" / "synthetic"
GENERALISATION = ROOT / "samples" / "generalisation"
GUIDED = ROOT / "samples" / "guided"


def _write_manifest(out: Path) -> dict:
    from samplegen.split import make_manifest

    manifest = make_manifest()
    path = out / "manifest.json"
    if path.exists():  # keep the committed flags decided when the clips were committed
        old = {c["name"]: c["committed"] for c in json.loads(path.read_text())["clips"]}
        for c in manifest["clips"]:
            c["committed"] = old.get(c["name"], c["committed"])
    out.mkdir(parents=True, exist_ok=True)
    # Atomic: two shards may write it at once, and one may be reading it.
    tmp = path.with_name(f".manifest.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(manifest, indent=1) + "\n")
    os.replace(tmp, path)
    return manifest


#: Size budget of the committed generalisation clips (issue 10: about 40 MB in git).
BUDGET_BYTES = 40 * 1024 * 1024


def mark_committed(out: Path, budget: int = BUDGET_BYTES) -> list[dict]:
    """Set ``committed`` in the manifest: rendered clips, test first, then val, then dev,
    while their mp4 + truth fit ``budget`` bytes. Returns the committed clips."""
    path = out / "manifest.json"
    manifest = json.loads(path.read_text())
    used = sum(p.stat().st_size for p in (path, out / "README.md") if p.exists())
    order = {"test": 0, "val": 1, "dev": 2}
    done = []
    for c in sorted(manifest["clips"], key=lambda c: order[c["split"]]):
        files = [out / c["split"] / f"{c['name']}{ext}" for ext in (".mp4", ".truth.json.gz")]
        size = sum(f.stat().st_size for f in files if f.exists())
        c["committed"] = all(f.exists() for f in files) and used + size <= budget
        if c["committed"]:
            used += size
            done.append(c)
    path.write_text(json.dumps(manifest, indent=1) + "\n")
    return done


def _generalisation(args: argparse.Namespace) -> int:
    out = args.out if args.out != OUT else GENERALISATION
    if args.mark_committed:
        done = mark_committed(out)
        print(f"{len(done)} clips committed", flush=True)
        return 0
    from samplegen.randomize import build_scene
    from samplegen.render import render_scene

    manifest = _write_manifest(out)
    clips = manifest["clips"]
    if args.split:
        clips = [c for c in clips if c["split"] in args.split]
    if args.names:
        clips = [c for c in clips if c["name"] in args.names]
    k, n = (int(x) for x in args.shard.split("/"))
    clips = clips[k::n]
    for c in clips:
        folder = out / c["split"]
        if args.skip_existing and (folder / f"{c['name']}.truth.json.gz").exists():
            continue
        t0 = time.monotonic()
        r = build_scene(c["family"], c["transition"], c["seed"], c["split"])
        truth = render_scene(
            r.scene,
            folder,
            max_frames=args.max_frames,
            extra=r.extra,
            compress=True,
            antialias=False,
        )
        labels = sorted({s["label"] for s in truth["segments"]})
        print(
            f"{c['split']}/{c['name']}: {truth['frame_count']} frames "
            f"{truth['width']}x{truth['height']} in {time.monotonic() - t0:.0f} s; "
            f"labels {', '.join(labels)}",
            flush=True,
        )
    return 0


def _guided(args: argparse.Namespace) -> int:
    from samplegen.guided import GUIDED_CLIPS, build
    from samplegen.render import render_scene

    out = args.out if args.out != OUT else GUIDED
    clips = [c for c in GUIDED_CLIPS if not args.names or c.name in args.names]
    for c in clips:
        t0 = time.monotonic()
        r = build(c)
        truth = render_scene(r.scene, out, max_frames=args.max_frames, extra=r.extra,
                             compress=True, antialias=False)
        labels = sorted({s["label"] for s in truth["segments"]})
        print(f"{c.name}: {truth['frame_count']} frames {truth['width']}x{truth['height']} "
              f"in {time.monotonic() - t0:.0f} s; labels {', '.join(labels)}", flush=True)
    return 0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="scene / clip names (default: all)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--max-frames", type=int, default=None, help="render only the first N")
    ap.add_argument("--generalisation", action="store_true", help="the randomised split")
    ap.add_argument("--guided", action="store_true",
                    help="the guided-session clips (gestures, a high camera: samplegen/guided.py)")
    ap.add_argument("--split", action="append", choices=("dev", "val", "test"))
    ap.add_argument("--shard", default="0/1", help="K/N: every N-th clip from the K-th")
    ap.add_argument("--skip-existing", action="store_true", help="keep rendered clips")
    ap.add_argument(
        "--mark-committed",
        action="store_true",
        help="set the manifest's committed flags from the rendered files (40 MB budget)",
    )
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    if args.generalisation:
        return _generalisation(args)
    if args.guided:
        return _guided(args)
    from samplegen.render import render_scene
    from samplegen.scene import load_scene

    paths = sorted(SCENES.glob("*.toml"))
    if args.names:
        paths = [SCENES / f"{n}.toml" for n in args.names]
    for p in paths:
        scene = load_scene(p, ROOT)
        t0 = time.monotonic()
        truth = render_scene(scene, args.out, max_frames=args.max_frames)
        labels = sorted({s["label"] for s in truth["segments"]})
        print(
            f"{scene.name}: {truth['frame_count']} frames in {time.monotonic() - t0:.0f} s; "
            f"labels {', '.join(labels)}",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
