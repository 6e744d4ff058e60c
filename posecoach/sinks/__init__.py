"""Sinks: where annotated frames and per-frame records go (window, video file, JSONL log)."""

from __future__ import annotations

from posecoach.sinks.base import Sink
from posecoach.sinks.jsonl import JsonlSink
from posecoach.sinks.video import VideoFileSink
from posecoach.sinks.window import WindowSink

__all__ = ["JsonlSink", "Sink", "VideoFileSink", "WindowSink"]
