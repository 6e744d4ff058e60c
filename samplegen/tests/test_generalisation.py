"""Regenerating a generalisation clip from (family, transition, seed) reproduces its truth.

Part of the optional samplegen job (heavy: torch, anny, pyrender):

    /work/sgvenv/bin/python -m pytest samplegen/tests/test_generalisation.py
    SAMPLEGEN_CLIPS="roller-plain-111400" ... -m pytest samplegen/tests/test_generalisation.py

The default is the shortest committed clip of the test split (the empty room) plus one short
clip with a person; any committed clip of the manifest can be named.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

pytest.importorskip("anny", reason="the samplegen extra is not installed")
pytest.importorskip("pyrender", reason="the samplegen extra is not installed")

ROOT = Path(__file__).resolve().parents[2]
GEN = ROOT / "samples" / "generalisation"


def _default_clips() -> list[str]:
    clips = json.loads((GEN / "manifest.json").read_text())["clips"]
    test = [c for c in clips if c["split"] == "test" and c["committed"]]
    empty = [c["name"] for c in test if c["family"] == "empty"][:1]
    seated = [c["name"] for c in test if c["family"] == "seated_side"][:1]
    return empty + seated


CLIPS = os.environ.get("SAMPLEGEN_CLIPS", "").split() or _default_clips()


@pytest.mark.parametrize("name", CLIPS)
def test_seed_reproduces_the_committed_truth(name: str, tmp_path: Path):
    from samplegen.randomize import build_scene
    from samplegen.render import render_scene

    clip = next(
        c for c in json.loads((GEN / "manifest.json").read_text())["clips"] if c["name"] == name
    )
    r = build_scene(clip["family"], clip["transition"], clip["seed"], clip["split"])
    render_scene(r.scene, tmp_path, extra=r.extra, compress=True, antialias=False)
    committed = (GEN / clip["split"] / f"{name}.truth.json.gz").read_bytes()
    assert (tmp_path / f"{name}.truth.json.gz").read_bytes() == committed


def test_nuisance_is_a_function_of_the_seed():
    from samplegen.randomize import draw_nuisance

    a = draw_nuisance("roller", "second_person", 1234)
    assert a == draw_nuisance("roller", "second_person", 1234)
    assert a != draw_nuisance("roller", "second_person", 1235)
