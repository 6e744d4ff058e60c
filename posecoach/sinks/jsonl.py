"""Per-frame log: one JSON object per line, flushed often so a crash loses little."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path
from typing import IO, Any

import numpy as np

from posecoach.errors import PosecoachError
from posecoach.types import FrameResult

FLUSH_EVERY = 30
#: The landmarks of a row as :func:`frame_record` writes them: arrays of numbers, no string.
_LANDMARKS = re.compile(rb'"landmarks":\[\[[^"]*?\]\]')


class JsonlSink:
    """Writes one row per frame: index, time, landmarks (px, visibility, presence), metrics, cue.

    Row format::

        {"frame": 12, "t": 0.4, "person": true, "inference_ms": 15.2,
         "landmarks": [[x, y, visibility, presence], ... 33] | null,
         "metrics": {...}, "checks": {key: [value, onset, clear]}, "active": [keys],
         "cue": "posture.slouch" | null, "cue_text": "Sit tall…" | null, "status": "...",
         "exercise": "posture" | "roller" | "ball" | "none" | null,
         "exercise_reason": "sitting" | null}

    Rows are collected and written ``flush_every`` at a time with one unbuffered write, so the
    file only ever holds whole lines: a killed process loses at most the last batch, never
    leaves half a row. A failed write (a full disk) is cut back to the last whole row.
    """

    wants_image = False
    #: ``every`` > 1 keeps one row in ``every`` (plus each frame where the cue changes, so a
    #: report still sees every cue); rows then stand for ``every`` frames of time.

    def __init__(self, path: str | Path, flush_every: int = FLUSH_EVERY, every: int = 1) -> None:
        if flush_every < 1:
            raise ValueError(f"flush_every must be >= 1, got {flush_every}")
        if every < 1:
            raise ValueError(f"every must be >= 1, got {every}")
        self.path = Path(path)
        self.flush_every = flush_every
        self.every = every
        self._seen = 0
        self._last_cue: str | None = None
        self._file: IO[bytes] | None = None
        self._pending: list[bytes] = []
        self._written = 0  # bytes of whole rows on disk
        self._rows = 0

    def __enter__(self) -> JsonlSink:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("wb", buffering=0)
        except OSError as exc:
            raise PosecoachError(f"cannot write log {self.path}: {exc.strerror}",
                                 "choose another --log path") from None
        return self

    def __exit__(self, *exc: object) -> None:
        if self._file is None:
            return
        try:
            self._flush()
        finally:
            self._file.close()
            self._file = None

    def write(self, image: np.ndarray | None, result: FrameResult) -> None:
        if self._file is None:
            raise RuntimeError("open the sink with `with` first")
        if self._keep(result.cue.key if result.cue else None):
            self._append(frame_record(result))

    def write_record(self, record: dict[str, Any]) -> None:
        """Log a frame record already made with :func:`frame_record` (the session record
        builds it once for its summary and its log)."""
        if self._file is None:
            raise RuntimeError("open the sink with `with` first")
        if self._keep(record.get("cue")):
            self._append(record)

    def _keep(self, cue: str | None) -> bool:
        keep = self._seen % self.every == 0 or cue != self._last_cue
        self._seen += 1
        self._last_cue = cue
        return keep

    def _append(self, record: dict[str, Any]) -> None:
        row = json.dumps(record, separators=(",", ":"))
        self._pending.append(row.encode("utf-8") + b"\n")
        self._rows += 1
        if len(self._pending) >= self.flush_every:
            self._flush()

    @property
    def bytes_on_disk(self) -> int:
        """Bytes of whole rows written so far (grows at each batch)."""
        return self._written

    def _flush(self) -> None:
        if not self._pending or self._file is None:
            return
        data = b"".join(self._pending)
        self._pending.clear()
        try:
            view = memoryview(data)
            while view:
                view = view[self._file.write(view):]
            self._written += len(data)
        except OSError as exc:
            self._cut_to_whole_rows()
            raise PosecoachError(f"cannot write log {self.path}: {exc.strerror}",
                                 "choose another --log path, or free some disk space") from None

    def _cut_to_whole_rows(self) -> None:
        try:
            assert self._file is not None
            self._file.truncate(self._written)
            self._file.seek(self._written)
        except OSError:
            pass  # a device that cannot be truncated (e.g. /dev/full) keeps what it has


def frame_record(result: FrameResult) -> dict[str, Any]:
    """The JSON-ready record of one frame."""
    pose = result.pose
    landmarks = None
    if pose is not None:
        landmarks = [
            [round(float(x), 1), round(float(y), 1), round(float(v), 3), round(float(p), 3)]
            for (x, y), v, p in zip(pose.xy, pose.visibility, pose.presence, strict=True)
        ]
    return {
        "frame": result.frame_index,
        "t": round(result.t, 4),
        "person": pose is not None,
        "inference_ms": round(result.inference_ms, 2),
        "landmarks": landmarks,
        "metrics": {k: _finite(v) for k, v in result.metrics.items()},
        "checks": {c.key: [_finite(c.value) if c.value is not None else None,
                           _finite(c.onset), _finite(c.clear)] for c in result.checks},
        "active": list(result.active),
        "cue": result.cue.key if result.cue else None,
        "cue_text": result.cue.text if result.cue else None,
        "status": result.status,
        "exercise": result.exercise_name,
        "exercise_reason": result.selection.reason if result.selection else None,
    }


def _finite(value: float) -> float | None:
    value = float(value)
    return round(value, 4) if math.isfinite(value) else None


def parse_row(line: bytes, landmarks: bool = False) -> Any:
    """One log line as a dict; without its landmarks (``None``) unless asked: they are most of
    the bytes, and summaries and reports do not read them.

    Raises:
        json.JSONDecodeError: the line is not JSON (e.g. cut off mid-write).
    """
    if not landmarks:
        line = _LANDMARKS.sub(b'"landmarks":null', line, count=1)
    return json.loads(line)
