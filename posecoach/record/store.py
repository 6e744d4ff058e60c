"""Where records live, and reading, repairing, listing and pruning them.

A record is a folder (private to the user, 0700) named after its local start time, holding
``frames.jsonl`` (the per-frame log), ``summary.json`` (written atomically, see
:mod:`posecoach.record.summary`) and, when asked, ``video.mp4``.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from posecoach.errors import SourceError
from posecoach.record.summary import FORMAT, summarise_rows
from posecoach.sinks.jsonl import parse_row

log = logging.getLogger(__name__)

FRAMES = "frames.jsonl"
SUMMARY = "summary.json"
VIDEO = "video.mp4"
#: A record whose log changed this recently (s) is taken for a session still running: a live
#: session adds a batch of rows every second.
RUNNING_S = 30.0
#: Keys of a summary that describe the session rather than count it: kept when a summary is
#: rebuilt from the frame log.
META_KEYS = ("started", "source", "posecoach", "model", "settings", "video", "log_every",
             "frames_log", "pid")


def sessions_root() -> Path:
    """The user's session records: ``$XDG_DATA_HOME/posecoach/sessions`` (platformdirs)."""
    import platformdirs

    return platformdirs.user_data_path("posecoach") / "sessions"


def private_dir(path: Path) -> Path:
    """Create ``path`` (and parents) readable only by the user (0700)."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path, 0o700)  # mkdir's mode is masked by the umask, and an old folder keeps its own
    return path


def new_record_dir(root: Path, started: datetime) -> Path:
    """A fresh, private folder for a session started at ``started`` (local time)."""
    private_dir(root)
    stem = started.strftime("%Y-%m-%d_%H%M%S")
    for n in range(1, 1000):
        folder = root / (stem if n == 1 else f"{stem}-{n}")
        try:
            folder.mkdir(mode=0o700)
        except FileExistsError:
            continue
        os.chmod(folder, 0o700)
        return folder
    raise FileExistsError(f"too many sessions started at {stem} in {root}")


def write_json_atomic(path: Path, data: dict[str, Any], sync: bool = False) -> None:
    """Replace ``path`` with ``data`` in one rename: a reader (or a kill at any moment) sees the
    old file or the new one, never half of one. ``sync`` also survives a power cut."""
    fd, tmp = tempfile.mkstemp(prefix=".summary-", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as file:
            json.dump(data, file, indent=1, default=str)
            if sync:
                file.flush()
                os.fsync(file.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_rows(path: Path) -> Iterator[dict[str, Any]]:
    """The frame records of a log; a last line cut off mid-write is skipped."""
    with path.open("rb") as file:
        for raw in file:
            if not raw.endswith(b"\n"):
                return  # half a row: the session was killed mid-write
            if raw.strip():
                yield parse_row(raw)


@dataclass(frozen=True)
class Record:
    """One session's record.

    Attributes:
        folder: the record's folder.
        summary: its summary (rebuilt from the frame log when the session never closed it).
        frames: the frame log (the record's own, or the session's ``--log``), or None when
            it was not kept.
        video: the annotated video, or None.
    """

    folder: Path
    summary: dict[str, Any]
    frames: Path | None
    video: Path | None

    @property
    def started(self) -> datetime | None:
        try:
            return datetime.fromisoformat(self.summary["started"])
        except (KeyError, TypeError, ValueError):
            return None


def load_record(folder: Path, repair: bool = False) -> Record:
    """Read the record in ``folder``. A summary the session could not close (killed, power cut)
    is rebuilt from the frame log; ``repair`` writes the rebuilt one back.

    Raises:
        SourceError: not a record, or nothing readable in it.
    """
    summary_path, frames = folder / SUMMARY, folder / FRAMES
    summary: dict[str, Any] = {}
    if summary_path.is_file():
        try:
            summary = json.loads(summary_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError):
            log.warning("%s is damaged: rebuilding it from the frame log", summary_path)
        if not frames.is_file() and summary.get("frames_log"):
            frames = Path(summary["frames_log"])  # the session's --log, kept where asked
    elif not frames.is_file():
        raise SourceError(f"{folder} is not a posecoach session record",
                          f"pass a folder holding {SUMMARY} (see `posecoach history`)")
    if not summary.get("complete") and frames.is_file():
        meta = {k: summary[k] for k in META_KEYS if k in summary}
        # A session still running (in another process) is summarised as it stands, never
        # "repaired" under its feet.
        running = _still_running(summary.get("pid"), frames)
        summary = summarise_rows(read_rows(frames), meta, complete=True,
                                 ended="still running" if running else
                                 "killed (summary rebuilt from the frame log)")
        if repair and not running:
            write_json_atomic(summary_path, summary, sync=True)
    if summary.get("format") != FORMAT:
        raise SourceError(f"{summary_path} is not a posecoach session summary",
                          "pass a session record folder")
    video = summary.get("video")
    video_path = (folder / video) if video and not Path(video).is_absolute() else (
        Path(video) if video else None)
    return Record(folder, summary, frames if frames.is_file() else None,
                  video_path if video_path is not None and video_path.is_file() else None)


def drop_if_empty(folder: Path) -> bool:
    """Remove a record that holds no frame (its session never started); True if removed."""
    try:
        summary = json.loads((folder / SUMMARY).read_text(encoding="utf-8"))
        empty = summary.get("frames", 0) == 0
    except FileNotFoundError:
        empty = not (folder / FRAMES).is_file() or (folder / FRAMES).stat().st_size == 0
    except (OSError, ValueError):
        return False
    if empty:
        shutil.rmtree(folder, ignore_errors=True)
    return empty


def _still_running(pid: object, frames: Path) -> bool:
    """The session's process is alive and its log was written to moments ago."""
    if not isinstance(pid, int) or time.time() - frames.stat().st_mtime >= RUNNING_S:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # alive, someone else's
    return True


