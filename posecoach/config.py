"""Settings: one frozen dataclass tree, defaults in code, an optional TOML profile, CLI overrides.

A profile is a TOML file with one table per section, e.g.::

    [camera]
    device = "0"        # index, /dev/videoN path, or name
    width = 640

    [smoothing]
    min_cutoff_hz = 1.0

Unknown keys and values of the wrong type or out of range raise :class:`ConfigError` naming them.
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from posecoach.errors import ConfigError


@dataclass(frozen=True)
class ModelSettings:
    """Pose model options.

    Attributes:
        path: a PoseLandmarker ``.task`` file; empty means the bundled full model.
        num_poses: how many people the model may return. More than 1 lets posecoach keep the
            tracked person when someone walks past (docs/engineering.md §1.5) at some cost in speed.
        min_detection_confidence: MediaPipe's person-detector threshold.
        min_presence_confidence: MediaPipe's landmark presence threshold.
        min_tracking_confidence: below this MediaPipe re-runs the detector.
    """

    path: str = ""
    num_poses: int = 1
    min_detection_confidence: float = 0.5
    min_presence_confidence: float = 0.5
    min_tracking_confidence: float = 0.5

    def validate(self) -> None:
        _check_range("model.num_poses", self.num_poses, 1, 5)
        for name in ("min_detection_confidence", "min_presence_confidence",
                     "min_tracking_confidence"):
            _check_range(f"model.{name}", getattr(self, name), 0.0, 1.0)


@dataclass(frozen=True)
class SmoothingSettings:
    """One-Euro filter on landmark pixels (Casiez 2012).

    Attributes:
        min_cutoff_hz: cut-off at rest; lower = steadier but laggier when still.
        beta: speed coefficient (per px/s); higher = less lag when moving fast.
        derivative_cutoff_hz: cut-off of the speed estimate.
        reset_after_s: a person missing this long starts a fresh filter.
    """

    min_cutoff_hz: float = 1.0
    beta: float = 0.02
    derivative_cutoff_hz: float = 1.0
    reset_after_s: float = 0.5

    def validate(self) -> None:
        _check_range("smoothing.min_cutoff_hz", self.min_cutoff_hz, 1e-3, 100.0)
        _check_range("smoothing.beta", self.beta, 0.0, 10.0)
        _check_range("smoothing.derivative_cutoff_hz", self.derivative_cutoff_hz, 1e-3, 100.0)
        _check_range("smoothing.reset_after_s", self.reset_after_s, 0.0, 60.0)


@dataclass(frozen=True)
class CameraSettings:
    """Live camera options.

    Attributes:
        device: camera index (``"0"``), device path (``/dev/video2``) or a name shown by
            ``posecoach doctor``.
        width, height: requested capture size; the camera's real size is read back.
        fps: requested frame rate.
        reconnect_timeout_s: how long to keep trying after the camera stops delivering.
    """

    device: str = "0"
    width: int = 640
    height: int = 480
    fps: int = 30
    reconnect_timeout_s: float = 10.0

    def validate(self) -> None:
        _check_range("camera.width", self.width, 64, 7680)
        _check_range("camera.height", self.height, 48, 4320)
        _check_range("camera.fps", self.fps, 1, 240)
        _check_range("camera.reconnect_timeout_s", self.reconnect_timeout_s, 0.0, 600.0)


@dataclass(frozen=True)
class DisplaySettings:
    """What the window and overlay show.

    Attributes:
        window: ``"auto"`` shows a window when a display exists, ``"on"`` requires one,
            ``"off"`` never opens one.
        skeleton: draw the skeleton.
        hud: draw the heads-up line (fps, inference time, person found).
    """

    window: str = "auto"
    skeleton: bool = True
    hud: bool = True

    def validate(self) -> None:
        if self.window not in ("auto", "on", "off"):
            raise ConfigError(
                f"display.window must be auto, on or off, got {self.window!r}",
                "fix the profile or the flag",
            )


@dataclass(frozen=True)
class OnsetRule:
    """When the evidence for a problem is enough to coach it (see :mod:`posecoach.coach`).

    Attributes:
        window_s: only the last ``window_s`` seconds count.
        fraction: within a stretch of that window ending now, at least this share of the judged
            time must be past onset.
        min_s: and the time past onset in that stretch must reach this (s).
    """

    window_s: float
    fraction: float
    min_s: float


@dataclass(frozen=True)
class CoachSettings:
    """When cues appear, repeat and go (seconds). See :mod:`posecoach.coach`.

    Onset is by evidence over a window, one rule per severity: a problem becomes active when,
    in a stretch ending now within the last ``*_window_s``, the time past onset reaches
    ``*_min_s`` and at least ``*_fraction`` of the judged time. A continuous fault is caught
    ``*_min_s`` after it crosses the threshold; a fault that comes and goes is caught once its
    bad moments add up. The measured value itself lags the body by ~0.2–0.5 s (One-Euro
    smoothing, the 0.5 s speed slope of :mod:`posecoach.exercises.motion`), so ``*_min_s`` +
    that lag must stay within the 1.5 s median onset the coaching aims for (issue 11).

    Attributes:
        form_window_s, form_fraction, form_min_s: form cues (posture, pace, head, knees,
            pressure). 1 s past the threshold: a reach for a cup or a glance at the keyboard is
            past it for well under a second and never counts (docs/coaching.md §1 asks ~1–2 s of
            persistence; 1 s + lag ≤ 1.5 s). Half of the last 3 s: glances every few seconds
            do not add up to a slouch, fidgeting in and out of one does.
        safety_window_s, safety_fraction, safety_min_s: safety cues (prop on the lower back or
            the neck). A one-way pass takes 2–4 s (docs/coaching.md §3.2), so a back-and-forth cycle
            is 4–8 s and 8 s always holds one turn at each end. A roller that dips past T12 at
            the turn of every pass is there ~0.5–1 s per cycle: 0.8 s in total and a fifth of
            the stretch catches two 0.5 s dips 4 s apart or one dip of 0.8 s; grazes of 0.5 s
            every 6 s (< 10 % of the time, within the ~2–3 cm error of the zone border) are not
            called. Shorter than form: a miss costs more than a false alarm.
        info_window_s, info_fraction, info_min_s: information cues (hold and breathe, more
            light, turn to the camera). Nothing urgent: 1.5 s, most of the last 3 s, so a
            moment of bad exposure or a half-turn does not flash a message up.
        clear_s: a problem must stay back past its clear threshold this long before its cue
            goes. A correction itself takes about 1 s (sitting up, sliding the roller back) and
            crosses the clear threshold about halfway, the smoothed landmarks lag ~0.3 s: 0.6 s
            gets a fixed fault off the screen within 2 s of the correction starting (issue 11)
            while the hysteresis band, not this timer, keeps a cue from flickering.
        stale_s: a problem whose check is absent or unjudged (value None) this long is dropped
            and its cue goes, without a cooldown; shorter gaps (a prop hidden for a moment)
            hold it. 1.5 s: longer than the props' own hold-over of a missed detection, short
            enough that nothing stale stays up past the 2 s a fixed fault may take to clear.
        cooldown_s: a form or information cue that cleared is not shown again for this long,
            and a form cue still on screen is said again after this long (no nagging, but an
            ignored problem is not forgotten). Safety cues are never held back.
        safety_repeat_s: a safety cue still on screen is said again after this long.
        away_after_s: nobody in view this long pauses coaching and timers.
    """

    # Form: 1 s past onset, half the judged time of a stretch within 3 s.
    form_window_s: float = 3.0
    form_fraction: float = 0.5
    form_min_s: float = 1.0
    # Safety: 0.8 s past onset, a fifth of a stretch within 8 s (two pass cycles at 4 s).
    safety_window_s: float = 8.0
    safety_fraction: float = 0.2
    safety_min_s: float = 0.8
    # Information: 1.5 s past onset, 60 % of a stretch within 3 s.
    info_window_s: float = 3.0
    info_fraction: float = 0.6
    info_min_s: float = 1.5
    # Back past the clear threshold this long: the cue goes.
    clear_s: float = 0.6
    # Not judged (absent or None) this long: the problem is dropped.
    stale_s: float = 1.5
    # A cleared form/info cue is held back this long; a form cue on screen is repeated after it.
    cooldown_s: float = 20.0
    # A safety cue on screen is repeated after this long.
    safety_repeat_s: float = 8.0
    # Nobody in view this long: coaching pauses and every timer restarts.
    away_after_s: float = 3.0

    def validate(self) -> None:
        for kind in ("form", "safety", "info"):
            window = getattr(self, f"{kind}_window_s")
            _check_range(f"coach.{kind}_window_s", window, 0.1, 60.0)
            _check_range(f"coach.{kind}_fraction", getattr(self, f"{kind}_fraction"), 0.0, 1.0)
            _check_range(f"coach.{kind}_min_s", getattr(self, f"{kind}_min_s"), 0.0, window)
        _check_range("coach.clear_s", self.clear_s, 0.0, 60.0)
        _check_range("coach.stale_s", self.stale_s, 0.0, 60.0)
        _check_range("coach.cooldown_s", self.cooldown_s, 0.0, 3600.0)
        _check_range("coach.safety_repeat_s", self.safety_repeat_s, 1.0, 3600.0)
        _check_range("coach.away_after_s", self.away_after_s, 0.0, 600.0)

    def onset(self, kind: str) -> OnsetRule:
        """The onset rule for ``"form"``, ``"safety"`` or ``"info"`` cues."""
        if kind not in ("form", "safety", "info"):
            raise ValueError(f"onset kind must be form, safety or info, got {kind!r}")
        return OnsetRule(getattr(self, f"{kind}_window_s"), getattr(self, f"{kind}_fraction"),
                         getattr(self, f"{kind}_min_s"))


SENSITIVITY_SCALE = {"low": 1.5, "medium": 1.0, "high": 0.7}


@dataclass(frozen=True)
class PostureSettings:
    """Posture checks.

    Attributes:
        sensitivity: low, medium or high; scales every margin (×1.5, ×1, ×0.7).
        dead_zone_deg: angle changes smaller than this never count, whatever the sensitivity.
        calibration_s: how long calibration records your upright posture.
        auto_reference_s: with no calibrated baseline, your upright posture is learned while
            you sit (your most upright of the last minutes) and checks start after this many
            seconds of sitting in view (said on screen). 0 turns learning off: a side view then
            uses published absolute limits and a front view waits for a calibration.
        baseline: a baseline file; empty means the one saved for this camera by calibrate.
        height_cm: your height, for cm measurements; 0 means the trunk length the ball measures
            in the session (posecoach.scale), an adult average until then.
    """

    sensitivity: str = "medium"
    dead_zone_deg: float = 3.0
    calibration_s: float = 5.0
    auto_reference_s: float = 1.0
    baseline: str = ""
    height_cm: float = 0.0

    def validate(self) -> None:
        if self.sensitivity not in SENSITIVITY_SCALE:
            raise ConfigError(
                f"posture.sensitivity must be low, medium or high, got {self.sensitivity!r}",
                "fix the profile or the flag",
            )
        _check_range("posture.dead_zone_deg", self.dead_zone_deg, 0.0, 30.0)
        _check_range("posture.calibration_s", self.calibration_s, 1.0, 60.0)
        _check_range("posture.auto_reference_s", self.auto_reference_s, 0.0, 60.0)
        if self.height_cm:
            _check_range("posture.height_cm", self.height_cm, 80.0, 250.0)

    @property
    def margin_scale(self) -> float:
        return SENSITIVITY_SCALE[self.sensitivity]


@dataclass(frozen=True)
class VoiceSettings:
    """Spoken cues (local espeak-ng; nothing leaves the machine).

    Attributes:
        enabled: speak cues when they appear. Live sessions speak by default; replays only
            with --speak.
        rate_wpm: speaking rate, words per minute (calm: 130–160).
        volume: loudness, 0–200 (100 is the engine's normal level).
        mode: ``speech`` says the cues; ``beep`` plays a tone instead (two for safety cues).
    """

    enabled: bool = True
    rate_wpm: int = 145
    volume: int = 100
    mode: str = "speech"

    def validate(self) -> None:
        _check_range("voice.rate_wpm", self.rate_wpm, 80, 300)
        _check_range("voice.volume", self.volume, 0, 200)
        if self.mode not in ("speech", "beep"):
            raise ConfigError(f"voice.mode must be speech or beep, got {self.mode!r}",
                              "fix the profile")


@dataclass(frozen=True)
class GestureSettings:
    """Hands-free gestures for people on a roller or ball (:mod:`posecoach.gestures`).

    Attributes:
        enabled: recognise gestures: one hand up 1 s = too much pressure (the coach answers),
            both hands up 1 s = pause or resume, a hand on the head 2 s = end the set.
    """

    enabled: bool = True

    def validate(self) -> None:
        pass


@dataclass(frozen=True)
class RoutineSettings:
    """Guided routines (``posecoach live --routine``); sources in docs/coaching.md §8.

    Attributes:
        name: the routine to run from the start: ``roller``, ``ball``, ``desk-break``, or
            empty for none (``r`` in the window starts one for the current exercise).
        warm_up_s: light, slow passes over the whole upper back (s).
        spots: tender spots to hold.
        roller_hold_min_s, roller_hold_max_s: a roller hold counts from 20 s; the spot phase
            allows up to 60 s per spot (issue 14; docs/coaching.md §3.2: 30 s or more).
        ball_hold_min_s, ball_hold_max_s: the same for the ball (docs/coaching.md §4: 30–90 s).
        finish_s: light finishing passes (s).
        rest_s: rest and drink water (s).
        break_move_s, break_walk_s: a desk break: shoulders, then a short walk (s).
    """

    name: str = ""
    warm_up_s: float = 60.0
    spots: int = 2
    roller_hold_min_s: float = 20.0
    roller_hold_max_s: float = 60.0
    ball_hold_min_s: float = 30.0
    ball_hold_max_s: float = 90.0
    finish_s: float = 30.0
    rest_s: float = 30.0
    break_move_s: float = 30.0
    break_walk_s: float = 60.0

    def validate(self) -> None:
        if self.name not in ("", "roller", "ball", "desk-break"):
            raise ConfigError(f"routine.name must be roller, ball or desk-break, got "
                              f"{self.name!r}", "fix the profile or --routine")
        _check_range("routine.spots", self.spots, 1, 10)
        for key in ("warm_up_s", "roller_hold_min_s", "roller_hold_max_s", "ball_hold_min_s",
                    "ball_hold_max_s", "finish_s", "rest_s", "break_move_s", "break_walk_s"):
            _check_range(f"routine.{key}", getattr(self, key), 1.0, 1800.0)
        for kind in ("roller", "ball"):
            low, high = getattr(self, f"{kind}_hold_min_s"), getattr(self, f"{kind}_hold_max_s")
            if low > high:
                raise ConfigError(f"routine.{kind}_hold_min_s ({low}) is above "
                                  f"routine.{kind}_hold_max_s ({high})", "fix the profile")


EXERCISES = ("auto", "posture", "roller", "ball")


@dataclass(frozen=True)
class ExerciseSettings:
    """Which coach runs.

    Attributes:
        mode: ``auto`` picks the roller coach when you lie on a roller, the ball coach when
            a ball is between your back and the wall or floor, posture when you sit, and no
            coach when you stand or walk (:mod:`posecoach.selector`); ``posture``,
            ``roller`` or ``ball`` force one.
        shoulder_hip_cm: your shoulder-to-hip length for cm speeds and positions; 0 means
            0.28 × posture.height_cm when that is set, else the length the ball measures in
            the session (posecoach.scale; the end of a session says it), the adult average
            (47.5 cm) until then.
    """

    mode: str = "auto"
    shoulder_hip_cm: float = 0.0

    def validate(self) -> None:
        if self.mode not in EXERCISES:
            raise ConfigError(f"exercise.mode must be one of {', '.join(EXERCISES)}, "
                              f"got {self.mode!r}", "fix the profile or --exercise")
        if self.shoulder_hip_cm:
            _check_range("exercise.shoulder_hip_cm", self.shoulder_hip_cm, 25.0, 80.0)


@dataclass(frozen=True)
class DeskSettings:
    """Desk mode (:mod:`posecoach.desk`): live posture coaching at an adaptive frame rate, so
    posecoach can run all day beside your work. Replays always analyse every frame.

    Attributes:
        enabled: on by default; applies in live sessions whose exercise is auto or posture.
        still_fps: frames a second analysed while you sit still and upright (or are away);
            any change brings back the camera's full rate at once.
        settle_s: how long all must stay calm before the rate drops (s).
    """

    enabled: bool = True
    still_fps: float = 3.0
    settle_s: float = 2.0

    def validate(self) -> None:
        _check_range("desk.still_fps", self.still_fps, 0.5, 30.0)
        _check_range("desk.settle_s", self.settle_s, 0.0, 60.0)


@dataclass(frozen=True)
class Settings:
    """All of posecoach's settings."""

    model: ModelSettings = field(default_factory=ModelSettings)
    smoothing: SmoothingSettings = field(default_factory=SmoothingSettings)
    camera: CameraSettings = field(default_factory=CameraSettings)
    display: DisplaySettings = field(default_factory=DisplaySettings)
    coach: CoachSettings = field(default_factory=CoachSettings)
    posture: PostureSettings = field(default_factory=PostureSettings)
    exercise: ExerciseSettings = field(default_factory=ExerciseSettings)
    voice: VoiceSettings = field(default_factory=VoiceSettings)
    desk: DeskSettings = field(default_factory=DeskSettings)
    gestures: GestureSettings = field(default_factory=GestureSettings)
    routine: RoutineSettings = field(default_factory=RoutineSettings)

    @property
    def user_shoulder_hip_cm(self) -> float | None:
        """The shoulder–hip length (cm) the user gave (directly or by their height), or None:
        then the session learns it from the ball (posecoach.scale)."""
        if self.exercise.shoulder_hip_cm:
            return self.exercise.shoulder_hip_cm
        if self.posture.height_cm:
            return 0.28 * self.posture.height_cm
        return None

    def validate(self) -> Settings:
        for section in dataclasses.fields(self):
            getattr(self, section.name).validate()
        return self

    def with_overrides(self, overrides: dict[str, Any]) -> Settings:
        """A copy with ``{"section.key": value}`` overrides applied; None values are skipped."""
        nested: dict[str, dict[str, Any]] = {}
        for dotted, value in overrides.items():
            if value is None:
                continue
            section, _, key = dotted.partition(".")
            nested.setdefault(section, {})[key] = value
        return _merge(self, nested).validate()


def load_settings(profile: Path | None = None, overrides: dict[str, Any] | None = None) -> Settings:
    """Defaults, then the TOML ``profile`` if given, then ``overrides``; validated.

    Raises:
        ConfigError: the profile is missing, not TOML, or holds an unknown key or bad value.
    """
    settings = Settings()
    if profile is not None:
        try:
            data = tomllib.loads(Path(profile).read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise ConfigError(f"profile not found: {profile}", "check the path") from None
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise ConfigError(f"profile {profile} is not valid TOML: {exc}",
                              "fix the file or remove it") from None
        except OSError as exc:  # a folder, no permission, an I/O error
            raise ConfigError(f"cannot read profile {profile}: {exc.strerror or exc}",
                              "pass a readable TOML file with --profile") from None
        settings = _merge(settings, data)
    return settings.with_overrides(overrides or {})


def _merge(settings: Settings, data: dict[str, Any]) -> Settings:
    sections = {f.name: f for f in dataclasses.fields(settings)}
    replaced: dict[str, Any] = {}
    for section_name, values in data.items():
        if section_name not in sections:
            raise ConfigError(f"unknown settings section [{section_name}]",
                              f"use one of: {', '.join(sections)}")
        if not isinstance(values, dict):
            raise ConfigError(f"[{section_name}] must be a table", "fix the profile")
        current = getattr(settings, section_name)
        replaced[section_name] = dataclasses.replace(
            current, **_typed_values(section_name, current, values)
        )
    return dataclasses.replace(settings, **replaced)


def _typed_values(section_name: str, current: Any, values: dict[str, Any]) -> dict[str, Any]:
    known = {f.name for f in dataclasses.fields(current)}
    typed: dict[str, Any] = {}
    for key, value in values.items():
        if key not in known:
            raise ConfigError(f"unknown setting {section_name}.{key}",
                              f"known keys: {', '.join(sorted(known))}")
        default = getattr(current, key)
        typed[key] = _coerce(f"{section_name}.{key}", value, type(default))
    return typed


def _coerce(name: str, value: Any, kind: type) -> Any:
    if kind is bool:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "on", "off", "1", "0"):
            return value.lower() in ("true", "on", "1")
    elif kind is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lstrip("-").isdigit():
            return int(value)
    elif kind is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError:
                pass
    elif kind is str:
        if isinstance(value, str | int) and not isinstance(value, bool):
            return str(value)
    raise ConfigError(f"{name} must be a {kind.__name__}, got {value!r}", "fix the value")


def _check_range(name: str, value: float, low: float, high: float) -> None:
    if not low <= value <= high:
        raise ConfigError(f"{name} must be between {low} and {high}, got {value}",
                          "fix the value")
