"""Set-up guidance: each condition fires through the coach, stays quiet on good set-ups, and
goes once fixed. Frames are crafted; poses come from the landmark factories."""

from __future__ import annotations

from types import SimpleNamespace

import cv2
import numpy as np
import pytest

from posecoach.coach import Coach, CoachState
from posecoach.geometry import body_geometry
from posecoach.guidance import (
    CUE_CAMERA_HIGH,
    CUE_CLOSER,
    CUE_GRAINY,
    CUE_ONE_PERSON,
    CUE_ROLLER_UNSEEN,
    CUE_SIDE_ON,
    CUE_STEP_BACK,
    GRAIN_ONSET,
    SIDE_ON_CLEAR,
    SIDE_ON_ONSET,
    GuidanceStage,
    camera_down_deg,
    noise_sigma,
)
from posecoach.landmarks import Landmark as L
from posecoach.props.methods import RollerMethod
from posecoach.types import Cue, Frame, FrameResult, Pose, Severity
from tests.conftest import SAMPLES
from tests.factories import make_lying_pose, make_pose, make_side_pose, selected

FPS = 10.0
SAFETY = Cue("roller.lumbar", "Move the roller up", Severity.SAFETY)


def smooth_image(size: tuple[int, int] = (640, 480), level: int = 120) -> np.ndarray:
    """A lit room: a gentle gradient and a few hard edges, no noise."""
    width, height = size
    ramp = np.linspace(level - 30, level + 30, width, dtype=np.float32)
    image = np.repeat(np.repeat(ramp[None, :, None], height, axis=0), 3, axis=2)
    image[100:300, 200:260] = 30  # a door frame, a shelf: edges are not noise
    image[350:360, :] = 220
    return image.astype(np.uint8)


