"""Faults a session must survive, as a user meets them: each test asserts the one line the user
reads, the exit code, and that what is on disk is complete and readable."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from posecoach.picture import BACK_MESSAGE, BLACK_MESSAGE, FROZEN_MESSAGE, STATUS
from posecoach.sources import VideoFileSource
from posecoach.types import Frame
from tests.conftest import ROOT, run_cli
from tests.test_cli import _concatenate, assert_one_line_error

pytestmark = pytest.mark.model


# --- helpers -------------------------------------------------------------------------------

def whole_rows(log: Path) -> list[dict]:
    """Every line of a frame log, parsed: a half-written line fails the test."""
    data = log.read_bytes()
    assert data == b"" or data.endswith(b"\n"), "the log ends in half a row"
    return [json.loads(line) for line in data.decode("utf-8").splitlines()]


def playable_frames(video: Path) -> int:
    """Frames a player gets out of ``video`` (decoding stops quietly at a damaged tail)."""
    with VideoFileSource(video) as source:
        return sum(1 for _ in source)


def report_from(log: Path, tmp_path: Path) -> str:
    result = run_cli("report", str(log), "--out", str(tmp_path / "after.html"))
    assert result.returncode == 0, result.stderr
    return (tmp_path / "after.html").read_text()


def write_clip(path: Path, images: list[np.ndarray], fps: int = 15) -> Path:
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.height, stream.width = images[0].shape[:2]
        stream.pix_fmt = "yuv420p"
        for image in images:
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode(None))
    return path


@pytest.fixture(scope="module")
def long_clip(tmp_path_factory, real_clip: Path) -> Path:
    """The real clip eight times over (816 frames at 60 fps): long enough to stop midway."""
    target = tmp_path_factory.mktemp("long") / "long.mp4"
    _concatenate(real_clip, target, times=8)
    return target


def start_replay(*args: str, new_session: bool = False) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "posecoach", "replay", *args], cwd=ROOT,
                            env={k: v for k, v in os.environ.items() if k != "DISPLAY"},
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=new_session)


def wait_for_rows(process: subprocess.Popen, log: Path, rows: int, timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, process.communicate()
        if log.exists() and log.read_bytes().count(b"\n") >= rows:
            return
        time.sleep(0.1)
    raise AssertionError(f"fewer than {rows} rows in {log} after {timeout} s")


def children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(p) for p in (task / "children").read_text().split()]
    return found


def cmdline(pid: int) -> str:
    return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(") ")[1][0]
    except FileNotFoundError:
        return False
    return state != "Z"


# --- the camera goes away ---------------------------------------------------------------------

def test_camera_unplugged_mid_session_keeps_video_log_and_report(tmp_path: Path,
                                                                 webcam_clip: Path):
    profile = tmp_path / "me.toml"
    profile.write_text("[camera]\nreconnect_timeout_s = 0.5\n")
    out, log, report = tmp_path / "live.mp4", tmp_path / "live.jsonl", tmp_path / "live.html"
    result = run_cli("live", "--simulate-camera", str(webcam_clip), "--simulate-unplug-after",
                     "3", "--profile", str(profile), "--out", str(out), "--log", str(log),
                     "--report", str(report))
    assert result.returncode == 3, result.stderr
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert lines[-1] == ("posecoach: simulated camera (webcam.mp4) stopped delivering frames "
                         "and did not come back within 0.5 s — check the cable or another "
                         "program using the camera, then start again")
    assert "Session finished" in result.stdout and "Report:" in result.stdout
    rows = whole_rows(log)
    assert len(rows) >= 3 and rows[-1]["t"] <= 3.5  # the frames up to the unplug
    assert playable_frames(out) == len(rows)  # finalised, every frame in it
    assert "Frames</th><td>" in report.read_text()


# --- the process is stopped from outside ----------------------------------------------------

def test_sigterm_stops_a_replay_like_ctrl_c_with_every_output_whole(tmp_path: Path,
                                                                     long_clip: Path):
    out, log = tmp_path / "annotated.mp4", tmp_path / "frames.jsonl"
    process = start_replay(str(long_clip), "--out", str(out), "--log", str(log))
    wait_for_rows(process, log, 60)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=120)
    assert process.returncode == 0, stderr
    assert "Traceback" not in stderr
    assert "Session stopped by you" in stdout
    rows = whole_rows(log)
    assert 60 <= len(rows) < 816
    assert [row["frame"] for row in rows] == list(range(len(rows)))
    assert playable_frames(out) == len(rows)
    assert "Frames</th><td>" in report_from(log, tmp_path)


def test_sigkill_of_the_whole_session_leaves_whole_rows_and_a_playable_video(
        tmp_path: Path, long_clip: Path):
    out, log = tmp_path / "annotated.mp4", tmp_path / "frames.jsonl"
    process = start_replay(str(long_clip), "--out", str(out), "--log", str(log),
                           new_session=True)
    wait_for_rows(process, log, 300)
    os.killpg(process.pid, signal.SIGKILL)  # the session and every process it started
    process.communicate(timeout=30)
    rows = whole_rows(log)
    assert len(rows) >= 300
    # Fragmented MP4: playable up to its last complete fragment (~2 s of video).
    assert playable_frames(out) >= 60
    assert "Frames</th><td>" in report_from(log, tmp_path)


def test_sigkill_of_the_main_process_lets_the_video_finish_and_leaves_no_process(
        tmp_path: Path, long_clip: Path):
    out, log = tmp_path / "annotated.mp4", tmp_path / "frames.jsonl"
    process = start_replay(str(long_clip), "--out", str(out), "--log", str(log))
    wait_for_rows(process, log, 120)
    helpers = [pid for pid in children(process.pid) if "spawn_main" in cmdline(pid)]
    assert helpers, "expected the sink process (and the pose worker) to be running"
    process.kill()
    process.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(alive(pid) for pid in helpers):
        time.sleep(0.2)
    assert not any(alive(pid) for pid in helpers), "helper processes outlived the session"
    process.communicate(timeout=30)
    rows = whole_rows(log)
    assert len(rows) >= 120
    with av.open(str(out)) as container:  # finalised by the sink process: decodes cleanly
        decoded = sum(1 for _ in container.decode(video=0))
    assert decoded >= 60
    assert "Frames</th><td>" in report_from(log, tmp_path)


def test_the_video_process_dying_mid_run_is_one_line_and_keeps_the_log(tmp_path: Path,
                                                                       long_clip: Path):
    out, log = tmp_path / "annotated.mp4", tmp_path / "frames.jsonl"
    process = start_replay(str(long_clip), "--single-process", "--out", str(out),
                           "--log", str(log))
    wait_for_rows(process, log, 60)
    sink = [pid for pid in children(process.pid) if "spawn_main" in cmdline(pid)]
    assert len(sink) == 1, [cmdline(pid) for pid in children(process.pid)]
    os.kill(sink[0], signal.SIGKILL)
    stdout, stderr = process.communicate(timeout=120)
    result = subprocess.CompletedProcess(process.args, process.returncode, stdout, stderr)
    assert_one_line_error(result, "the process writing the video was killed (SIGKILL)",
                          "the frame log is kept")
    assert process.returncode == 2
    rows = whole_rows(log)
    assert len(rows) >= 60
    assert [row["frame"] for row in rows] == list(range(len(rows)))
    assert "Frames</th><td>" in report_from(log, tmp_path)


# --- a full disk ------------------------------------------------------------------------------
# /dev/full answers every write with ENOSPC, as a full disk does. The session stops cleanly:
# one line, exit 2, and every other output closed and readable.

def test_a_full_disk_under_the_log_stops_cleanly_and_keeps_the_video(tmp_path: Path,
                                                                      real_clip: Path):
    log, out = tmp_path / "frames.jsonl", tmp_path / "annotated.mp4"
    log.symlink_to("/dev/full")
    result = run_cli("replay", str(real_clip), "--out", str(out), "--log", str(log))
    assert_one_line_error(result, f"cannot write log {log}: No space left on device",
                          "free some disk space")
    assert result.returncode == 2
    assert playable_frames(out) >= 30  # the rows the log could not take are still on video


def test_a_full_disk_under_the_video_stops_cleanly_and_keeps_the_log(tmp_path: Path,
                                                                      real_clip: Path):
    log, out = tmp_path / "frames.jsonl", tmp_path / "annotated.mp4"
    out.symlink_to("/dev/full")
    result = run_cli("replay", str(real_clip), "--out", str(out), "--log", str(log))
    assert_one_line_error(result, f"cannot write video {out}", "No space left on device",
                          "free some disk space")
    assert result.returncode == 2
    rows = whole_rows(log)  # /dev/full refuses the header already: no frame was analysed
    assert [row["frame"] for row in rows] == list(range(len(rows)))


@pytest.fixture
def small_disk(tmp_path: Path):
    """A 3 MB tmpfs (needs root, as in CI containers; skipped elsewhere)."""
    mount = tmp_path / "small"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_a_disk_filling_up_under_the_video_keeps_what_fitted(tmp_path: Path, long_clip: Path,
                                                             small_disk: Path):
    out, log = small_disk / "annotated.mp4", tmp_path / "frames.jsonl"
    result = run_cli("replay", str(long_clip), "--single-process", "--out", str(out),
                     "--log", str(log))
    assert_one_line_error(result, f"cannot write video {out}", "No space left on device")
    rows = whole_rows(log)
    assert len(rows) > 0 and [row["frame"] for row in rows] == list(range(len(rows)))
    assert 0 < playable_frames(out) <= len(rows)  # the fragments that fitted play


# --- bad settings files -----------------------------------------------------------------------

def test_a_profile_that_is_not_toml_names_the_file(tmp_path: Path, real_clip: Path):
    profile = tmp_path / "me.toml"
    profile.write_bytes(b"[camera\ndevice = \xff\n")
    assert_one_line_error(run_cli("replay", str(real_clip), "--profile", str(profile)),
                          f"profile {profile}", "fix the file or remove it")


def test_an_unreadable_profile_names_the_file(tmp_path: Path, real_clip: Path):
    profile = tmp_path / "me.toml"
    profile.mkdir()  # root reads any file, so a folder stands in for "cannot be read"
    assert_one_line_error(run_cli("replay", str(real_clip), "--profile", str(profile)),
                          f"cannot read profile {profile}", "pass a readable TOML file")


def test_a_damaged_baseline_file_names_the_file(tmp_path: Path, real_clip: Path):
    baseline = tmp_path / "me.json"
    baseline.write_text('{"format": "posecoach-baseline/1", "view": "side", "metr')
    assert_one_line_error(run_cli("replay", str(real_clip), "--baseline", str(baseline)),
                          f"baseline file {baseline} is damaged",
                          "run `posecoach calibrate` again")


def test_an_unreadable_saved_baseline_names_the_file(tmp_path: Path, webcam_clip: Path,
                                                     private_user_dirs: Path):
    from posecoach.baseline import baseline_path_for

    saved = baseline_path_for("simulated camera (webcam.mp4)")
    saved.mkdir(parents=True)  # a folder where the camera's baseline should be
    result = run_cli("live", "--simulate-camera", str(webcam_clip))
    assert_one_line_error(result, f"cannot read baseline file {saved}",
                          "run `posecoach calibrate` again")


def test_a_damaged_saved_baseline_names_the_file(tmp_path: Path, webcam_clip: Path):
    from posecoach.baseline import baseline_path_for

    saved = baseline_path_for("simulated camera (webcam.mp4)")
    saved.parent.mkdir(parents=True)
    saved.write_bytes(b"\x00" * 64)  # a crash while saving, a bad disk block
    result = run_cli("live", "--simulate-camera", str(webcam_clip))
    assert_one_line_error(result, f"baseline file {saved} is damaged",
                          "delete it and run `posecoach calibrate` again")


def test_a_baseline_with_values_that_are_not_numbers_names_the_file(tmp_path: Path,
                                                                    real_clip: Path):
    baseline = tmp_path / "me.json"
    baseline.write_text(json.dumps({"format": "posecoach-baseline/1", "view": "side",
                                    "metrics": {"neck_deg": "NaN"}, "created": "",
                                    "source": "x"}))
    assert_one_line_error(run_cli("replay", str(real_clip), "--baseline", str(baseline)),
                          f"baseline file {baseline} is incomplete")


# --- a camera that shows nothing useful -------------------------------------------------------

def _told_within(rows: list[dict], message: str) -> float:
    """Seconds from the first frame to the first logged frame whose overlay status says it."""
    told = next(row["t"] for row in rows if row["status"] == STATUS[message])
    return told - rows[0]["t"]


def test_a_black_camera_picture_is_reported_within_two_seconds(tmp_path: Path):
    clip = write_clip(tmp_path / "shutter.mp4",
                      [np.random.default_rng(i).integers(0, 6, (120, 160, 3), dtype=np.uint8)
                       for i in range(60)])  # 4 s of a covered lens: dark sensor noise
    log = tmp_path / "live.jsonl"
    result = run_cli("live", "--simulate-camera", str(clip), "--log", str(log))
    assert result.returncode == 0, result.stderr
    assert f"posecoach: {BLACK_MESSAGE}" in result.stderr.splitlines()
    assert _told_within(whole_rows(log), BLACK_MESSAGE) <= 2.0


def test_a_frozen_camera_picture_is_reported_within_two_seconds(tmp_path: Path,
                                                                webcam_clip: Path):
    with av.open(str(webcam_clip)) as container:
        still = next(container.decode(video=0)).to_ndarray(format="bgr24")
    clip = write_clip(tmp_path / "stuck.mp4", [still] * 60)
    log = tmp_path / "live.jsonl"
    result = run_cli("live", "--simulate-camera", str(clip), "--log", str(log))
    assert result.returncode == 0, result.stderr
    assert f"posecoach: {FROZEN_MESSAGE}" in result.stderr.splitlines()
    assert _told_within(whole_rows(log), FROZEN_MESSAGE) <= 2.0


def test_a_moving_picture_raises_no_alarm_and_recovery_is_announced(caplog):
    from posecoach.picture import PictureStage
    from tests.factories import make_result

    stage = PictureStage()
    rng = np.random.default_rng(1)
    statuses = []
    for i in range(120):
        if i < 30:  # a dim room: dark, but a scene, and changing
            image = rng.integers(20, 60, (48, 64, 3), dtype=np.uint8)
        elif i < 90:  # the shutter closes for two seconds
            image = np.zeros((48, 64, 3), np.uint8)
        else:  # and opens again
            image = rng.integers(60, 200, (48, 64, 3), dtype=np.uint8)
        frame = Frame(image=image, t=i / 30, index=i)
        statuses.append(stage.update(frame, make_result(i)).status)
    assert statuses[:30] == [""] * 30
    assert statuses[30 + 31:90] == [STATUS[BLACK_MESSAGE]] * 29  # from one second in
    assert statuses[90:] == [""] * 30
    said = [record.getMessage() for record in caplog.records]
    assert said == [BLACK_MESSAGE, BACK_MESSAGE]  # once each, not every frame


# --- unusable videos through the command ------------------------------------------------------

@pytest.mark.parametrize("damage", ["empty", "random", "cut mp4"])
def test_unusable_video_files_are_one_line_and_a_non_zero_exit(tmp_path: Path, real_clip: Path,
                                                               damage: str):
    video = tmp_path / "clip.mp4"
    data = {"empty": b"", "random": np.random.default_rng(3).bytes(20000),
            "cut mp4": real_clip.read_bytes()[:30000]}[damage]
    video.write_bytes(data)
    result = run_cli("replay", str(video))
    assert_one_line_error(result, str(video))
    assert result.returncode == 2


def test_a_video_cut_short_is_replayed_up_to_the_cut_with_a_note(tmp_path: Path):
    from tests.test_sources import write_test_video

    data = write_test_video(tmp_path / "full.mkv", frames=60, size=(320, 240)).read_bytes()
    cut = tmp_path / "cut.mkv"
    cut.write_bytes(data[: len(data) // 2])
    log = tmp_path / "frames.jsonl"
    result = run_cli("replay", str(cut), "--log", str(log))
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    rows = whole_rows(log)
    assert 0 < len(rows) < 60
