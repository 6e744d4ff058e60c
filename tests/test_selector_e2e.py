"""The exercise selector on rendered samples through the real model (marked ``model``)."""

from __future__ import annotations

import pytest

from posecoach.config import Settings
from posecoach.session import Outputs, run_session
from posecoach.sources import VideoFileSource
from tests.conftest import SAMPLES

pytestmark = pytest.mark.model


def exercises_over_time(name: str) -> list[tuple[float, str, str]]:
    rows: list[tuple[float, str, str]] = []
    run_session(VideoFileSource(SAMPLES / "synthetic" / f"{name}.mp4"), Settings(), Outputs(),
                show_window=False, save_calibrations=False, parallel=False,
                on_result=lambda r: rows.append((r.t, r.exercise_name,
                                                 r.selection.reason)))
    return rows


def test_a_person_at_a_desk_stays_in_posture_mode():
    rows = exercises_over_time("desk_front")
    assert {exercise for _, exercise, _ in rows} == {"posture"}
    assert {reason for _, _, reason in rows} <= {"sitting", "at the desk (legs out of view)"}


def test_lying_down_on_a_roller_enters_roller_mode_and_stays():
    rows = exercises_over_time("roller_thoracic_ok")
    # The person lies down during the first 2.8 s ("setting_up" in the sample's labels).
    assert all(exercise != "roller" for t, exercise, _ in rows if t < 1.0)
    on_roller = [(exercise, reason) for t, exercise, reason in rows if t >= 4.0]
    assert on_roller and set(on_roller) == {("roller", "lying on a roller")}
