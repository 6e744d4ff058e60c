"""Session records: the summary's numbers, the record folder (private, valid at every moment,
rebuilt after a kill), pruning, and the CLI that writes them."""

from __future__ import annotations

import json
import os
import stat
import time
from datetime import datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posecoach.record.sink import RecordSink
from posecoach.record.store import (
    FRAMES,
    SUMMARY,
    drop_if_empty,
    find_record,
    load_record,
    new_record_dir,
    prune,
    write_json_atomic,
)
from posecoach.record.summary import SummaryBuilder, summarise_rows
from posecoach.types import Cue, FrameResult
from tests.factories import selected
from tests.session_factory import (
    LUMBAR,
    SLOUCH,
    make_record,
    posture_rows,
    roller_rows,
    write_log,
)

# --- the summary's numbers ---------------------------------------------------------------------


def test_posture_time_upright_and_cues_with_their_times():
    summary = summarise_rows(posture_rows(60, fps=10, slouch=(30, 45), away=(50, 55)))
    assert summary["frames"] == 600
    assert summary["duration_s"] == pytest.approx(60.0)
    assert summary["present_s"] == pytest.approx(55.0)
    assert summary["posture"]["judged_s"] == pytest.approx(55.0)
    assert summary["posture"]["upright_s"] == pytest.approx(40.0)
    assert summary["posture"]["problem_s"] == {"posture.slouch": pytest.approx(15.0)}
    assert summary["cues"] == [{"t": 31.0, "key": "posture.slouch", "text": SLOUCH}]
    assert summary["exercise_s"] == {"none": pytest.approx(5.0), "posture": pytest.approx(55.0)}
    judged_by_minute = [m[0] for m in summary["posture"]["per_minute"]]
    assert judged_by_minute == [pytest.approx(55.0)]


