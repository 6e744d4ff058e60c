"""The `posecoach` command end to end, as a user runs it (real model, real frames)."""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import av
import pytest

from posecoach.landmarks import Landmark
from posecoach.model import BUNDLED_MODEL_NAME, models_dir
from tests.conftest import ROOT, SAMPLES, run_cli

SAMPLES_REAL = SAMPLES / "real"

pytestmark = pytest.mark.model


def frame_count(path: Path) -> int:
    with av.open(str(path)) as container:
        return sum(1 for _ in container.decode(video=0))


def assert_one_line_error(result: subprocess.CompletedProcess, *words: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    errors = [line for line in lines if line.startswith("posecoach: error:")]
    assert len(errors) == 1 and lines[-1] == errors[0], result.stderr  # one line, said last
    for word in words:
        assert word in errors[0]


def test_replay_writes_an_annotated_video_and_a_log_row_per_frame(
        tmp_path: Path, real_clip: Path, real_clip_truth: dict):
    out, log = tmp_path / "annotated.mp4", tmp_path / "frames.jsonl"
    result = run_cli("replay", str(real_clip), "--out", str(out), "--log", str(log))
    assert result.returncode == 0, result.stderr
    assert "person tracked in 100 % of frames" in result.stdout
    expected = real_clip_truth["frame_count"]
    assert frame_count(out) == expected
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert [row["frame"] for row in rows] == list(range(expected))
    # Landmarks are on the person: inside the hand-checked boxes of samples/real.
    x0, y0, x1, y1 = real_clip_truth["person_box_xyxy"]
    tx0, ty0, tx1, ty1 = real_clip_truth["torso_box_xyxy"]
    torso = [Landmark.LEFT_SHOULDER, Landmark.RIGHT_SHOULDER, Landmark.LEFT_HIP,
             Landmark.RIGHT_HIP]
    for row in rows:
        assert row["person"]
        seen = [lm for lm in row["landmarks"] if lm[2] > 0.5]
        assert len(seen) >= 20
        for x, y, _, _ in seen:
            assert x0 <= x <= x1 and y0 <= y <= y1, (row["frame"], x, y)
        for index in torso:
            x, y = row["landmarks"][index][:2]
            assert tx0 <= x <= tx1 and ty0 <= y <= ty1, (row["frame"], index, x, y)


def test_replay_writes_nothing_unless_asked(tmp_path: Path, real_clip: Path):
    clip = tmp_path / "clip.mp4"
    shutil.copy(real_clip, clip)
    result = run_cli("replay", str(clip), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["clip.mp4"]


def test_missing_video(tmp_path: Path):
    assert_one_line_error(run_cli("replay", str(tmp_path / "nope.mp4")), "video not found")


def test_unreadable_video(tmp_path: Path):
    junk = tmp_path / "holiday.mp4"
    junk.write_bytes(b"\x00\x01garbage" * 1000)
    assert_one_line_error(run_cli("replay", str(junk)), "cannot read video", "holiday.mp4")


def test_missing_model(tmp_path: Path, real_clip: Path):
    result = run_cli("replay", str(real_clip), env={"POSECOACH_MODELS_DIR": str(tmp_path)})
    assert_one_line_error(result, "model", "not found", "build_model.py")


def test_corrupt_model(tmp_path: Path, real_clip: Path):
    for name in (BUNDLED_MODEL_NAME, f"{BUNDLED_MODEL_NAME}.sha256"):
        shutil.copy(models_dir() / name, tmp_path / name)
    model = tmp_path / BUNDLED_MODEL_NAME
    data = bytearray(model.read_bytes())
    data[1000:1100] = bytes(100)
    model.write_bytes(bytes(data))
    result = run_cli("replay", str(real_clip), env={"POSECOACH_MODELS_DIR": str(tmp_path)})
    assert_one_line_error(result, "corrupt", "build_model.py")


def test_user_model_that_is_truncated(tmp_path: Path, real_clip: Path):
    broken = tmp_path / "pose_landmarker_heavy.task"
    broken.write_bytes((models_dir() / BUNDLED_MODEL_NAME).read_bytes()[:4096])
    result = run_cli("replay", str(real_clip), "--model", str(broken))
    assert_one_line_error(result, "pose_landmarker_heavy.task")


def test_absent_camera():
    assert_one_line_error(run_cli("live", "--camera", "7", "--no-window"), "camera 7 not found")


def test_bad_profile_value(tmp_path: Path, real_clip: Path):
    profile = tmp_path / "me.toml"
    profile.write_text("[smoothing]\nbeta = -3\n")
    assert_one_line_error(run_cli("replay", str(real_clip), "--profile", str(profile)),
                          "smoothing.beta")


def test_live_runs_the_camera_path_on_a_paced_video(tmp_path: Path, webcam_clip: Path):
    log = tmp_path / "live.jsonl"
    started = time.monotonic()
    result = run_cli("live", "--simulate-camera", str(webcam_clip), "--log", str(log))
    elapsed = time.monotonic() - started
    assert result.returncode == 0, result.stderr
    assert "without a window" in result.stderr  # no display here: headless, said once
    assert elapsed >= 4.0  # paced like a camera (120 frames at 30 fps), not as fast as possible
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    # Latest-frame-wins may drop frames under load, but most arrive and the person is tracked.
    assert len(rows) >= 0.5 * 120
    assert sum(row["person"] for row in rows) >= 0.9 * len(rows)
    times = [row["t"] for row in rows]
    assert all(b > a for a, b in zip(times, times[1:], strict=False))
    assert 3.5 <= times[-1] - times[0] <= 4.5  # capture times follow the wall clock


def test_ctrl_c_ends_a_replay_cleanly_with_its_outputs(tmp_path: Path, real_clip: Path):
    long_clip = tmp_path / "long.mp4"
    _concatenate(real_clip, long_clip, times=8)
    out, log = tmp_path / "annotated.mp4", tmp_path / "frames.jsonl"
    process = subprocess.Popen(
        [sys.executable, "-m", "posecoach", "replay", str(long_clip), "--out", str(out),
         "--log", str(log), "--report", str(tmp_path / "session.html")], cwd=ROOT,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not log.exists() or log.stat().st_size == 0):
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "stopped by you" in stdout
    rows = log.read_text().splitlines()
    assert 0 < len(rows) < 800
    assert frame_count(out) == len(rows)  # the video is finalised and playable
    assert "Frames</th><td>" in (tmp_path / "session.html").read_text()  # and reported


def _concatenate(clip: Path, target: Path, times: int) -> None:
    from fractions import Fraction

    with av.open(str(clip)) as source, av.open(str(target), "w") as sink:
        frames = [f.to_ndarray(format="bgr24") for f in source.decode(video=0)]
        stream = sink.add_stream("libx264", rate=Fraction(60))
        stream.height, stream.width = frames[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        stream.options = {"preset": "ultrafast"}
        for _ in range(times):
            for image in frames:
                sink.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        sink.mux(stream.encode(None))


def test_doctor_reports_the_model_as_usable():
    result = run_cli("doctor")
    assert result.returncode == 0, result.stderr
    assert "pose model" in result.stdout and "checksum verified" in result.stdout


def test_doctor_fails_on_a_corrupt_model(tmp_path: Path):
    for name in (BUNDLED_MODEL_NAME, f"{BUNDLED_MODEL_NAME}.sha256"):
        shutil.copy(models_dir() / name, tmp_path / name)
    (tmp_path / BUNDLED_MODEL_NAME).write_bytes(b"truncated")
    result = run_cli("doctor", env={"POSECOACH_MODELS_DIR": str(tmp_path)})
    assert result.returncode == 1
    assert "FAIL" in result.stdout and "corrupt" in result.stdout


@pytest.mark.parametrize("command", ["replay", "live", "calibrate", "report", "eval", "doctor"])
def test_every_flag_is_explained(command: str):
    import typer

    from posecoach.cli import app

    params = typer.main.get_command(app).commands[command].params
    flags = [p.opts[0] for p in params
             if p.opts[0].startswith("--") and not getattr(p, "hidden", False)]
    assert flags, f"{command} has no flags to check"
    result = run_cli(command, "--help", env={"COLUMNS": "200"})
    assert result.returncode == 0
    lines = [line.strip("│ ") for line in result.stdout.splitlines()]
    for flag in [*flags, "--help"]:
        # Each flag is listed, and its line carries an explanation after the flag itself.
        listed = [line for line in lines if line.split(None, 1)[:1] == [flag]
                  or line.startswith(f"{flag},")]
        assert listed, f"{flag} missing from `{command} --help`:\n{result.stdout}"
        explanation = listed[0].split(None, 1)[1] if " " in listed[0] else ""
        prose = re.sub(r"<[^>]*>|\[[^]]*\]", "", explanation)  # drop <metavars>, [ranges]
        words = re.findall(r"\b[A-Za-z][a-z]+\b", prose)
        assert len(words) >= 2, f"{flag} is not explained: {listed[0]!r}"


def test_calibrate_saves_a_baseline_that_replay_then_uses(tmp_path: Path):
    clip = SAMPLES_REAL / "pose2sim_cam02.mp4"  # facing the camera
    baseline = tmp_path / "me.json"
    result = run_cli("calibrate", "--simulate-camera", str(clip), "--seconds", "1",
                     "--save-to", str(baseline))
    assert result.returncode == 0, result.stderr
    assert "Calibrated (front view)" in result.stdout
    saved = json.loads(baseline.read_text())
    assert saved["view"] == "front" and "head_height" in saved["metrics"]
    log = tmp_path / "frames.jsonl"
    replay = run_cli("replay", str(clip), "--baseline", str(baseline), "--log", str(log))
    assert replay.returncode == 0, replay.stderr
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    assert any("posture.head_height" in row["metrics"] for row in rows)


def test_calibrate_without_anyone_in_view_fails_cleanly(tmp_path: Path):
    from tests.test_sources import write_test_video

    empty = write_test_video(tmp_path / "empty.mp4", frames=45, fps=15, size=(320, 240))
    result = run_cli("calibrate", "--simulate-camera", str(empty), "--seconds", "1")
    assert_one_line_error(result, "calibration did not finish")


def test_unwritable_output(real_clip: Path):
    assert_one_line_error(run_cli("replay", str(real_clip), "--out", "/proc/annotated.mp4"),
                          "cannot write video /proc/annotated.mp4")


def test_a_ctrl_c_while_a_finished_command_shuts_down_is_quiet_and_keeps_its_exit_status():
    # The test's Ctrl-C lands while the interpreter waits for a thread at exit, as when a
    # person presses it just as a session's summary is printed.
    script = ("import sys, threading, time\n"
              "from posecoach.cli import main\n"
              "threading.Thread(target=time.sleep, args=(3.0,)).start()\n"
              "sys.argv = ['posecoach', 'version']\n"
              "main()\n")
    process = subprocess.Popen([sys.executable, "-c", script], cwd=ROOT, text=True,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    assert process.stdout.readline().startswith("posecoach ")
    time.sleep(0.5)
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=30)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr
