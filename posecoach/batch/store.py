"""The batch's output folder, and what makes a video finished (so a re-run skips it).

Layout under ``--out DIR``::

    DIR/videos/<job id>/     the video's session record (summary.json, frames.jsonl) and
                             report.html, as ``replay`` writes them
    DIR/videos/.staging/     records being written (a worker's, or one the driver unpacks)
    DIR/batch.csv, DIR/batch.parquet, DIR/overview.html

A video is finished when ``videos/<id>/summary.json`` says complete and carries the key of the
input file (size, modification time) and of the settings and model it was analysed with. The
record is written in the staging folder and the summary with its key written atomically last;
only then does the driver move the folder into place (one rename). A crash at any moment leaves
each video either finished or not there, so a re-run loses only the videos that were in flight.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import shutil
import uuid
from pathlib import Path
from typing import Any

from posecoach.batch.inputs import Job
from posecoach.config import Settings
from posecoach.record.store import SUMMARY, private_dir

VIDEOS = "videos"
STAGING = ".staging"
REPORT = "report.html"
TABLE_CSV = "batch.csv"
TABLE_PARQUET = "batch.parquet"
OVERVIEW = "overview.html"


def job_key(job: Job, settings: Settings, model_sha256: str) -> str:
    """What a finished result depends on: the input file (size and modification time, cheap
    to read for hundreds of videos), the subject, every setting and the model."""
    stat = job.video.stat()
    payload = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "subject": job.subject,
               "settings": dataclasses.asdict(settings), "model": model_sha256}
    text = json.dumps(payload, sort_keys=True, default=str)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


class BatchFolder:
    """The output folder of a batch (created private, 0700, like session records)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.videos = root / VIDEOS
        self.staging_root = self.videos / STAGING

    def create(self) -> BatchFolder:
        private_dir(self.staging_root)
        return self

    def record(self, job: Job) -> Path:
        return self.videos / job.id

    def staging(self, job: Job) -> Path:
        """A fresh staging folder for ``job`` (unique: a retried task never writes into the
        folder of an attempt that may still be running)."""
        return self.staging_root / f"{job.id}-{uuid.uuid4().hex[:8]}"

    def finished(self, job: Job, key: str) -> dict[str, Any] | None:
        """The summary of ``job`` if it was finished with this key, else None."""
        try:
            summary = json.loads((self.record(job) / SUMMARY).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        batch = summary.get("batch") or {}
        return summary if summary.get("complete") and batch.get("key") == key else None

    def commit(self, staged: Path, job: Job) -> Path:
        """Move a finished record into place (replacing an older result of the same video)."""
        target = self.record(job)
        if target.exists():
            shutil.rmtree(target)
        os.replace(staged, target)
        _sync_dir(self.videos)
        return target

    def clear_staging(self) -> None:
        """Remove what crashed runs left half-written."""
        shutil.rmtree(self.staging_root, ignore_errors=True)
        private_dir(self.staging_root)


def unpack(files: dict[str, bytes], folder: Path) -> Path:
    """Write a record sent back by a remote worker (file name → content) into ``folder``."""
    private_dir(folder)
    for name, data in files.items():
        if Path(name).name != name:
            raise ValueError(f"record file name must be plain, got {name!r}")
        (folder / name).write_bytes(data)
    return folder


def pack(folder: Path) -> dict[str, bytes]:
    """A record's files (file name → content), to send back to the driver."""
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir()) if p.is_file()}


def _sync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` survive a power cut."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)
