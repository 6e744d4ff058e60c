"""The session record as a sink: the frame log and a summary kept current beside it."""

from __future__ import annotations

import dataclasses
import os
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np

from posecoach import __version__
from posecoach.record.store import FRAMES, SUMMARY, write_json_atomic
from posecoach.record.summary import SummaryBuilder
from posecoach.sinks.jsonl import JsonlSink, frame_record
from posecoach.types import FrameResult

#: The summary is rewritten after a batch of log rows once this much session time (s) passed
#: since the last rewrite: a killed session's summary lags its log by about this much, and
#: reading the record rebuilds it from the log anyway.
SUMMARY_EVERY_S = 2.0


def record_meta(started: datetime, source: Any, settings: Any, model: Any,
                video: str | None, log_every: int) -> dict[str, Any]:
    """What the session was, for its summary: start (local time with zone), source, model,
    settings (every value), posecoach version, where its video is."""
    return {
        "started": started.astimezone().isoformat(timespec="seconds"),
        "source": dataclasses.asdict(source) if dataclasses.is_dataclass(source) else source,
        "posecoach": __version__,
        "model": ({"path": str(model.path), "sha256": model.sha256, "bundled": model.bundled}
                  if model is not None else None),
        "settings": dataclasses.asdict(settings) if dataclasses.is_dataclass(settings) else {},
        "video": video,
        "log_every": log_every,
        "frames_log": None,
        "pid": os.getpid(),  # tells a running session from a killed one
    }


class RecordSink:
    """Writes ``frames.jsonl`` and ``summary.json`` into a record folder.

    The log is written in whole-row batches (:class:`JsonlSink`); the summary is rewritten
    atomically after a batch (every :data:`SUMMARY_EVERY_S` of session time) and once more,
    marked complete, on closing. So Ctrl-C and SIGTERM (which close the sinks) leave a complete
    record, and SIGKILL leaves a log of whole rows and a valid, slightly older summary.

    Args:
        folder: the record folder (created private by :func:`new_record_dir`).
        meta: :func:`record_meta` of the session.
        every: keep one log row per ``every`` frames (the summary still counts every frame).
        keep_frames: False keeps no frame log (``--no-log``): the summary alone, rewritten every
            :data:`SUMMARY_EVERY_S` of session time.
    """

    wants_image = False

    def __init__(self, folder: Path, meta: dict[str, Any], every: int = 1,
                 keep_frames: bool = True) -> None:
        self.folder = folder
        self.builder = SummaryBuilder(meta)
        self._log = JsonlSink(folder / FRAMES, every=every) if keep_frames else None
        self._summary_t: float | None = None
        self._on_disk = 0

    def __enter__(self) -> RecordSink:
        self._write_summary()  # a record is valid from its first moment
        if self._log is not None:
            self._log.__enter__()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            if self._log is not None:
                self._log.__exit__(*exc)
        finally:
            self._write_summary(complete=True)

    def write(self, image: np.ndarray | None, result: FrameResult) -> None:
        record = frame_record(result)
        self.builder.add(record)
        batch = True  # without a log, any frame may refresh the summary
        if self._log is not None:
            self._log.write_record(record)
            batch = self._log.bytes_on_disk != self._on_disk  # a batch reached the log
            self._on_disk = self._log.bytes_on_disk
        if batch and (self._summary_t is None or result.t - self._summary_t >= SUMMARY_EVERY_S):
            self._summary_t = result.t
            self._write_summary()

    def _write_summary(self, complete: bool = False) -> None:
        write_json_atomic(self.folder / SUMMARY,
                          self.builder.snapshot(complete=complete, ended="closed"),
                          sync=complete)


def mark_ended(folder: Path, how: str) -> None:
    """Say in a closed record's summary how the session ended (finished, stopped by you…)."""
    import json

    path = folder / SUMMARY
    summary = json.loads(path.read_text(encoding="utf-8"))
    summary["ended"] = how
    write_json_atomic(path, summary, sync=True)