def grainy_image(sigma: float, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noisy = smooth_image().astype(np.float32) + rng.normal(0, sigma, (480, 640, 3))
    return np.clip(noisy, 0, 255).astype(np.uint8)


class Scene:
    """A guidance stage and the coach, fed one crafted frame at a time at FPS."""

    def __init__(self) -> None:
        self.stage = GuidanceStage(grain_bands=1)
        self.coach = Coach()
        self.state = CoachState()
        self.i = 0

    def step(self, pose: Pose | None, exercise: str = "roller", people: int = 1,
             image: np.ndarray | None = None, fields: dict | None = None,
             checks: tuple = ()) -> FrameResult:
        t = self.i / FPS
        frame = Frame(smooth_image() if image is None else image, t, self.i)
        self.i += 1
        result = FrameResult(frame_index=frame.index, t=t, pose=pose, inference_ms=0.0,
                             metrics={"scene.people": float(people)}, checks=checks,
                             selection=selected(exercise), **(fields or {}))
        result = self.stage.update(frame, result)
        self.state, decision = self.coach.step(self.state, t, result.checks, pose is not None,
                                               exercise)
        return FrameResult(**{**result.__dict__, "cue": decision.cue,
                              "active": decision.active})

    def run(self, seconds: float, pose: Pose | None, **kwargs) -> list[str | None]:
        """The cue key on screen at each frame."""
        return [(r.cue.key if r.cue else None)
                for r in (self.step(pose, **kwargs) for _ in range(int(seconds * FPS)))]


ROLLER_SEEN = {"roller_detection": SimpleNamespace(method=RollerMethod.COLOUR)}


def good_lying() -> Pose:
    return make_lying_pose(hip=(300.0, 350.0))


def raised_far_side(pose: Pose, down_deg: float) -> Pose:
    """The same body seen by a camera looking down ``down_deg``: the far (right) shoulder and
    hip rise by span · sin(angle)."""
    geometry = body_geometry(pose)
    xy = pose.xy.copy()
    for landmark, span_cm in ((L.RIGHT_SHOULDER, 36.0), (L.RIGHT_HIP, 21.0)):
        xy[landmark, 1] -= span_cm * geometry.px_per_cm * np.sin(np.radians(down_deg))
    return pose.with_xy(xy)


def test_good_roller_set_up_gets_no_guidance():
    scene = Scene()
    cues = scene.run(8.0, good_lying(), fields=ROLLER_SEEN)
    assert cues == [None] * len(cues)


def test_good_wall_set_up_gets_no_guidance():
    scene = Scene()
    cues = scene.run(8.0, make_side_pose(sitting=False, hip=(320.0, 300.0)), exercise="ball")
    assert cues == [None] * len(cues)


def test_front_view_at_the_wall_asks_to_turn_side_on_and_stops_once_turned():
    scene = Scene()
    front = make_pose()  # facing the camera: shoulders 70 px wide on a 110 px torso
    cues = scene.run(3.0, front, exercise="ball")
    assert cues[:10] == [None] * 10  # not on a glance: information onset
    assert cues[-1] == CUE_SIDE_ON.key
    cues = scene.run(2.0, make_side_pose(sitting=False, hip=(320.0, 300.0)), exercise="ball")
    assert cues[-1] is None
    assert CUE_SIDE_ON.key not in scene.state.problems or \
        not scene.state.problems[CUE_SIDE_ON.key].active


def test_front_view_does_not_bother_the_posture_coach():
    scene = Scene()
    cues = scene.run(5.0, make_pose(), exercise="posture")
    assert CUE_SIDE_ON.key not in cues


def test_feet_out_of_the_frame_on_the_floor_asks_to_step_back_until_they_are_back():
    scene = Scene()
    pose = good_lying()
    presence = pose.presence.copy()
    presence[[L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL]] = 0.1
    cut = Pose(pose.xy, pose.visibility, presence)
    cues = scene.run(3.0, cut, fields=ROLLER_SEEN)
    assert cues[-1] == CUE_STEP_BACK.key
    assert "feet" in scene.step(cut, fields=ROLLER_SEEN).cue.text
    cues = scene.run(2.0, pose, fields=ROLLER_SEEN)
    assert cues[-1] is None


def test_head_beyond_the_frame_edge_counts_as_cut():
    scene = Scene()
    shifted = make_lying_pose(hip=(460.0, 350.0))  # head end past x = 640
    assert shifted.xy[L.NOSE, 0] > 639
    cues = scene.run(3.0, shifted, fields=ROLLER_SEEN)
    assert cues[-1] == CUE_STEP_BACK.key


def test_two_people_ask_for_one_and_it_stops_when_the_other_leaves():
    scene = Scene()
    cues = scene.run(3.0, good_lying(), people=2, fields=ROLLER_SEEN)
    assert cues[-1] == CUE_ONE_PERSON.key
    cues = scene.run(2.0, good_lying(), people=1, fields=ROLLER_SEEN)
    assert cues[-1] is None


def test_grainy_dim_picture_asks_for_light_and_stops_when_lit():
    scene = Scene()
    cues = scene.run(3.0, good_lying(), image=grainy_image(20.0), fields=ROLLER_SEEN)
    assert cues[-1] == CUE_GRAINY.key
    cues = scene.run(2.0, good_lying(), image=grainy_image(2.0), fields=ROLLER_SEEN)
    assert cues[-1] is None


@pytest.mark.parametrize("sigma", [3.0, 8.0, 16.0, 25.0])
def test_noise_estimate_follows_the_added_noise_despite_edges(sigma):
    assert noise_sigma(grainy_image(sigma)) == pytest.approx(sigma, rel=0.2)
    assert noise_sigma(smooth_image()) < 1.0


def test_rendered_sample_frames_are_not_grainy():
    clips = sorted((SAMPLES / "generalisation" / "val").glob("*.mp4"))[:6]
    assert clips, "val samples missing"
    for clip in clips:
        capture = cv2.VideoCapture(str(clip))
        ok, image = capture.read()
        capture.release()
        assert ok, clip
        assert noise_sigma(image) < GRAIN_ONSET, clip.name


def test_hidden_roller_in_roller_mode_asks_to_keep_it_in_view():
    scene = Scene()
    cues = scene.run(3.0, good_lying())  # no roller detection
    assert cues[-1] == CUE_ROLLER_UNSEEN.key
    cues = scene.run(2.0, good_lying(), fields=ROLLER_SEEN)
    assert cues[-1] is None


def test_leaving_roller_mode_drops_the_roller_cue_at_once():
    scene = Scene()
    scene.run(3.0, good_lying())
    result = scene.step(make_side_pose(), exercise="posture")
    assert result.cue is None or result.cue.key != CUE_ROLLER_UNSEEN.key


@pytest.mark.parametrize("down_deg", [0.0, 10.0, 20.0, 35.0, 50.0])
def test_camera_angle_is_measured_from_the_near_and_far_shoulders(down_deg):
    pose = raised_far_side(good_lying(), down_deg)
    measured = camera_down_deg(pose, body_geometry(pose))
    assert measured == pytest.approx(down_deg, abs=3.0)


def test_upper_body_roll_alone_does_not_read_as_a_high_camera():
    pose = good_lying()
    geometry = body_geometry(pose)
    xy = pose.xy.copy()
    xy[L.RIGHT_SHOULDER, 1] -= 36.0 * geometry.px_per_cm * 0.7  # shoulders turned, hips not
    rolled = pose.with_xy(xy)
    assert camera_down_deg(rolled, body_geometry(rolled)) < 10.0


def test_high_camera_asks_to_lower_it_and_stops_once_lowered():
    scene = Scene()
    cues = scene.run(3.0, raised_far_side(good_lying(), 50.0), fields=ROLLER_SEEN)
    assert cues[-1] == CUE_CAMERA_HIGH.key
    cues = scene.run(2.0, raised_far_side(good_lying(), 20.0), fields=ROLLER_SEEN)
    assert cues[-1] is None


def test_a_high_camera_is_measured_whichever_side_the_model_calls_near():
    # From above both sides of the body show and the model's visibilities may call the far
    # side near (seen on a rendered clip with the camera 46° down).
    pose = raised_far_side(good_lying(), 50.0)
    visibility = pose.visibility.copy()
    right = [L.RIGHT_EAR, L.RIGHT_SHOULDER, L.RIGHT_HIP, L.RIGHT_KNEE]
    left = [L.LEFT_EAR, L.LEFT_SHOULDER, L.LEFT_HIP, L.LEFT_KNEE]
    visibility[right], visibility[left] = 0.99, 0.6
    swapped = Pose(pose.xy, visibility, pose.presence)
    geometry = body_geometry(swapped)
    assert geometry.near_side == "right"
    assert camera_down_deg(swapped, geometry) == pytest.approx(50.0, abs=3.0)


def test_camera_angle_is_not_judged_for_people_standing():
    pose = make_side_pose(sitting=False)
    assert camera_down_deg(pose, body_geometry(pose)) is None


def test_safety_cue_wins_over_guidance():
    from posecoach.types import Check
    scene = Scene()
    lumbar = Check(SAFETY, 1.0, 0.5, 0.5)
    cues = scene.run(4.0, good_lying(), people=2, checks=(lumbar,), fields=ROLLER_SEEN)
    assert cues[-1] == SAFETY.key
    assert CUE_ONE_PERSON.key in scene.state.problems
    assert scene.state.problems[CUE_ONE_PERSON.key].active


def test_grain_bands_must_be_positive():
    with pytest.raises(ValueError, match="grain_bands"):
        GuidanceStage(grain_bands=0)


@pytest.mark.parametrize("sigma", [3.0, 16.0])
def test_noise_measured_band_by_band_matches_the_whole_picture(sigma):
    """Measured a band of rows per frame (bounded work per frame), the estimate equals the
    whole picture's once every band has been seen."""
    from posecoach.guidance import GrainMeter

    image = grainy_image(sigma)
    meter = GrainMeter(15)
    for _ in range(15):
        banded = meter.update(image)
    assert banded == pytest.approx(noise_sigma(image), rel=0.03)


def test_a_high_camera_is_not_mistaken_for_a_front_view():
    from posecoach.guidance import side_on_ratio
    pose = raised_far_side(good_lying(), 60.0)
    assert body_geometry(pose).width_ratio > SIDE_ON_ONSET  # the plain width ratio is fooled
    assert side_on_ratio(pose, body_geometry(pose)) < SIDE_ON_CLEAR


def test_lying_person_seen_from_the_head_end_is_asked_to_turn_side_on():
    from posecoach.guidance import side_on_ratio
    pose = good_lying()
    geometry = body_geometry(pose)
    xy = pose.xy.copy()
    # Camera turned toward the feet: the far side shows beside the near side along the body.
    for landmark in (L.RIGHT_SHOULDER, L.RIGHT_HIP):
        xy[landmark] += 0.7 * geometry.torso_px * (geometry.mid_shoulder - geometry.mid_hip) \
            / geometry.torso_px
    turned = pose.with_xy(xy)
    assert side_on_ratio(turned, body_geometry(turned)) > 0.6


def replay_keys(model_file, crop_x: int = 0) -> list[str | None]:
    """The cue keys a session shows on the rendered roller sample (4–10 s: lying on the
    roller, rolling at a good pace), optionally with the picture's left ``crop_x`` px cut."""
    from posecoach.config import load_settings
    from posecoach.estimator import PoseEstimator
    from posecoach.session import build_pipeline
    from posecoach.sources import VideoFileSource

    settings = load_settings()
    keys = []
    with PoseEstimator(model_file, settings.model) as estimator, \
            VideoFileSource(SAMPLES / "synthetic" / "roller_thoracic_ok.mp4") as source:
        pipeline = build_pipeline(settings, estimator)
        for frame in source:
            if frame.t > 10.0:
                break
            image = np.ascontiguousarray(frame.image[:, crop_x:])
            result = pipeline.process(Frame(image, frame.t, frame.index))
            if frame.t >= 4.0:
                keys.append(result.cue.key if result.cue else None)
    return keys


@pytest.mark.model
def test_rendered_roller_session_stays_quiet_then_asks_for_the_feet_when_cut(model_file):
    good = replay_keys(model_file)
    assert not any(k and k.startswith("guide.") for k in good), set(good)
    # The same footage with the feet cut off by the frame's left edge (ankles at x ≈ 200).
    cut = replay_keys(model_file, crop_x=235)
    assert cut.count(CUE_STEP_BACK.key) > 0.5 * len(cut), set(cut)


def test_the_pipeline_counts_the_people_in_view_for_the_guidance():
    from posecoach.pipeline import Pipeline
    from posecoach.smoothing import OneEuroFilter, PoseSmoother
    from posecoach.tracking import PersonSelector
    from tests.factories import make_pose

    class TwoPeople:
        last_inference_ms = 0.0

        def __call__(self, image, t):
            return [make_pose(), make_pose(offset=(250.0, 0.0), scale=0.7)]

    pipeline = Pipeline(TwoPeople(), PoseSmoother(OneEuroFilter()), PersonSelector(),
                        [GuidanceStage()])
    result = pipeline.process(Frame(smooth_image(), 0.0, 0))
    assert result.metrics["scene.people"] == 2.0
    people = next(c for c in result.checks if c.key == CUE_ONE_PERSON.key)
    assert people.is_bad(False)


def test_a_far_camera_asks_for_it_closer_at_the_wall_and_stops_once_close():
    """A torso 30 px long puts a tennis ball ~4 px across: too small to find."""
    scene = Scene()
    far = make_side_pose(sitting=False, torso_px=30.0, hip=(320.0, 300.0))
    cues = scene.run(3.0, far, exercise="ball")
    assert cues[:10] == [None] * 10  # information onset, not on a glance
    assert cues[-1] == CUE_CLOSER.key
    assert scene.step(far, exercise="ball").cue.text == CUE_CLOSER.text
    cues = scene.run(2.5, make_side_pose(sitting=False, torso_px=60.0, hip=(320.0, 300.0)),
                     exercise="ball")
    assert cues[-1] is None


def test_someone_far_away_on_the_floor_with_no_prop_found_is_asked_for_the_camera_closer():
    scene = Scene()
    cues = scene.run(3.0, make_lying_pose(trunk_px=30.0, hip=(300.0, 350.0)), exercise="none")
    assert cues[-1] == CUE_CLOSER.key
    result = scene.step(make_lying_pose(trunk_px=30.0, hip=(300.0, 350.0)), exercise="none")
    assert "roller or ball" in result.cue.text
    # Close enough: the same person at a normal distance gets nothing.
    cues = scene.run(3.0, good_lying(), exercise="none")
    assert cues[-1] is None


@pytest.mark.parametrize("exercise", ["posture", "roller", "none"])
def test_a_small_person_is_not_asked_for_the_camera_closer_without_a_ball_to_find(exercise):
    """Sitting or standing far from the camera needs no ball; a roller is big enough."""
    scene = Scene()
    pose = (make_lying_pose(trunk_px=30.0, hip=(300.0, 350.0)) if exercise == "roller"
            else make_side_pose(sitting=exercise == "posture", torso_px=30.0))
    fields = ROLLER_SEEN if exercise == "roller" else None
    cues = scene.run(4.0, pose, exercise=exercise, fields=fields)
    assert CUE_CLOSER.key not in cues


def test_leaving_ball_mode_drops_the_closer_cue_at_once():
    scene = Scene()
    far = make_side_pose(sitting=False, torso_px=30.0, hip=(320.0, 300.0))
    scene.run(3.0, far, exercise="ball")
    result = scene.step(make_side_pose(torso_px=30.0), exercise="posture")
    assert result.cue is None or result.cue.key != CUE_CLOSER.key
    assert CUE_CLOSER.key not in result.active


def test_a_small_ball_that_is_found_anyway_gets_no_closer_cue():
    scene = Scene()
    far = make_side_pose(sitting=False, torso_px=30.0, hip=(320.0, 300.0))
    seen = {"ball_detection": SimpleNamespace(center_px=np.array([330.0, 280.0]), radius_px=2.0)}
    cues = scene.run(4.0, far, exercise="ball", fields=seen)
    assert CUE_CLOSER.key not in cues
