"""Session records written by real sessions (the model runs): the summary matches what an
independent computation finds in the frame log, and a record survives Ctrl-C, SIGTERM and
SIGKILL."""

from __future__ import annotations

import json
import os
import signal
import stat
from pathlib import Path

import numpy as np
import pytest

from posecoach.record.store import FRAMES, SUMMARY, load_record
from tests.conftest import SAMPLES, run_cli
from tests.test_faults import long_clip, start_replay, whole_rows  # noqa: F401  (fixture)

pytestmark = pytest.mark.model


def _independent(rows: list[dict]) -> dict:
    """The summary's main numbers, computed from the log rows directly with numpy."""
    t = np.array([r["t"] for r in rows])
    d = np.minimum(np.diff(t), 1.0)
    d = np.append(d, d[-1])
    person = np.array([bool(r["person"]) for r in rows])
    fraction = np.array([r["metrics"].get("roller.fraction", np.nan) for r in rows])
    seen = np.isfinite(fraction)
    passes = np.array([r["metrics"].get("roller.passes", np.nan) for r in rows])
    passes = passes[np.isfinite(passes)]
    steps = np.diff(passes, prepend=0.0)
    total_passes = steps[steps > 0].sum() + passes[1:][np.diff(passes) < 0].sum()
    exercise: dict[str, float] = {}
    for r, di in zip(rows, d, strict=True):
        exercise[r["exercise"] or "none"] = exercise.get(r["exercise"] or "none", 0.0) + di
    cue_starts = [(round(r["t"] - t[0], 3), r["cue"]) for i, r in enumerate(rows)
                  if r["cue"] and (i == 0 or rows[i - 1]["cue"] != r["cue"])]
    return {"frames": len(rows), "duration_s": d.sum(), "present_s": d[person].sum(),
            "lower": d[person & seen & (fraction < 0.52)].sum(),
            "upper": d[person & seen & (fraction >= 0.52) & (fraction <= 1.09)].sum(),
            "target": d[person & seen & (fraction >= 0.81) & (fraction <= 0.98)].sum(),
            "passes": int(total_passes), "exercise": exercise, "cues": cue_starts}


