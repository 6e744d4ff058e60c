"""`posecoach batch`: inputs, the table, resuming, failures, and (with the real model) that a
batch gives each video the numbers a single replay gives it."""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path

import pytest

from posecoach.batch.aggregate import (
    COLUMN_NAMES,
    FAILED,
    OK,
    failed_row,
    read_parquet,
    summary_row,
    write_csv,
    write_parquet,
)
from posecoach.batch.inputs import collect_jobs, job_for, read_manifest
from posecoach.batch.store import BatchFolder, job_key
from posecoach.config import Settings, load_settings
from posecoach.errors import ConfigError, SourceError
from posecoach.record.store import META_KEYS, SUMMARY
from tests.conftest import SAMPLES, run_cli

SYNTHETIC = SAMPLES / "synthetic"
#: Short committed samples of three exercises (255–300 frames each).
CLIPS = ("roller_neck.mp4", "seated_side_slouch.mp4")


def _touch(path: Path, data: bytes = b"x") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_folders_are_searched_recursively_and_each_video_is_taken_once(tmp_path: Path):
    a = _touch(tmp_path / "a" / "one.mp4")
    b = _touch(tmp_path / "a" / "deeper" / "two.MOV")
    _touch(tmp_path / "a" / "notes.txt")
    _touch(tmp_path / "a" / ".hidden" / "three.mp4")
    jobs = collect_jobs([str(tmp_path / "a"), str(a), str(tmp_path / "a" / "*.mp4")])
    assert [j.video for j in jobs] == [b.resolve(), a.resolve()]
    assert len({j.id for j in jobs}) == 2


def test_a_glob_pattern_finds_videos(tmp_path: Path):
    _touch(tmp_path / "s1" / "x.mp4")
    _touch(tmp_path / "s2" / "y.mkv")
    jobs = collect_jobs([str(tmp_path / "s*" / "*")])
    assert sorted(j.video.name for j in jobs) == ["x.mp4", "y.mkv"]


def test_bad_inputs_say_what_is_wrong_in_one_line(tmp_path: Path):
    with pytest.raises(SourceError, match="no such file or folder"):
        collect_jobs([str(tmp_path / "missing.mp4")])
    (tmp_path / "empty").mkdir()
    with pytest.raises(SourceError, match="no videos in"):
        collect_jobs([str(tmp_path / "empty")])
    with pytest.raises(SourceError, match="no videos match"):
        collect_jobs([str(tmp_path / "*.mp4")])


def test_a_manifest_gives_each_video_its_exercise_profile_and_subject(tmp_path: Path):
    video = _touch(tmp_path / "clips" / "p1.mp4")
    profile = _touch(tmp_path / "desk.toml", b"")
    manifest = tmp_path / "study.csv"
    manifest.write_text("path,exercise,profile,subject\n"
                        "clips/p1.mp4,posture,desk.toml,S01\n", encoding="utf-8")
    [job] = read_manifest(manifest)
    assert (job.video, job.exercise, job.profile, job.subject) == (
        video.resolve(), "posture", profile, "S01")
    assert collect_jobs([str(manifest)]) == [job]


@pytest.mark.parametrize(("text", "message"), [
    ("video\nclips/p1.mp4\n", "unknown column 'video'"),
    ("path\nclips/gone.mp4\n", "line 2: no such video"),
    ("path,exercise\nclips/p1.mp4,yoga\n", "line 2: exercise 'yoga'"),
    ("path\n", "has no rows"),
])
def test_a_bad_manifest_names_the_line_and_the_problem(tmp_path: Path, text: str, message):
    _touch(tmp_path / "clips" / "p1.mp4")
    manifest = tmp_path / "m.csv"
    manifest.write_text(text, encoding="utf-8")
    with pytest.raises((ConfigError, SourceError), match=message):
        read_manifest(manifest)


def test_the_key_changes_with_the_file_and_the_settings(tmp_path: Path):
    job = job_for(_touch(tmp_path / "v.mp4"))
    key = job_key(job, Settings(), "abc")
    assert job_key(job, Settings(), "abc") == key
    assert job_key(job, load_settings(None, {"exercise.mode": "roller"}), "abc") != key
    assert job_key(job, Settings(), "other model") != key
    os.utime(job.video, ns=(1, 1))
    assert job_key(job, Settings(), "abc") != key


