"""Regenerating a sample from its scene file reproduces its ground truth byte for byte.

Part of the optional samplegen job (heavy: torch, anny, pyrender), not of the main suite:

    /work/samplegen-venv/bin/python -m pytest samplegen/tests          # one scene (~2 min)
    SAMPLEGEN_SCENES="desk_front ball_floor" ... -m pytest samplegen/tests
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

pytest.importorskip("anny", reason="the samplegen extra is not installed")
pytest.importorskip("pyrender", reason="the samplegen extra is not installed")

ROOT = Path(__file__).resolve().parents[2]
SCENES = os.environ.get("SAMPLEGEN_SCENES", "seated_side_far").split()


@pytest.mark.parametrize("name", SCENES)
def test_scene_file_reproduces_the_committed_truth(name: str, tmp_path: Path):
    from samplegen.render import render_scene
    from samplegen.scene import load_scene

    scene = load_scene(ROOT / "samplegen" / "scenes" / f"{name}.toml", ROOT)
    render_scene(scene, tmp_path)
    committed = (ROOT / "samples" / "synthetic" / f"{name}.truth.json").read_bytes()
    assert (tmp_path / f"{name}.truth.json").read_bytes() == committed
