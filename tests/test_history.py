"""posecoach history: sessions listed, daily and weekly trends, streaks, CSV export and
pruning old records."""

from __future__ import annotations

import csv
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from posecoach.record.store import load_records
from posecoach.report.history import daily, session_rows, streaks, weekly
from tests.conftest import run_cli
from tests.session_factory import make_record, posture_rows, roller_rows

TODAY = date(2026, 11, 29)


def test_streaks_count_consecutive_days_up_to_today_or_yesterday():
    days = {TODAY - timedelta(days=n) for n in (0, 1, 2, 5, 6, 7, 8)}
    assert streaks(days, TODAY) == (3, 4)
    assert streaks(days - {TODAY}, TODAY) == (2, 4)  # today's session may still come
    assert streaks(days - {TODAY, TODAY - timedelta(days=1)}, TODAY) == (0, 4)
    assert streaks(set(), TODAY) == (0, 0)


@given(st.sets(st.integers(0, 40), max_size=30))
def test_streaks_agree_with_counting_day_by_day(offsets):
    days = {TODAY - timedelta(days=n) for n in offsets}
    current, longest = streaks(days, TODAY)
    runs, run = [], 0
    for n in range(41, -1, -1):  # oldest first
        run = run + 1 if TODAY - timedelta(days=n) in days else 0
        runs.append(run)
    assert longest == max(runs, default=0)
    start = 0 if 0 in offsets else 1
    expected = 0
    while start + expected in offsets:
        expected += 1
    assert current == expected
    assert current <= longest


def _records(root: Path):
    make_record(root, datetime(2026, 11, 16, 9, 0), posture_rows(600, fps=2, slouch=(0, 300)))
    make_record(root, datetime(2026, 11, 27, 9, 0), posture_rows(600, fps=2, slouch=(0, 60)))
    make_record(root, datetime(2026, 11, 27, 16, 0), posture_rows(600, fps=2))
    make_record(root, datetime(2026, 11, 28, 20, 0), roller_rows(240, fps=5))


def test_daily_upright_and_self_massage_and_sessions_per_week(tmp_path: Path):
    _records(tmp_path)
    rows = session_rows(load_records(tmp_path))
    assert [r.name for r in rows] == sorted(p.name for p in tmp_path.iterdir())
    days = {d.day: d for d in daily(rows)}
    assert len(days) == 13  # 16 to 28 November, empty days included
    assert days[date(2026, 11, 16)].upright_pct == pytest.approx(50.0)
    assert days[date(2026, 11, 27)].sessions == 2
    assert days[date(2026, 11, 27)].upright_pct == pytest.approx(95.0)  # 1140 of 1200 s
    assert days[date(2026, 11, 20)].sessions == 0 and days[date(2026, 11, 20)].upright_pct is None
    assert days[date(2026, 11, 28)].massage_s == pytest.approx(240.0)
    assert weekly(rows) == [("2026-W47", 1), ("2026-W48", 3)]


def test_history_command_lists_exports_and_prunes(tmp_path: Path):
    root = tmp_path / "sessions"
    _records(root)
    export = tmp_path / "history.csv"
    result = run_cli("history", "--session-dir", str(root), "--export", str(export))
    assert result.returncode == 0, result.stderr
    assert "Streak:" in result.stdout and (root / "history.html").is_file()
    lines = list(csv.DictReader(export.open()))
    assert [line["started"] for line in lines] == [
        "2026-11-16T09:00:00", "2026-11-27T09:00:00", "2026-11-27T16:00:00",
        "2026-11-28T20:00:00"]
    assert float(lines[0]["upright_pct"]) == pytest.approx(50.0)
    assert float(lines[3]["self_massage_min"]) == pytest.approx(4.0)
    days_since_first = (date.today() - date(2026, 11, 16)).days
    keep = days_since_first - 2  # the first record is older than that, the others are not
    pruned = run_cli("history", "--session-dir", str(root), "--keep-days", str(keep))
    assert pruned.returncode == 0, pruned.stderr
    assert "Deleted 2026-11-16_090000" in pruned.stdout
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == [
        "2026-11-27_090000", "2026-11-27_160000", "2026-11-28_200000"]


def test_history_with_no_records_says_so(tmp_path: Path):
    result = run_cli("history", "--session-dir", str(tmp_path / "none"))
    assert result.returncode == 0, result.stderr
    assert "No session records" in result.stdout
