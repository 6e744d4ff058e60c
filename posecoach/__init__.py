"""posecoach: a local, private camera coach for posture and self-massage with a roller or ball."""

from __future__ import annotations

__version__ = "0.1.0"
