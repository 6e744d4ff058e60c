"""Reading a session's per-frame JSONL log into arrays for the report."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from posecoach.errors import SourceError
from posecoach.sinks.jsonl import parse_row


@dataclass
class SessionLog:
    """A session's frames as columns.

    Attributes:
        t: (n,) frame times (s).
        person: (n,) bool, someone tracked.
        metrics: name → (n,) values (NaN where absent).
        checks: key → (n, 3) value, onset, clear (NaN where absent).
        cue: (n,) cue key shown or None; cue_text: key → its phrase.
        exercise: (n,) exercise coached (posture, roller, ball, none) or None.
        active: (n,) problem keys the coach saw as present.
    """

    path: Path
    t: np.ndarray
    person: np.ndarray
    metrics: dict[str, np.ndarray] = field(default_factory=dict)
    checks: dict[str, np.ndarray] = field(default_factory=dict)
    cue: list[str | None] = field(default_factory=list)
    cue_text: dict[str, str] = field(default_factory=dict)
    exercise: list[str | None] = field(default_factory=list)
    active: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def duration_s(self) -> float:
        return float(self.t[-1] - self.t[0]) if len(self.t) > 1 else 0.0

    def frame_durations(self) -> np.ndarray:
        """(n,) time each frame stands for (s), gaps over 1 s capped (e.g. a paused camera)."""
        if len(self.t) < 2:
            return np.zeros(len(self.t))
        dt = np.diff(self.t, append=self.t[-1] + np.median(np.diff(self.t)))
        return np.minimum(dt, 1.0)


def load_log(path: Path) -> SessionLog:
    """Read a ``--log`` file.

    Raises:
        SourceError: missing, empty or not a posecoach log.
    """
    return log_from_rows(path, read_log_rows(path))


def read_log_rows(path: Path) -> list[dict]:
    """The frame records of a ``--log`` file (a last row cut off mid-write is dropped).

    Raises:
        SourceError: missing, empty or not a posecoach log.
    """
    try:
        lines = path.read_bytes().splitlines()
    except FileNotFoundError:
        raise SourceError(f"log not found: {path}", "pass a file written with --log") from None
    rows = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            row = parse_row(line)
        except (json.JSONDecodeError, UnicodeDecodeError):
            if number == len(lines):
                break  # a session cut off mid-write: keep everything before
            raise SourceError(f"{path} line {number} is not JSON",
                              "pass a file written with --log") from None
        if not isinstance(row, dict) or "t" not in row:
            raise SourceError(f"{path} is not a posecoach frame log",
                              "pass a file written with --log")
        rows.append(row)
    if not rows:
        raise SourceError(f"{path} holds no frames", "record a session with --log first")
    return rows


def log_from_rows(path: Path, rows: list[dict]) -> SessionLog:
    """The rows of a log as columns."""
    n = len(rows)
    log = SessionLog(path=path, t=np.array([r["t"] for r in rows], dtype=float),
                     person=np.array([bool(r.get("person")) for r in rows]))
    # Python lists first, one array per column at the end: element-wise numpy writes are slow
    # on a long session's 50,000 rows.
    metrics: dict[str, list[float]] = {}
    checks: dict[str, list[list[float]]] = {}
    for i, row in enumerate(rows):
        for name, value in (row.get("metrics") or {}).items():
            if name not in metrics:
                metrics[name] = [math.nan] * n
            metrics[name][i] = math.nan if value is None else value
        for key, triple in (row.get("checks") or {}).items():
            if key not in checks:
                checks[key] = [[math.nan] * 3] * n  # rows replaced below, never mutated
            checks[key][i] = [math.nan if v is None else v for v in triple]
        log.exercise.append(row.get("exercise"))
        log.active.append(tuple(row.get("active") or ()))
        key = row.get("cue")
        log.cue.append(key)
        if key and row.get("cue_text"):
            log.cue_text[key] = row["cue_text"]
    log.metrics = {name: np.array(column, dtype=float) for name, column in metrics.items()}
    log.checks = {key: np.array(column, dtype=float).reshape(n, 3)
                  for key, column in checks.items()}
    return log
