"""`posecoach batch --ray-address`: against a Ray head started on loopback here, with a worker
process killed while it analyses a video: Ray runs the task again and the table has every
video exactly once."""

from __future__ import annotations

import csv
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from posecoach.batch.aggregate import OK
from posecoach.batch.ray_runner import ray_environment
from posecoach.record.store import SUMMARY
from tests.conftest import SAMPLES, run_cli

pytestmark = [
    pytest.mark.model,
    pytest.mark.skipif(importlib.util.find_spec("ray") is None,
                       reason="ray is not installed (pip install -e '.[cluster]'; .ci/run does)"),
]

CLIPS = ("roller_neck.mp4", "seated_side_slouch.mp4")
#: The process title Ray gives a worker while it runs posecoach's task.
TASK_TITLE = b"ray::_ray_task"
#: Ray's token authentication off for this loopback-only head (and its driver).
NO_TOKEN = {"RAY_AUTH_MODE": "disabled"}


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def ray_head(tmp_path_factory):
    """A Ray head on 127.0.0.1 (two CPUs, no dashboard, no usage statistics), in its own
    process group, which is ended afterwards."""
    env = dict(os.environ)
    ray_environment(env, local=True)
    # The test's driver runs with other environment folders than the head: no token to share.
    env.update(NO_TOKEN)
    port = _free_port()
    ray = Path(sys.executable).with_name("ray")
    log = tmp_path_factory.mktemp("ray") / "head.log"
    with log.open("wb") as output:
        head = subprocess.Popen(
            [str(ray), "start", "--head", "--block", "--node-ip-address", "127.0.0.1",
             "--port", str(port), "--num-cpus", "2", "--include-dashboard=false",
             "--disable-usage-stats"],
            env=env, stdout=output, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                assert head.poll() is None and time.monotonic() < deadline, log.read_text()
                time.sleep(0.5)
        yield f"127.0.0.1:{port}"
    finally:
        os.killpg(head.pid, signal.SIGTERM)  # the head and every Ray process it started
        try:
            head.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(head.pid, signal.SIGKILL)
            head.wait()


def _task_processes() -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if (entry / "cmdline").read_bytes().startswith(TASK_TITLE):
                    found.append(int(entry.name))
            except OSError:
                continue
    return found


def test_a_worker_killed_mid_video_is_retried_and_each_video_is_counted_once(
        ray_head: str, tmp_path: Path):
    videos = tmp_path / "videos"
    videos.mkdir()
    for name in CLIPS:
        (videos / name).write_bytes((SAMPLES / "synthetic" / name).read_bytes())
    out = tmp_path / "out"
    killed: list[int] = []
    stop = threading.Event()

    def kill_one_worker() -> None:
        # The first worker seen running a video's task is killed outright (as the kernel's
        # OOM killer or a lost machine would).
        while not stop.is_set() and not killed:
            for pid in _task_processes():
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)
                break
            time.sleep(0.05)

    killer = threading.Thread(target=kill_one_worker, daemon=True)
    killer.start()
    try:
        result = run_cli("batch", str(videos), "--out", str(out), "--ray-address", ray_head,
                         env=NO_TOKEN, timeout=300)
    finally:
        stop.set()
        killer.join()
    assert result.returncode == 0, result.stderr
    assert killed, "no worker was seen running a task"
    with (out / "batch.csv").open(encoding="utf-8") as file:
        rows = list(csv.DictReader(file))
    assert sorted(Path(r["video"]).name for r in rows) == sorted(CLIPS)
    assert all(r["status"] == OK and int(r["frames"]) > 0 for r in rows), rows
    records = sorted(p.parent.name for p in (out / "videos").glob(f"*/{SUMMARY}"))
    assert records == sorted(r["id"] for r in rows)
    assert not any((out / "videos" / ".staging").iterdir())
    assert "2 analysed, 0 skipped (done before), 0 failed, of 2" in result.stdout
