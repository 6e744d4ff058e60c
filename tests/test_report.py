"""Session reports from frame logs."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from posecoach.errors import SourceError
from posecoach.report.data import load_log
from posecoach.report.html import summary, write_report
from tests.conftest import SAMPLES, run_cli
from tests.test_cli import assert_one_line_error


def fake_log(path: Path, rows: int = 60, cue_from: int = 20, cue_to: int = 40) -> Path:
    lines = []
    for i in range(rows):
        cue = "posture.slouch" if cue_from <= i < cue_to else None
        value = 15.0 if cue else 3.0
        lines.append(json.dumps({
            "frame": i, "t": i / 10, "person": True, "metrics": {"posture.neck_deg": value},
            "checks": {"posture.slouch": [value, 10.0, 6.0]}, "cue": cue,
            "cue_text": "Sit tall — lift your chest" if cue else None}))
    path.write_text("\n".join(lines) + "\n")
    return path


def test_summary_counts_time_and_cues(tmp_path: Path):
    log = load_log(fake_log(tmp_path / "s.jsonl"))
    rows = dict(summary(log))
    assert rows["Duration"] == "6 s"
    assert rows["Posture judged"] == "6 s, good 4 s (67 %)"
    assert rows["Cue: Sit tall — lift your chest"] == "shown 1×, 2 s"


def test_report_page_embeds_its_plots_and_escapes_text(tmp_path: Path):
    page = write_report(load_log(fake_log(tmp_path / "s.jsonl")), tmp_path / "r.html").read_text()
    assert page.count("data:image/png;base64,") == 2  # cue timeline + the one check
    assert "http://" not in page and "https://" not in page  # offline, private
    assert "Sit tall — lift your chest" in page


def test_a_log_cut_off_mid_line_still_reports(tmp_path: Path):
    path = fake_log(tmp_path / "s.jsonl")
    path.write_text(path.read_text() + '{"frame": 60, "t": 6.0, "pers')
    assert len(load_log(path).t) == 60


def test_not_a_log(tmp_path: Path):
    path = tmp_path / "notes.jsonl"
    path.write_text('{"hello": 1}\n')
    with pytest.raises(SourceError, match="not a posecoach frame log"):
        load_log(path)


@pytest.mark.model
def test_replay_with_report_writes_page_and_log(tmp_path: Path):
    video = SAMPLES / "synthetic" / "roller_drift_lumbar.mp4"
    report = tmp_path / "session.html"
    result = run_cli("replay", str(video), "--report", str(report))
    assert result.returncode == 0, result.stderr
    page = report.read_text()
    assert (tmp_path / "session.jsonl").exists()
    assert "Roller position" in page
    lower = re.search(r"lower back (\d+) s", page)
    assert lower and int(lower.group(1)) >= 3  # the sample drifts onto the lower back
    assert "Move the roller up" in page


def test_report_of_a_missing_log(tmp_path: Path):
    assert_one_line_error(run_cli("report", str(tmp_path / "nope.jsonl")), "log not found")



def test_the_report_keeps_the_self_massage_safety_note(tmp_path: Path):
    page = write_report(load_log(fake_log(tmp_path / "s.jsonl")), tmp_path / "r.html").read_text()
    text = re.sub(r"\s+", " ", page)
    assert "not for open wounds or fractures" in text
    assert "deep vein thrombosis, osteoporosis or after recent surgery" in text
