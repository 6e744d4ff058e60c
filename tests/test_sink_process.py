"""The sink process (drawing and encoding beside the pipeline) dying: before it is ready,
during a session, or after the last frame. Each must end in a one-line error, not a hang or a
traceback, and frames already written must stay written."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest

from posecoach.errors import PosecoachError
from posecoach.sink_workers import ProcessSinkWorker
from tests.factories import make_result

SHAPE = (48, 64, 3)


class DyingSink:
    """Exits its process (as a crash or the OOM killer would) on entering or at frame ``at``;
    records the frames before that in ``path``."""

    wants_image = False

    def __init__(self, path: Path, at: int | None = None) -> None:
        self.path = path
        self.at = at

    def __enter__(self) -> DyingSink:
        if self.at is None:
            os._exit(7)
        return self

    def __exit__(self, *exc: object) -> None:
        pass

    def write(self, image, result) -> None:
        if result.frame_index == self.at:
            os._exit(9)
        with self.path.open("a") as file:
            file.write(json.dumps({"frame": result.frame_index}) + "\n")


def test_a_sink_process_that_dies_before_it_is_ready_is_reported(tmp_path: Path):
    worker = ProcessSinkWorker([DyingSink(tmp_path / "rows.jsonl")], [], SHAPE)
    with pytest.raises(PosecoachError) as caught:
        worker.__enter__()
    assert caught.value.one_line().startswith(
        "the process writing the video exited with code 7 before it was ready")
    assert worker._process is None and worker._memory is None  # nothing left behind


def test_a_sink_process_that_dies_mid_session_stops_the_run_with_one_line(tmp_path: Path):
    rows = tmp_path / "rows.jsonl"
    image = np.zeros(SHAPE, np.uint8)
    with pytest.raises(PosecoachError) as caught:  # noqa: PT012 (the error surfaces later)
        with ProcessSinkWorker([DyingSink(rows, at=5)], [], SHAPE) as worker:
            for index in range(10_000):  # the error surfaces at a later submit
                worker.submit(image, make_result(index), annotated=True)
    assert "the process writing the video exited with code 9 during the session" in str(
        caught.value)
    assert "\n" not in caught.value.one_line()
    assert [json.loads(line)["frame"] for line in rows.read_text().splitlines()] == \
        list(range(5))


def test_a_sink_process_that_dies_after_the_last_frame_is_still_reported(tmp_path: Path):
    image = np.zeros(SHAPE, np.uint8)
    with pytest.raises(PosecoachError, match="exited with code 9"):  # noqa: PT012
        with ProcessSinkWorker([DyingSink(tmp_path / "rows.jsonl", at=2)], [], SHAPE) as worker:
            for index in range(3):  # frame 2 kills it, after its submit returned
                worker.submit(image, make_result(index), annotated=True)
