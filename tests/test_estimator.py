"""The pose estimator's native calls (posecoach.estimator)."""

from __future__ import annotations

import numpy as np

from posecoach.config import ModelSettings
from posecoach.estimator import PoseEstimator, _detect_for_video
from posecoach.sources import VideoFileSource


def _frames(clip, count: int):
    with VideoFileSource(clip) as source:
        return [frame for frame, _ in zip(source, range(count), strict=False)]


def test_detection_on_the_callers_thread_gives_the_public_methods_poses(real_clip,
                                                                        model_file) -> None:
    """The direct native call (no hop to MediaPipe's executor thread) returns exactly the
    landmarks of MediaPipe's own ``detect_for_video``, frame by frame, tracking included."""
    frames = _frames(real_clip, 25)
    with PoseEstimator(model_file, ModelSettings()) as direct, \
            PoseEstimator(model_file, ModelSettings()) as public:
        public._detect = public._landmarker.detect_for_video
        submitted = []
        executor = direct._landmarker._lib._executor
        original_submit = executor.submit
        executor.submit = lambda *a, **k: submitted.append(a) or original_submit(*a, **k)
        found = 0
        for frame in frames:
            mine, theirs = direct(frame.image, frame.t), public(frame.image, frame.t)
            assert len(mine) == len(theirs)
            for a, b in zip(mine, theirs, strict=True):
                np.testing.assert_array_equal(a.xy, b.xy)
                np.testing.assert_array_equal(a.visibility, b.visibility)
                np.testing.assert_array_equal(a.world, b.world)
            found += len(mine)
        executor.submit = original_submit
    assert found >= 20  # the clip's person, on most frames
    assert submitted == []  # no detection went through the executor thread


def test_a_landmarker_without_the_expected_internals_is_called_through_its_public_method(
        ) -> None:
    class Other:
        def detect_for_video(self, image, timestamp_ms):
            return ("public", timestamp_ms)

    other = Other()
    assert _detect_for_video(other)(None, 7) == ("public", 7)
