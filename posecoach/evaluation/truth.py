"""Reading the ground-truth files that come with the labelled samples.

Files are ``NAME.truth.json`` or gzipped ``NAME.truth.json.gz`` (format ``posecoach-truth/1``,
described in samples/synthetic/README.md); the video is ``NAME.mp4`` beside it. The keys added
for the generalisation set (issue 10: split, family, transition, seed, nuisance) are optional:
the older files get a family derived from their exercise and view, no split and no nuisance.
"""

from __future__ import annotations

import gzip
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from posecoach.errors import SourceError

FORMAT = "posecoach-truth/1"
SUFFIXES = (".truth.json.gz", ".truth.json")

FAMILIES = ("seated_side", "seated_front", "roller", "ball_wall", "ball_floor", "empty")
SPLITS = ("dev", "val", "test")


@dataclass(frozen=True)
class Segment:
    """A labelled stretch of time (s) with the expected coaching state."""

    label: str
    start_s: float
    end_s: float

    def contains(self, t: float) -> bool:
        return self.start_s <= t <= self.end_s


@dataclass(frozen=True)
class PropTruth:
    """Where the prop really is, per frame (n = number of frames).

    Attributes:
        kind: "roller", "ball" or "" when the scene has no prop.
        visible: (n,) bool, enough of the prop is unhidden for a camera to see it.
        in_contact: (n,) bool, the prop touches the back.
        contact_px: (n, 2) px where it touches the back, NaN when not in contact.
        fraction: (n,) contact projected on hip→shoulder (0 hips, 1 shoulders), NaN if none.
        center_px: (n, 2) px of the ball's centre (a roller: its near end cap), NaN if none.
        px_per_cm: (n,) image scale at the prop's depth, NaN when unknown.
    """

    kind: str
    visible: np.ndarray
    in_contact: np.ndarray
    contact_px: np.ndarray
    fraction: np.ndarray
    center_px: np.ndarray
    px_per_cm: np.ndarray

    @classmethod
    def empty(cls, n: int) -> PropTruth:
        return cls("", np.zeros(n, dtype=bool), np.zeros(n, dtype=bool),
                   np.full((n, 2), np.nan), np.full(n, np.nan), np.full((n, 2), np.nan),
                   np.full(n, np.nan))


@dataclass(frozen=True)
class Truth:
    """A sample's ground truth.

    Attributes:
        name: sample name.
        video: the video file beside the truth file.
        fps, frame_count: of the video.
        exercise: posture, roller, ball_wall, ball_floor or none.
        family: scene family (one of FAMILIES; derived from exercise and view in old files).
        split: "dev", "val", "test", or None for samples outside the split.
        transition: the clip's transition (e.g. "walk_in_wall"), or None.
        seed: the clip's own seed, or None.
        nuisance: drawn nuisance values (numbers, strings, bools), {} in old files.
        landmarks: (n_frames, 33, 2) px, NaN where unknown.
        visible: (n_frames, 33) bool, not occluded from the camera.
        prop: the prop's truth per frame.
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
    prop: PropTruth
    shoulder_hip_cm: float
    segments: tuple[Segment, ...]
    family: str = "empty"
    split: str | None = None
    transition: str | None = None
    seed: int | None = None
    nuisance: dict[str, Any] = field(default_factory=dict)

    @property
    def prop_contact(self) -> np.ndarray:
        """(n, 2) px of the prop's contact with the back, NaN when not in contact."""
        return self.prop.contact_px

    @property
    def prop_fraction(self) -> np.ndarray:
        """(n,) contact position along hip→shoulder, NaN when not in contact."""
        return self.prop.fraction

    def labels_at(self, t: float) -> set[str]:
        return {s.label for s in self.segments if s.contains(t)}


def sample_name(path: Path) -> str:
    """``NAME`` of ``NAME.truth.json`` or ``NAME.truth.json.gz``."""
    for suffix in SUFFIXES:
        if path.name.endswith(suffix):
            return path.name.removesuffix(suffix)
    return path.stem


def is_truth_file(path: Path) -> bool:
    """A posecoach truth file (other ``*.truth.json`` files, e.g. boxes for real clips, not)."""
    if not path.name.endswith(SUFFIXES):
        return False
    try:
        return f'"{FORMAT}"' in _read_text(path, limit=400)
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError):
        return False


