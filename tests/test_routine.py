"""Guided routines: phases in time, prompts said once, holds counted, skips, pauses, the
record, the overlay, and a replay of a rendered session through the CLI."""

from __future__ import annotations

import json
import wave
from pathlib import Path

import numpy as np
import pytest

from posecoach.config import ConfigError, RoutineSettings, load_settings
from posecoach.overlay.routine import RoutineAnnotator, routine_line
from posecoach.routine import ROUTINES, RoutineStage, phases_for
from posecoach.types import Cue, FrameResult, Severity
from tests.conftest import SAMPLES, run_cli
from tests.factories import make_frame, make_lying_pose, selected

FPS = 10.0
POSE = make_lying_pose(hip=(300.0, 350.0))
SHORT = RoutineSettings(warm_up_s=3.0, spots=2, roller_hold_min_s=2.0, roller_hold_max_s=5.0,
                        finish_s=2.0, rest_s=2.0)


class Clock:
    def __init__(self, stage: RoutineStage) -> None:
        self.stage, self.i = stage, 0

    def run(self, seconds: float, pose=POSE, metrics: dict | None = None,
            cue: Cue | None = None, exercise: str = "roller") -> list[FrameResult]:
        out = []
        for _ in range(int(round(seconds * FPS))):
            t = self.i / FPS
            result = FrameResult(frame_index=self.i, t=t, pose=pose, inference_ms=0.0,
                                 metrics=dict(metrics or {}), cue=cue,
                                 selection=selected(exercise))
            out.append(self.stage.update(make_frame(self.i, t=t), result))
            self.i += 1
        return out


def phase_keys(results: list[FrameResult]) -> list[str]:
    keys = []
    for r in results:
        reading = r.routine
        key = "done" if reading.done else reading.title
        if not keys or keys[-1] != key:
            keys.append(key)
    return keys


def test_every_routine_has_phases_with_prompts_and_positive_durations():
    for name in ROUTINES:
        phases = phases_for(name, RoutineSettings())
        assert phases and all(p.prompt and p.seconds > 0 for p in phases)
        assert "water" in phases[-1].prompt  # rest and drink water (docs/coaching.md §8)
    with pytest.raises(ValueError, match="routine"):
        phases_for("yoga", RoutineSettings())


def test_timed_phases_follow_each_other_and_the_routine_ends():
    clock = Clock(RoutineStage("roller", SHORT))
    out = clock.run(3.0 + 10.0 + 2.0 + 2.0 + 1.0)
    assert phase_keys(out) == ["Warm-up", "Tender spots", "Finish", "Rest", "done"]
    assert [r.outcome for r in clock.stage.records] == ["completed"] * 4
    assert out[int(1.0 * FPS)].routine.left_s == pytest.approx(2.0, abs=0.11)


def test_each_prompt_is_shown_and_said_once_when_its_phase_starts():
    clock = Clock(RoutineStage("roller", SHORT))
    out = clock.run(3.5)
    said = [r.cue.text for r in out if r.cue_started]
    assert said == [phases_for("roller", SHORT)[0].prompt, phases_for("roller", SHORT)[1].prompt]
    assert out[0].cue.severity is Severity.INFO


def test_a_form_or_safety_cue_is_not_covered_by_a_prompt():
    clock = Clock(RoutineStage("roller", SHORT))
    safety = Cue("roller.cervical", "Move the roller down", Severity.SAFETY)
    assert all(r.cue == safety for r in clock.run(1.0, cue=safety))


def test_spot_phase_counts_each_hold_once_and_ends_when_it_has_them():
    clock = Clock(RoutineStage("roller", SHORT))
    clock.run(3.0)  # warm-up
    hold = [clock.run(0.1, metrics={"roller.hold_s": s / FPS})[0] for s in range(30)]
    assert hold[-1].routine.holds == 1  # a 3 s hold counts once, not three times
    clock.run(1.0, metrics={"roller.hold_s": 0.0})  # moving on
    out = [clock.run(0.1, metrics={"roller.hold_s": s / FPS})[0] for s in range(25)]
    assert phase_keys(out) == ["Tender spots", "Finish"]  # second hold: the phase is done
    assert clock.stage.records[1].holds == 2 and clock.stage.records[1].outcome == "completed"
    assert clock.stage.records[1].end_t - clock.stage.records[1].start_t < 10.0


def test_n_skips_a_phase_and_the_record_says_so():
    stage = RoutineStage("ball", SHORT)
    clock = Clock(stage)
    clock.run(1.0)
    stage.on_key(ord("n"), 1.0)
    out = clock.run(0.2)
    assert out[-1].routine.title == "Tender spots"
    assert stage.records[0].outcome == "skipped"


def test_the_clock_stops_while_paused_or_nobody_is_in_view():
    paused = {"on": False}
    stage = RoutineStage("roller", SHORT, is_paused=lambda: paused["on"])
    clock = Clock(stage)
    clock.run(1.0)
    paused["on"] = True
    clock.run(5.0)
    paused["on"] = False
    clock.run(5.0, pose=None)
    out = clock.run(0.1)
    assert out[-1].routine.title == "Warm-up"
    assert out[-1].routine.left_s == pytest.approx(2.0, abs=0.15)


