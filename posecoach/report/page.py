"""The session report that reads in ten seconds: headline sentences, then the timeline, the
position along the spine, speed, dwell and the pictures of cue moments; the engineer's
details last. One self-contained HTML file (Jinja2 template, inline SVG): no script, no
network, readable on a phone. The numbers alone as CSV or JSON."""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path
from typing import Any

from posecoach.report.data import SessionLog
from posecoach.report.headline import amount, headlines, started_at

FORMATS = ("html", "csv", "json")


def environment():
    """The Jinja2 environment of posecoach's templates (HTML escaped everywhere)."""
    import jinja2

    return jinja2.Environment(loader=jinja2.PackageLoader("posecoach.report", "templates"),
                              autoescape=True, trim_blocks=True, lstrip_blocks=True,
                              undefined=jinja2.StrictUndefined)


def _when(summary: dict[str, Any]) -> str:
    start = started_at(summary)
    return start.strftime("%A %-d %B %Y, %H:%M") if start else ""


def _prop_sections(summary: dict[str, Any], log: SessionLog | None) -> list[dict[str, Any]]:
    from posecoach.report import plots

    sections = []
    for prop in ("roller", "ball"):
        if (summary.get(prop) or {}).get("seen_s", 0.0) <= 0:
            continue
        sections.append({
            "name": prop,
            "position": plots.spine_position(log, prop) if log is not None else None,
            "speed": plots.speed_histogram(summary, prop),
            "dwell": plots.dwell(summary, prop),
        })
    return sections


def render_session(summary: dict[str, Any], log: SessionLog | None,
                   video: Path | None = None) -> str:
    """The report page (HTML text) of a session summary and its frame log (None: no log
    kept, numbers only)."""
    from posecoach.report import plots
    from posecoach.report.html import details

    source = summary.get("source") or {}
    thumbs = []
    if video is not None and summary.get("cues"):
        from posecoach.report.thumbs import cue_thumbnails

        thumbs = cue_thumbnails(video, summary["cues"], summary.get("t0") or 0.0)
    table, pngs = details(log) if log is not None else ([], [])
    return environment().get_template("session.html.j2").render(
        title=f"posecoach session{' — ' + _when(summary) if _when(summary) else ''}",
        when=_when(summary),
        duration=amount(summary.get("duration_s", 0.0)),
        source=source.get("name", log.path.name if log is not None else ""),
        live=bool(source.get("live")),
        ended=summary.get("ended", ""),
        headlines=headlines(summary),
        timeline=plots.timeline(log, summary.get("cues") or []) if log is not None else None,
        cues=[{**c, "clock": f"{int(c['t']) // 60}:{int(c['t']) % 60:02d}"}
              for c in summary.get("cues") or []],
        props=_prop_sections(summary, log),
        thumbs=thumbs,
        details=table, pngs=pngs,
        made=datetime.now().strftime("%Y-%m-%d %H:%M"),
    )


def write_session_report(summary: dict[str, Any], log: SessionLog | None, out: Path,
                         video: Path | None = None) -> Path:
    """Write the HTML report to ``out``."""
    page = render_session(summary, log, video)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out


def flatten(value: Any, prefix: str = "") -> list[tuple[str, Any]]:
    """Nested dicts and lists as ``(dotted.key, value)`` rows."""
    if isinstance(value, dict):
        return [row for k, v in value.items()
                for row in flatten(v, f"{prefix}.{k}" if prefix else str(k))]
    if isinstance(value, list):
        return [row for i, v in enumerate(value) for row in flatten(v, f"{prefix}.{i}")]
    return [(prefix, value)]


def write_numbers(summary: dict[str, Any], out: Path, fmt: str) -> Path:
    """The summary as ``json`` (as recorded) or ``csv`` (one ``key,value`` row per number).

    Raises:
        ValueError: ``fmt`` is not csv or json.
    """
    if fmt == "json":
        text = json.dumps(summary, indent=1, ensure_ascii=False, default=str)
    elif fmt == "csv":
        buffer = io.StringIO()
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["key", "value"])
        writer.writerows(flatten(summary))
        text = buffer.getvalue()
    else:
        raise ValueError(f"format must be csv or json, got {fmt!r}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(text, encoding="utf-8")
    return out
