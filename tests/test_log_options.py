"""The per-frame log for long sessions: thinned (--log-every N) or not kept (--no-log)."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from posecoach.sinks.jsonl import JsonlSink
from posecoach.types import Cue
from tests.conftest import run_cli
from tests.factories import make_result


def test_log_every_keeps_every_nth_row_and_every_cue_change(tmp_path: Path):
    log = tmp_path / "frames.jsonl"
    cue = Cue("posture.slouch", "Sit tall")
    with JsonlSink(log, every=10) as sink:
        for i in range(100):
            result = make_result(i)
            if 33 <= i < 47:
                result = replace(result, cue=cue)
            sink.write(None, result)
    frames = [json.loads(line)["frame"] for line in log.read_text().splitlines()]
    # Every 10th frame, plus the frame the cue appeared (33) and the one it went (47).
    assert frames == [0, 10, 20, 30, 33, 40, 47, 50, 60, 70, 80, 90]


def test_log_every_must_be_positive(tmp_path: Path):
    with pytest.raises(ValueError, match="every must be >= 1, got 0"):
        JsonlSink(tmp_path / "x.jsonl", every=0)


@pytest.mark.model
def test_no_log_makes_the_report_and_keeps_no_log(tmp_path: Path, real_clip: Path):
    clip = tmp_path / "clip.mp4"
    shutil.copy(real_clip, clip)
    result = run_cli("replay", str(clip), "--report", str(tmp_path / "session.html"),
                     "--no-log", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "Report:" in result.stdout and "Frame log" not in result.stdout
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4", "session.html"]
    assert "Frames</th><td>" in (tmp_path / "session.html").read_text()


@pytest.mark.model
def test_no_log_with_a_log_path_is_one_line(tmp_path: Path, real_clip: Path):
    from tests.test_cli import assert_one_line_error

    result = run_cli("replay", str(real_clip), "--log", str(tmp_path / "f.jsonl"), "--no-log")
    assert_one_line_error(result, "--no-log and --log contradict each other")
    assert not (tmp_path / "f.jsonl").exists()


@pytest.mark.model
def test_log_every_thins_a_replay_log(tmp_path: Path, real_clip: Path,
                                      real_clip_truth: dict):
    log = tmp_path / "frames.jsonl"
    result = run_cli("replay", str(real_clip), "--log", str(log), "--log-every", "10")
    assert result.returncode == 0, result.stderr
    frames = [json.loads(line)["frame"] for line in log.read_text().splitlines()]
    every_tenth = list(range(0, real_clip_truth["frame_count"], 10))
    assert set(every_tenth) <= set(frames) and len(frames) < real_clip_truth["frame_count"] / 3
