"""One video of a batch, as ``replay`` analyses it: headless (no window, no voice, no video
unless asked), into a session record with its report, in a staging folder the driver then
moves into place (:mod:`posecoach.batch.store`).

The caller keeps one :class:`~posecoach.estimator.PoseEstimator` per worker process and this
restarts it for every video, so each video starts from a fresh tracking state exactly as a
single ``replay --single-process`` does (videos run side by side in separate processes, so a
second pose process per video, as a long replay starts, would only compete for the cores).
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path

from posecoach.batch.inputs import Job
from posecoach.batch.store import REPORT
from posecoach.config import Settings
from posecoach.errors import PosecoachError
from posecoach.estimator import PoseEstimator
from posecoach.model import ModelFile
from posecoach.record.store import SUMMARY, VIDEO, private_dir, write_json_atomic

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Task:
    """What a worker needs for one video.

    Attributes:
        job: the video and its per-video options.
        settings: its settings (profile and exercise already applied, built by the driver).
        key: :func:`posecoach.batch.store.job_key`, written into the summary when finished.
        staging: where to write the record (None: a temporary folder, for remote workers).
        report: also write report.html into the record.
        keep_video: also write the annotated video into the record.
        log_every: one frame-log row per this many frames.
    """

    job: Job
    settings: Settings
    key: str
    staging: Path | None = None
    report: bool = True
    keep_video: bool = False
    log_every: int = 1


@dataclass(frozen=True)
class Outcome:
    """How one video went.

    Attributes:
        job: the video.
        folder: the staged record, or None when the video failed.
        error: a one-line message ("" when all is well; for a finished video, a note that the
            video ended early on damaged data).
        frames, media_s (seconds of video), wall_s (seconds it took).
        pid: the worker process that analysed it.
    """

    job: Job
    folder: Path | None
    error: str = ""
    frames: int = 0
    media_s: float = 0.0
    wall_s: float = 0.0
    pid: int = 0

    @property
    def ok(self) -> bool:
        return self.folder is not None


def analyse(task: Task, estimator: PoseEstimator, model: ModelFile, folder: Path) -> Outcome:
    """Analyse ``task``'s video into the record folder ``folder`` (created; removed again if
    the video fails). Errors of the video (missing, not a video, damaged, anything the
    pipeline raises) become the outcome's one-line ``error``, so one bad video never stops the
    others; Ctrl-C is not caught.
    """
    from posecoach.session import Outputs, open_replay_source, run_session

    job = task.job
    started = time.perf_counter()
    private_dir(folder)
    try:
        estimator.restart(task.settings.model)
        outputs = Outputs(video=folder / VIDEO if task.keep_video else None,
                          log_every=task.log_every, record=folder)
        stats = run_session(open_replay_source(job.video), task.settings, outputs,
                            show_window=False, pace=False, model=model,
                            save_calibrations=False, parallel=False, estimator=estimator)
        if stats.interrupted:
            raise KeyboardInterrupt
        if stats.frames == 0:
            raise PosecoachError(f"{job.video} gave no frame", "check the video")
        _finish(task, folder, stats.source_error or "")
    except PosecoachError as exc:
        return _failed(task, folder, exc.one_line(), started)
    except (KeyboardInterrupt, SystemExit):
        shutil.rmtree(folder, ignore_errors=True)
        raise
    except Exception as exc:  # a bug or a library error on this video: keep the batch going
        log.exception("%s failed", job.video)
        return _failed(task, folder, _one_line(exc), started)
    return Outcome(job, folder, stats.source_error or "", stats.frames, stats.media_s,
                   time.perf_counter() - started, os.getpid())


def _finish(task: Task, folder: Path, note: str) -> None:
    """Close the record as replay does, add the report, then write the summary with the
    batch key (atomically, last: from then on the record counts as finished)."""
    from posecoach.record.sink import mark_ended

    mark_ended(folder, "finished")
    if task.report:
        from posecoach.record.store import load_record
        from posecoach.report.data import log_from_rows, read_log_rows
        from posecoach.report.page import write_session_report

        record = load_record(folder)
        frames = (log_from_rows(record.frames, read_log_rows(record.frames))
                  if record.frames is not None else None)
        write_session_report(record.summary, frames, folder / REPORT, video=record.video)
    path = folder / SUMMARY
    summary = json.loads(path.read_text(encoding="utf-8"))
    job = task.job
    summary["batch"] = {"key": task.key, "id": job.id, "input": str(job.video),
                        "subject": job.subject, "exercise": job.exercise,
                        "profile": str(job.profile) if job.profile else None, "note": note}
    write_json_atomic(path, summary, sync=True)


def _failed(task: Task, folder: Path, error: str, started: float) -> Outcome:
    shutil.rmtree(folder, ignore_errors=True)
    return Outcome(task.job, None, error, wall_s=time.perf_counter() - started, pid=os.getpid())


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0]}" if text else type(exc).__name__


#: The pose estimator of this worker process, by model checksum: created by the local pool's
#: initializer (or a Ray worker's first task) and restarted for every video. Process state on
#: purpose: a worker process lives for many videos and the first estimator costs ~2 s.
_ESTIMATORS: dict[str, PoseEstimator] = {}


def process_estimator(model: ModelFile, settings: Settings | None = None) -> PoseEstimator:
    """This worker process's estimator for ``model`` (created on first use)."""
    estimator = _ESTIMATORS.get(model.sha256)
    if estimator is None:
        estimator = PoseEstimator(model, settings.model if settings is not None else None)
        _ESTIMATORS[model.sha256] = estimator
    return estimator