def record_folders(root: Path) -> list[Path]:
    """Record folders under ``root``, oldest first."""
    if not root.is_dir():
        return []
    return sorted(p for p in root.iterdir()
                  if p.is_dir() and ((p / SUMMARY).is_file() or (p / FRAMES).is_file()))


def load_records(root: Path) -> list[Record]:
    """Every readable record under ``root``, oldest first (damaged ones skipped, logged)."""
    records = []
    for folder in record_folders(root):
        try:
            records.append(load_record(folder, repair=True))
        except (SourceError, OSError, ValueError) as exc:
            log.warning("skipping %s: %s", folder, exc)
    return records


def prune(root: Path, keep_days: int, now: datetime) -> list[Path]:
    """Delete the records started more than ``keep_days`` days before ``now``.

    Raises:
        ValueError: ``keep_days`` is negative.
    """
    if keep_days < 0:
        raise ValueError(f"keep_days must be >= 0, got {keep_days}")
    cutoff = now - timedelta(days=keep_days)
    removed = []
    for record in load_records(root):
        started = record.started
        if started is not None and _naive(started) < _naive(cutoff):
            shutil.rmtree(record.folder)
            removed.append(record.folder)
    return removed


def _naive(moment: datetime) -> datetime:
    """Local wall-clock time without a zone, so stored and current times compare."""
    return moment.astimezone().replace(tzinfo=None) if moment.tzinfo else moment


def find_record(argument: str, root: Path) -> Path:
    """A record folder from what a user typed: a folder, a record's name, or ``last``."""
    if argument == "last":
        folders = record_folders(root)
        if not folders:
            raise SourceError(f"no session records in {root}",
                              "record a session first (live or replay)")
        return folders[-1]
    path = Path(argument)
    if path.is_dir():
        return path
    if (root / argument).is_dir():
        return root / argument
    raise SourceError(f"no session record {argument}", "see `posecoach history` for the list")