def load_truth(path: Path) -> Truth:
    """Read ``NAME.truth.json`` or ``NAME.truth.json.gz`` (its video is ``NAME.mp4``)."""
    try:
        data = json.loads(_read_text(path))
    except (OSError, EOFError, gzip.BadGzipFile, UnicodeDecodeError,
            json.JSONDecodeError) as exc:
        raise SourceError(f"cannot read ground truth {path}: {exc}", "check the file") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise SourceError(f"{path} is not a posecoach truth file", f"expected {FORMAT}")
    frames = data["frames"]
    n = len(frames)
    landmarks = np.full((n, 33, 2), np.nan)
    visible = np.zeros((n, 33), dtype=bool)
    for i, frame in enumerate(frames):
        for j, point in enumerate(frame.get("landmarks_px") or []):
            if point is not None:
                landmarks[i, j] = point[:2]
                visible[i, j] = bool(point[2])
    name = sample_name(path)
    exercise = str(data.get("exercise", "none"))
    split = data.get("split")
    if split is not None and split not in SPLITS:
        raise SourceError(f"{path}: unknown split {split!r}", f"expected one of {SPLITS}")
    seed = data.get("seed")
    return Truth(
        name=str(data.get("name") or name),
        video=path.with_name(name + ".mp4"),
        fps=float(data["fps"]),
        frame_count=int(data["frame_count"]),
        exercise=exercise,
        landmarks=landmarks,
        visible=visible,
        prop=_prop_truth(frames, data.get("camera") or {}),
        shoulder_hip_cm=float((data.get("body") or {}).get("shoulder_hip_cm") or 47.5),
        segments=tuple(Segment(s["label"], float(s["start_s"]), float(s["end_s"]))
                       for s in data.get("segments", [])),
        family=str(data.get("family") or derive_family(exercise, data.get("view"))),
        split=split,
        transition=data.get("transition"),
        seed=None if seed is None else int(seed),
        nuisance=dict(data.get("nuisance") or {}),
    )


def derive_family(exercise: str, view: str | None) -> str:
    """The scene family of a file without one (truth contract): posture by its view."""
    if exercise == "posture":
        return "seated_front" if view == "front" else "seated_side"
    if exercise in ("none", ""):
        return "empty"
    return exercise


def _read_text(path: Path, limit: int | None = None) -> str:
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return handle.read(limit) if limit is not None else handle.read()


def _prop_truth(frames: list[dict], camera: dict) -> PropTruth:
    n = len(frames)
    prop = PropTruth.empty(n)
    to_camera = _world_to_camera(camera)
    focal = camera.get("focal_px")
    kind = ""
    for i, frame in enumerate(frames):
        data = frame.get("prop")
        if not data:
            continue
        kind = kind or str(data.get("kind") or "")
        in_contact = bool(data.get("in_contact", True)) and data.get("contact_px") is not None
        prop.in_contact[i] = in_contact
        prop.visible[i] = bool(data.get("visible", True))
        if in_contact:
            prop.contact_px[i] = data["contact_px"]
            if data.get("spine_fraction") is not None:
                prop.fraction[i] = data["spine_fraction"]
        if data.get("center_px") is not None:
            prop.center_px[i] = data["center_px"]
        centre_world = data.get("center_world_m")
        if to_camera is not None and focal and centre_world is not None:
            # Pinhole scale at the prop's depth (samplegen's camera looks along its −z).
            depth = -float((to_camera @ np.array([*centre_world, 1.0]))[2])
            if depth > 0:
                prop.px_per_cm[i] = float(focal) / (100.0 * depth)
    return PropTruth(kind, prop.visible, prop.in_contact, prop.contact_px, prop.fraction,
                     prop.center_px, prop.px_per_cm)


def _world_to_camera(camera: dict) -> np.ndarray | None:
    pose = camera.get("pose_cam_to_world")
    if pose is None:
        return None
    matrix = np.asarray(pose, dtype=float)
    if matrix.shape != (4, 4):
        return None
    return np.linalg.inv(matrix)