def test_routine_phases_and_gestures_from_the_log_reach_the_summary():
    """The routine and gesture stages write metrics["routine.phase_index"] and
    metrics["gesture.<name>"]; the summary lists each phase change and each gesture once."""
    rows = posture_rows(30, fps=10)
    for row in rows:
        row["metrics"] = {**row.get("metrics", {}), "routine.phase_index": float(row["t"] // 10)}
    rows[150]["metrics"]["gesture.pressure"] = 1.0
    summary = summarise_rows(rows)
    assert [p["phase"] for p in summary["routine"]] == [0, 1, 2]
    assert [p["t"] for p in summary["routine"]] == [0.0, 10.0, 20.0]
    assert summary["gestures"] == [{"t": 15.0, "gesture": "pressure"}]


def test_roller_zones_target_band_and_passes():
    rows = roller_rows(60, fps=10, period_s=6, lumbar=(40, 50))
    summary = summarise_rows(rows)["roller"]
    assert summary["zone_s"]["lower back"] == pytest.approx(10.0)
    assert summary["zone_s"]["upper back"] == pytest.approx(50.0)
    fractions = np.array([r["metrics"]["roller.fraction"] for r in rows])
    assert summary["target_s"] == pytest.approx(0.1 * ((fractions >= 0.81) & (fractions <= 0.98))
                                                .sum())
    assert summary["passes"] == int(rows[-1]["metrics"]["roller.passes"])
    assert summary["too_fast_passes"] == 0  # ~10 cm/s at the fastest
    assert summary["sets"] == 1


def test_passes_faster_than_the_limit_are_counted_too_fast():
    summary = summarise_rows(roller_rows(20, fps=30, period_s=2.0))["roller"]
    assert summary["passes"] >= 18
    assert summary["too_fast_passes"] == summary["passes"]
    assert summary["speed"]["median_cm_s"] > 15


def test_ball_spots_held_long_enough_are_listed_with_their_dwell():
    rows, t = [], 0.0
    for fraction, hold_s in ((0.85, 20.0), (0.9, 3.0), (0.95, 40.0)):
        for k in range(int(hold_s * 10)):
            rows.append({"t": round(t, 2), "person": True, "exercise": "ball",
                         "metrics": {"ball.fraction": fraction, "ball.spot_s": k / 10,
                                     "ball.speed_cm_s": 0.5}})
            t += 0.1
    spots = summarise_rows(rows)["ball"]["spots"]
    assert [s["fraction"] for s in spots] == [0.85, 0.95]  # the 3 s stay was moving on
    assert [s["dwell_s"] for s in spots] == [pytest.approx(19.9), pytest.approx(39.9)]
    assert [s["zone"] for s in spots] == ["upper back", "upper back"]


rows_strategy = st.lists(st.tuples(st.floats(0.01, 2.0), st.booleans(), st.booleans(),
                                   st.booleans()), min_size=1, max_size=60)


@settings(max_examples=60, deadline=None)
@given(rows_strategy, st.integers(0, 59))
def test_summary_invariants_and_snapshots_do_not_disturb(steps, snapshot_at):
    rows, t = [], 0.0
    for gap, person, judged, bad in steps:
        t += gap
        rows.append({"t": t, "person": person, "exercise": "posture" if judged else "none",
                     "checks": {"posture.slouch": [50.0 if bad else 10.0, 40, 35]} if judged
                     else {}, "active": ["posture.slouch"] if judged and bad else []})
    builder = SummaryBuilder()
    for i, row in enumerate(rows):
        builder.add(row)
        if i == snapshot_at:
            builder.snapshot()
    summary = builder.snapshot(complete=True, ended="finished")
    assert summary == summarise_rows(rows, complete=True, ended="finished")
    posture = summary["posture"]
    assert posture["upright_s"] <= posture["judged_s"] + 1e-6
    assert posture["judged_s"] <= summary["present_s"] + 1e-6
    assert summary["present_s"] <= summary["duration_s"] + 1e-6
    # each total is rounded to the millisecond on its own
    assert sum(summary["exercise_s"].values()) == pytest.approx(summary["duration_s"], abs=5e-3)


# --- the record folder -------------------------------------------------------------------------


def _result(i: int, cue: bool = False) -> FrameResult:
    return FrameResult(i, i / 10, None, 15.0, metrics={"roller.fraction": 0.8},
                       cue=Cue("roller.lumbar", LUMBAR) if cue else None,
                       selection=selected("roller"))


def test_record_folders_are_private(tmp_path: Path):
    folder = new_record_dir(tmp_path / "sessions", datetime(2026, 11, 29, 15, 0))
    again = new_record_dir(tmp_path / "sessions", datetime(2026, 11, 29, 15, 0))
    assert folder.name == "2026-11-29_150000" and again.name == "2026-11-29_150000-2"
    for path in (tmp_path / "sessions", folder):
        assert stat.S_IMODE(path.stat().st_mode) == 0o700


def test_the_summary_is_valid_from_the_start_and_complete_after_closing(tmp_path: Path):
    folder = new_record_dir(tmp_path, datetime.now())
    sink = RecordSink(folder, {"started": "2026-11-29T15:00:00+00:00"})
    with sink:
        first = json.loads((folder / SUMMARY).read_text())
        assert first["frames"] == 0 and first["complete"] is False
        for i in range(95):
            sink.write(None, _result(i, cue=40 <= i < 60))
        during = json.loads((folder / SUMMARY).read_text())
        assert during["complete"] is False and 30 <= during["frames"] <= 90
    final = json.loads((folder / SUMMARY).read_text())
    assert final["complete"] is True and final["frames"] == 95
    assert final["cues"] == [{"t": 4.0, "key": "roller.lumbar", "text": LUMBAR}]
    assert len((folder / FRAMES).read_text().splitlines()) == 95
    assert [p.name for p in folder.iterdir() if p.name.startswith(".")] == []  # no temp files


def test_a_session_that_never_closed_its_record_is_rebuilt_from_its_log(tmp_path: Path):
    folder = new_record_dir(tmp_path, datetime.now())
    sink = RecordSink(folder, {"started": "2026-11-29T15:00:00+00:00",
                               "pid": os.getpid()}).__enter__()
    for i in range(75):
        sink.write(None, _result(i, cue=i >= 50))
    # killed here: no __exit__. The log holds whole batches of 30 rows; the summary lags.
    assert json.loads((folder / SUMMARY).read_text())["complete"] is False
    # this process (the "session") is alive and its log fresh: still running
    assert load_record(folder, repair=True).summary["ended"] == "still running"
    assert json.loads((folder / SUMMARY).read_text())["complete"] is False  # left alone
    a_while_ago = time.time() - 60
    os.utime(folder / FRAMES, (a_while_ago, a_while_ago))
    record = load_record(folder, repair=True)
    assert record.summary["frames"] == 60
    assert record.summary["started"] == "2026-11-29T15:00:00+00:00"  # metadata kept
    assert record.summary["cues"][0]["t"] == 5.0
    assert "killed" in record.summary["ended"]
    assert json.loads((folder / SUMMARY).read_text())["frames"] == 60  # repaired on disk


def test_a_half_written_last_row_is_ignored(tmp_path: Path):
    folder = new_record_dir(tmp_path, datetime.now())
    rows = posture_rows(5)
    write_log(folder / FRAMES, rows)
    with (folder / FRAMES).open("a") as file:
        file.write('{"frame": 50, "t": 5.0, "pers')
    assert load_record(folder).summary["frames"] == len(rows)


def test_a_failed_summary_write_keeps_the_previous_one(tmp_path: Path):
    path = tmp_path / SUMMARY
    write_json_atomic(path, {"frames": 1})

    class Unprintable:
        def __str__(self) -> str:
            raise OSError("disk gone")

    with pytest.raises(OSError):
        write_json_atomic(path, {"frames": 2, "bad": Unprintable()})
    assert json.loads(path.read_text()) == {"frames": 1}
    assert [p.name for p in tmp_path.iterdir()] == [SUMMARY]


def test_records_without_frames_are_dropped(tmp_path: Path):
    folder = new_record_dir(tmp_path, datetime.now())
    with RecordSink(folder, {}):
        pass
    assert drop_if_empty(folder) and not folder.exists()
    kept = make_record(tmp_path, datetime.now(), posture_rows(2))
    assert not drop_if_empty(kept) and kept.exists()


def test_pruning_keeps_recent_records_and_other_files(tmp_path: Path):
    now = datetime(2026, 11, 29, 12, 0)
    old = make_record(tmp_path, now - timedelta(days=40), posture_rows(2))
    recent = make_record(tmp_path, now - timedelta(days=3), posture_rows(2))
    (tmp_path / "history.html").write_text("page")
    (tmp_path / "notes").mkdir()
    assert prune(tmp_path, 30, now) == [old]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(
        [recent.name, "history.html", "notes"])
    with pytest.raises(ValueError, match="keep_days must be >= 0, got -1"):
        prune(tmp_path, -1, now)


def test_last_is_the_newest_record(tmp_path: Path):
    make_record(tmp_path, datetime(2026, 11, 1, 9), posture_rows(2))
    newest = make_record(tmp_path, datetime(2026, 11, 2, 9), posture_rows(2))
    assert find_record("last", tmp_path) == newest
    assert find_record(newest.name, tmp_path) == newest


def test_folder_mode_survives_a_permissive_umask(tmp_path: Path):
    previous = os.umask(0)
    try:
        folder = new_record_dir(tmp_path / "open", datetime.now())
    finally:
        os.umask(previous)
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700


def test_keep_video_with_out_is_one_line_and_leaves_no_record(tmp_path: Path):
    from tests.conftest import REAL_CLIP, run_cli
    from tests.test_cli import assert_one_line_error

    result = run_cli("replay", str(REAL_CLIP), "--keep-video", "--out", str(tmp_path / "a.mp4"),
                     "--session-dir", str(tmp_path / "s"))
    assert_one_line_error(result, "--keep-video keeps the video in the session record",
                          "drop --out or --no-record")
    assert not (tmp_path / "s").exists() and not (tmp_path / "a.mp4").exists()
