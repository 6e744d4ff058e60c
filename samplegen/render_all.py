"""Render every scene in ``samplegen/scenes`` (or the named ones) into ``samples/synthetic``.

Usage: ``python -m samplegen.render_all [NAME ...] [--out DIR] [--max-frames N]``

Renders one scene at a time in this process (the machine has two cores). Same scene file ⇒
same truth file, byte for byte.
"""

from __future__ import annotations

import argparse
import logging
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCENES = ROOT / "samplegen" / "scenes"
OUT = ROOT / "samples" / "synthetic"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help="scene names (default: all)")
    ap.add_argument("--out", type=Path, default=OUT)
    ap.add_argument("--max-frames", type=int, default=None, help="render only the first N")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
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
