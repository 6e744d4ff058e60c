"""Annotators: each draws one kind of visual onto a BGR image, ``annotate(image, result)``."""

from __future__ import annotations

from posecoach.overlay.base import Annotator, compose
from posecoach.overlay.cue import CueAnnotator
from posecoach.overlay.hud import HudAnnotator
from posecoach.overlay.skeleton import SkeletonAnnotator

__all__ = ["Annotator", "CueAnnotator", "HudAnnotator", "SkeletonAnnotator", "compose"]
