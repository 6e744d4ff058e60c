"""Poses estimated ahead in a worker process match poses estimated in this process."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecoach.ahead import PosesAhead
from posecoach.config import Settings
from posecoach.estimator import PoseEstimator
from posecoach.session import build_pipeline
from posecoach.sources import VideoFileSource

pytestmark = pytest.mark.model


def run(video: Path, model_file, ahead: PosesAhead | None):
    settings = Settings()
    results = []
    with PoseEstimator(model_file, settings.model) as estimator, VideoFileSource(video) as src:
        pipeline = build_pipeline(settings, estimator)
        pipeline.run(src, [], on_result=results.append, poses_for=ahead)
    return results


def test_worker_poses_continue_the_session_seamlessly(webcam_clip: Path, model_file):
    alone = run(webcam_clip, model_file, None)
    with PosesAhead(webcam_clip, model_file, Settings().model, split=60,
                    warmup_frames=20) as ahead:
        split = run(webcam_clip, model_file, ahead)
        assert ahead.failed is None
    assert [r.frame_index for r in split] == [r.frame_index for r in alone] == list(range(120))
    assert all(r.pose is not None for r in split)
    torso = np.array([np.linalg.norm(r.pose.xy[[11, 12]].mean(0) - r.pose.xy[[23, 24]].mean(0))
                      for r in alone])
    error = np.array([np.linalg.norm(a.pose.xy - b.pose.xy, axis=1).mean()
                      for a, b in zip(alone, split, strict=True)]) / torso
    assert error[:60].max() < 1e-6  # before the split: the very same computation
    assert np.median(error[60:]) < 0.03  # after: another tracker, same person, same place


def test_a_failing_worker_falls_back_to_estimating_here(tmp_path: Path, webcam_clip: Path,
                                                        model_file):
    missing = tmp_path / "gone.mp4"  # the worker cannot open it
    with PosesAhead(missing, model_file, Settings().model, split=60, warmup_frames=20) as ahead:
        results = run(webcam_clip, model_file, ahead)
        assert ahead.failed is not None and "SourceError" in ahead.failed
    assert len(results) == 120 and all(r.pose is not None for r in results)


def test_the_split_gives_this_process_less_inference_when_it_also_feeds_a_video() -> None:
    from posecoach.ahead import SHARE, SHARE_WITH_VIDEO, split_frame

    assert 0 < split_frame(900, SHARE_WITH_VIDEO) < split_frame(900, SHARE) < 450
    with pytest.raises(ValueError, match="share"):
        split_frame(900, 1.0)
