"""The report's plots, as inline SVG: timeline with cue markers, position along the spine with
the target band, speed against the pace band, and dwell per spot."""

from __future__ import annotations

from typing import Any

import numpy as np

from posecoach.exercises.roller import (
    LOWER_BACK_LIMIT_FRACTION,
    NECK_LIMIT_FRACTION,
    T1_FRACTION,
    T3_FRACTION,
    T7_FRACTION,
    T12_FRACTION,
)
from posecoach.record.summary import SEGMENTS
from posecoach.report.data import SessionLog
from posecoach.report.svg import (
    AMBER,
    BLUE,
    GREEN,
    GREY,
    LIGHT_GREEN,
    PURPLE,
    RED,
    pyplot,
    thin,
    to_svg,
)

#: Rolling pace, 2–4 s per pass over 20–30 cm (docs/coaching.md §3.2).
ROLLER_PACE_CM_S = (5.0, 15.0)
#: The ball is moved slowly or held: faster than 10 cm/s is rushing (docs/coaching.md §4).
BALL_PACE_CM_S = (0.0, 10.0)
#: Hold a tender spot 30–90 s (docs/coaching.md §4).
HOLD_S = (30.0, 90.0)
STATES = (("away", "#e6e6e6"), ("upright", GREEN), ("slouching", AMBER), ("roller", BLUE),
          ("ball", PURPLE), ("not coached", GREY))
WIDE = (6.0, 2.4)


def _time_axis(log: SessionLog) -> tuple[np.ndarray, float, str]:
    """Times from the start, in minutes for sessions over 2 minutes, else seconds."""
    t = log.t - log.t[0]
    scale, unit = (60.0, "min") if log.duration_s > 120 else (1.0, "s")
    return t / scale, scale, unit


def frame_states(log: SessionLog) -> list[str]:
    """What each frame was, for the timeline (one of :data:`STATES`)."""
    judged = np.zeros(len(log.t), dtype=bool)
    for key, values in log.checks.items():
        if key.startswith("posture."):
            judged |= np.isfinite(values[:, 0])
    states = []
    for i, exercise in enumerate(log.exercise):
        if not log.person[i]:
            states.append("away")
        elif exercise in ("roller", "ball"):
            states.append(exercise)
        elif judged[i]:
            bad = any(k.startswith("posture.") for k in log.active[i])
            states.append("slouching" if bad else "upright")
        else:
            states.append("not coached")
    return states


def timeline(log: SessionLog, cues: list[dict[str, Any]]) -> str:
    """One bar coloured by what was happening, cue markers above it."""
    plt = pyplot()
    t, scale, unit = _time_axis(log)
    dt = log.frame_durations() / scale
    states = frame_states(log)
    colours = dict(STATES)
    figure, axis = plt.subplots(figsize=(6.0, 1.8))
    runs: dict[str, list[tuple[float, float]]] = {}
    start = 0
    for i in range(1, len(states) + 1):
        if i == len(states) or states[i] != states[start]:
            runs.setdefault(states[start], []).append(
                (float(t[start]), float(t[i - 1] - t[start] + dt[i - 1])))
            start = i
    for state, spans in runs.items():
        axis.broken_barh(spans, (0, 1), color=colours[state], label=state)
    for cue in cues:
        x = cue["t"] / scale
        colour = RED if cue["key"].endswith(("lumbar", "cervical", "neck")) else "#333333"
        axis.plot([x, x], [1.05, 1.45], color=colour, lw=1.2)
        axis.plot(x, 1.5, marker="v", color=colour, ms=6)
    axis.set_ylim(0, 1.7)
    axis.set_yticks([])
    axis.spines["left"].set_visible(False)
    axis.set_xlim(0, float(t[-1] + dt[-1]) if len(t) else 1)
    axis.set_xlabel(f"time ({unit}) · ▼ a cue")
    axis.legend(loc="upper center", bbox_to_anchor=(0.5, -0.5), ncol=min(len(runs), 3),
                frameon=False, fontsize=10)
    return to_svg(figure)


