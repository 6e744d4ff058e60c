"""The batch's table: one row per video, from its session summary (or its error), written as
CSV and as Parquet (pyarrow) with a fixed schema, each atomically."""

from __future__ import annotations

import csv
import os
import tempfile
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from posecoach.batch.inputs import Job

OK, PARTIAL, FAILED = "ok", "partial", "failed"

#: (column, type) in table order; types are "str", "int" or "float" (None: not known).
COLUMNS: tuple[tuple[str, str], ...] = (
    ("id", "str"), ("video", "str"), ("subject", "str"), ("exercise", "str"),
    ("status", "str"), ("error", "str"),
    ("frames", "int"), ("duration_s", "float"), ("present_s", "float"),
    ("posture_s", "float"), ("roller_s", "float"), ("ball_s", "float"),
    ("posture_judged_s", "float"), ("upright_s", "float"), ("upright_pct", "float"),
    *((f"{prop}_{name}", kind) for prop in ("roller", "ball") for name, kind in (
        ("seen_s", "float"), ("lower_back_s", "float"), ("upper_back_s", "float"),
        ("neck_s", "float"), ("target_s", "float"), ("median_speed_cm_s", "float"),
        ("passes", "int"), ("too_fast_passes", "int"), ("spots", "int"))),
    ("cues", "int"), ("cue_counts", "str"), ("report", "str"),
)
COLUMN_NAMES = tuple(name for name, _ in COLUMNS)


def summary_row(job: Job, summary: dict[str, Any], report: str = "") -> dict[str, Any]:
    """The table row of a finished video from its session summary."""
    note = (summary.get("batch") or {}).get("note") or ""
    exercise_s = summary.get("exercise_s") or {}
    posture = summary.get("posture") or {}
    judged, upright = posture.get("judged_s", 0.0), posture.get("upright_s", 0.0)
    cues = summary.get("cues") or []
    counts = Counter(c["key"] for c in cues)
    row: dict[str, Any] = {
        **_job_columns(job), "status": PARTIAL if note else OK, "error": note,
        "frames": summary.get("frames", 0), "duration_s": summary.get("duration_s"),
        "present_s": summary.get("present_s"),
        "posture_s": exercise_s.get("posture", 0.0), "roller_s": exercise_s.get("roller", 0.0),
        "ball_s": exercise_s.get("ball", 0.0),
        "posture_judged_s": judged, "upright_s": upright,
        "upright_pct": round(100.0 * upright / judged, 2) if judged > 0 else None,
        "cues": len(cues), "cue_counts": "; ".join(f"{k}×{n}" for k, n in sorted(counts.items())),
        "report": report,
    }
    for prop in ("roller", "ball"):
        p = summary.get(prop) or {}
        zones = p.get("zone_s") or {}
        row.update({
            f"{prop}_seen_s": p.get("seen_s", 0.0),
            f"{prop}_lower_back_s": zones.get("lower back", 0.0),
            f"{prop}_upper_back_s": zones.get("upper back", 0.0),
            f"{prop}_neck_s": zones.get("neck", 0.0),
            f"{prop}_target_s": p.get("target_s", 0.0),
            f"{prop}_median_speed_cm_s": (p.get("speed") or {}).get("median_cm_s"),
            f"{prop}_passes": p.get("passes", 0),
            f"{prop}_too_fast_passes": p.get("too_fast_passes", 0),
            f"{prop}_spots": len(p.get("spots") or []),
        })
    return row


def failed_row(job: Job, error: str) -> dict[str, Any]:
    """The table row of a video that could not be analysed."""
    row: dict[str, Any] = dict.fromkeys(COLUMN_NAMES)
    row.update(_job_columns(job), status=FAILED, error=error, report="")
    return row


def _job_columns(job: Job) -> dict[str, Any]:
    return {"id": job.id, "video": str(job.video), "subject": job.subject,
            "exercise": job.exercise or ""}


def write_csv(rows: Iterable[dict[str, Any]], out: Path) -> Path:
    """The rows as CSV (empty cells for unknown values)."""
    def write(path: Path) -> None:
        with path.open("w", newline="", encoding="utf-8") as file:
            writer = csv.writer(file)
            writer.writerow(COLUMN_NAMES)
            for row in rows:
                writer.writerow(["" if row.get(c) is None else row[c] for c in COLUMN_NAMES])
    return _atomic(out, write)


def write_parquet(rows: Iterable[dict[str, Any]], out: Path) -> Path:
    """The rows as a Parquet file with the :data:`COLUMNS` schema (nulls for unknown)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    kinds = {"str": pa.string(), "int": pa.int64(), "float": pa.float64()}
    schema = pa.schema([(name, kinds[kind]) for name, kind in COLUMNS])
    rows = list(rows)
    table = pa.Table.from_pydict({c: [_typed(r.get(c), k) for r in rows] for c, k in COLUMNS},
                                 schema=schema)
    return _atomic(out, lambda path: pq.write_table(table, path))


def read_parquet(path: Path) -> list[dict[str, Any]]:
    """Rows of a table written by :func:`write_parquet`."""
    import pyarrow.parquet as pq

    return pq.read_table(path).to_pylist()


def _typed(value: Any, kind: str) -> Any:
    if value is None or value == "" and kind != "str":
        return None
    return {"str": str, "int": int, "float": float}[kind](value)


def _atomic(out: Path, write) -> Path:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}-", dir=out.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return out