def test_a_video_counts_as_finished_only_once_committed_with_its_key(tmp_path: Path):
    job = job_for(_touch(tmp_path / "v.mp4"))
    folder = BatchFolder(tmp_path / "out").create()
    staged = folder.staging(job)
    _touch(staged / SUMMARY, json.dumps({"complete": True, "batch": {"key": "k1"}}).encode())
    assert folder.finished(job, "k1") is None  # still in staging: a crash would lose it
    folder.commit(staged, job)
    assert folder.finished(job, "k1") is not None
    assert folder.finished(job, "k2") is None  # other settings or a changed file
    leftover = folder.staging(job)
    _touch(leftover / "frames.jsonl")
    folder.clear_staging()
    assert not leftover.exists()


def test_the_table_is_the_same_as_csv_and_parquet(tmp_path: Path):
    job = job_for(_touch(tmp_path / "v.mp4"), subject="S7")
    summary = {"frames": 30, "duration_s": 2.0, "present_s": 1.5,
               "exercise_s": {"posture": 2.0}, "posture": {"judged_s": 1.0, "upright_s": 0.25},
               "cues": [{"t": 0.5, "key": "posture.slouch"}, {"t": 1.0, "key": "posture.slouch"}]}
    rows = [summary_row(job, summary), failed_row(job_for(_touch(tmp_path / "w.mp4")), "bad")]
    assert rows[0]["upright_pct"] == 25.0 and rows[0]["cues"] == 2
    assert rows[0]["cue_counts"] == "posture.slouch×2"
    assert rows[1]["status"] == FAILED and rows[1]["duration_s"] is None
    with (write_csv(rows, tmp_path / "t.csv")).open(encoding="utf-8") as file:
        from_csv = list(csv.DictReader(file))
    from_parquet = read_parquet(write_parquet(rows, tmp_path / "t.parquet"))
    assert tuple(from_csv[0]) == COLUMN_NAMES
    for text_row, typed_row, row in zip(from_csv, from_parquet, rows, strict=True):
        for column in COLUMN_NAMES:
            expected = row.get(column)
            assert typed_row[column] == expected, column
            assert text_row[column] == ("" if expected is None else str(expected)), column


# --- end to end, through the real model ----------------------------------------------------

def _comparable(summary: dict) -> dict:
    """A summary's numbers: what the session measured, not when or where it ran."""
    return {k: v for k, v in summary.items() if k not in (*META_KEYS, "batch", "ended")}


@pytest.fixture(scope="module")
def batch_run(tmp_path_factory) -> tuple[Path, Path, object]:
    """One batch over two committed samples and a corrupt file, on two worker processes."""
    root = tmp_path_factory.mktemp("batch")
    videos = root / "videos"
    videos.mkdir()
    for name in CLIPS:
        shutil.copy(SYNTHETIC / name, videos / name)
    _touch(videos / "broken.mp4", b"\x00not a video" * 100)
    out = root / "out"
    result = run_cli("batch", str(videos), "--out", str(out), "--workers", "2", timeout=600)
    return videos, out, result


def _rows(out: Path) -> list[dict]:
    with (out / "batch.csv").open(encoding="utf-8") as file:
        return list(csv.DictReader(file))


@pytest.mark.model
def test_each_video_gets_the_numbers_a_single_replay_gives_it(batch_run, tmp_path: Path):
    videos, out, result = batch_run
    assert result.returncode == 0, result.stderr
    rows = {Path(r["video"]).name: r for r in _rows(out)}
    for name in CLIPS:
        sessions = tmp_path / name
        replay = run_cli("replay", str(videos / name), "--single-process",
                         "--session-dir", str(sessions))
        assert replay.returncode == 0, replay.stderr
        [record] = list(sessions.iterdir())
        single = json.loads((record / SUMMARY).read_text())
        row = rows[name]
        batched = json.loads((out / "videos" / row["id"] / SUMMARY).read_text())
        assert _comparable(batched) == _comparable(single), name
        assert single["frames"] > 0 and single["present_s"] > 0
        expected = summary_row(job_for(videos / name), single, row["report"])
        assert row == {c: "" if expected[c] is None else str(expected[c]) for c in COLUMN_NAMES}
        assert (out / row["report"]).is_file()


