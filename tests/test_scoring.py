"""Scoring a replay against ground truth (posecoach.evaluation), from hand-built truths and
frame records: no model, no video. Each rule is one a gamed or careless score would break."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posecoach.errors import PosecoachError
from posecoach.evaluation import runner
from posecoach.evaluation.gate import ISSUE_11, Thresholds, check, failures
from posecoach.evaluation.scoring import (
    CLEAR_LIMIT_S,
    CORRECTIVE_CUES,
    ClearStatus,
    FrameRecord,
    no_fault_stretches,
    score_clip,
)
from posecoach.evaluation.summary import by_coach, by_cue, by_factor, by_family, summarise
from posecoach.evaluation.truth import PropTruth, Segment, Truth, load_truth

FPS = 10.0


def make_truth(segments: list[tuple[str, float, float]], duration_s: float = 20.0, *,
               name: str = "clip", family: str = "roller", nuisance: dict | None = None,
               prop: PropTruth | None = None) -> Truth:
    n = int(round(duration_s * FPS))
    return Truth(
        name=name, video=Path(f"{name}.mp4"), fps=FPS, frame_count=n, exercise=family,
        landmarks=np.full((n, 33, 2), np.nan), visible=np.zeros((n, 33), dtype=bool),
        prop=prop or PropTruth.empty(n), shoulder_hip_cm=50.0,
        segments=tuple(Segment(label, start, end) for label, start, end in segments),
        family=family, nuisance=nuisance or {})


def timeline(duration_s: float, *shown: tuple[str, float, float]) -> list[FrameRecord]:
    """One record per frame; cue ``key`` shown from ``start`` (inclusive) to ``end``."""
    records = []
    for i in range(int(round(duration_s * FPS))):
        t = i / FPS
        cue = next((key for key, start, end in shown if start <= t + 1e-9 < end), None)
        records.append(FrameRecord(t=t, cue=cue))
    return records


# --- false alarms ---------------------------------------------------------------------------

def test_a_cue_during_holding_is_a_false_alarm():
    """Hands behind the head, rolling then holding: "Support your head" is wrong all along
    (the old scoring let "holding" forbid nothing)."""
    truth = make_truth([("setting_up", 0, 2.8), ("roller_thoracic", 3.8, 18),
                        ("rolling_ok_pace", 5, 11.5), ("holding", 12.5, 18)], 18)
    score = score_clip(truth, timeline(18, ("roller.head", 13, 16)))
    assert [(a.cue, a.correct) for a in score.alarms] == [("roller.head", False)]
    assert "holding" in score.false_alarms[0].labels
    assert len(score.stretches) == 1 and score.stretches[0].false_alarm
    assert summarise("x", [score]).false_alarm_rate == 1.0


def test_any_corrective_cue_while_setting_up_is_a_false_alarm():
    """The old scoring forbade only prop cues while setting up, so "Sit tall" passed."""
    truth = make_truth([("setting_up", 0, 2.8), ("roller_thoracic", 3.8, 18)], 18)
    score = score_clip(truth, timeline(18, ("posture.slouch", 1, 2)))
    assert score.stretches[0].false_cues == ("posture.slouch",)


def test_information_cues_are_not_false_alarms():
    truth = make_truth([("roller_thoracic", 0, 18), ("holding", 5, 18)], 18)
    score = score_clip(truth, timeline(18, ("roller.hold", 6, 12), ("scene.dark", 13, 14)))
    assert score.alarms == () and not score.stretches[0].false_alarm


def test_the_wrong_cue_during_another_fault_is_a_false_alarm():
    """During a roller on the neck, "Slow down" does not answer it: wrong, though a fault is
    present (it is not in a no-fault stretch, so the stretch rate does not see it)."""
    truth = make_truth([("roller_thoracic", 0, 7), ("roller_cervical", 9, 20)], 20)
    score = score_clip(truth, timeline(20, ("roller.cervical", 10, 12),
                                       ("roller.too_fast", 12, 14)))
    assert [(a.cue, a.correct) for a in score.alarms] == [
        ("roller.cervical", True), ("roller.too_fast", False)]
    assert not any(s.false_alarm for s in score.stretches)
    assert summarise("x", [score]).false_alarms == 1


def test_a_cue_may_come_one_second_early_but_not_two():
    truth = make_truth([("upright", 0, 6), ("slouched", 7.5, 14), ("upright", 15.5, 20)], 20)
    early = score_clip(truth, timeline(20, ("posture.slouch", 6.7, 14)))
    assert all(a.correct for a in early.alarms) and early.faults[0].onset_s == 0.0
    too_early = score_clip(truth, timeline(20, ("posture.slouch", 5.5, 14)))
    assert [a.correct for a in too_early.alarms] == [False, True]
    assert too_early.stretches[0].false_alarm  # 0 … 6.5 s, upright


def test_a_cue_lingering_past_the_clearing_limit_is_a_false_alarm_there():
    truth = make_truth([("upright", 0, 6), ("slouched", 7.5, 12), ("upright", 13.5, 20)], 20)
    score = score_clip(truth, timeline(20, ("posture.slouch", 8, 12 + CLEAR_LIMIT_S + 1)))
    assert [a.correct for a in score.alarms] == [True, False]
    assert [s.false_alarm for s in score.stretches] == [False, True]
    assert score.faults[0].clear is ClearStatus.NOT_CLEARED


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(sorted(CORRECTIVE_CUES) + ["roller.hold", None]),
                          st.floats(0, 11), st.floats(0.1, 3)), max_size=4))
def test_in_a_clip_without_faults_every_corrective_cue_is_a_false_alarm(shown):
    truth = make_truth([("setting_up", 0, 3), ("roller_thoracic", 4, 12)], 12)
    spans = [(cue, start, start + length) for cue, start, length in shown if cue]
    records = timeline(12, *spans)
    score = score_clip(truth, records)
    any_corrective = any(r.cue in CORRECTIVE_CUES for r in records)
    assert score.stretches[0].false_alarm == any_corrective
    assert all(not a.correct for a in score.alarms)


# --- stretches ------------------------------------------------------------------------------

def test_stretches_bridge_short_movements_and_leave_out_faults_with_their_grace():
    segments = [Segment("upright", 0, 4), Segment("looking_down", 5.5, 9.5),
                Segment("upright", 11, 13.5), Segment("slouched", 15, 19),
                Segment("upright", 20.5, 22), Segment("leaning", 23.5, 27)]
    assert no_fault_stretches(segments, 0, 27) == [(0, 14), (21, 22.5)]


def test_a_long_unlabelled_gap_splits_stretches_and_short_remnants_do_not_count():
    segments = [Segment("upright", 0, 4), Segment("upright", 8, 12), Segment("slouched", 13, 15),
                Segment("upright", 16, 17.5), Segment("leaning", 18, 20)]
    assert no_fault_stretches(segments, 0, 20) == [(0, 4), (8, 12)]


def test_stretches_after_the_last_frame_are_not_scored():
    segments = [Segment("upright", 0, 30)]
    assert no_fault_stretches(segments, 0, 4.5) == [(0, 4.5)]


# --- onset and clearing -----------------------------------------------------------------------

def test_onset_is_timed_from_the_fault_start_and_late_cues_are_misses():
    truth = make_truth([("roller_thoracic", 0, 5), ("roller_lumbar", 6, 16),
                        ("roller_thoracic", 17, 25)], 25)
    quick = score_clip(truth, timeline(25, ("roller.lumbar", 7.2, 16.5))).faults[0]
    assert quick.onset_s == pytest.approx(1.2) and quick.detected
    late = score_clip(truth, timeline(25, ("roller.lumbar", 10, 16.5))).faults[0]
    assert late.onset_s == pytest.approx(4.0) and not late.detected
    never = score_clip(truth, timeline(25)).faults[0]
    assert never.onset_s is None and never.clear is ClearStatus.NOT_SHOWN


def test_a_cue_that_never_clears_fails_clearing():
    """The old scoring gave it no clearing time and passed it."""
    truth = make_truth([("roller_thoracic", 0, 5), ("roller_cervical", 6, 12),
                        ("roller_thoracic", 13, 20)], 20)
    fault = score_clip(truth, timeline(20, ("roller.cervical", 7, 20))).faults[0]
    assert fault.clear is ClearStatus.NOT_CLEARED and fault.clear_value_s == float("inf")


def test_a_cue_that_blinks_off_then_returns_is_not_cleared_by_the_blink():
    truth = make_truth([("upright", 0, 5), ("slouched", 6, 12), ("upright", 13, 20)], 20)
    records = timeline(20, ("posture.slouch", 7, 12.5), ("posture.slouch", 12.6, 15))
    fault = score_clip(truth, records).faults[0]
    assert fault.clear is ClearStatus.NOT_CLEARED and fault.clear_latency_s == pytest.approx(3)


def test_a_cue_gone_within_the_limit_is_cleared():
    truth = make_truth([("upright", 0, 5), ("slouched", 6, 12), ("upright", 13, 20)], 20)
    fault = score_clip(truth, timeline(20, ("posture.slouch", 7, 13.5))).faults[0]
    assert fault.clear is ClearStatus.CLEARED and fault.clear_latency_s == pytest.approx(1.5)


def test_a_clip_that_ends_before_clearing_can_be_seen_is_unscorable_not_passed():
    truth = make_truth([("upright", 0, 5), ("slouched", 6, 18)], 18)
    fault = score_clip(truth, timeline(18, ("posture.slouch", 7, 18))).faults[0]
    assert fault.clear is ClearStatus.UNSCORABLE
    group = summarise("x", [score_clip(truth, timeline(18, ("posture.slouch", 7, 18)))])
    assert (group.cleared, group.clear_scorable, group.unscorable) == (0, 0, 1)


def test_the_same_fault_again_soon_after_stops_the_clearing_watch():
    """Slouching again 1.5 s after sitting up: a cue kept across is not a failure to clear."""
    truth = make_truth([("upright", 0, 4), ("slouched", 5, 9), ("upright", 9.5, 10),
                        ("slouched", 11.5, 16), ("upright", 17, 25)], 25)
    first, second = score_clip(truth, timeline(25, ("posture.slouch", 5.5, 17))).faults
    assert first.clear is ClearStatus.UNSCORABLE
    assert second.clear is ClearStatus.CLEARED


def test_overlapping_faults_answered_by_one_cue_leave_the_first_clearing_unscorable():
    truth = make_truth([("upright", 0, 4), ("slouched", 5, 10), ("slouched", 8, 14),
                        ("upright", 15, 25)], 25)
    first, second = score_clip(truth, timeline(25, ("posture.slouch", 6, 15))).faults
    assert first.clear is ClearStatus.UNSCORABLE and second.clear is ClearStatus.CLEARED


# --- the prop ---------------------------------------------------------------------------------

def prop_truth(n: int, kind: str, visible: np.ndarray, in_contact: np.ndarray,
               fraction: float = 0.8, center=(100.0, 100.0), px_per_cm: float = 4.0
               ) -> PropTruth:
    return PropTruth(kind, visible, in_contact, np.where(in_contact[:, None], 1.0, np.nan)
                     * np.ones((n, 2)), np.where(in_contact, fraction, np.nan),
                     np.tile(center, (n, 1)), np.full(n, px_per_cm))


def test_coverage_counts_visible_frames_on_the_back_only():
    n = 100
    visible = np.arange(n) < 80  # hidden for the last 20 frames
    in_contact = np.arange(n) >= 10  # on the back from frame 10
    truth = make_truth([("roller_thoracic", 0, 10)], 10,
                       prop=prop_truth(n, "roller", visible, in_contact))
    found = np.arange(n) >= 40  # found at frames 40…99: 40 of the 70 visible on the back
    records = [FrameRecord(t=i / FPS, cue=None, prop_fraction=0.8 if found[i] else None)
               for i in range(n)]
    prop = score_clip(truth, records).prop
    assert (prop.visible_frames, prop.covered_frames) == (70, 40)
    assert prop.coverage == pytest.approx(40 / 70)


def test_a_position_while_the_prop_is_off_the_back_is_a_phantom():
    n = 50
    truth = make_truth([("ball_upper_back", 0, 5)], 5, family="ball_wall",
                       prop=prop_truth(n, "ball", np.ones(n, bool), np.arange(n) < 20))
    records = [FrameRecord(t=i / FPS, cue=None, prop_fraction=0.8) for i in range(n)]
    prop = score_clip(truth, records).prop
    assert prop.phantom_frames == 30 and prop.coverage == 1.0


def test_prop_errors_along_the_spine_and_of_the_ball_centre_in_cm():
    n = 10
    truth = make_truth([("ball_upper_back", 0, 1)], 1, family="ball_wall",
                       prop=prop_truth(n, "ball", np.ones(n, bool), np.ones(n, bool),
                                       fraction=0.8, center=(100.0, 100.0), px_per_cm=4.0))
    records = [FrameRecord(t=i / FPS, cue=None, prop_fraction=0.8 + 0.01 * i,
                           prop_center=np.array([100.0 + 2 * i, 100.0])) for i in range(n)]
    prop = score_clip(truth, records).prop
    assert prop.spine_errors_cm == pytest.approx([0.5 * i for i in range(n)])  # 50 cm torso
    assert prop.centre_errors_cm == pytest.approx([0.5 * i for i in range(n)])  # 4 px/cm
    assert prop.centre_error_cm == pytest.approx(2.25)


def test_roller_error_percentiles_pool_frames_of_roller_clips():
    n = 100
    truth = make_truth([("roller_thoracic", 0, 10)], 10,
                       prop=prop_truth(n, "roller", np.ones(n, bool), np.ones(n, bool), 0.5))
    records = [FrameRecord(t=i / FPS, cue=None, prop_fraction=0.5 + i / 5000)
               for i in range(n)]  # errors 0, 0.01, … 0.99 cm
    group = summarise("roller", [score_clip(truth, records)])
    assert group.roller_error_cm == pytest.approx(0.495, abs=1e-6)
    assert group.roller_error_p90_cm == pytest.approx(0.891, abs=1e-6)
    assert group.ball_error_cm is None


# --- grouping and per-cue numbers --------------------------------------------------------------

def posture_clip(name: str, family: str, nuisance: dict, cue_at: float | None,
                 wrong_at: float | None = None):
    truth = make_truth([("upright", 0, 6), ("slouched", 7.5, 12), ("upright", 13.5, 20)], 20,
                       name=name, family=family, nuisance=nuisance)
    shown = []
    if cue_at is not None:
        shown.append(("posture.slouch", cue_at, 12.5))
    if wrong_at is not None:
        shown.append(("posture.lean", wrong_at, wrong_at + 1))
    return score_clip(truth, timeline(20, *shown))


def scores_for_grouping():
    return [
        posture_clip("a", "seated_side", {"azimuth_deg": -25.0, "clothing": "red"}, 8.0),
        posture_clip("b", "seated_side", {"azimuth_deg": 5.0, "clothing": "blue"}, None, 2.0),
        posture_clip("c", "seated_front", {"azimuth_deg": 24.0, "clothing": "red",
                                           "mirrored": True, "muscle": 0.9}, 8.5, 16.0),
    ]


def test_results_are_grouped_per_family_and_per_coach():
    families = {g.name: g for g in by_family(scores_for_grouping())}
    assert list(families) == ["seated_side", "seated_front"]
    assert (families["seated_side"].caught, families["seated_side"].faults) == (1, 2)
    assert families["seated_side"].false_alarm_rate == 0.25  # b's first stretch of 4
    assert families["seated_front"].false_alarm_rate == 0.5
    (posture,) = by_coach(scores_for_grouping())
    assert posture.name == "posture" and posture.recall == pytest.approx(2 / 3)


def test_results_are_grouped_per_nuisance_factor_with_azimuth_binned_by_size():
    rows = {(r.factor, r.bin): r.summary for r in by_factor(scores_for_grouping())}
    assert rows[("|azimuth_deg|", "≥ 20")].clips == 2  # −25° and +24° together
    assert rows[("|azimuth_deg|", "< 10")].recall == 0.0
    assert rows[("clothing", "red")].recall == 1.0
    assert rows[("clothing", "blue")].false_alarm_rate == 0.5
    assert rows[("mirrored", "true")].clips == 1
    assert rows[("muscle", "≥ 0.67")].clips == 1  # anny's 0–1 sliders in thirds


def test_precision_and_recall_per_cue():
    cues = {c.cue: c for c in by_cue(scores_for_grouping())}
    assert (cues["posture.slouch"].precision, cues["posture.slouch"].recall) == (1.0, 2 / 3)
    assert cues["posture.lean"].precision == 0.0 and cues["posture.lean"].recall is None
    assert cues["posture.forward_head"].recall == 2 / 3  # it answers the same slouches


# --- the gate -----------------------------------------------------------------------------------

def test_the_gate_names_each_failed_threshold_and_group():
    failed = failures(check(scores_for_grouping(), ISSUE_11))
    assert {(f.name, f.scope) for f in failed} == {("recall", "posture"),
                                                   ("false_alarm_rate", "posture")}
    assert all("posture" in f.line() for f in failed)


def test_a_gate_without_data_for_a_threshold_does_not_pass_it_silently_as_a_number():
    checks = check(scores_for_grouping(), Thresholds(max_roller_error_cm=3.0))
    assert [(c.scope, c.passed) for c in checks] == [("roller", None)]


def test_thresholds_reject_impossible_values():
    with pytest.raises(ValueError, match="min_recall"):
        Thresholds(min_recall=95)
    with pytest.raises(ValueError, match="max_onset_s"):
        Thresholds(max_onset_s=-1)


# --- truth files --------------------------------------------------------------------------------

def truth_json(name: str, **extra) -> dict:
    frames = [{"i": i, "t": i / FPS, "landmarks_px": None, "prop": None} for i in range(30)]
    return {"format": "posecoach-truth/1", "name": name, "fps": FPS, "frame_count": 30,
            "view": "front", "exercise": "posture", "frames": frames,
            "segments": [{"label": "upright", "start_s": 0.0, "end_s": 3.0}], **extra}


def test_new_keys_are_read_from_gzipped_truth(tmp_path: Path):
    path = tmp_path / "x.truth.json.gz"
    nuisance = {"azimuth_deg": -18.2, "facing": "left", "mirrored": False}
    with gzip.open(path, "wt", encoding="utf-8") as f:
        json.dump(truth_json("x", split="test", family="seated_side", transition="look_down",
                             seed=7, nuisance=nuisance), f)
    truth = load_truth(path)
    assert (truth.split, truth.family, truth.transition, truth.seed) == (
        "test", "seated_side", "look_down", 7)
    assert truth.nuisance == nuisance and truth.video == tmp_path / "x.mp4"


@pytest.mark.parametrize(("exercise", "view", "family"), [
    ("posture", "front", "seated_front"), ("posture", "side-left-facing", "seated_side"),
    ("none", "none", "empty"), ("ball_wall", "side-left-facing", "ball_wall")])
def test_old_truth_files_get_a_family_from_exercise_and_view(tmp_path: Path, exercise, view,
                                                             family):
    path = tmp_path / "y.truth.json"
    path.write_text(json.dumps(truth_json("y", exercise=exercise, view=view)))
    truth = load_truth(path)
    assert (truth.family, truth.split, truth.nuisance) == (family, None, {})


def test_the_true_scale_at_the_ball_comes_from_the_camera(tmp_path: Path):
    data = truth_json("b", exercise="ball_wall")
    data["camera"] = {"focal_px": 500.0, "pose_cam_to_world": np.eye(4).tolist()}
    data["frames"][0]["prop"] = {"kind": "ball", "center_px": [10, 20], "contact_px": [12, 20],
                                 "spine_fraction": 0.8, "in_contact": True, "visible": True,
                                 "center_world_m": [0.0, 0.0, -2.5]}  # 2.5 m in front
    path = tmp_path / "b.truth.json"
    path.write_text(json.dumps(data))
    prop = load_truth(path).prop
    assert prop.kind == "ball" and prop.px_per_cm[0] == pytest.approx(2.0)
    assert prop.visible[0] and not prop.in_contact[1]


def test_only_posecoach_truth_files_are_found(tmp_path: Path):
    (tmp_path / "a.truth.json").write_text(json.dumps(truth_json("a")))
    (tmp_path / "boxes.truth.json").write_text(json.dumps({"person_box_xyxy": [0, 0, 1, 1]}))
    with gzip.open(tmp_path / "c.truth.json.gz", "wt") as f:
        json.dump(truth_json("c"), f)
    with gzip.open(tmp_path / "a.truth.json.gz", "wt") as f:  # beside the plain one
        json.dump(truth_json("a"), f)
    names = [p.name for p in runner.find_truth_files([tmp_path])]
    assert names == ["a.truth.json", "c.truth.json.gz"]


# --- the command --------------------------------------------------------------------------------

@pytest.fixture
def fake_samples(tmp_path: Path, monkeypatch) -> Path:
    """Two posture clips of the test split and one of dev; the "replay" shows a slouch cue
    1 s into each fault of the test clips and a stray "Sit evenly" in the dev clip."""
    for name, split in (("t1", "test"), ("t2", "test"), ("d1", "dev")):
        data = truth_json(name, split=split, family="seated_side", nuisance={"light_level": 0.4})
        data["frames"] = [{"i": i, "t": i / FPS, "landmarks_px": None, "prop": None}
                          for i in range(200)]
        data["frame_count"] = 200
        data["segments"] = [{"label": "upright", "start_s": 0.0, "end_s": 6.0},
                            {"label": "slouched", "start_s": 7.5, "end_s": 12.0},
                            {"label": "upright", "start_s": 13.5, "end_s": 20.0}]
        (tmp_path / f"{name}.truth.json").write_text(json.dumps(data))
        (tmp_path / f"{name}.mp4").write_bytes(b"")  # never opened: the replay is faked

    def fake_replay(truth, settings):
        if truth.split == "dev":
            return timeline(20, ("posture.lean", 2, 3))
        return timeline(20, ("posture.slouch", 8.5, 12.5))

    monkeypatch.setattr(runner, "replay", fake_replay)
    return tmp_path


def run_eval(*args: str):
    from typer.testing import CliRunner

    from posecoach.cli import app

    return CliRunner().invoke(app, ["eval", *args], env={"COLUMNS": "200"})


def test_eval_passes_a_gate_that_is_met(fake_samples: Path, tmp_path: Path):
    report = tmp_path / "scores.json"
    result = run_eval(str(fake_samples), "--split", "test", "--gate", "--json", str(report))
    assert result.exit_code == 0, result.output
    assert "per family" in result.stdout and "per nuisance factor" in result.stdout
    data = json.loads(report.read_text())
    assert [c["name"] for c in data["clips"]] == ["t1", "t2"]
    assert data["coaches"][0]["recall"] == 1.0


def test_eval_exits_1_naming_each_failed_threshold(fake_samples: Path):
    result = run_eval(str(fake_samples), "--min-recall", "0.95", "--max-false-alarm-rate",
                      "0.05", "--max-onset-s", "0.5")
    assert result.exit_code == 1, result.output
    lines = [line for line in result.stderr.splitlines() if "gate failed" in line]
    assert len(lines) == 3, result.stderr
    assert any("recall[posture] = 0.667" in line for line in lines)  # the dev clip's miss
    assert any("false_alarm_rate[posture] = 0.167" in line for line in lines)
    assert any("onset_median_s[posture] = 1 " in line for line in lines)


def test_eval_names_samples_whose_video_is_missing_before_replaying_any(fake_samples: Path):
    (fake_samples / "t2.mp4").unlink()
    result = run_eval(str(fake_samples))
    assert isinstance(result.exception, PosecoachError)  # main() makes it one line, exit 2
    assert "t2.mp4" in str(result.exception) and "evaluating" not in result.output


def test_eval_refuses_an_unknown_split(fake_samples: Path):
    result = run_eval(str(fake_samples), "--split", "train")
    assert result.exit_code == 2 and "train" in result.output
