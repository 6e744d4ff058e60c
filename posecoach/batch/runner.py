"""A batch from start to end: which videos are already finished (skipped), the rest handed to
a backend (local pool or Ray), each result committed by this process as it arrives, and the
table and overview written at the end, also after Ctrl-C or a ``--fail-fast`` stop."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from posecoach.batch.aggregate import FAILED, failed_row, summary_row, write_csv, write_parquet
from posecoach.batch.inputs import Job
from posecoach.batch.store import (
    OVERVIEW,
    REPORT,
    TABLE_CSV,
    TABLE_PARQUET,
    BatchFolder,
    job_key,
)
from posecoach.batch.worker import Outcome, Task
from posecoach.config import Settings
from posecoach.errors import PosecoachError
from posecoach.model import ModelFile

log = logging.getLogger(__name__)


class Backend(Protocol):
    def run(self, tasks: list[Task], on_outcome: Callable[[Outcome], None]) -> None: ...


@dataclass(frozen=True)
class BatchOptions:
    """How a batch runs.

    Attributes:
        out: the output folder.
        fail_fast: stop at the first video that fails (else its error goes in the table).
        report: write each video's HTML report.
        keep_video: keep each annotated video in its record.
        log_every: one frame-log row per this many frames.
    """

    out: Path
    fail_fast: bool = False
    report: bool = True
    keep_video: bool = False
    log_every: int = 1


@dataclass(frozen=True)
class VideoDone:
    """One video's row is known: analysed now, skipped (finished before), or failed."""

    job: Job
    row: dict[str, Any]
    skipped: bool
    media_s: float = 0.0


@dataclass
class BatchResult:
    """What a batch did. ``rows`` follow the order of the inputs."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    analysed: int = 0
    skipped: int = 0
    failed: int = 0
    interrupted: bool = False
    table_csv: Path | None = None
    table_parquet: Path | None = None
    overview: Path | None = None


class FailFast(PosecoachError):
    """A video failed and ``--fail-fast`` was given."""


def run_batch(jobs: list[Job], options: BatchOptions, settings_for: Callable[[Job], Settings],
              model: ModelFile, backend: Backend,
              on_video: Callable[[VideoDone], None] | None = None) -> BatchResult:
    """Analyse ``jobs`` with ``backend``; finished videos of an earlier run with the same
    input and settings are skipped.

    Raises:
        FailFast: with ``fail_fast``, the first failure (the table is written first).
    """
    folder = BatchFolder(options.out).create()
    folder.clear_staging()
    result = BatchResult()
    rows: dict[str, dict[str, Any]] = {}

    def done(event: VideoDone) -> None:
        rows[event.job.id] = event.row
        if event.row["status"] == FAILED:
            result.failed += 1
        if on_video is not None:
            on_video(event)
        if event.row["status"] == FAILED and options.fail_fast:
            raise FailFast(f"{event.job.video}: {event.row['error']}",
                           "fix or remove the video, or run without --fail-fast")

    def committed(outcome: Outcome) -> None:
        job = outcome.job
        if outcome.folder is None:
            done(VideoDone(job, failed_row(job, outcome.error), skipped=False))
            return
        record = folder.commit(outcome.folder, job)
        result.analysed += 1
        done(VideoDone(job, _row(job, record, options), skipped=False, media_s=outcome.media_s))

    try:
        tasks = []
        for job in jobs:
            try:
                settings = settings_for(job)
                key = job_key(job, settings, model.sha256)
            except (PosecoachError, OSError) as exc:
                message = exc.one_line() if isinstance(exc, PosecoachError) else str(exc)
                done(VideoDone(job, failed_row(job, message), skipped=False))
                continue
            summary = folder.finished(job, key)
            if summary is not None:
                result.skipped += 1
                done(VideoDone(job, summary_row(job, summary, _report(job, folder, options)),
                               skipped=True))
                continue
            tasks.append(Task(job, settings, key, folder.staging(job), options.report,
                              options.keep_video, options.log_every))
        backend.run(tasks, committed)
    except KeyboardInterrupt:
        result.interrupted = True
    finally:
        folder.clear_staging()  # the workers are stopped: what they left is half-written
        result.rows = [rows[job.id] for job in jobs if job.id in rows]
        _write_outputs(result, folder)
    return result


def _row(job: Job, record: Path, options: BatchOptions) -> dict[str, Any]:
    import json

    from posecoach.record.store import SUMMARY

    summary = json.loads((record / SUMMARY).read_text(encoding="utf-8"))
    return summary_row(job, summary, _report(job, BatchFolder(options.out), options))


def _report(job: Job, folder: BatchFolder, options: BatchOptions) -> str:
    path = folder.record(job) / REPORT
    return str(path.relative_to(folder.root)) if path.is_file() else ""


def _write_outputs(result: BatchResult, folder: BatchFolder) -> None:
    from posecoach.batch.overview import write_overview

    result.table_csv = write_csv(result.rows, folder.root / TABLE_CSV)
    result.table_parquet = write_parquet(result.rows, folder.root / TABLE_PARQUET)
    result.overview = write_overview(result.rows, folder, folder.root / OVERVIEW)
