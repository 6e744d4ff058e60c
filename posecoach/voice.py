"""Spoken cues: a person lying on a roller cannot read a screen (docs/coaching.md §1).

Speech comes from the local ``espeak-ng`` engine (nothing leaves the machine), run on a
background thread so the pipeline never waits for it. Only the newest cue is kept: a cue that
could not be spoken before the next one appeared is dropped rather than said late.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Sequence

import numpy as np

from posecoach.types import FrameResult

log = logging.getLogger(__name__)

#: words per minute: slower than espeak's 175 default, for a calm voice.
DEFAULT_RATE_WPM = 145


def find_engine() -> str | None:
    """Path of the speech engine, or None when it is not installed."""
    return shutil.which("espeak-ng") or shutil.which("espeak")


class Speaker:
    """Says short phrases on a background thread, newest first.

    Args:
        command: the engine command; the phrase is appended as the last argument.
    """

    def __init__(self, command: Sequence[str]) -> None:
        self.command = list(command)
        self._lock = threading.Condition()
        self._next: str | None = None
        self._closed = False
        self.spoken: list[str] = []
        self._thread = threading.Thread(target=self._loop, name="voice", daemon=True)
        self._thread.start()

    def say(self, text: str) -> None:
        with self._lock:
            self._next = text  # replaces anything not yet said
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
                text, self._next = self._next, None
            try:
                subprocess.run([*self.command, text], check=False, timeout=15,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
                self.spoken.append(text)
            except (OSError, subprocess.TimeoutExpired) as exc:
                log.warning("speech failed: %s", exc)


class VoiceSink:
    """Speaks each cue when it appears, and again when the coach repeats it (a problem left
    uncorrected, ``FrameResult.cue_started``); not on every frame it stays on screen.

    A sink, so it runs with the other sinks in frame order (possibly in the sink process: the
    speaker thread starts on entering). ``muted`` is toggled by the ``m`` key.

    Args:
        command: the speech engine command; the phrase is appended.
    """

    wants_image = False

    def __init__(self, command: Sequence[str]) -> None:
        self.command = list(command)
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
        key = result.cue.key if result.cue else None
        # A new cue, or the coach repeating one the user has left on screen.
        fresh = key != self._last_key or result.cue_started
        if key is not None and fresh and not self.muted:
            if self.speaker is None:
                raise RuntimeError("open the sink with `with` first")
            self.speaker.say(result.cue.text.replace("—", ","))
        self._last_key = key


def espeak_command(engine: str, rate_wpm: int = DEFAULT_RATE_WPM) -> list[str]:
    return [engine, "-s", str(rate_wpm)]
