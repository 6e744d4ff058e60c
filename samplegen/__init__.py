"""Ground-truth sample factory: synthetic people doing posecoach's scenes, with exact truth.

Renders an anny body (MakeHuman-based, Apache-2.0) with pyrender, writes an H.264 mp4 and a
``posecoach-truth/1`` JSON file per scene. Run everything with ``python -m samplegen.render_all``.
This package is a development tool: it is not imported by ``posecoach``.
"""

from __future__ import annotations

__all__ = ["TRUTH_FORMAT", "SCENE_VERSION"]

#: Identifier of the truth file format written by :mod:`samplegen.truth`.
TRUTH_FORMAT = "posecoach-truth/1"
#: Version of the scene TOML schema read by :mod:`samplegen.scene`.
SCENE_VERSION = 1
