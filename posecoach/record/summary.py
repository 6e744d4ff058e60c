"""A session's numbers, accumulated row by row from the per-frame log records.

The same builder runs live (fed every frame as it is logged) and afterwards (fed the rows of a
``frames.jsonl``), so a record whose session was killed is summarised exactly as a finished one.
Every row stands for the time until the next row, capped at 1 s (a paused or stalled camera),
as in :meth:`posecoach.report.data.SessionLog.frame_durations`; the last row stands for the gap
before it. ``duration_s`` is the sum of that time, so every share adds up to it.
"""

from __future__ import annotations

import bisect
import copy
import math
from collections import defaultdict
from typing import Any

from posecoach.exercises.ball import FAST_CM_S
from posecoach.exercises.roller import (
    LOWER_BACK_LIMIT_FRACTION,
    NECK_LIMIT_FRACTION,
    T1_FRACTION,
    T3_FRACTION,
    T7_FRACTION,
    T12_FRACTION,
    TOO_FAST_CM_S,
)
from posecoach.scale import ScaleSource

FORMAT = "posecoach-session/1"
#: Longest time one row may stand for (s): longer gaps are a paused or stalled camera.
MAX_ROW_S = 1.0
#: Speed histogram bins (cm/s), 0.5 cm/s wide up to 40, then everything faster. The median is
#: read from it (to a quarter cm/s), so no per-frame list grows with the session.
SPEED_EDGES = [0.5 * i for i in range(81)] + [math.inf]
#: A ball spot is listed once the ball stayed on it this long (s): shorter stays are the ball
#: moving between spots, not a hold (holds are 30–90 s, docs/coaching.md §4).
SPOT_MIN_S = 5.0
PROPS = ("roller", "ball")
#: Stretches of the spine by vertebral landmark (fractions of hips → shoulders,
#: docs/coaching.md §3.1): where the prop dwelt.
SEGMENTS = (("lower back", -math.inf, T12_FRACTION), ("T12–T7", T12_FRACTION, T7_FRACTION),
            ("T7–T3", T7_FRACTION, T3_FRACTION), ("T3–T1", T3_FRACTION, T1_FRACTION),
            ("neck", T1_FRACTION, math.inf))
#: Too fast along the back (cm/s): roller docs/coaching.md §3.2, ball §4.
FAST_LIMIT = {"roller": TOO_FAST_CM_S, "ball": FAST_CM_S}


def spine_zone(fraction: float) -> str:
    """The zone name at ``fraction`` of hips → shoulders (borders docs/coaching.md §3.1)."""
    if fraction < LOWER_BACK_LIMIT_FRACTION:
        return "lower back"
    if fraction > NECK_LIMIT_FRACTION:
        return "neck"
    return "upper back"


def spine_segment(fraction: float) -> str:
    """The stretch of :data:`SEGMENTS` at ``fraction`` (its borders agree with the zones')."""
    zone = spine_zone(fraction)
    if zone != "upper back":
        return zone
    return "T12–T7" if fraction < T7_FRACTION else "T7–T3" if fraction <= T3_FRACTION else "T3–T1"


def in_target(fraction: float) -> bool:
    """Within the shoulder-blade band T7–T3, the target (docs/coaching.md §3.1)."""
    return T7_FRACTION <= fraction <= T3_FRACTION


