"""Reading the ground-truth files that come with the labelled samples (``*.truth.json``)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecoach.errors import SourceError

FORMAT = "posecoach-truth/1"


@dataclass(frozen=True)
class Segment:
    """A labelled stretch of time (s) with the expected coaching state."""

    label: str
    start_s: float
    end_s: float

    def contains(self, t: float) -> bool:
        return self.start_s <= t <= self.end_s


@dataclass(frozen=True)
class Truth:
    """A sample's ground truth.

    Attributes:
        name: sample name.
        video: the video file beside the truth file.
        fps, frame_count: of the video.
        exercise: posture, roller, ball_wall, ball_floor or none.
        landmarks: (n_frames, 33, 2) px, NaN where unknown.
        visible: (n_frames, 33) bool, not occluded from the camera.
        prop_contact: (n_frames, 2) px of the prop's contact with the back, NaN if none.
        prop_fraction: (n_frames,) prop position along hip→shoulder (0–1+), NaN if none.
        shoulder_hip_cm: the body's shoulder–hip length, cm.
        segments: labelled stretches.
    """

    name: str
    video: Path
    fps: float
    frame_count: int
    exercise: str
    landmarks: np.ndarray
    visible: np.ndarray
    prop_contact: np.ndarray
    prop_fraction: np.ndarray
    shoulder_hip_cm: float
    segments: tuple[Segment, ...]

    def labels_at(self, t: float) -> set[str]:
        return {s.label for s in self.segments if s.contains(t)}


def load_truth(path: Path) -> Truth:
    """Read ``NAME.truth.json`` (its video is ``NAME.mp4`` beside it)."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise SourceError(f"cannot read ground truth {path}: {exc}", "check the file") from None
    if data.get("format") != FORMAT:
        raise SourceError(f"{path} is not a posecoach truth file", f"expected {FORMAT}")
    frames = data["frames"]
    n = len(frames)
    landmarks = np.full((n, 33, 2), np.nan)
    visible = np.zeros((n, 33), dtype=bool)
    contact = np.full((n, 2), np.nan)
    fraction = np.full(n, np.nan)
    for i, frame in enumerate(frames):
        for j, point in enumerate(frame.get("landmarks_px") or []):
            if point is not None:
                landmarks[i, j] = point[:2]
                visible[i, j] = bool(point[2])
        prop = frame.get("prop")
        if prop and prop.get("in_contact", True) and prop.get("contact_px") is not None:
            contact[i] = prop["contact_px"]
            if prop.get("spine_fraction") is not None:
                fraction[i] = prop["spine_fraction"]
    name = data.get("name") or path.name.removesuffix(".truth.json")
    return Truth(
        name=name,
        video=path.with_name(path.name.removesuffix(".truth.json") + ".mp4"),
        fps=float(data["fps"]),
        frame_count=int(data["frame_count"]),
        exercise=str(data.get("exercise", "none")),
        landmarks=landmarks,
        visible=visible,
        prop_contact=contact,
        prop_fraction=fraction,
        shoulder_hip_cm=float((data.get("body") or {}).get("shoulder_hip_cm") or 47.5),
        segments=tuple(Segment(s["label"], float(s["start_s"]), float(s["end_s"]))
                       for s in data.get("segments", [])),
    )
