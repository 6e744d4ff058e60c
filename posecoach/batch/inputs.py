"""Which videos a batch analyses, and with what: folders (searched recursively), glob
patterns, single files, or a CSV manifest naming each video's exercise, profile and subject."""

from __future__ import annotations

import csv
import glob
import hashlib
from dataclasses import dataclass
from pathlib import Path

from posecoach.errors import ConfigError, SourceError

#: File endings taken for videos when a folder or pattern is searched.
VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".wmv")
EXERCISES = ("auto", "posture", "roller", "ball")
#: Manifest columns; only ``path`` is required.
MANIFEST_COLUMNS = ("path", "exercise", "profile", "subject")


@dataclass(frozen=True)
class Job:
    """One video of a batch.

    Attributes:
        video: the video file (absolute).
        id: a name for its outputs, stable across runs (stem + a hash of the path).
        exercise: auto, posture, roller or ball; None: the batch's default.
        profile: a settings profile for this video; None: the batch's default.
        subject: who is filmed (a study's subject id), or "".
    """

    video: Path
    id: str
    exercise: str | None = None
    profile: Path | None = None
    subject: str = ""


def job_for(video: Path, exercise: str | None = None, profile: Path | None = None,
            subject: str = "") -> Job:
    """A job with its stable id."""
    video = video.resolve()
    digest = hashlib.sha1(str(video).encode("utf-8")).hexdigest()[:8]
    return Job(video, f"{video.stem}-{digest}", exercise, profile, subject)


def collect_jobs(inputs: list[str]) -> list[Job]:
    """Every video named by ``inputs`` (each a folder, a glob pattern, a video file or a
    ``.csv`` manifest), in the order given, each once (the first mention wins).

    Raises:
        SourceError: an input names nothing, or a manifest names a missing video.
        ConfigError: a manifest is malformed (missing ``path`` column, bad exercise).
    """
    if not inputs:
        raise ConfigError("no inputs given", "pass folders, video files, globs or a CSV manifest")
    jobs: dict[Path, Job] = {}
    for text in inputs:
        for job in _jobs_of(text):
            jobs.setdefault(job.video, job)
    return list(jobs.values())


def _jobs_of(text: str) -> list[Job]:
    path = Path(text).expanduser()
    if path.suffix.lower() == ".csv" and path.is_file():
        return read_manifest(path)
    if path.is_dir():
        found = _videos_under(path)
        if not found:
            raise SourceError(f"no videos in {path}",
                              f"videos end in {', '.join(VIDEO_SUFFIXES)}")
        return [job_for(p) for p in found]
    if path.is_file():
        return [job_for(path)]
    if glob.has_magic(text):
        matches = sorted(Path(p) for p in glob.glob(str(path), recursive=True))
        found = [p for p in matches if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES]
        for folder in (p for p in matches if p.is_dir()):
            found += _videos_under(folder)
        if not found:
            raise SourceError(f"no videos match {text}", "check the pattern (quote it)")
        return [job_for(p) for p in found]
    raise SourceError(f"no such file or folder: {text}", "check the path")


def _videos_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*")
                  if p.is_file() and p.suffix.lower() in VIDEO_SUFFIXES
                  and not any(part.startswith(".") for part in p.relative_to(folder).parts))


def read_manifest(path: Path) -> list[Job]:
    """The jobs of a CSV manifest: a header row with ``path`` and optionally ``exercise``,
    ``profile``, ``subject``; relative paths are relative to the manifest's folder.

    Raises:
        SourceError: the manifest cannot be read, or names a missing video or profile.
        ConfigError: no ``path`` column, an unknown column, or an unknown exercise.
    """
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            header = [(c or "").strip() for c in reader.fieldnames or []]
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise SourceError(f"cannot read manifest {path}: {exc}",
                          "pass a UTF-8 CSV file") from None
    if not rows:
        raise ConfigError(f"manifest {path} has no rows",
                          f"a header ({', '.join(MANIFEST_COLUMNS)}) and one row per video")
    unknown = [c for c in header if c not in MANIFEST_COLUMNS]
    if "path" not in header or unknown:
        what = f"unknown column {unknown[0]!r}" if unknown else "no 'path' column"
        raise ConfigError(f"manifest {path}: {what}",
                          f"columns are {', '.join(MANIFEST_COLUMNS)} (only path is required)")
    base = path.parent
    jobs = []
    for line, row in enumerate(rows, start=2):
        row = {(k or "").strip(): (v or "").strip() for k, v in row.items()}
        where = f"manifest {path} line {line}"
        if not row["path"]:
            raise ConfigError(f"{where}: empty path", "give every row a video")
        video = _relative(base, row["path"])
        if not video.is_file():
            raise SourceError(f"{where}: no such video: {row['path']}",
                              "paths are relative to the manifest's folder")
        exercise = row.get("exercise") or None
        if exercise is not None and exercise not in EXERCISES:
            raise ConfigError(f"{where}: exercise {exercise!r} is not one of "
                              f"{', '.join(EXERCISES)}", "fix the manifest")
        profile = _relative(base, row["profile"]) if row.get("profile") else None
        if profile is not None and not profile.is_file():
            raise SourceError(f"{where}: no such profile: {row['profile']}",
                              "paths are relative to the manifest's folder")
        jobs.append(job_for(video, exercise, profile, row.get("subject", "")))
    return jobs


def _relative(base: Path, text: str) -> Path:
    path = Path(text).expanduser()
    return path if path.is_absolute() else base / path
