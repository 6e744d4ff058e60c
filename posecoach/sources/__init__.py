"""Frame sources: video files, image folders and cameras, each a context-managed iterator of
:class:`~posecoach.types.Frame` with strictly increasing timestamps."""

from __future__ import annotations

from posecoach.sources.base import FrameSource, SourceInfo
from posecoach.sources.camera import CameraSource, OpenCvCamera, PacedFileCamera
from posecoach.sources.folder import ImageFolderSource
from posecoach.sources.video import VideoFileSource, paced

__all__ = [
    "CameraSource",
    "FrameSource",
    "ImageFolderSource",
    "OpenCvCamera",
    "PacedFileCamera",
    "SourceInfo",
    "VideoFileSource",
    "paced",
]
