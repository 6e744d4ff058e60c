"""Typed, versioned scene descriptions loaded from ``samplegen/scenes/*.toml``.

Units: metres, seconds, degrees, RGB in [0, 1]. Every field has a default so a scene file only
states what it changes. Angles of the pose are joint angles relative to the anny rest pose
(see :mod:`samplegen.body`); keyframes are interpolated (see :mod:`samplegen.motion`).
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from samplegen import SCENE_VERSION

RGB = tuple[float, float, float]

EXERCISES = ("posture", "roller", "ball_wall", "ball_floor", "none")
#: How the body is placed in the room each frame (see :mod:`samplegen.placement`).
SETUPS = ("seated", "standing", "supine", "wall", "empty")
VIEWS = ("side-left-facing", "side-right-facing", "front", "none")


@dataclass(frozen=True)
class BodySpec:
    """Body shape (anny phenotype sliders in [0, 1]) and appearance.

    ``gender`` 0 = female, 1 = male; ``age`` 0.5 ≈ 25 years, 0.75 ≈ 50 years (anny's scale).
    """

    gender: float = 1.0
    age: float = 0.5
    muscle: float = 0.5
    weight: float = 0.5
    height: float = 0.5
    proportions: float = 0.5
    skin_rgb: RGB = (0.80, 0.62, 0.50)
    hair_rgb: RGB = (0.20, 0.14, 0.10)
    shirt_rgb: RGB = (0.25, 0.35, 0.60)
    trousers_rgb: RGB = (0.15, 0.15, 0.18)
    shoes_rgb: RGB = (0.85, 0.85, 0.85)
    long_sleeves: bool = False
    long_hair: bool = False
    fabric_noise: float = 0.06
    """Standard deviation of the per-vertex brightness jitter of clothes (fabric texture)."""


@dataclass(frozen=True)
class Keyframe:
    """Pose and placement at time ``t`` (s); values not given are carried from the previous one.

    ``pose`` holds joint angles in degrees by name (``hip_flex``, ``knee_flex``, ``spine_flex``,
    ``neck_flex``, ``head_flex``, ``shoulder_flex``, ``shoulder_abd``, ``elbow_flex``,
    ``ankle_flex``, ``spine_lat``; ``_l`` / ``_r`` suffixes override one side) and placement
    numbers (``yaw`` deg, ``pitch`` deg, ``x`` / ``y`` m, ``on_prop`` 0..1, ``hip_lift`` m,
    ``spine_fraction``, ``lateral`` m, ``attached`` 0/1). ``ease`` is the interpolation used to
    reach this keyframe from the previous one: ``smooth`` (smoothstep) or ``linear``.
    """

    t: float
    values: dict[str, float]
    ease: str = "smooth"


@dataclass(frozen=True)
class PropSpec:
    """A foam roller (cylinder) or a massage ball (sphere); ``kind`` ``none`` for no prop."""

    kind: str = "none"
    radius_m: float = 0.075
    length_m: float = 0.45
    rgb: RGB = (0.1, 0.1, 0.1)
    x_m: float = 0.0
    """Roller: world x of its axis on the floor. Ball on the floor: world x of its centre."""
    pattern_rgb: RGB | None = None
    """Second colour of a patterned roller (stripes round its circumference); ``None`` = plain."""


@dataclass(frozen=True)
class RoomSpec:
    """Floor, back wall, optional side wall (ball at the wall), mat and a seat."""

    floor_rgb: RGB = (0.55, 0.42, 0.30)
    wall_rgb: RGB = (0.85, 0.83, 0.78)
    back_wall_y_m: float = 2.0
    side_wall_x_m: float | None = None
    mat: bool = False
    mat_rgb: RGB = (0.30, 0.45, 0.55)
    seat_rgb: RGB = (0.62, 0.50, 0.36)


@dataclass(frozen=True)
class CameraSpec:
    """Pinhole camera looking at ``target_m``; azimuth 0 = on the −y side, looking at +y.

    ``focal_px`` is the focal length in pixels at the output width (640 px ⇒ 520 px ≈ 63° HFOV).
    """

    distance_m: float = 2.5
    height_m: float = 0.9
    azimuth_deg: float = 0.0
    focal_px: float = 520.0
    target_m: tuple[float, float, float] | None = None
    """Look-at point; ``None`` = the centre of the body's bounding box over the whole clip."""
    target_until_s: float | None = None
    """With ``target_m`` unset: use only the frames up to this time for the bounding box (a
    person who walks away later must not pull the camera aim off the desk)."""


@dataclass(frozen=True)
class LightSpec:
    """A shadow-casting key light, a fill light and ambient light."""

    key_intensity: float = 2.2
    key_azimuth_deg: float = -35.0
    key_elevation_deg: float = 50.0
    fill_intensity: float = 0.7
    ambient: float = 0.30
    warmth: float = 0.0
    """−1 cold (blue) … +1 warm (orange) tint of the key light."""


@dataclass(frozen=True)
class DegradeSpec:
    """Webcam-like degradation applied to each rendered frame before H.264 encoding."""

    noise_sigma: float = 3.0
    """Sensor noise, standard deviation in 8-bit levels."""
    blur_sigma_px: float = 0.7
    jpeg_quality: int = 80
    exposure_jitter: float = 0.04
    """Relative amplitude of the slow exposure drift (0.04 = ±4 %)."""
    crf: int = 27
    """libx264 constant rate factor of the output mp4."""


@dataclass(frozen=True)
class Scene:
    """One sample: who does what where, seen by which camera, for how long."""

    name: str
    exercise: str
    setup: str
    view: str
    duration_s: float
    keyframes: tuple[Keyframe, ...]
    description: str = ""
    version: int = SCENE_VERSION
    fps: float = 15.0
    width: int = 640
    height: int = 480
    seed: int = 0
    body: BodySpec = field(default_factory=BodySpec)
    prop: PropSpec = field(default_factory=PropSpec)
    room: RoomSpec = field(default_factory=RoomSpec)
    camera: CameraSpec = field(default_factory=CameraSpec)
    light: LightSpec = field(default_factory=LightSpec)
    degrade: DegradeSpec = field(default_factory=DegradeSpec)
    scene_file: str = ""
    mirrored: bool = False
    """Flip every frame left↔right (a webcam's mirror mode); truth pixels are flipped too."""
    second_body: BodySpec | None = None
    """A second person (standing setup) who walks through the scene; not in the truth."""
    second_keyframes: tuple[Keyframe, ...] = ()
    gestures: bool = False
    """Label the ``gesture`` family (hands raised, a hand on the head) from the truth; off for
    every scene made before gestures existed, so their truth stays byte for byte the same."""

    def __post_init__(self) -> None:
        if self.version != SCENE_VERSION:
            raise ValueError(f"scene {self.name!r}: version {self.version} != {SCENE_VERSION}")
        if self.exercise not in EXERCISES:
            raise ValueError(f"scene {self.name!r}: exercise {self.exercise!r} not in {EXERCISES}")
        if self.setup not in SETUPS:
            raise ValueError(f"scene {self.name!r}: setup {self.setup!r} not in {SETUPS}")
        if self.view not in VIEWS:
            raise ValueError(f"scene {self.name!r}: view {self.view!r} not in {VIEWS}")
        if self.setup != "empty" and not self.keyframes:
            raise ValueError(f"scene {self.name!r}: needs at least one keyframe")
        times = [k.t for k in self.keyframes]
        if times != sorted(times) or len(set(times)) != len(times):
            raise ValueError(f"scene {self.name!r}: keyframe times must strictly increase")

    @property
    def frame_count(self) -> int:
        """Number of frames: ``round(duration_s × fps)``."""
        return int(round(self.duration_s * self.fps))


def _build(cls: type, data: dict[str, Any] | None, where: str) -> Any:
    """Instantiate a flat dataclass from a TOML table, rejecting unknown keys."""
    data = dict(data or {})
    names = {f.name for f in fields(cls)}
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key, value in data.items():
        if isinstance(value, list):
            data[key] = tuple(value)
    return cls(**data)


def load_scene(path: str | Path, repo_root: str | Path | None = None) -> Scene:
    """Read one scene TOML file.

    Args:
        path: the ``.toml`` file.
        repo_root: used to record ``scene_file`` relative to the repository.

    Raises:
        ValueError: on unknown keys or inconsistent values, naming the file.
    """
    path = Path(path)
    with path.open("rb") as fh:
        raw = tomllib.load(fh)
    where = str(path)
    keyframes = []
    for i, kf in enumerate(raw.pop("keyframes", [])):
        kf = dict(kf)
        try:
            t = float(kf.pop("t"))
        except KeyError as exc:
            raise ValueError(f"{where}: keyframe {i} has no t") from exc
        ease = str(kf.pop("ease", "smooth"))
        if ease not in ("smooth", "linear"):
            raise ValueError(f"{where}: keyframe {i} ease {ease!r}")
        keyframes.append(Keyframe(t=t, values={k: float(v) for k, v in kf.items()}, ease=ease))
    sub = {
        "body": BodySpec,
        "prop": PropSpec,
        "room": RoomSpec,
        "camera": CameraSpec,
        "light": LightSpec,
        "degrade": DegradeSpec,
    }
    kwargs: dict[str, Any] = {}
    for key, cls in sub.items():
        kwargs[key] = _build(cls, raw.pop(key, None), f"{where} [{key}]")
    rel = path
    if repo_root is not None:
        try:
            rel = path.resolve().relative_to(Path(repo_root).resolve())
        except ValueError:
            rel = path
    known = {f.name for f in fields(Scene)}
    unknown = set(raw) - known
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    return Scene(keyframes=tuple(keyframes), scene_file=rel.as_posix(), **raw, **kwargs)
