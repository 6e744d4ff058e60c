"""The eval results as rich tables (the CLI prints them)."""

from __future__ import annotations

import math

from rich.table import Table

from posecoach.evaluation.gate import Check
from posecoach.evaluation.scoring import CLEAR_LIMIT_S, DETECT_WITHIN_S, ClipScore
from posecoach.evaluation.summary import (
    CueSummary,
    FactorRow,
    GroupSummary,
)


def group_table(title: str, groups: list[GroupSummary]) -> Table:
    """Recall, timing, false alarms and the prop, one row per group."""
    table = Table(title=title)
    columns = ("group", "clips", "recall", "onset med s", "cleared", "worst clear s",
               "false-alarm stretches", "wrong cues", "roller cm med/p90", "ball centre cm",
               "coverage")
    for column in columns:
        table.add_column(column, justify="left" if column == "group" else "right")
    for g in groups:
        table.add_row(
            g.name, str(g.clips), _ratio(g.caught, g.faults), _num(g.onset_median_s),
            _ratio(g.cleared, g.clear_scorable) + (f" ({g.unscorable}?)" if g.unscorable else ""),
            _num(g.worst_clear_s), _ratio(g.false_stretches, g.stretches), str(g.false_alarms),
            f"{_num(g.roller_error_cm)} / {_num(g.roller_error_p90_cm)}",
            _num(g.ball_error_cm), _pct(g.coverage))
    table.caption = (f"recall: faults answered within {DETECT_WITHIN_S:g} s; cleared: cue gone "
                     f"≤ {CLEAR_LIMIT_S:g} s after the correction ((n?) = clip ended first); "
                     "false-alarm stretches: no-fault stretches with any corrective cue; "
                     "wrong cues: runs of a wrong corrective cue anywhere")
    return table


def factor_table(rows: list[FactorRow]) -> Table:
    table = Table(title="per nuisance factor")
    for column in ("factor", "bin", "clips", "recall", "false-alarm stretches",
                   "prop err cm med", "coverage"):
        table.add_column(column, justify="left" if column in ("factor", "bin") else "right")
    previous = None
    for row in rows:
        g = row.summary
        table.add_row(row.factor if row.factor != previous else "", row.bin, str(g.clips),
                      _ratio(g.caught, g.faults), _ratio(g.false_stretches, g.stretches),
                      _num(g.prop_error_cm), _pct(g.coverage))
        previous = row.factor
    return table


def cue_table(rows: list[CueSummary]) -> Table:
    table = Table(title="per corrective cue")
    for column in ("cue", "shown", "right", "precision", "faults", "caught", "recall"):
        table.add_column(column, justify="left" if column == "cue" else "right")
    for row in rows:
        table.add_row(row.cue, str(row.alarms), str(row.correct), _pct(row.precision),
                      str(row.faults), str(row.caught), _pct(row.recall))
    table.caption = "shown: runs of frames with the cue; right: inside a fault it answers"
    return table


def clip_table(scores: list[ClipScore]) -> Table:
    table = Table(title="per clip")
    table.add_column("clip", no_wrap=True)  # names are what people search for: never cut
    for column in ("family", "person %", "joint err %", "faults (onset s / clear)",
                   "wrong cues", "prop err cm", "coverage"):
        table.add_column(column, overflow="fold")
    for s in scores:
        faults = "; ".join(
            f"{f.label} {_num(f.onset_s)}/{f.clear.value}"
            + (f" {_num(f.clear_latency_s)}" if f.clear_latency_s is not None else "")
            for f in s.faults) or "—"
        wrong = "; ".join(f"{a.cue}@{a.start_s:.1f}({'+'.join(a.labels) or '—'})"
                          for a in s.false_alarms) or "—"
        table.add_row(s.name, s.family, f"{100 * s.detection_rate:.0f}",
                      _num(s.landmark_error_pct), faults, wrong, _num(s.prop.spine_error_cm),
                      _pct(s.prop.coverage))
    return table


def gate_table(checks: list[Check]) -> Table:
    table = Table(title="gate")
    for column in ("threshold", "group", "value", "limit", "result"):
        table.add_column(column)
    for c in checks:
        result = {True: "[green]pass[/]", False: "[bold red]FAIL[/]", None: "n/a"}[c.passed]
        table.add_row(c.name, c.scope, _num(c.value), ("≥ " if c.at_least else "≤ ")
                      + f"{c.limit:g}", result)
    return table


def _ratio(part: int, whole: int) -> str:
    return "—" if not whole else f"{part}/{whole} ({100 * part / whole:.0f} %)"


def _num(value: float | None) -> str:
    if value is None:
        return "—"
    if math.isinf(value):
        return "never"
    return f"{value:.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{100 * value:.0f} %"
