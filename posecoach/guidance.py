"""Set-up guidance: information cues that help the user place themselves and the camera.

Each cue comes from a measured condition handed to the coach as a :class:`Check` of
information severity, so the coach's onset rule (about 1.5 s), hysteresis, clearing and
cooldown apply, and safety and form cues keep priority (docs/coaching.md §1, §7). A cue stops
as soon as its condition is fixed (the coach's ``clear_s``) or can no longer be measured.

Conditions (docs/coaching.md §7 gives the reasoning and numbers):

- **view**: roller and ball work is judged along the spine, which needs a side view;
  the width of the shoulders/hips against the torso length says the person faces the camera.
- **framing**: the head (every exercise) and the feet (people on the floor) must be inside
  the picture; a landmark the model places outside the frame or marks as absent is cut off.
- **grain**: a dim room makes webcams raise their gain; the picture gets grainy before it
  gets dark. Noise is measured on the grey picture (Immerkær's Laplacian-difference method
  with a median, robust to edges).
- **people**: several poses in the frame (the pipeline counts them before picking one).
- **prop**: in roller mode, a roller the detectors cannot see.
- **distance**: a ball too few pixels across to be found (from the body's scale), in ball
  mode or while someone lies on the floor with no prop found yet.
- **camera height**: for someone lying on the floor seen from the side, a camera above hip
  height sees the far shoulder higher in the picture than the near one, by the shoulder
  width times the sine of the camera's downward angle.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, replace

import numpy as np

from posecoach.geometry import (
    FRONT_MIN_WIDTH_RATIO,
    SHOULDER_SPAN_CM,
    SIDE_MAX_WIDTH_RATIO,
    BodyGeometry,
    BodyPosture,
    body_geometry,
)
from posecoach.landmarks import Landmark as L
from posecoach.props.ball import BALL_RADIUS_CM
from posecoach.selector import Exercise
from posecoach.types import Check, Cue, Frame, FrameResult, Pose, Severity

CUE_SIDE_ON = Cue("guide.side_on", "Turn side-on to the camera", Severity.INFO)
CUE_STEP_BACK = Cue("guide.step_back", "Step back so your head and feet are in view",
                    Severity.INFO)
CUE_GRAINY = Cue("guide.grainy", "More light, please", Severity.INFO)
CUE_ONE_PERSON = Cue("guide.one_person", "Only one person in view, please", Severity.INFO)
CUE_ROLLER_UNSEEN = Cue("guide.roller_unseen", "Keep the roller in view", Severity.INFO)
CUE_CAMERA_HIGH = Cue("guide.camera_high", "Lower the camera to hip height", Severity.INFO)
CUE_CLOSER = Cue("guide.closer", "Move the camera closer so I can see the ball", Severity.INFO)
#: The same cue while no prop has been found yet (someone lying on the floor).
CLOSER_ANY_PROP_TEXT = "Move the camera closer so I can see the roller or ball"

#: Width ratio (widest of shoulder / hip span ÷ torso length) above which the person faces the
#: camera (geometry.py's front-view limit); back below CLEAR (its side-view limit) counts as
#: turned side-on.
SIDE_ON_ONSET = FRONT_MIN_WIDTH_RATIO
SIDE_ON_CLEAR = SIDE_MAX_WIDTH_RATIO
#: A landmark closer to the frame edge than this share of the frame size is cut off (the
#: model keeps points of a cut body part pinned just inside the border).
EDGE_MARGIN = 0.01
#: Presence below which the model says a landmark is outside the picture.
MIN_PRESENCE = 0.5
#: Noise level (grey levels, standard deviation) above which the picture is too grainy;
#: docs/coaching.md §7. Rendered dev footage of coachable scenes goes up to sigma 8 before
#: compression (measured: ≤ 6 after it); a dim webcam at full gain shows 12 and more.
GRAIN_ONSET = 12.0
GRAIN_CLEAR = 9.0
#: Camera angle below the horizontal (degrees) above which the camera looks down too steeply
#: at someone on the floor; docs/coaching.md §7 (the hip lift that judges pressure on the
#: floor, §4, reads cos 40° = 23 % short at 40°). The pose model's far-side shoulder and hip
#: are partly guessed: on the rendered dev floor clips (cameras 0–18° down) the measured angle
#: reached 29° (90th percentile), so the cue starts only at 40°.
CAMERA_HIGH_ONSET_DEG = 40.0
CAMERA_HIGH_CLEAR_DEG = 30.0
#: A ball narrower than this in the picture (px across) is rarely found: on the dev split of
#: samples/generalisation, balls under 5 px across were found in 1 of 7 clips, balls of 5-6.5 px
#: in 3 of 5 (docs/coaching.md §7). The cue goes once the ball would be 6 px across.
CLOSER_ONSET_PX = 5.0
CLOSER_CLEAR_PX = 6.0
#: Hip landmark span of an adult, cm: measured on the rendered skeletons of the dev split
#: (≈ 21 cm, against ≈ 35 cm for the shoulders, SHOULDER_SPAN_CM).
HIP_SPAN_CM = 21.0

_HEAD = (L.NOSE, L.LEFT_EAR, L.RIGHT_EAR)
_FEET = (L.LEFT_ANKLE, L.RIGHT_ANKLE, L.LEFT_HEEL, L.RIGHT_HEEL)
_HIPS = (L.LEFT_HIP, L.RIGHT_HIP)


@dataclass(frozen=True)
class Framing:
    """Which body parts a set-up needs in the picture, and which are cut off.

    Attributes:
        needed: names of the needed parts ("head", "feet", "hips").
        cut: names of the needed parts cut off by the frame edge.
    """

    needed: tuple[str, ...]
    cut: tuple[str, ...]


def needs_side_view(exercise: str | None, posture: BodyPosture) -> bool:
    """Roller and ball coaching measure along the spine, which only a side view shows; so does
    anyone lying down (about to roll)."""
    return exercise in (Exercise.ROLLER.value, Exercise.BALL.value) \
        or posture is BodyPosture.LYING


def needed_parts(exercise: str | None, posture: BodyPosture) -> tuple[str, ...]:
    """The head always; the feet for someone on the floor; the hips at the wall (the ball's
    pressure is judged from the lean of the trunk). A desk webcam may lose the hips."""
    if posture is BodyPosture.LYING:
        return ("head", "feet")
    if exercise in (Exercise.ROLLER.value, Exercise.BALL.value):
        return ("head", "hips")
    return ("head",)


def cut_parts(pose: Pose, size: tuple[int, int], parts: tuple[str, ...]) -> Framing:
    """Which of ``parts`` the frame edge cuts: a part is cut when any of its landmarks is
    outside the picture (absent, or within EDGE_MARGIN of the border or beyond).

    Args:
        pose: landmarks in px.
        size: (width, height) of the frame, px.
        parts: names among "head", "feet", "hips".
    """
    landmarks = {"head": _HEAD, "feet": _FEET, "hips": _HIPS}
    width, height = size
    margin_x, margin_y = EDGE_MARGIN * width, EDGE_MARGIN * height
    cut = []
    for part in parts:
        if part not in landmarks:
            raise ValueError(f"unknown body part {part!r}")
        idx = list(landmarks[part])
        xy = pose.xy[idx]
        outside = ((pose.presence[idx] < MIN_PRESENCE)
                   | (xy[:, 0] < margin_x) | (xy[:, 0] > width - 1 - margin_x)
                   | (xy[:, 1] < margin_y) | (xy[:, 1] > height - 1 - margin_y))
        if outside.any():
            cut.append(part)
    return Framing(needed=parts, cut=tuple(cut))


def side_on_ratio(pose: Pose, geometry: BodyGeometry) -> float:
    """How much of the shoulder / hip span faces the camera, ÷ torso length (0 = side-on).

    For someone lying down only the part of each span along the trunk counts: turning the
    camera toward the head or feet spreads the shoulders along the body in the picture, while
    a camera looking down spreads them across it (:func:`camera_down_deg`), which is a
    different fix.
    """
    if geometry.posture is not BodyPosture.LYING:
        return geometry.width_ratio
    axis = (geometry.mid_shoulder - geometry.mid_hip) / geometry.torso_px
    spans = [abs(float((pose.xy[a] - pose.xy[b]) @ axis))
             for a, b in ((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), (L.LEFT_HIP, L.RIGHT_HIP))]
    return max(spans) / geometry.torso_px


def camera_down_deg(pose: Pose, geometry: BodyGeometry) -> float | None:
    """How steeply the camera looks down at someone lying on the floor, degrees below the
    horizontal; None unless the person lies down seen from the side.

    The near and far shoulders (and hips) are side by side across the body, along the camera's
    line of sight. Level with the body they overlap; looking down at angle θ, the far one shows
    higher in the picture by span · sin θ. The body's own roll does the same to one pair only,
    so the smaller of the shoulder and hip estimates is taken. Spans are in cm, turned into
    px with the torso length (the lying trunk is seen at full length from the side).

    Which side is near comes from the model's visibilities, and from above both sides show:
    on a rendered clip with the camera 46° down the model swapped them halfway through. A
    camera lifts the same side of both pairs, so when the shoulders and the hips agree on the
    side the steepness is the smaller of the two whichever side the model calls near; when
    they disagree the body is twisted, not the camera high.
    """
    if geometry.posture is not BodyPosture.LYING:
        return None
    near_left = geometry.near_side == "left"
    estimates = []
    for (left, right), span_cm in (((L.LEFT_SHOULDER, L.RIGHT_SHOULDER), SHOULDER_SPAN_CM),
                                   ((L.LEFT_HIP, L.RIGHT_HIP), HIP_SPAN_CM)):
        near, far = (left, right) if near_left else (right, left)
        rise_px = float(pose.xy[near, 1] - pose.xy[far, 1])  # far one higher: positive
        sine = rise_px / (span_cm * geometry.px_per_cm)
        estimates.append(math.degrees(math.asin(min(1.0, max(-1.0, sine)))))
    shoulders, hips = estimates
    if shoulders * hips > 0:
        return min(abs(shoulders), abs(hips))
    return min(estimates)


def noise_sigma(image: np.ndarray) -> float:
    """Standard deviation of the picture's noise, grey levels (0–255).

    Immerkær (1996, "Fast noise variance estimation"): the mask [[1,-2,1],[-2,4,-2],[1,-2,1]]
    cancels smooth image structure and leaves 6σ of white noise; the median of its absolute
    response (÷ 0.6745 for a Gaussian) ignores the edges that a mean would count as noise.

    Args:
        image: (H, W, 3) uint8 BGR; the mask is evaluated on every second pixel of every
            second row (noise is per pixel, so it still sees neighbouring pixels).
    """
    return sigma_from_responses(noise_responses(image))


def noise_responses(image: np.ndarray) -> np.ndarray:
    """Absolute Immerkær mask responses on every second pixel of every second row of
    ``image`` (a whole picture or a band of rows of one), flattened."""
    if image.shape[0] < 3 or image.shape[1] < 3:
        return np.zeros(0, np.float32)
    # The channels' mean, summed as three planes: numpy's mean over a 3-long last axis takes
    # ~15× longer for the same float32 values.
    pixels = image.astype(np.float32)
    grey = (pixels[..., 0] + pixels[..., 1] + pixels[..., 2]) / 3.0
    h, w = grey.shape

    def at(dy: int, dx: int) -> np.ndarray:
        return grey[1 + dy:h - 1 + dy:2, 1 + dx:w - 1 + dx:2]

    response = ((at(-1, -1) + at(-1, 1) + at(1, -1) + at(1, 1))
                - 2.0 * (at(-1, 0) + at(1, 0) + at(0, -1) + at(0, 1)) + 4.0 * at(0, 0))
    return np.abs(response).ravel()


def sigma_from_responses(responses: np.ndarray) -> float:
    if responses.size == 0:
        return 0.0
    # The grey average of 3 channels with independent noise lowers σ by √3; the threshold is
    # stated per channel, so it is restored.
    return float(np.median(responses)) / (0.6745 * 6.0) * math.sqrt(3.0)


class GrainMeter:
    """The picture's noise, measured a band of rows per frame so that no frame pays for a
    whole picture (issue 12: bounded work per frame); the estimate is the median over the last
    ``bands`` bands, i.e. the whole picture once every ``bands`` frames."""

    def __init__(self, bands: int) -> None:
        if bands < 1:
            raise ValueError(f"grain_bands must be >= 1, got {bands}")
        self.bands = bands
        self._recent: deque[np.ndarray] = deque(maxlen=bands)
        self._next = 0
        self._sigma = 0.0

    def update(self, image: np.ndarray) -> float:
        h = image.shape[0]
        k = self._next
        self._next = (k + 1) % self.bands
        # One row of overlap either side gives the mask its neighbours at the band's edges.
        top = max(0, (k * h // self.bands) // 2 * 2 - 1)
        bottom = min(h, ((k + 1) * h // self.bands) // 2 * 2 + 1)
        self._recent.append(noise_responses(image[top:bottom]))
        if self._next == 0 or len(self._recent) < self.bands:
            # A new estimate once per pass over the picture (and while the first pass fills).
            self._sigma = sigma_from_responses(np.concatenate(self._recent))
        return self._sigma


class GuidanceStage:
    """Adds the set-up checks (information cues) to each frame; the coach decides what shows.

    Runs after the exercise stage (it reads the selected exercise, the shared body geometry and
    the roller detection) and before the coach. The count of people comes from
    ``metrics["scene.people"]`` (set by the pipeline).

    Args:
        grain_bands: the picture noise is measured on one of this many bands of rows per frame
            (it changes slowly; a whole picture costs ~9 ms at 640×480).
    """

    name = "guidance"

    def __init__(self, grain_bands: int = 15) -> None:
        self._grain_meter = GrainMeter(grain_bands)
        self._grain: float | None = None

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        self._grain = self._grain_meter.update(frame.image)
        exercise = result.exercise_name
        pose = result.pose
        geometry = None
        if pose is not None:
            geometry = result.geometry or body_geometry(pose)
        checks = [
            Check(CUE_GRAINY, self._grain, GRAIN_ONSET, GRAIN_CLEAR, unit="σ",
                  source="docs/coaching.md §7"),
            Check(CUE_ONE_PERSON, result.metrics.get("scene.people"), 1.5, 1.5,
                  unit="people", source="docs/coaching.md §6"),
        ]
        metrics = dict(result.metrics)
        framing = None
        if self._grain is not None:
            metrics["guide.noise_sigma"] = self._grain
        if pose is not None and geometry is not None:
            posture = geometry.posture
            side = side_on_ratio(pose, geometry) if needs_side_view(exercise, posture) else None
            checks.append(Check(CUE_SIDE_ON, side, SIDE_ON_ONSET, SIDE_ON_CLEAR,
                                source="docs/coaching.md §7"))
            framing = cut_parts(pose, frame.size, needed_parts(exercise, posture))
            step_back = CUE_STEP_BACK if "feet" in framing.needed else Cue(
                CUE_STEP_BACK.key, _step_back_text(framing.needed), Severity.INFO)
            checks.append(Check(step_back, float(len(framing.cut)), 0.5, 0.5, unit="parts cut",
                                source="docs/coaching.md §7"))
            down = camera_down_deg(pose, geometry)
            if down is not None:
                metrics["guide.camera_down_deg"] = down
            checks.append(Check(CUE_CAMERA_HIGH, down, CAMERA_HIGH_ONSET_DEG,
                                CAMERA_HIGH_CLEAR_DEG, unit="°", source="docs/coaching.md §7"))
        checks.append(self._roller_check(exercise, result))
        checks.append(closer_check(exercise, geometry, result.ball_detection is not None))
        return replace(result, checks=(*result.checks, *checks), metrics=metrics,
                       framing=framing)

    @staticmethod
    def _roller_check(exercise: str | None, result: FrameResult) -> Check:
        check = Check(CUE_ROLLER_UNSEEN, None, 0.5, 0.5, source="docs/coaching.md §7")
        if exercise != Exercise.ROLLER.value:
            return check.withdraw()  # not a roller session: nothing to keep in view
        if result.pose is None:
            return check  # unjudged
        detection = result.roller_detection
        seen = detection is not None and detection.method.seen
        return replace(check, value=0.0 if seen else 1.0)


def expected_ball_px(geometry: BodyGeometry) -> float:
    """How many pixels across a tennis ball at the body would be."""
    return 2.0 * BALL_RADIUS_CM * geometry.px_per_cm


def closer_check(exercise: str | None, geometry: BodyGeometry | None,
                 ball_seen: bool = False) -> Check:
    """"Move the camera closer" while the ball would be too small to find: in ball mode, or
    while someone lies on the floor and no roller or ball has been found (a ball a few pixels
    across is never found, so ball mode would never start). Withdrawn in every other case;
    unjudged while a ball is being found anyway (no advice against what works)."""
    check = Check(CUE_CLOSER, None, CLOSER_ONSET_PX, CLOSER_CLEAR_PX, higher_is_worse=False,
                  unit=" px", source="docs/coaching.md §7")
    if exercise == Exercise.BALL.value:
        cue = CUE_CLOSER
    elif (exercise == Exercise.NONE.value and geometry is not None
          and geometry.posture is BodyPosture.LYING):
        cue = Cue(CUE_CLOSER.key, CLOSER_ANY_PROP_TEXT, Severity.INFO)
    else:
        return check.withdraw()
    if geometry is None or ball_seen:
        return check  # nobody in view, or the ball is found anyway: unjudged
    return replace(check, cue=cue, value=expected_ball_px(geometry))


def _step_back_text(needed: tuple[str, ...]) -> str:
    if "hips" in needed:
        return "Step back so your head and hips are in view"
    return "Move so your head is in view"
