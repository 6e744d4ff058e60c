"""Spoken cues: a person lying on a roller cannot read a screen (docs/coaching.md §1).

Speech comes from the local ``espeak-ng`` engine (nothing leaves the machine), run on a
background thread so the pipeline never waits for it. How the voice behaves:

- **one utterance at a time**; while one is said, only the newest waiting phrase is kept (a
  cue that could not be said before the next one appeared is dropped rather than said late);
- **safety first**: a waiting safety phrase is not replaced by a less urgent one, and a safety
  phrase cuts off a less urgent one being said;
- **no repeats**: the same phrase is not said twice within its cooldown (the coach's cooldown,
  or its safety repeat time for safety cues), whichever cue key it came from;
- **volume and rate** are settings; **beep mode** plays a short tone (two for safety) instead
  of words, through a local sound player;
- **no audio device**: the first failure logs one warning and the cues stay text only.
"""

from __future__ import annotations

import logging
import math
import re
import shutil
import subprocess
import tempfile
import threading
import wave
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from posecoach.config import CoachSettings, VoiceSettings
from posecoach.types import FrameResult, Severity

log = logging.getLogger(__name__)

#: words per minute: slower than espeak's 175 default, for a calm voice.
DEFAULT_RATE_WPM = 145
NO_DEVICE_WARNING = "no audio device: cues are shown as text only"
#: What a speech engine or player prints when it finds no sound device (ALSA, PulseAudio,
#: PipeWire); espeak-ng still exits with 0 then.
_NO_DEVICE = re.compile(r"ALSA lib|Unknown PCM|cannot open|audio device|pulse|pipewire|"
                        r"Connection refused|^error:", re.IGNORECASE | re.MULTILINE)
SOUND_PLAYERS = ("pw-play", "paplay", "aplay")


