"""The engineer's part of the session report (under "Details"): totals, the cue timeline and
each check against its thresholds, as PNG plots; and :func:`write_report`, the whole page of a
frame log (the ten-second part is :mod:`posecoach.report.page`).

Self-contained (plots embedded), so it opens offline and nothing leaves the machine.
"""

from __future__ import annotations

import base64
import io
from pathlib import Path

import numpy as np

from posecoach.exercises.roller import LOWER_BACK_LIMIT_FRACTION as LOW_BACK
from posecoach.exercises.roller import NECK_LIMIT_FRACTION as NECK
from posecoach.report.data import SessionLog
from posecoach.report.svg import thin

GREEN, RED, AMBER, GREY = "#3c9d4f", "#d64545", "#e09a1a", "#888888"


def _png(figure) -> str:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _pyplot():
    import matplotlib

    matplotlib.use("Agg")  # no display needed, and never a window
    import matplotlib.pyplot as plt

    return plt


def summary(log: SessionLog) -> list[tuple[str, str]]:
    """(label, value) rows of the session totals."""
    dt = log.frame_durations()
    present = float(dt[log.person].sum())
    rows = [("Frames", f"{len(log.t)}"), ("Duration", f"{log.duration_s:.0f} s"),
            ("Person in view", f"{present:.0f} s ({100 * present / max(dt.sum(), 1e-9):.0f} %)")]
    posture_keys = [k for k in log.checks if k.startswith("posture.")]
    if posture_keys:
        judged = np.zeros(len(log.t), dtype=bool)
        for key in posture_keys:
            judged |= np.isfinite(log.checks[key][:, 0])
        bad = np.array([c is not None and c.startswith("posture.") for c in log.cue])
        judged_s = float(dt[judged].sum())
        good_s = float(dt[judged & ~bad].sum())
        rows.append(("Posture judged", f"{judged_s:.0f} s, good {good_s:.0f} s "
                                       f"({100 * good_s / max(judged_s, 1e-9):.0f} %)"))
    for prop in ("roller", "ball"):
        fraction = log.metrics.get(f"{prop}.fraction")
        if fraction is None or not np.isfinite(fraction).any():
            continue
        seen = np.isfinite(fraction)
        zones = {"lower back": fraction < LOW_BACK, "upper back": (
            fraction >= LOW_BACK) & (fraction <= NECK), "neck": fraction > NECK}
        parts = ", ".join(f"{name} {float(dt[seen & mask].sum()):.0f} s"
                          for name, mask in zones.items())
        rows.append((f"{prop.capitalize()} position", parts))
    if "roller.passes" in log.metrics:
        passes = log.metrics["roller.passes"]
        rows.append(("Roller passes (last set)", f"{int(np.nanmax(passes))}"))
    for key, seconds, count in cue_totals(log):
        rows.append((f"Cue: {log.cue_text.get(key, key)}", f"shown {count}×, {seconds:.0f} s"))
    return rows


def cue_totals(log: SessionLog) -> list[tuple[str, float, int]]:
    dt = log.frame_durations()
    totals: dict[str, list[float]] = {}
    previous = None
    for cue, d in zip(log.cue, dt, strict=True):
        if cue is not None:
            entry = totals.setdefault(cue, [0.0, 0])
            entry[0] += float(d)
            entry[1] += int(cue != previous)
        previous = cue
    return [(k, v[0], int(v[1])) for k, v in sorted(totals.items())]


def cue_timeline(log: SessionLog) -> str | None:
    keys = sorted({c for c in log.cue if c})
    if not keys:
        return None
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(10, 0.5 + 0.45 * len(keys)))
    dt = log.frame_durations()
    for row, key in enumerate(keys):
        on = np.array([c == key for c in log.cue])
        spans = [(float(t), float(d)) for t, d, o in zip(log.t, dt, on, strict=True) if o]
        colour = RED if key.endswith(("lumbar", "cervical", "neck")) else AMBER
        axis.broken_barh(spans, (row - 0.35, 0.7), color=colour)
    axis.set_yticks(range(len(keys)), [log.cue_text.get(k, k) for k in keys])
    axis.set_xlabel("time (s)")
    axis.set_xlim(log.t[0], log.t[-1])
    axis.set_title("Cues shown")
    return _png(figure)


def _title(log: SessionLog, key: str) -> str:
    """The cue's phrase when it was shown this session, else its key in words."""
    return log.cue_text.get(key) or key.replace(".", ": ").replace("_", " ")


def check_plot(log: SessionLog, key: str) -> str | None:
    values = log.checks[key]
    if not np.isfinite(values[:, 0]).any():
        return None
    plt = _pyplot()
    figure, axis = plt.subplots(figsize=(10, 2.4))
    t, values, shown = thin(log.t, values, np.array([c == key for c in log.cue]))
    axis.plot(t, values[:, 0], color="#2b6cb0", lw=1.5, label="measured")
    axis.plot(t, values[:, 1], color=RED, lw=1, ls="--", label="limit (cue)")
    axis.plot(t, values[:, 2], color=GREEN, lw=1, ls=":", label="back to good")
    if shown.any():
        top = np.nanmax(values[:, :2])
        axis.fill_between(t, np.nanmin(values[:, :2]), top, where=shown, color=AMBER,
                          alpha=0.2, label="cue shown")
    axis.set_title(_title(log, key))
    axis.set_xlabel("time (s)")
    axis.legend(loc="upper right", fontsize=8)
    return _png(figure)


def details(log: SessionLog) -> tuple[list[tuple[str, str]], list[str]]:
    """The totals table and the PNG plots (base64) of the details section."""
    images = [cue_timeline(log)]
    images += [check_plot(log, key) for key in sorted(log.checks)
               if not key.startswith(("view.", "scene."))]
    return summary(log), [png for png in images if png]


def write_report(log: SessionLog, out: Path, record: dict | None = None,
                 video: Path | None = None) -> Path:
    """Write the HTML report of ``log`` to ``out``; ``record``: the session summary when the log
    belongs to a session record (else it is computed from the log)."""
    from posecoach.record.store import read_rows
    from posecoach.record.summary import summarise_rows
    from posecoach.report.page import write_session_report

    if record is None:
        record = summarise_rows(read_rows(log.path), complete=True, ended="closed")
    return write_session_report(record, log, out, video=video)
