"""A user's calibrated upright posture, saved per camera.

Stored as small JSON files under the user's config folder (``posecoach calibrate`` writes them),
one per camera, so a laptop's built-in camera and a side webcam each keep their own.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from posecoach.errors import ConfigError

FORMAT = "posecoach-baseline/1"
VIEWS = ("side", "front")


@dataclass(frozen=True)
class PostureBaseline:
    """Median upright metrics of one user in one view.

    Attributes:
        view: "side" or "front".
        metrics: metric name → median value while upright (same names and units as the
            posture analyzer's metrics).
        created: ISO time of calibration.
        source: what it was calibrated from (camera or video name).
    """

    view: str
    metrics: dict[str, float]
    created: str
    source: str

    @classmethod
    def new(cls, view: str, metrics: dict[str, float], source: str) -> PostureBaseline:
        return cls(view=view, metrics=dict(metrics), source=source,
                   created=datetime.now(UTC).isoformat(timespec="seconds"))


def default_baseline_dir() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("posecoach")) / "baselines"


def baseline_path_for(source_name: str, folder: Path | None = None) -> Path:
    """Where the baseline of a camera (by its name) is kept."""
    slug = re.sub(r"[^A-Za-z0-9]+", "-", source_name).strip("-").lower() or "camera"
    return (folder or default_baseline_dir()) / f"{slug}.json"


def save_baseline(baseline: PostureBaseline, path: Path) -> Path:
    """Write ``baseline`` to ``path`` (via a temporary file, so a crash never leaves half a
    baseline behind).

    Raises:
        ConfigError: the file cannot be written.
    """
    payload = {"format": FORMAT, **asdict(baseline)}
    partial = path.with_name(path.name + ".partial")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
        partial.replace(path)
    except OSError as exc:
        raise ConfigError(f"cannot save baseline {path}: {exc.strerror or exc}",
                          "free some disk space or pass --save-to with another path") from None
    return path


def load_baseline(path: Path) -> PostureBaseline:
    """Read a baseline file.

    Raises:
        ConfigError: the file is missing or not a posecoach baseline.
    """
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"baseline file not found: {path}",
                          "run `posecoach calibrate` first or fix the path") from None
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ConfigError(f"baseline file {path} is damaged",
                          "delete it and run `posecoach calibrate` again") from None
    except OSError as exc:  # a folder, no permission, an I/O error
        raise ConfigError(f"cannot read baseline file {path}: {exc.strerror or exc}",
                          "make it readable, or delete it and run `posecoach calibrate` "
                          "again") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ConfigError(f"{path} is not a posecoach baseline",
                          "run `posecoach calibrate` to make one")
    try:
        metrics = {str(k): float(v) for k, v in data["metrics"].items()}
        if not all(math.isfinite(v) for v in metrics.values()) or data["view"] not in VIEWS:
            raise ValueError("not finite, or an unknown view")
        return PostureBaseline(view=str(data["view"]), metrics=metrics,
                               created=str(data["created"]), source=str(data["source"]))
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ConfigError(f"baseline file {path} is incomplete",
                          "delete it and run `posecoach calibrate` again") from None
