"""The batch overview page: how many videos, the cohort plots (time in each zone per video,
the speed distribution over the cohort, cues per video), and every video with a link to its
report. One self-contained HTML file in the style of the session report (Jinja2 template,
inline SVG, no script, no network)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

from posecoach.batch.aggregate import FAILED
from posecoach.batch.store import BatchFolder
from posecoach.record.store import SUMMARY

#: Most videos drawn as bars, one per video; a larger cohort shows its first ones.
MAX_BARS = 60


def write_overview(rows: list[dict[str, Any]], folder: BatchFolder, out: Path) -> Path:
    """Write the overview of ``rows`` (the batch table) to ``out``."""
    from posecoach.report.page import environment

    summaries = _summaries(rows, folder)
    good = [r for r in rows if r["status"] != FAILED]
    page = environment().get_template("batch.html.j2").render(
        title="posecoach batch", rows=rows, failed=[r for r in rows if r["status"] == FAILED],
        analysed=len(good), hours=sum(r["duration_s"] or 0.0 for r in good) / 3600,
        plots=_plots(good, summaries), shown=min(len(good), MAX_BARS),
        made=datetime.now().strftime("%Y-%m-%d %H:%M"))
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp")
    tmp.write_text(page, encoding="utf-8")
    tmp.replace(out)
    return out


def _summaries(rows: list[dict[str, Any]], folder: BatchFolder) -> list[dict[str, Any]]:
    found = []
    for row in rows:
        if row["status"] == FAILED:
            continue
        try:
            path = folder.videos / row["id"] / SUMMARY
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except (OSError, ValueError):
            continue
    return found


def _label(row: dict[str, Any]) -> str:
    name = Path(row["video"]).stem
    return f"{row['subject']}: {name}" if row.get("subject") else name


def _plots(rows: list[dict[str, Any]], summaries: list[dict[str, Any]]) -> dict[str, str]:
    plots = {}
    rows = rows[:MAX_BARS]
    zones = _zones(rows)
    if zones:
        plots["zones"] = zones
    posture = _posture(rows)
    if posture:
        plots["posture"] = posture
    for prop in ("roller", "ball"):
        speed = _speed(prop, summaries)
        if speed:
            plots[f"speed_{prop}"] = speed
    cues = _cues(rows)
    if cues:
        plots["cues"] = cues
    return plots


def _bars(rows: list[dict[str, Any]], parts: list[tuple[str, str, list[float]]],
          xlabel: str) -> str:
    from posecoach.report.svg import pyplot, to_svg

    plt = pyplot()
    figure, axis = plt.subplots(figsize=(6.0, 0.9 + 0.32 * len(rows)))
    left = [0.0] * len(rows)
    for label, colour, values in parts:
        axis.barh(range(len(rows)), values, left=left, color=colour, label=label)
        left = [a + b for a, b in zip(left, values, strict=True)]
    axis.set_yticks(range(len(rows)), [_label(r) for r in rows])
    axis.invert_yaxis()
    axis.set_xlabel(xlabel)
    if len(parts) > 1:  # above the bars, never over them
        axis.legend(fontsize=9, frameon=False, loc="lower left", bbox_to_anchor=(0.0, 1.0),
                    ncol=2)
    return to_svg(figure)


def _zones(rows: list[dict[str, Any]]) -> str | None:
    """Roller and ball time per zone along the spine, per video (docs/coaching.md §3.1)."""
    from posecoach.report.svg import BLUE, GREEN, RED

    rows = [r for r in rows if (r["roller_seen_s"] or 0) + (r["ball_seen_s"] or 0) > 0]
    if not rows:
        return None

    def total(row: dict[str, Any], name: str) -> float:
        return sum(row[f"{prop}_{name}"] or 0.0 for prop in ("roller", "ball")) / 60

    target = [total(r, "target_s") for r in rows]
    parts = [("shoulder blades (T7–T3, target)", GREEN, target),
             ("rest of upper back", BLUE,
              [max(total(r, "upper_back_s") - t, 0.0) for r, t in zip(rows, target, strict=True)]),
             ("lower back", RED, [total(r, "lower_back_s") for r in rows]),
             ("neck", "#8b1e1e", [total(r, "neck_s") for r in rows])]
    return _bars(rows, parts, "minutes with the roller or ball on each zone")


def _posture(rows: list[dict[str, Any]]) -> str | None:
    from posecoach.report.svg import AMBER, GREEN

    rows = [r for r in rows if (r["posture_judged_s"] or 0) > 0]
    if not rows:
        return None
    upright = [(r["upright_s"] or 0.0) / 60 for r in rows]
    slouched = [max((r["posture_judged_s"] or 0.0) / 60 - u, 0.0)
                for r, u in zip(rows, upright, strict=True)]
    return _bars(rows, [("upright", GREEN, upright), ("slouching", AMBER, slouched)],
                 "minutes of posture judged")


def _speed(prop: str, summaries: list[dict[str, Any]]) -> str | None:
    """The cohort's time at each speed: every video's speed histogram added up."""
    from posecoach.report.plots import speed_histogram

    speeds = [s[prop]["speed"] for s in summaries if (s.get(prop) or {}).get("speed")]
    if not speeds:
        return None
    seconds = [sum(column) for column in zip(*(s["seconds"] for s in speeds), strict=True)]
    cohort = {prop: {"speed": {"edges_cm_s": speeds[0]["edges_cm_s"], "seconds": seconds},
                     "too_fast_cm_s": summaries[0][prop]["too_fast_cm_s"]}}
    return speed_histogram(cohort, prop)


def _cues(rows: list[dict[str, Any]]) -> str | None:
    from posecoach.report.svg import AMBER

    if not any(r["cues"] for r in rows):
        return None
    return _bars(rows, [("cues given", AMBER, [float(r["cues"] or 0) for r in rows])],
                 "cues given")