def test_r_starts_the_routine_of_the_current_exercise_and_stops_it():
    stage = RoutineStage(None, SHORT)
    clock = Clock(stage)
    assert clock.run(0.2, exercise="ball")[-1].routine is None
    stage.on_key(ord("r"), 0.2)
    assert clock.run(0.2, exercise="ball")[-1].routine.name == "ball"
    stage.on_key(ord("r"), 0.4)
    clock.run(0.2, exercise="ball")
    assert not stage.active and stage.records[-1].outcome == "stopped"
    clock.run(0.2, exercise="posture")  # now at the desk
    stage.on_key(ord("r"), 0.8)
    assert clock.run(0.2, exercise="posture")[-1].routine.name == "desk-break"


def test_ending_the_set_by_gesture_skips_the_routine_phase():
    from posecoach.gestures import GestureStage
    from posecoach.session import build_stages
    from posecoach.stages import CoachStage
    stages = build_stages(load_settings(overrides={"routine.name": "roller"}))
    routine = next(s for s in stages if isinstance(s, RoutineStage))
    gestures = next(s for s in stages if isinstance(s, GestureStage))
    coach = next(s for s in stages if isinstance(s, CoachStage))
    Clock(routine).run(0.2)
    gestures.on_end_set(0.2)
    Clock(routine).run(0.1)
    assert routine.records[0].outcome == "skipped" and not coach.paused


def test_totals_record_the_routine():
    stage = RoutineStage("roller", SHORT)
    clock = Clock(stage)
    clock.run(4.0)
    totals = stage.finish()
    assert totals == {"routine.phases": 4.0, "routine.phases_completed": 1.0,
                      "routine.phases_skipped": 0.0, "routine.holds": 0.0}
    assert stage.records[-1].outcome == "stopped"
    assert RoutineStage(None).finish() == {}


def test_overlay_shows_phase_and_time_left():
    clock = Clock(RoutineStage("roller", SHORT))
    out = clock.run(3.5)
    assert routine_line(out[-1].routine) == "roller 2/4 · Tender spots · 0:09 left · " \
                                                       "holds 0/2"
    blank = make_frame().image
    drawn = RoutineAnnotator().annotate(blank.copy(), out[-1])
    assert (drawn != blank).any(axis=2)[:, :320].sum() > 500


def test_routine_settings_are_checked():
    with pytest.raises(ConfigError, match="routine.name"):
        load_settings(overrides={"routine.name": "yoga"})
    with pytest.raises(ConfigError, match="roller_hold_min_s"):
        load_settings(overrides={"routine.roller_hold_min_s": "90"})


def test_phase_prompts_speak_to_sound_files_of_sensible_length_and_loudness(tmp_path: Path):
    from posecoach.voice import Speaker, espeak_command, find_engine
    engine = find_engine()
    if engine is None:
        pytest.skip("espeak-ng not installed")
    for name in ROUTINES:
        for phase in phases_for(name, RoutineSettings()):
            wav = tmp_path / f"{name}-{phase.key}.wav"
            speaker = Speaker([*espeak_command(engine), "-w", str(wav)])
            speaker.say(phase.prompt.replace("—", ","))
            speaker.close(timeout=20)
            with wave.open(str(wav)) as audio:
                seconds = audio.getnframes() / audio.getframerate()
                samples = np.frombuffer(audio.readframes(audio.getnframes()), dtype="<i2")
            assert 1.0 < seconds < 8.0, (phase.key, seconds)
            rms_dbfs = 20 * np.log10(np.sqrt(np.mean(samples.astype(float) ** 2)) / 32768)
            assert -35.0 < rms_dbfs < -3.0, (phase.key, rms_dbfs)


@pytest.mark.model
def test_replay_of_a_rendered_session_runs_the_routine_end_to_end(tmp_path: Path):
    profile = tmp_path / "short.toml"
    profile.write_text("[routine]\nwarm_up_s = 3.0\nspots = 1\nroller_hold_min_s = 2.0\n"
                       "roller_hold_max_s = 4.0\nfinish_s = 2.0\nrest_s = 2.0\n")
    log = tmp_path / "log.jsonl"
    done = run_cli("replay", str(SAMPLES / "synthetic" / "roller_thoracic_ok.mp4"),
                   "--routine", "roller", "--profile", str(profile), "--log", str(log))
    assert done.returncode == 0, done.stderr
    rows = [json.loads(line) for line in log.read_text().splitlines()]
    phases = [row["metrics"].get("routine.phase_index") for row in rows]
    assert sorted(set(phases)) == [0.0, 1.0, 2.0, 3.0, 4.0]
    assert phases == sorted(phases)  # in order
    prompts = {row["cue"] for row in rows if (row["cue"] or "").startswith("routine.")}
    assert prompts == {"routine.warm_up", "routine.spots", "routine.finish", "routine.rest"}
    assert "Routine: " in done.stdout and "phases completed" in done.stdout
