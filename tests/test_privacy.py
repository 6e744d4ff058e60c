"""The guard that keeps MediaPipe's usage logging on the machine (posecoach/privacy.py).

The traced end-to-end check is tests/test_no_network.py; these say what the guard does to the
environment, so a change to it shows here even with a MediaPipe that has no logger.
"""

from __future__ import annotations

import os

import numpy as np
import pytest

from posecoach.privacy import (
    ALLOW_ENV,
    LOCAL_DEAD_END,
    NO_PROXY_VARIABLES,
    PROXY_VARIABLES,
    keep_mediapipe_logging_local,
)


def test_every_proxy_variable_points_at_loopback_and_no_proxy_is_cleared():
    environ = {"https_proxy": "http://proxy.example:3128", "no_proxy": "*",
               "NO_PROXY": "googleapis.com", "HOME": "/home/me"}
    assert keep_mediapipe_logging_local(environ)
    for name in PROXY_VARIABLES:
        assert environ[name] == LOCAL_DEAD_END
    assert not any(name in environ for name in NO_PROXY_VARIABLES)
    assert environ["HOME"] == "/home/me"
    assert LOCAL_DEAD_END.startswith("http://127.")


def test_allowing_the_logging_leaves_the_environment_alone():
    environ = {ALLOW_ENV: "1", "https_proxy": "http://proxy.example:3128", "no_proxy": "*"}
    before = dict(environ)
    assert not keep_mediapipe_logging_local(environ)
    assert environ == before


@pytest.mark.model
def test_creating_a_pose_estimator_puts_the_guard_in_place(monkeypatch, model_file):
    from posecoach.estimator import PoseEstimator

    monkeypatch.delenv(ALLOW_ENV, raising=False)
    for name in PROXY_VARIABLES:  # registered, so monkeypatch restores them afterwards
        monkeypatch.setenv(name, "http://proxy.example:3128")
    monkeypatch.setenv("no_proxy", "*")
    with PoseEstimator(model_file) as estimator:
        estimator(np.zeros((64, 64, 3), np.uint8), 0.0)
        assert os.environ["https_proxy"] == LOCAL_DEAD_END
        assert os.environ["HTTPS_PROXY"] == LOCAL_DEAD_END
        assert "no_proxy" not in os.environ


def test_ray_is_started_without_usage_statistics_and_with_web_requests_kept_local():
    from posecoach.batch.ray_runner import ray_environment

    environ = {"https_proxy": "http://proxy.example:3128", "no_proxy": "*", "HOME": "/home/me"}
    ray_environment(environ, local=True)
    assert environ["RAY_USAGE_STATS_ENABLED"] == "0"
    # Ray's dashboard process probes cloud metadata addresses over HTTP even with usage
    # statistics off: those requests must go to the closed loopback port.
    for name in PROXY_VARIABLES:
        assert environ[name] == LOCAL_DEAD_END
    assert not any(name in environ for name in NO_PROXY_VARIABLES)
    # A local Ray keeps 127.0.0.1 instead of swapping in the machine's network address.
    assert environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] == "0"
    assert environ["HOME"] == "/home/me"


def test_a_remote_ray_cluster_keeps_its_own_addresses():
    from posecoach.batch.ray_runner import ray_environment

    environ: dict[str, str] = {}
    ray_environment(environ, local=False)
    assert environ["RAY_USAGE_STATS_ENABLED"] == "0"
    assert "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER" not in environ