def test_a_recorded_sample_session_summary_matches_its_frame_log(tmp_path: Path):
    video = SAMPLES / "synthetic" / "roller_drift_lumbar.mp4"
    result = run_cli("replay", str(video), "--session-dir", str(tmp_path), "--keep-video")
    assert result.returncode == 0, result.stderr
    (folder,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    assert f"Session record: {folder}" in result.stdout
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    summary = json.loads((folder / SUMMARY).read_text())
    rows = whole_rows(folder / FRAMES)
    expected = _independent(rows)
    assert summary["complete"] is True and summary["ended"] == "finished"
    assert summary["frames"] == expected["frames"] == 285
    for key in ("duration_s", "present_s"):
        assert summary[key] == pytest.approx(expected[key], abs=0.01)
    roller = summary["roller"]
    assert roller["zone_s"].get("lower back", 0) == pytest.approx(expected["lower"], abs=0.01)
    assert roller["zone_s"].get("upper back", 0) == pytest.approx(expected["upper"], abs=0.01)
    assert roller["target_s"] == pytest.approx(expected["target"], abs=0.01)
    assert roller["zone_s"]["lower back"] >= 3  # the sample drifts onto the lower back
    assert roller["passes"] == expected["passes"]
    assert {k: pytest.approx(v, abs=0.01) for k, v in expected["exercise"].items()} == \
        summary["exercise_s"]
    assert [(c["t"], c["key"]) for c in summary["cues"]] == expected["cues"]
    assert ("roller.lumbar" in [key for _, key in expected["cues"]])
    assert summary["source"]["name"] == "roller_drift_lumbar.mp4"
    assert summary["model"]["sha256"] and summary["settings"]["coach"]
    assert summary["video"] == "video.mp4" and (folder / "video.mp4").stat().st_size > 0
    # The report of that record: headline first, pictures of the cue moments from the video.
    report = run_cli("report", str(folder))
    assert report.returncode == 0, report.stderr
    page = (folder / "report.html").read_text()
    assert "The roller stayed on your upper back" in page
    assert page.index("The roller stayed") < page.index("<svg")
    assert "data:image/jpeg;base64," in page
    assert "Move the roller up" in page


def test_sessions_are_recorded_in_the_data_folder_unless_asked_not_to(tmp_path: Path,
                                                                      real_clip: Path):
    sessions = Path(os.environ["XDG_DATA_HOME"]) / "posecoach" / "sessions"
    assert run_cli("replay", str(real_clip), "--no-record").returncode == 0
    assert not sessions.exists() or not any(sessions.iterdir())
    result = run_cli("replay", str(real_clip))
    assert result.returncode == 0, result.stderr
    (folder,) = list(sessions.iterdir())
    assert load_record(folder).summary["frames"] > 0
    assert stat.S_IMODE(sessions.stat().st_mode) == 0o700


def test_a_session_that_could_not_start_leaves_no_record(tmp_path: Path):
    result = run_cli("replay", str(tmp_path / "nope.mp4"), "--session-dir", str(tmp_path / "s"))
    assert result.returncode != 0
    assert not any((tmp_path / "s").iterdir())


def _wait_for_rows(process, folder_root: Path, rows: int) -> Path:
    import time

    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        logs = list(folder_root.glob(f"*/{FRAMES}"))
        if logs and logs[0].read_bytes().count(b"\n") >= rows:
            return logs[0].parent
        time.sleep(0.1)
    raise AssertionError(f"fewer than {rows} rows recorded")


def test_sigkill_leaves_a_readable_record_and_report(tmp_path: Path, long_clip: Path):  # noqa: F811
    root = tmp_path / "sessions"
    process = start_replay(str(long_clip), "--session-dir", str(root), new_session=True)
    folder = _wait_for_rows(process, root, 300)
    os.killpg(process.pid, signal.SIGKILL)
    process.communicate(timeout=30)
    on_disk = json.loads((folder / SUMMARY).read_text())  # valid JSON, never half a file
    assert on_disk["complete"] is False
    rows = whole_rows(folder / FRAMES)
    record = load_record(folder)
    assert record.summary["frames"] == len(rows) >= 300
    assert "killed" in record.summary["ended"]
    report = run_cli("report", "last", "--session-dir", str(root))
    assert report.returncode == 0, report.stderr
    page = (folder / "report.html").read_text()
    assert "Your session" in page and "<svg" in page
    history = run_cli("history", "--session-dir", str(root))
    assert history.returncode == 0, history.stderr
    assert folder.name[:10] in history.stdout or "1 day" in history.stdout


def test_sigterm_closes_the_record_like_ctrl_c(tmp_path: Path, long_clip: Path):  # noqa: F811
    root = tmp_path / "sessions"
    process = start_replay(str(long_clip), "--session-dir", str(root))
    folder = _wait_for_rows(process, root, 60)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    summary = json.loads((folder / SUMMARY).read_text())
    assert summary["complete"] is True and summary["ended"] == "stopped by you"
    assert summary["frames"] == len(whole_rows(folder / FRAMES))


def test_with_a_log_the_record_points_at_it_instead_of_writing_it_twice(tmp_path: Path,
                                                                         real_clip: Path):
    log = tmp_path / "mine.jsonl"
    result = run_cli("replay", str(real_clip), "--log", str(log), "--session-dir",
                     str(tmp_path / "s"))
    assert result.returncode == 0, result.stderr
    (folder,) = list((tmp_path / "s").iterdir())
    assert not (folder / FRAMES).exists()
    record = load_record(folder)
    assert record.frames == log.resolve()
    assert record.summary["frames"] == len(whole_rows(log))
    assert run_cli("report", str(folder)).returncode == 0
    assert "<svg" in (folder / "report.html").read_text()
