from __future__ import annotations

import os
import shutil
import sys
import time
import wave
from pathlib import Path

import pytest

from posecoach.types import Cue
from posecoach.voice import Speaker, VoiceSink
from tests.factories import make_result

SIT = Cue("posture.slouch", "Sit tall — lift your chest")
ROLLER = Cue("roller.lumbar", "Move the roller up — off your lower back")


def recording_command(log: Path, delay_s: float = 0.0) -> list[str]:
    script = (f"import sys, time; time.sleep({delay_s}); "
              f"open({str(log)!r}, 'a').write(sys.argv[1] + '\\n')")
    return [sys.executable, "-c", script]


def said(log: Path, expected: int, timeout: float = 10.0) -> list[str]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = log.read_text().splitlines() if log.exists() else []
        if len(lines) >= expected:
            return lines
        time.sleep(0.05)
    return log.read_text().splitlines() if log.exists() else []


def test_a_cue_is_spoken_once_when_it_appears(tmp_path: Path):
    log = tmp_path / "said.txt"
    with VoiceSink(recording_command(log)) as sink:
        for i, cue in enumerate([None, SIT, SIT, SIT, None, None, SIT]):
            sink.write(None, make_result(i, cue=cue))
            time.sleep(0.3)
    assert said(log, 2) == ["Sit tall , lift your chest"] * 2  # appeared twice, said twice


def test_a_cue_the_coach_repeats_is_spoken_again(tmp_path: Path):
    log = tmp_path / "said.txt"
    with VoiceSink(recording_command(log)) as sink:
        for i, started in enumerate([True, False, False, True, False]):
            sink.write(None, make_result(i, cue=SIT, cue_started=started))
            time.sleep(0.3)
    assert said(log, 2) == ["Sit tall , lift your chest"] * 2  # on screen throughout


def test_muted_cues_are_not_spoken(tmp_path: Path):
    log = tmp_path / "said.txt"
    with VoiceSink(recording_command(log)) as sink:
        sink.on_key(ord("m"), 0.0)
        sink.write(None, make_result(0, cue=SIT))
        time.sleep(0.5)
    assert not log.exists()


def test_only_the_newest_cue_waits_its_turn(tmp_path: Path):
    log = tmp_path / "said.txt"
    speaker = Speaker(recording_command(log, delay_s=0.8))
    speaker.say("first")
    time.sleep(0.2)  # "first" is being spoken now
    speaker.say("stale")
    speaker.say("newest")
    speaker.close(timeout=10)
    assert log.read_text().splitlines() == ["first", "newest"]


def test_espeak_speaks_a_cue_to_a_sound_file(tmp_path: Path):
    engine = shutil.which("espeak-ng")
    if engine is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install espeak-ng (scripts/setup.sh does)")
        pytest.skip("espeak-ng not installed")
    wav = tmp_path / "cue.wav"
    speaker = Speaker([engine, "-s", "145", "-w", str(wav)])
    speaker.say(ROLLER.text)
    speaker.close(timeout=20)
    with wave.open(str(wav)) as audio:
        seconds = audio.getnframes() / audio.getframerate()
    assert 1.0 < seconds < 6.0  # a short phrase, at a calm pace