@pytest.mark.model
def test_a_corrupt_file_is_reported_in_the_table_and_the_rest_complete(batch_run):
    _, out, result = batch_run
    assert result.returncode == 0, result.stderr
    rows = _rows(out)
    assert len(rows) == 3
    by_name = {Path(r["video"]).name: r for r in rows}
    broken = by_name.pop("broken.mp4")
    assert broken["status"] == FAILED
    assert "broken.mp4" in broken["error"] and "\n" not in broken["error"]
    assert all(r["status"] == OK and int(r["frames"]) > 0 for r in by_name.values())
    assert "broken.mp4" in result.stderr  # said as it happened, too
    page = (out / "overview.html").read_text(encoding="utf-8")
    assert page.count("<svg") >= 3  # zones, posture, cues at least
    for row in by_name.values():
        assert f'href="{row["report"]}"' in page


@pytest.mark.model
def test_a_rerun_skips_finished_videos(batch_run):
    videos, out, _ = batch_run
    summaries = {p: p.stat().st_mtime_ns for p in (out / "videos").glob(f"*/{SUMMARY}")}
    assert len(summaries) == len(CLIPS)
    again = run_cli("batch", str(videos), "--out", str(out), "--workers", "2")
    assert again.returncode == 0, again.stderr
    assert "0 analysed, 2 skipped (done before), 1 failed, of 3" in again.stdout
    assert {p: p.stat().st_mtime_ns for p in summaries} == summaries
    assert len(_rows(out)) == 3


@pytest.mark.model
def test_fail_fast_stops_at_the_first_failure_and_keeps_the_table(tmp_path: Path):
    broken = _touch(tmp_path / "broken.mp4", b"\x00not a video" * 100)
    manifest = tmp_path / "m.csv"
    manifest.write_text(f"path\n{broken}\n{SYNTHETIC / CLIPS[0]}\n", encoding="utf-8")
    out = tmp_path / "out"
    result = run_cli("batch", str(manifest), "--out", str(out), "--workers", "1", "--fail-fast")
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("posecoach: error: ")
    assert "broken.mp4" in result.stderr
    assert [r["status"] for r in _rows(out)] == [FAILED]  # the second video never started
    assert not list((out / "videos").glob(f"*/{SUMMARY}"))


def test_without_ray_installed_ray_says_how_to_get_it(tmp_path: Path):
    # A `ray` that cannot be imported, first on the path, as on a machine without the extra.
    fake = tmp_path / "no_ray"
    _touch(fake / "ray" / "__init__.py", b"raise ImportError('No module named ray')\n")
    out = tmp_path / "out"
    result = run_cli("batch", str(SYNTHETIC / CLIPS[0]), "--out", str(out), "--ray",
                     env={"PYTHONPATH": os.pathsep.join([str(fake), str(SAMPLES.parent)])})
    assert result.returncode == 2
    [line] = [ln for ln in result.stderr.splitlines() if ln.startswith("posecoach: error")]
    assert "Ray" in line and "pip install 'posecoach[cluster]'" in line
    assert not out.exists()  # nothing started


@pytest.mark.model
def test_ctrl_c_stops_the_batch_and_keeps_the_finished_videos(tmp_path: Path):
    import signal
    import subprocess
    import sys
    import time

    manifest = tmp_path / "m.csv"
    manifest.write_text("path\n" + "".join(f"{SYNTHETIC / name}\n" for name in
                                           (*CLIPS, "ball_floor.mp4")), encoding="utf-8")
    out = tmp_path / "out"
    env = {**os.environ, "PYTHONPATH": str(SAMPLES.parent)}
    env.pop("DISPLAY", None)
    batch = subprocess.Popen([sys.executable, "-m", "posecoach", "batch", str(manifest),
                              "--out", str(out), "--workers", "1"], env=env,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                             cwd=SAMPLES.parent, start_new_session=True)
    deadline = time.monotonic() + 300
    while not list((out / "videos").glob(f"*/{SUMMARY}")):  # the first video is finished
        assert batch.poll() is None and time.monotonic() < deadline, batch.communicate()
        time.sleep(0.2)
    os.killpg(batch.pid, signal.SIGINT)  # as Ctrl-C in a terminal: every process of the batch
    stdout, stderr = batch.communicate(timeout=120)
    assert batch.returncode == 130, stderr
    assert "Batch stopped by you" in stdout
    rows = _rows(out)
    assert [Path(r["video"]).name for r in rows][:1] == [CLIPS[0]]
    assert all(r["status"] == OK for r in rows)
    assert len(rows) < 3  # the videos not yet analysed are not in the table
    assert not any((out / "videos" / ".staging").iterdir())  # nothing half-written is left