def spine_position(log: SessionLog, prop: str) -> str | None:
    """Where the prop was along the spine over time, the shoulder-blade band shaded."""
    fraction = log.metrics.get(f"{prop}.fraction")
    if fraction is None or not np.isfinite(fraction).any():
        return None
    plt = pyplot()
    t, _, unit = _time_axis(log)
    end = float(t[-1])
    t, fraction = thin(t, fraction)
    figure, axis = plt.subplots(figsize=WIDE)
    axis.set_xlim(0, end)
    axis.axhspan(-0.1, LOWER_BACK_LIMIT_FRACTION, color=RED, alpha=0.12, lw=0)
    axis.axhspan(LOWER_BACK_LIMIT_FRACTION, NECK_LIMIT_FRACTION, color=LIGHT_GREEN, alpha=0.5,
                 lw=0)
    axis.axhspan(T7_FRACTION, T3_FRACTION, color=GREEN, alpha=0.3, lw=0,
                 label="target: shoulder blades (T7–T3)")
    axis.axhspan(NECK_LIMIT_FRACTION, 1.35, color=RED, alpha=0.12, lw=0)
    axis.plot(t, fraction, color=BLUE, lw=1.4)
    axis.set_ylim(-0.1, 1.35)
    axis.set_yticks([0.0, T12_FRACTION, T7_FRACTION, T3_FRACTION, T1_FRACTION],
                    ["hips", "T12", "T7", "T3", "T1"])
    axis.text(0.005, 0.2, "lower back", transform=axis.get_yaxis_transform(), color=RED,
              fontsize=8)
    axis.text(0.005, 1.2, "neck", transform=axis.get_yaxis_transform(), color=RED, fontsize=8)
    axis.set_xlabel(f"time ({unit})")
    axis.legend(loc="lower right", fontsize=9, frameon=False)
    return to_svg(figure)


def speed_histogram(summary: dict[str, Any], prop: str) -> str | None:
    """Time spent at each speed along the spine, against the pace band."""
    data = (summary.get(prop) or {}).get("speed") or {}
    seconds = np.asarray(data.get("seconds") or [], dtype=float)
    if seconds.sum() <= 0:
        return None
    edges = np.asarray([e if e is not None else np.nan for e in data["edges_cm_s"]], float)
    finite = int(np.isfinite(edges).sum()) - 1  # bins with a finite upper edge
    pairs = seconds[:finite].reshape(-1, 2).sum(axis=1)  # 0.5 cm/s bins → 1 cm/s
    lefts = edges[:finite:2]
    band = ROLLER_PACE_CM_S if prop == "roller" else BALL_PACE_CM_S
    limit = summary[prop]["too_fast_cm_s"]
    plt = pyplot()
    figure, axis = plt.subplots(figsize=WIDE)
    axis.axvspan(*band, color=GREEN, alpha=0.15, lw=0,
                 label=f"good pace {band[0]:.0f}–{band[1]:.0f} cm/s")
    colours = [RED if left >= limit else BLUE for left in lefts]
    axis.bar(lefts, pairs, width=1.0, align="edge", color=colours)
    faster = seconds[finite:].sum()
    if faster > 0:
        axis.bar([lefts[-1] + 1.5], [faster], width=1.0, align="edge", color=RED)
    axis.axvline(limit, color=RED, ls="--", lw=1, label=f"too fast above {limit:.0f} cm/s")
    used = np.nonzero(pairs)[0]
    right = lefts[used[-1]] + 1 if len(used) else limit
    axis.set_xlim(0, max(right, limit) + (3.5 if faster > 0 else 3))
    axis.set_xlabel("speed along the spine (cm/s)")
    axis.set_ylabel("seconds")
    axis.legend(fontsize=9, frameon=False)
    return to_svg(figure)


def dwell(summary: dict[str, Any], prop: str) -> str | None:
    """Ball: time held on each spot against the 30–90 s hold. Roller: time on each stretch of
    the spine."""
    data = summary.get(prop) or {}
    plt = pyplot()
    if prop == "ball" and data.get("spots"):
        spots = data["spots"]
        figure, axis = plt.subplots(figsize=(6.0, 0.9 + 0.35 * len(spots)))
        axis.axvspan(*HOLD_S, color=GREEN, alpha=0.15, lw=0, label="hold 30–90 s")
        labels = [f"{i + 1}: {s['zone']} ({s['start_t'] / 60:.0f} min)"
                  for i, s in enumerate(spots)]
        colours = [BLUE if s["zone"] == "upper back" else RED for s in spots]
        axis.barh(range(len(spots)), [s["dwell_s"] for s in spots], color=colours)
        axis.set_yticks(range(len(spots)), labels)
        axis.invert_yaxis()
        axis.set_xlabel("seconds on the spot")
        axis.legend(fontsize=9, frameon=False, loc="lower right")
        return to_svg(figure)
    segments = data.get("segment_s") or {}
    if sum(segments.values()) <= 0:
        return None
    names = [name for name, _, _ in SEGMENTS]
    values = [segments.get(name, 0.0) for name in names]
    colours = [RED if name in ("lower back", "neck") else
               GREEN if name == "T7–T3" else BLUE for name in names]
    figure, axis = plt.subplots(figsize=(6.0, 2.2))
    axis.barh(names, values, color=colours)
    axis.invert_yaxis()
    axis.set_xlabel(f"seconds with the {prop} there")
    return to_svg(figure)
