"""The fixed-seed dev / val / test split of randomised clips (issue 10).

``make_manifest()`` is a pure function of :data:`SPLIT_SEED`: every split gets each
(family, transition) pair once, then further clips family by family, each with its own seed.
A draw that leaves a split unbalanced (see :func:`balance_problems`) is redrawn with the next
attempt number, so the result is still fixed. Runs without the render dependencies.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from samplegen.randomize import (
    BALL_COLOURS,
    FAMILIES,
    FAMILY_TRANSITIONS,
    ROLLER_COLOURS,
    SEVERITIES,
    draw_nuisance,
)

MANIFEST_FORMAT = "posecoach-manifest/1"
SPLIT_SEED = 20261129
#: Clips per split: ≥ 150 in all, ≥ 40 in test (issue 10).
SPLIT_SIZES = {"test": 42, "val": 33, "dev": 75}
#: Light levels below / above these count as dim / bright.
DIM_LIGHT, BRIGHT_LIGHT = 0.6, 1.0


def _pairs() -> list[tuple[str, str | None]]:
    return [(f, t) for f in FAMILIES for t in FAMILY_TRANSITIONS[f]]


def clip_name(family: str, transition: str | None, seed: int) -> str:
    """File stem of a clip: ``<family>-<transition or plain>-<seed>``."""
    return f"{family}-{transition or 'plain'}-{seed}"


def balance_problems(clips: list[dict[str, Any]]) -> list[str]:
    """What one split's clips lack (empty list = balanced); nuisance from the clips' seeds."""
    out = []
    fams = {c["family"] for c in clips}
    trans = {c["transition"] for c in clips}
    out += [f"family {f} missing" for f in FAMILIES if f not in fams]
    all_t = {t for ts in FAMILY_TRANSITIONS.values() for t in ts}
    out += [f"transition {t} missing" for t in all_t if t not in trans]
    ns = [draw_nuisance(c["family"], c["transition"], c["seed"]) for c in clips]
    people = [n for n in ns if n["facing"] != "none"]
    checks = {
        "negative azimuth": any(n["azimuth_deg"] < 0 for n in ns),
        "positive azimuth": any(n["azimuth_deg"] > 0 for n in ns),
        "dim light": any(n["light_level"] < DIM_LIGHT for n in ns),
        "bright light": any(n["light_level"] > BRIGHT_LIGHT for n in ns),
        "one-sided light": any(n["one_sided_light"] for n in ns),
        "320x240": any(n["resolution"] == "320x240" for n in ns),
        "640x480": any(n["resolution"] == "640x480" for n in ns),
        "30 fps": any(n["fps"] == 30 for n in ns),
        "mirrored": any(n["mirrored"] for n in ns),
        "facing left": any(n["facing"] == "left" for n in ns),
        "facing right": any(n["facing"] == "right" for n in ns),
        "near camera (< 2 m)": any(n["distance_m"] < 2.0 for n in ns),
        "far camera (> 3 m)": any(n["distance_m"] > 3.0 for n in ns),
        "dark skin (> 0.7)": any(n["skin_tone"] > 0.7 for n in people),
        "light skin (< 0.3)": any(0 <= n["skin_tone"] < 0.3 for n in people),
        "long hair": any(n["long_hair"] for n in people),
    }
    for sev in SEVERITIES:
        checks[f"severity {sev}"] = any(n["severity"] == sev for n in people)
    out += [name for name, ok in checks.items() if not ok]
    return out


def prop_colour_problems(clips: list[dict[str, Any]]) -> list[str]:
    """Prop colours never drawn over all splits together."""
    seen = {draw_nuisance(c["family"], c["transition"], c["seed"])["prop_colour"] for c in clips}
    need = set(ROLLER_COLOURS) | set(BALL_COLOURS)
    return [f"prop colour {c} missing" for c in sorted(need - seen)]


def _draw_split(split: str, size: int, attempt: int) -> list[dict[str, Any]]:
    rng = np.random.default_rng([SPLIT_SEED, list(SPLIT_SIZES).index(split), attempt])
    pairs = _pairs()
    chosen = list(pairs)
    # Extra clips: the families with a person in turn, in a shuffled order per round (the
    # empty room has no fault to score; its one clip per split comes from the pairs).
    fams = [f for f in FAMILIES if f != "empty"]
    while len(chosen) < size:
        for k in rng.permutation(len(fams)):
            if len(chosen) < size:
                ts = FAMILY_TRANSITIONS[fams[int(k)]]
                chosen.append((fams[int(k)], ts[int(rng.integers(len(ts)))]))
    seeds = rng.choice(np.arange(1000, 1_000_000), size=len(chosen), replace=False)
    return [
        {
            "name": clip_name(f, t, int(s)),
            "split": split,
            "family": f,
            "transition": t,
            "seed": int(s),
            "committed": True,
        }
        for (f, t), s in zip(chosen, seeds, strict=True)
    ]


def make_manifest() -> dict[str, Any]:
    """The split: ``{"format", "split_seed", "clips": [...]}`` (all ``committed`` true)."""
    clips: list[dict[str, Any]] = []
    for split, size in SPLIT_SIZES.items():
        for attempt in range(100):
            drawn = _draw_split(split, size, attempt)
            if not balance_problems(drawn):
                break
        else:
            raise ValueError(f"split {split}: no balanced draw in 100 attempts")
        clips += drawn
    problems = prop_colour_problems(clips)
    if problems:
        raise ValueError(f"split seed {SPLIT_SEED}: {problems}")
    return {"format": MANIFEST_FORMAT, "split_seed": SPLIT_SEED, "clips": clips}