class _Prop:
    """Totals for the roller or the ball."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.seen_s = 0.0
        self.zone_s: dict[str, float] = defaultdict(float)
        self.target_s = 0.0
        self.segment_s = {name: 0.0 for name, _, _ in SEGMENTS}
        self.speed_s = [0.0] * (len(SPEED_EDGES) - 1)
        # passes (roller): counted from the logged per-set counter
        self.passes = 0
        self.sets = 0
        self._last_passes: float | None = None
        self._last_set_s: float | None = None
        self._pass_speed = [0.0, 0.0]  # speed·s, s during the pass under way
        self.pass_speeds: list[float] = []
        # spots (ball)
        self.spots: list[dict[str, float]] = []
        self._spot: dict[str, float] | None = None
        self._last_spot_s: float | None = None

    def add(self, t: float, metrics: dict[str, Any], d: float) -> None:
        fraction = metrics.get(f"{self.name}.fraction")
        if fraction is not None:
            self.seen_s += d
            self.zone_s[spine_zone(fraction)] += d
            if in_target(fraction):
                self.target_s += d
            self.segment_s[spine_segment(fraction)] += d
        speed = metrics.get(f"{self.name}.speed_cm_s")
        if speed is not None:
            speed = abs(speed)
            self.speed_s[bisect.bisect_right(SPEED_EDGES, speed) - 1] += d
            self._pass_speed[0] += speed * d
            self._pass_speed[1] += d
        self._count_passes(metrics)
        self._count_spots(t, fraction, metrics.get(f"{self.name}.spot_s"))

    def _count_passes(self, metrics: dict[str, Any]) -> None:
        passes = metrics.get(f"{self.name}.passes")
        set_s = metrics.get(f"{self.name}.set_s")
        if set_s is not None:
            last = self._last_set_s
            if set_s > 0 and (last is None or last == 0 or set_s < last):
                self.sets += 1  # the set timer started, or restarted for a new set
            self._last_set_s = set_s
        if passes is None:
            return
        previous = self._last_passes or 0.0
        new = passes - previous if passes >= previous else passes  # the counter reset: new set
        for _ in range(int(new)):
            self.passes += 1
            total, seconds = self._pass_speed
            self.pass_speeds.append(round(total / seconds, 2) if seconds > 0 else 0.0)
            self._pass_speed = [0.0, 0.0]
        self._last_passes = passes

    def _count_spots(self, t: float, fraction: float | None, spot_s: float | None) -> None:
        if spot_s is None or fraction is None:
            return
        if self._spot is None or self._last_spot_s is None or spot_s < self._last_spot_s:
            self._close_spot()
            self._spot = {"start_t": t, "fraction": fraction, "dwell_s": 0.0}
        self._spot["dwell_s"] = spot_s
        self._last_spot_s = spot_s

    def _close_spot(self) -> None:
        if self._spot is not None and self._spot["dwell_s"] >= SPOT_MIN_S:
            spot = {k: round(v, 3) for k, v in self._spot.items()}
            spot["zone"] = spine_zone(self._spot["fraction"])  # type: ignore[assignment]
            self.spots.append(spot)
        self._spot = None

    def as_dict(self) -> dict[str, Any]:
        self._close_spot()
        too_fast = sum(1 for s in self.pass_speeds if s > FAST_LIMIT[self.name])
        return {
            "seen_s": round(self.seen_s, 3),
            "zone_s": {k: round(v, 3) for k, v in sorted(self.zone_s.items())},
            "target_s": round(self.target_s, 3),
            "segment_s": {k: round(v, 3) for k, v in self.segment_s.items()},
            "passes": self.passes, "sets": self.sets, "too_fast_passes": too_fast,
            "pass_speeds_cm_s": self.pass_speeds,
            "too_fast_cm_s": FAST_LIMIT[self.name],
            "speed": {"median_cm_s": _histogram_median(self.speed_s),
                      "edges_cm_s": [e if math.isfinite(e) else None for e in SPEED_EDGES],
                      "seconds": [round(s, 3) for s in self.speed_s]},
            "spots": self.spots,
        }


def _histogram_median(seconds: list[float]) -> float | None:
    """The time-weighted median speed (cm/s): the middle of the bin where half the time is."""
    total = sum(seconds)
    if total <= 0:
        return None
    running = 0.0
    for i, d in enumerate(seconds):
        running += d
        if running >= total / 2:
            high = SPEED_EDGES[i + 1]
            return SPEED_EDGES[i] + (0.25 if math.isfinite(high) else 0.0)
    return None


class SummaryBuilder:
    """Accumulates a session summary from frame records (:func:`posecoach.sinks.jsonl.frame_record`
    rows). ``snapshot()`` may be called at any time; it does not disturb the accumulation.

    Args:
        meta: what the session was (start time, source, model, settings): copied into the
            summary as it is.
    """

    def __init__(self, meta: dict[str, Any] | None = None) -> None:
        self.meta = dict(meta or {})
        self.frames = 0
        self.t0: float | None = None
        self.t_end: float | None = None
        self.total_s = 0.0  # time the rows stand for (gaps capped)
        self.present_s = 0.0
        self.exercise_s: dict[str, float] = defaultdict(float)
        self.judged_s = 0.0
        self.upright_s = 0.0
        self.problem_s: dict[str, float] = defaultdict(float)
        self.minutes: list[list[float]] = []  # per minute since start: judged s, upright s
        self.props = {name: _Prop(name) for name in PROPS}
        self.cues: list[dict[str, Any]] = []
        self.routine: list[dict[str, Any]] = []
        self.gestures: list[dict[str, Any]] = []
        #: The trunk length the prop's cm values were measured with, last logged, and its
        #: source (posecoach.scale): a report can say "measured with the ball: 55 cm".
        self.body: dict[str, Any] | None = None
        self._previous: dict[str, Any] | None = None
        self._last_dt = 0.0
        self._last_cue: str | None = None

    def add(self, row: dict[str, Any]) -> None:
        """Take the next frame record (rows in time order)."""
        t = float(row["t"])
        if self._previous is not None:
            d = min(max(t - float(self._previous["t"]), 0.0), MAX_ROW_S)
            self._account(self._previous, d)
            self._last_dt = d
        else:
            self.t0 = t
        self._previous = row
        self.frames += 1
        self.t_end = t
        self._events(row)

    def _events(self, row: dict[str, Any]) -> None:
        t = round(float(row["t"]) - (self.t0 or 0.0), 3)
        cue = row.get("cue")
        if cue and cue != self._last_cue:
            self.cues.append({"t": t, "key": cue, "text": row.get("cue_text") or cue})
        self._last_cue = cue
        # Guided routines and hands-free gestures, when the log carries them (the routine
        # stage writes metrics["routine.phase_index"], the gesture stage
        # metrics["gesture.<name>"] = 1 on the frame a gesture is recognised).
        metrics = row.get("metrics") or {}
        phase = metrics.get("routine.phase_index")
        if phase is not None and (not self.routine or self.routine[-1]["phase"] != int(phase)):
            self.routine.append({"phase": int(phase), "t": t})
        trunk, source = metrics.get("scale.trunk_cm"), metrics.get("scale.source")
        if trunk is not None and source is not None and 0 <= int(source) < len(ScaleSource):
            self.body = {"trunk_cm": round(float(trunk), 1),
                         "trunk_source": list(ScaleSource)[int(source)].value}
        for key, value in metrics.items():
            if key.startswith("gesture.") and value:
                self.gestures.append({"t": t, "gesture": key.removeprefix("gesture.")})

    def _account(self, row: dict[str, Any], d: float) -> None:
        metrics = row.get("metrics") or {}
        checks = row.get("checks") or {}
        active = row.get("active") or []
        exercise = row.get("exercise") or "none"
        self.exercise_s[exercise] += d
        self.total_s += d
        if not row.get("person"):
            return
        self.present_s += d
        judged = any(k.startswith("posture.") and v and v[0] is not None
                     for k, v in checks.items())
        if judged:
            upright = not any(k.startswith("posture.") for k in active)
            self.judged_s += d
            self.upright_s += d if upright else 0.0
            minute = int((float(row["t"]) - (self.t0 or 0.0)) // 60)
            while len(self.minutes) <= minute:
                self.minutes.append([0.0, 0.0])
            self.minutes[minute][0] += d
            self.minutes[minute][1] += d if upright else 0.0
        for key in active:
            self.problem_s[key] += d
        for prop in self.props.values():
            prop.add(float(row["t"]) - (self.t0 or 0.0), metrics, d)

    def snapshot(self, complete: bool = False, ended: str | None = None) -> dict[str, Any]:
        """The summary so far, JSON-ready. ``complete``: the session closed its record."""
        state = copy.deepcopy(self)
        if state._previous is not None:
            state._account(state._previous, state._last_dt)
        return state._as_dict(complete, ended)

    def _as_dict(self, complete: bool, ended: str | None) -> dict[str, Any]:
        return {
            "format": FORMAT,
            **self.meta,
            "complete": complete,
            "ended": ended if complete else "running (or killed)",
            "frames": self.frames,
            "t0": self.t0,
            "duration_s": round(self.total_s, 3),
            "present_s": round(self.present_s, 3),
            "exercise_s": {k: round(v, 3) for k, v in sorted(self.exercise_s.items())},
            "posture": {
                "judged_s": round(self.judged_s, 3),
                "upright_s": round(self.upright_s, 3),
                "problem_s": {k: round(v, 3) for k, v in sorted(self.problem_s.items())
                              if k.startswith("posture.")},
                "per_minute": [[round(a, 2), round(b, 2)] for a, b in self.minutes],
            },
            "problem_s": {k: round(v, 3) for k, v in sorted(self.problem_s.items())},
            **{name: prop.as_dict() for name, prop in self.props.items()},
            "body": self.body,
            "cues": self.cues,
            "routine": self.routine,
            "gestures": self.gestures,
        }


def summarise_rows(rows, meta: dict[str, Any] | None = None, complete: bool = False,
                   ended: str | None = None) -> dict[str, Any]:
    """The summary of an iterable of frame records."""
    builder = SummaryBuilder(meta)
    for row in rows:
        builder.add(row)
    return builder.snapshot(complete, ended)
