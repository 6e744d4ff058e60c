"""The annotated video file under live-camera timing."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import av
import numpy as np
import pytest

from posecoach.sinks.video import VideoFileSink
from tests.factories import make_result


def test_frames_at_irregular_live_times_are_all_written(tmp_path: Path):
    # A live camera hands over frames when they come: sometimes 1 ms apart, sometimes 60 ms.
    gaps = np.random.default_rng(0).choice([0.001, 0.005, 0.033, 0.060], 300)
    times = np.cumsum(gaps)
    path = tmp_path / "live.mp4"
    rng = np.random.default_rng(1)
    with VideoFileSink(path, 30.0, (160, 120)) as sink:
        for index, t in enumerate(times):
            image = rng.integers(0, 255, (120, 160, 3), dtype=np.uint8)
            sink.write(image, replace(make_result(index), t=float(t)))
    with av.open(str(path)) as container:
        decoded = [frame.time for frame in container.decode(video=0)]
    assert len(decoded) == len(times)
    assert decoded == sorted(decoded)
    assert decoded[-1] - decoded[0] == pytest.approx(times[-1] - times[0], abs=0.002)