def find_engine() -> str | None:
    """Path of the speech engine, or None when it is not installed."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


def find_player() -> str | None:
    """Path of a local sound player for beep mode, or None."""
    return next((path for path in map(shutil.which, SOUND_PLAYERS) if path), None)


@dataclass(frozen=True)
class Utterance:
    """A phrase to say and how urgent it is (``Severity.value``: higher is more urgent)."""

    text: str
    priority: int = Severity.FORM.value


CommandFor = Callable[[Utterance], list[str]]


class Speaker:
    """Says short phrases on a background thread, one at a time, newest (and safety) first.

    Args:
        command: the engine command (the phrase is appended as the last argument), or a
            function giving the full command for an utterance.
    """

    def __init__(self, command: Sequence[str] | CommandFor) -> None:
        if callable(command):
            self._command_for: CommandFor = command
        else:
            base = list(command)
            self._command_for = lambda utterance: [*base, utterance.text]
        self._lock = threading.Condition()
        self._next: Utterance | None = None
        self._current: Utterance | None = None
        self._process: subprocess.Popen | None = None
        self._cut: bool = False
        self._closed = False
        self.failed = False
        self.spoken: list[str] = []
        self._thread = threading.Thread(target=self._loop, name="voice", daemon=True)
        self._thread.start()

    def say(self, text: str, priority: int = Severity.FORM.value) -> None:
        with self._lock:
            if self.failed:
                return
            if self._next is not None and self._next.priority > priority:
                return  # a more urgent phrase is waiting: keep it
            self._next = Utterance(text, priority)
            current = self._current
            if (current is not None and priority >= Severity.SAFETY.value
                    and priority > current.priority and self._process is not None):
                self._cut = True
                self._process.terminate()  # safety first: cut a less urgent phrase short
            self._lock.notify()

    def close(self, timeout: float = 5.0) -> None:
        with self._lock:
            self._closed = True
            self._lock.notify()
        self._thread.join(timeout=timeout)

    def _loop(self) -> None:
        while True:
            with self._lock:
                self._lock.wait_for(lambda: self._next is not None or self._closed)
                if self._next is None:
                    return
                utterance, self._next = self._next, None
                try:
                    self._process = subprocess.Popen(
                        self._command_for(utterance), stdout=subprocess.DEVNULL,
                        stderr=subprocess.PIPE, text=True)
                except OSError as exc:
                    self._fail(f"speech failed: {exc}")
                    return
                self._current, self._cut = utterance, False
            try:
                _, errors = self._process.communicate(timeout=15)
            except subprocess.TimeoutExpired:
                self._process.kill()
                _, errors = self._process.communicate()
            with self._lock:
                cut, code = self._cut, self._process.returncode
                self._current, self._process = None, None
            if cut:
                continue
            if code != 0 or _NO_DEVICE.search(errors or ""):
                self._fail(NO_DEVICE_WARNING)
                return
            self.spoken.append(utterance.text)

    def _fail(self, message: str) -> None:
        with self._lock:
            self.failed = True
            self._next = None
        log.warning(message)


class PhraseCooldown:
    """Never the same phrase twice within its cooldown, whatever cue it came from (several
    checks may share a phrase, and the coach's own cooldowns are per cue). Pure: times are
    passed in (s).

    Args:
        cooldown_s: for form and information phrases.
        safety_s: for safety phrases (repeated sooner on purpose).
    """

    def __init__(self, cooldown_s: float, safety_s: float) -> None:
        if cooldown_s < 0 or safety_s < 0:
            raise ValueError(f"cooldowns must be >= 0, got {cooldown_s}, {safety_s}")
        self.cooldown_s = cooldown_s
        self.safety_s = safety_s
        self._said_at: dict[str, float] = {}

    def allow(self, text: str, severity: Severity, t: float) -> bool:
        """True (and remembered as said at ``t``) when ``text`` may be said now."""
        wait = self.safety_s if severity is Severity.SAFETY else self.cooldown_s
        last = self._said_at.get(text)
        if last is not None and t - last < wait - 1e-6:
            return False
        self._said_at[text] = t
        return True


class VoiceSink:
    """Speaks each cue when it appears, and again when the coach repeats it (a problem left
    uncorrected, ``FrameResult.cue_started``); not on every frame it stays on screen.

    A sink, so it runs with the other sinks in frame order (possibly in the sink process: the
    speaker thread starts on entering). ``muted`` is toggled by the ``m`` key.

    Args:
        command: the speech engine command (the phrase is appended), or a function giving
            the command for an utterance (beep mode).
        cooldown: phrase cooldowns; default: the coach's default cooldowns.
    """

    wants_image = False

    def __init__(self, command: Sequence[str] | CommandFor,
                 cooldown: PhraseCooldown | None = None) -> None:
        self.command = command if callable(command) else list(command)
        settings = CoachSettings()
        self.cooldown = cooldown or PhraseCooldown(settings.cooldown_s, settings.safety_repeat_s)
        self.speaker: Speaker | None = None
        self.muted = False
        self._last_key: str | None = None

    def __enter__(self) -> VoiceSink:
        self.speaker = Speaker(self.command)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.speaker is not None:
            self.speaker.close()

    def on_key(self, key: int, t: float) -> None:
        if key in (ord("m"), ord("M")):
            self.muted = not self.muted

    def write(self, image: np.ndarray | None, result: FrameResult) -> None:
        cue = result.cue
        key = cue.key if cue else None
        # A new cue, or the coach repeating one the user has left on screen.
        fresh = key != self._last_key or result.cue_started
        self._last_key = key
        if cue is None or not fresh or self.muted:
            return
        if self.speaker is None:
            raise RuntimeError("open the sink with `with` first")
        if self.cooldown.allow(cue.text, cue.severity, result.t):
            self.speaker.say(cue.text.replace("—", ","), cue.severity.value)


def espeak_command(engine: str, rate_wpm: int = DEFAULT_RATE_WPM,
                   volume: int = 100) -> list[str]:
    """The espeak-ng command; ``volume`` is its amplitude, 0–200 (100 is normal)."""
    return [engine, "-s", str(rate_wpm), "-a", str(volume)]


def write_tone(path: Path, beeps: int, volume: int, hz: float = 880.0,
               beep_s: float = 0.15, gap_s: float = 0.1, rate: int = 16000) -> Path:
    """A WAV of ``beeps`` short tones at ``volume`` (0–200, 100 = half of full scale)."""
    if beeps < 1:
        raise ValueError(f"beeps must be >= 1, got {beeps}")
    t = np.arange(int(beep_s * rate)) / rate
    fade = np.minimum(1.0, np.minimum(t, beep_s - t) / 0.01)  # no clicks at the edges
    tone = np.sin(2 * math.pi * hz * t) * fade
    silence = np.zeros(int(gap_s * rate))
    parts = [p for _ in range(beeps) for p in (tone, silence)][:-1]
    amplitude = min(1.0, volume / 200.0) * 32767
    samples = (np.concatenate(parts) * amplitude).astype("<i2")
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(rate)
        out.writeframes(samples.tobytes())
    return path


class BeepCommand:
    """Beep mode: one tone for information and form cues, two for safety. A class, not a
    closure, so the voice sink can move to the sink process.

    Args:
        player: a sound player command (e.g. ``aplay``).
        folder: where the two tone files are written.
        volume: 0–200, 100 = half of full scale.
    """

    def __init__(self, player: str, folder: Path, volume: int) -> None:
        self.player = player
        self.one = write_tone(folder / "beep1.wav", 1, volume)
        self.two = write_tone(folder / "beep2.wav", 2, volume)

    def __call__(self, utterance: Utterance) -> list[str]:
        tone = self.two if utterance.priority >= Severity.SAFETY.value else self.one
        return [self.player, str(tone)]


def make_voice_sink(voice: VoiceSettings, coach: CoachSettings) -> VoiceSink | None:
    """The voice from settings, or None (with one warning) when nothing can make a sound."""
    cooldown = PhraseCooldown(coach.cooldown_s, coach.safety_repeat_s)
    if voice.mode == "beep":
        player = find_player()
        if player is None:
            log.warning("beep mode: no sound player found (%s): cues are shown as text only",
                        ", ".join(SOUND_PLAYERS))
            return None
        folder = Path(tempfile.mkdtemp(prefix="posecoach-beep-"))
        return VoiceSink(BeepCommand(player, folder, voice.volume), cooldown)
    engine = find_engine()
    if engine is None:
        log.warning("espeak-ng not found: cues are shown but not spoken "
                    "(install it: apt install espeak-ng)")
        return None
    return VoiceSink(espeak_command(engine, voice.rate_wpm, voice.volume), cooldown)
