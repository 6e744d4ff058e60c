"""Frame records (as the JSONL log holds them) of made-up sessions, for record, report and
history tests that need no camera and no model."""

from __future__ import annotations

import json
import math
from datetime import datetime
from pathlib import Path

from posecoach.record.store import FRAMES, SUMMARY, new_record_dir, write_json_atomic
from posecoach.record.summary import summarise_rows

SLOUCH = "Sit tall — lift your chest"
LUMBAR = "Move the roller up — off your lower back"


def posture_rows(seconds: float, fps: float = 10.0, slouch: tuple[float, float] = (0, 0),
                 away: tuple[float, float] = (0, 0), start_t: float = 0.0) -> list[dict]:
    """Sitting side-on; the slouch check is past its onset in ``slouch`` (s) and the coach
    shows its cue from 1 s into it; nobody in view during ``away``."""
    rows = []
    for i in range(int(round(seconds * fps))):
        t = i / fps
        present = not away[0] <= t < away[1]
        bad = slouch[0] <= t < slouch[1]
        cue = "posture.slouch" if present and slouch[0] + 1.0 <= t < slouch[1] else None
        value = 55.0 if bad else 20.0
        rows.append({
            "frame": i, "t": round(start_t + t, 4), "person": present, "inference_ms": 15.0,
            "landmarks": None,
            "metrics": {"posture.neck_deg": value} if present else {},
            "checks": {"posture.slouch": [value, 40.0, 35.0]} if present else {},
            "active": ["posture.slouch"] if present and bad else [],
            "cue": cue, "cue_text": SLOUCH if cue else None, "status": "",
            "exercise": "posture" if present else "none", "exercise_reason": "sitting"})
    return rows


def roller_rows(seconds: float, fps: float = 10.0, period_s: float = 6.0, low: float = 0.6,
                high: float = 1.0, lumbar: tuple[float, float] = (0, 0),
                start_t: float = 0.0) -> list[dict]:
    """Rolling up and down between ``low`` and ``high`` (fractions hips → shoulders), one
    pass per half period; during ``lumbar`` the roller sits at 0.4 (lower back) and the
    coach shows the lumbar cue from 0.8 s in."""
    rows, passes, last_direction = [], 0, None
    for i in range(int(round(seconds * fps))):
        t = i / fps
        phase = (t % period_s) / period_s
        fraction = low + (high - low) * (1 - abs(1 - 2 * phase))
        direction = phase < 0.5
        if last_direction is not None and direction != last_direction:
            passes += 1
        last_direction = direction
        speed = 2 * (high - low) * 47.5 / period_s * math.pi / 2 * abs(
            math.sin(math.pi * 2 * phase))
        in_lumbar = lumbar[0] <= t < lumbar[1]
        if in_lumbar:
            fraction, speed = 0.4, 0.5
        cue = "roller.lumbar" if lumbar[0] + 0.8 <= t < lumbar[1] else None
        rows.append({
            "frame": i, "t": round(start_t + t, 4), "person": True, "inference_ms": 15.0,
            "landmarks": None,
            "metrics": {"roller.fraction": round(fraction, 4), "roller.speed_cm_s": round(speed, 3),
                        "roller.passes": float(passes), "roller.set_s": t, "roller.hold_s": 0.0,
                        "roller.state": 1.0},
            "checks": {"roller.lumbar": [round(fraction, 4), 0.52, 0.56]},
            "active": ["roller.lumbar"] if in_lumbar else [],
            "cue": cue, "cue_text": LUMBAR if cue else None, "status": "rolling",
            "exercise": "roller", "exercise_reason": "lying on a roller"})
    return rows


def write_log(path: Path, rows: list[dict]) -> Path:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))
    return path


def make_record(root: Path, started: datetime, rows: list[dict], live: bool = True) -> Path:
    """A finished session record as a session leaves it."""
    folder = new_record_dir(root, started)
    write_log(folder / FRAMES, rows)
    meta = {"started": started.astimezone().isoformat(timespec="seconds"),
            "source": {"name": "camera 0", "live": live}}
    write_json_atomic(folder / SUMMARY, summarise_rows(rows, meta, complete=True,
                                                       ended="finished"))
    return folder
