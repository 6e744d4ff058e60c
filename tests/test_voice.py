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
            # frames 21 s apart: past the phrase cooldown (20 s by default)
            sink.write(None, make_result(i * 30 * 21, cue=cue))
            time.sleep(0.3)
    assert said(log, 2) == ["Sit tall , lift your chest"] * 2  # appeared twice, said twice


def test_a_cue_the_coach_repeats_is_spoken_again(tmp_path: Path):
    log = tmp_path / "said.txt"
    with VoiceSink(recording_command(log)) as sink:
        for i, started in enumerate([True, False, False, True, False]):
            sink.write(None, make_result(i * 30 * 21, cue=SIT, cue_started=started))
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


# --- a voice that behaves (issue 14 §5) ----------------------------------------------------

def stderr_command(log: Path, message: str, code: int = 0) -> list[str]:
    script = (f"import sys; open({str(log)!r}, 'a').write(sys.argv[1] + '\\n'); "
              f"sys.stderr.write({message!r}); sys.exit({code})")
    return [sys.executable, "-c", script]


def test_safety_cuts_off_a_form_phrase_and_is_not_replaced_by_one(tmp_path: Path):
    from posecoach.types import Severity
    log = tmp_path / "said.txt"
    speaker = Speaker(recording_command(log, delay_s=0.8))
    speaker.say("sit tall", Severity.FORM.value)
    time.sleep(0.3)  # being said
    speaker.say("roller off the neck", Severity.SAFETY.value)
    speaker.say("slow down", Severity.FORM.value)  # newer, but less urgent than what waits
    speaker.close(timeout=10)
    assert log.read_text().splitlines() == ["roller off the neck"]


def test_the_same_phrase_is_not_said_twice_within_its_cooldown(tmp_path: Path):
    from posecoach.types import Severity
    from posecoach.voice import PhraseCooldown
    log = tmp_path / "said.txt"
    dark = Cue("scene.dark", "More light, please", Severity.INFO)
    grainy = Cue("guide.grainy", "More light, please", Severity.INFO)
    with VoiceSink(recording_command(log), PhraseCooldown(20.0, 8.0)) as sink:
        sink.write(None, make_result(0, cue=dark))  # t = 0
        time.sleep(0.3)
        sink.write(None, make_result(30, cue=grainy))  # t = 1 s: same words, another check
        time.sleep(0.3)
        sink.write(None, make_result(31, cue=None))
        sink.write(None, make_result(30 * 25, cue=grainy))  # t = 25 s: cooldown over
        time.sleep(0.3)
    assert said(log, 2) == ["More light, please"] * 2


def test_phrase_cooldown_is_shorter_for_safety():
    from posecoach.types import Severity
    from posecoach.voice import PhraseCooldown
    cooldown = PhraseCooldown(20.0, 8.0)
    assert cooldown.allow("x", Severity.SAFETY, 0.0)
    assert not cooldown.allow("x", Severity.SAFETY, 7.0)
    assert cooldown.allow("x", Severity.SAFETY, 8.0)
    assert cooldown.allow("y", Severity.FORM, 0.0)
    assert not cooldown.allow("y", Severity.FORM, 19.0)
    assert cooldown.allow("y", Severity.FORM, 20.0)
    with pytest.raises(ValueError, match="cooldowns"):
        PhraseCooldown(-1.0, 8.0)


@pytest.mark.parametrize("message, code", [
    ("ALSA lib pcm.c:2666:(snd_pcm_open_noupdate) Unknown PCM default\n", 0),  # espeak-ng
    ("", 1),
])
def test_no_audio_device_warns_once_then_text_only(tmp_path: Path, caplog, message, code):
    from posecoach.voice import NO_DEVICE_WARNING
    log = tmp_path / "said.txt"
    speaker = Speaker(stderr_command(log, message, code))
    with caplog.at_level("WARNING", logger="posecoach.voice"):
        speaker.say("first")
        deadline = time.monotonic() + 10
        while not speaker.failed and time.monotonic() < deadline:
            time.sleep(0.05)
        speaker.say("second")
        speaker.say("third")
        speaker.close(timeout=10)
    assert speaker.failed and speaker.spoken == []
    assert log.read_text().splitlines() == ["first"]  # nothing tried after the failure
    assert [r.message for r in caplog.records].count(NO_DEVICE_WARNING) == 1


def rms(path: Path) -> float:
    import numpy as np
    with wave.open(str(path)) as audio:
        samples = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
    return float(np.sqrt(np.mean(samples.astype(float) ** 2)))


def test_volume_setting_changes_the_loudness_of_speech(tmp_path: Path):
    from posecoach.voice import espeak_command, find_engine
    engine = find_engine()
    if engine is None:
        pytest.skip("espeak-ng not installed")
    loudness = {}
    for volume in (50, 150):
        wav = tmp_path / f"v{volume}.wav"
        speaker = Speaker([*espeak_command(engine, 145, volume), "-w", str(wav)])
        speaker.say(ROLLER.text)
        speaker.close(timeout=20)
        loudness[volume] = rms(wav)
    assert loudness[150] > 2 * loudness[50] > 0


def test_rate_setting_changes_the_length_of_speech(tmp_path: Path):
    from posecoach.voice import espeak_command, find_engine
    engine = find_engine()
    if engine is None:
        pytest.skip("espeak-ng not installed")
    seconds = {}
    for rate in (100, 200):
        wav = tmp_path / f"r{rate}.wav"
        speaker = Speaker([*espeak_command(engine, rate), "-w", str(wav)])
        speaker.say(ROLLER.text)
        speaker.close(timeout=20)
        with wave.open(str(wav)) as audio:
            seconds[rate] = audio.getnframes() / audio.getframerate()
    assert seconds[100] > 1.5 * seconds[200]


def test_beep_mode_plays_one_tone_for_form_and_two_for_safety(tmp_path: Path):
    from posecoach.types import Severity
    from posecoach.voice import BeepCommand, Utterance
    command = BeepCommand("player", tmp_path, volume=100)
    form = command(Utterance("Sit tall", Severity.FORM.value))
    safety = command(Utterance("Move the roller up", Severity.SAFETY.value))
    assert form[0] == safety[0] == "player"
    with wave.open(form[1]) as one, wave.open(safety[1]) as two:
        assert two.getnframes() > 1.8 * one.getnframes()
    assert 3000 < rms(Path(form[1])) < 20000  # audible, not clipping


def test_beep_mode_without_a_player_warns_and_stays_silent(monkeypatch, caplog):
    from posecoach import voice
    from posecoach.config import CoachSettings, VoiceSettings
    monkeypatch.setattr(voice, "find_player", lambda: None)
    with caplog.at_level("WARNING", logger="posecoach.voice"):
        assert voice.make_voice_sink(VoiceSettings(mode="beep"), CoachSettings()) is None
    assert any("beep mode" in r.message for r in caplog.records)


def test_voice_settings_are_checked():
    from posecoach.config import ConfigError, load_settings
    assert load_settings(overrides={"voice.volume": "150"}).voice.volume == 150
    with pytest.raises(ConfigError, match="voice.volume"):
        load_settings(overrides={"voice.volume": "300"})
    with pytest.raises(ConfigError, match="voice.mode"):
        load_settings(overrides={"voice.mode": "shout"})
