"""The HTML session report: totals, the cue timeline, each check against its thresholds, and
(for the roller and ball) where on the spine the prop was and how fast it moved.

Self-contained (plots embedded as PNG), so it opens offline and nothing leaves the machine.
"""

from __future__ import annotations

import base64
import html
import io
from datetime import datetime
from pathlib import Path

import numpy as np

from posecoach.exercises.roller import LOWER_BACK_LIMIT_FRACTION as LOW_BACK
from posecoach.exercises.roller import NECK_LIMIT_FRACTION as NECK
from posecoach.exercises.roller import TOO_FAST_CM_S
from posecoach.report.data import SessionLog

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
    axis.plot(log.t, values[:, 0], color="#2b6cb0", lw=1.5, label="measured")
    axis.plot(log.t, values[:, 1], color=RED, lw=1, ls="--", label="limit (cue)")
    axis.plot(log.t, values[:, 2], color=GREEN, lw=1, ls=":", label="back to good")
    shown = np.array([c == key for c in log.cue])
    if shown.any():
        top = np.nanmax(values[:, :2])
        axis.fill_between(log.t, np.nanmin(values[:, :2]), top, where=shown, color=AMBER,
                          alpha=0.2, label="cue shown")
    axis.set_title(_title(log, key))
    axis.set_xlabel("time (s)")
    axis.legend(loc="upper right", fontsize=8)
    return _png(figure)


def prop_plots(log: SessionLog, prop: str) -> list[str]:
    fraction = log.metrics.get(f"{prop}.fraction")
    if fraction is None or not np.isfinite(fraction).any():
        return []
    plt = _pyplot()
    images = []
    figure, axis = plt.subplots(figsize=(10, 2.6))
    axis.axhspan(-0.3, LOW_BACK, color=RED, alpha=0.12, label="lower back (avoid)")
    axis.axhspan(LOW_BACK, NECK, color=GREEN, alpha=0.12, label="upper back")
    axis.axhspan(NECK, 1.5, color=RED, alpha=0.12, label="neck (avoid)")
    axis.plot(log.t, fraction, color="#2b6cb0", lw=1.5)
    axis.set_ylim(-0.1, 1.4)
    axis.set_ylabel("hips → shoulders")
    axis.set_xlabel("time (s)")
    axis.set_title(f"Where the {prop} was along your spine")
    axis.legend(loc="upper right", fontsize=8)
    images.append(_png(figure))
    speed = log.metrics.get(f"{prop}.speed_cm_s")
    if speed is not None and np.isfinite(speed).any():
        figure, axis = plt.subplots(figsize=(10, 2.4))
        axis.hist(speed[np.isfinite(speed)], bins=30, color="#2b6cb0")
        limit = TOO_FAST_CM_S if prop == "roller" else 10.0
        axis.axvline(limit, color=RED, ls="--", label=f"too fast above {limit:.0f} cm/s")
        axis.set_xlabel("speed along the spine (cm/s)")
        axis.set_ylabel("frames")
        axis.set_title(f"{prop.capitalize()} speed")
        axis.legend(fontsize=8)
        images.append(_png(figure))
    return images


def write_report(log: SessionLog, out: Path) -> Path:
    """Write the report for ``log`` to ``out`` (HTML)."""
    sections = []
    rows = "".join(f"<tr><th>{html.escape(k)}</th><td>{html.escape(v)}</td></tr>"
                   for k, v in summary(log))
    sections.append(f"<table>{rows}</table>")
    images = [cue_timeline(log)]
    images += [check_plot(log, key) for key in sorted(log.checks)
               if not key.startswith(("view.", "scene."))]
    images += prop_plots(log, "roller") + prop_plots(log, "ball")
    sections += [f'<img alt="plot" src="data:image/png;base64,{png}">'
                 for png in images if png]
    made = datetime.now().strftime("%Y-%m-%d %H:%M")
    page = f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>posecoach session — {html.escape(log.path.name)}</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 1050px; margin: 2em auto; color: #222; }}
table {{ border-collapse: collapse; margin-bottom: 1.5em; }}
th, td {{ text-align: left; padding: 4px 14px 4px 0; border-bottom: 1px solid #eee; }}
img {{ display: block; max-width: 100%; margin: 1em 0; }}
.note {{ color: #666; font-size: 0.9em; }}
</style></head><body>
<h1>posecoach session</h1>
<p class="note">From {html.escape(str(log.path))} · made {made} · this page stays on your
computer. posecoach gives general form guidance, not medical advice. Self-massage is not for
open wounds or fractures; with inflammation, deep vein thrombosis, osteoporosis or after recent
surgery, ask a clinician first.</p>
{''.join(sections)}
</body></html>
"""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
