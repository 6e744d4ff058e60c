"""Test data builders: poses from a few named joints, frames, results."""

from __future__ import annotations

import numpy as np

from posecoach.landmarks import NUM_LANDMARKS, Landmark
from posecoach.selector import Exercise, ExerciseDecision
from posecoach.types import Frame, FrameResult, Pose


def make_pose(points: dict[Landmark, tuple[float, float]] | None = None,
              offset: tuple[float, float] = (0.0, 0.0), scale: float = 1.0,
              visibility: float = 0.99) -> Pose:
    """A standing person facing the camera, about 300 px tall at ``scale=1`` around (320, 240),
    with any joints in ``points`` moved to the given pixel positions (before offset/scale)."""
    base = {
        Landmark.NOSE: (320, 110), Landmark.LEFT_EYE: (328, 104), Landmark.RIGHT_EYE: (312, 104),
        Landmark.LEFT_EAR: (338, 108), Landmark.RIGHT_EAR: (302, 108),
        Landmark.MOUTH_LEFT: (326, 122), Landmark.MOUTH_RIGHT: (314, 122),
        Landmark.LEFT_SHOULDER: (355, 150), Landmark.RIGHT_SHOULDER: (285, 150),
        Landmark.LEFT_ELBOW: (365, 205), Landmark.RIGHT_ELBOW: (275, 205),
        Landmark.LEFT_WRIST: (368, 255), Landmark.RIGHT_WRIST: (272, 255),
        Landmark.LEFT_HIP: (340, 260), Landmark.RIGHT_HIP: (300, 260),
        Landmark.LEFT_KNEE: (342, 330), Landmark.RIGHT_KNEE: (298, 330),
        Landmark.LEFT_ANKLE: (343, 400), Landmark.RIGHT_ANKLE: (297, 400),
    }
    xy = np.zeros((NUM_LANDMARKS, 2))
    for landmark in Landmark:
        xy[landmark] = base.get(landmark, _nearest_named(landmark, base))
    for landmark, point in (points or {}).items():
        xy[landmark] = point
    centre = np.array([320.0, 240.0])
    xy = (xy - centre) * scale + centre + np.asarray(offset)
    return Pose(xy=xy, visibility=np.full(NUM_LANDMARKS, visibility),
                presence=np.full(NUM_LANDMARKS, 0.99))


def _nearest_named(landmark: Landmark, base: dict) -> tuple[float, float]:
    name = landmark.name
    side = "LEFT" if name.startswith("LEFT") else "RIGHT"
    if "EYE" in name:
        return base[Landmark[f"{side}_EYE"]]
    if any(part in name for part in ("PINKY", "INDEX", "THUMB")) and "FOOT" not in name:
        return base[Landmark[f"{side}_WRIST"]]
    return base[Landmark[f"{side}_ANKLE"]]


def make_frame(index: int = 0, t: float | None = None, size: tuple[int, int] = (640, 480),
               value: int = 40) -> Frame:
    width, height = size
    image = np.full((height, width, 3), value, dtype=np.uint8)
    return Frame(image=image, t=index / 30.0 if t is None else t, index=index)


def selected(exercise: str | None, reason: str = "") -> ExerciseDecision | None:
    """The exercise stage's selection of ``exercise`` (its name), or None."""
    return ExerciseDecision(Exercise(exercise), reason) if exercise else None


def make_result(index: int = 0, pose: Pose | None = None, **kwargs) -> FrameResult:
    return FrameResult(frame_index=index, t=index / 30.0, pose=pose,
                       inference_ms=kwargs.pop("inference_ms", 15.0), **kwargs)


def make_side_pose(neck_deg: float = 15.0, lean_deg: float = 0.0, facing: int = 1,
                   torso_px: float = 150.0, sitting: bool = True,
                   hip: tuple[float, float] = (320.0, 360.0), head_pitch: float = 0.0) -> Pose:
    """A person seen from the side, facing image-right (``facing=1``) or left (-1).

    ``neck_deg`` and ``lean_deg`` are the shoulder→ear and hip→shoulder angles from vertical,
    positive forward; ``head_pitch`` moves the nose down (looking down) without moving the ears.
    """
    import math

    def ahead(origin, angle_deg, length):
        r = math.radians(angle_deg)
        return np.array([origin[0] + facing * math.sin(r) * length,
                         origin[1] - math.cos(r) * length])

    hip_xy = np.array(hip)
    shoulder = ahead(hip_xy, lean_deg, torso_px)
    ear = ahead(shoulder, neck_deg, 0.45 * torso_px)
    nose = ear + np.array([facing * 0.12 * torso_px, 0.02 * torso_px + head_pitch])
    knee = hip_xy + (np.array([facing * 0.9 * torso_px, 0.0]) if sitting
                     else np.array([0.0, 0.9 * torso_px]))
    ankle = knee + np.array([0.0, 0.9 * torso_px])
    elbow = shoulder + np.array([facing * 0.1 * torso_px, 0.6 * torso_px])
    wrist = elbow + np.array([facing * 0.5 * torso_px, 0.0])
    # Near side (left when facing right) a few px in front of the far side.
    points = _side_view_pairs({"EAR": ear, "SHOULDER": shoulder, "ELBOW": elbow, "WRIST": wrist,
                               "HIP": hip_xy, "KNEE": knee, "ANKLE": ankle},
                              far_offset=(-facing * 4.0, -2.0))
    points[Landmark.NOSE] = tuple(nose)
    for eye in (Landmark.LEFT_EYE, Landmark.RIGHT_EYE):
        points[eye] = tuple(nose + np.array([-facing * 8.0, -8.0]))
    pose = make_pose(points)
    visibility = pose.visibility.copy()
    far_side = [lm for lm in Landmark if lm.name.startswith("RIGHT")]
    visibility[far_side] = 0.4
    return Pose(xy=pose.xy, visibility=visibility, presence=pose.presence)


def make_front_pose(head_drop: float = 0.0, head_forward: float = 1.0, nose_pitch: float = 0.0,
                    roll_deg: float = 0.0, shoulder_span: float = 140.0,
                    centre: tuple[float, float] = (320.0, 300.0), hips_seen: bool = False,
                    sink: float = 0.0, shoulder_tilt_deg: float = 0.0) -> Pose:
    """A person facing the camera at a desk (hips below the frame unless ``hips_seen``).

    ``sink`` lowers shoulders and head together (in shoulder spans), as a slumping trunk does;
    ``head_drop`` lowers the ears toward the shoulders (in shoulder spans); ``head_forward``
    scales the head (ear span) as if it came toward the camera; ``nose_pitch`` drops the nose
    (in ear spans) as when looking down; ``roll_deg`` tilts the head; ``shoulder_tilt_deg``
    tilts the shoulder line (a sideways lean of the trunk).
    """
    import math

    cx, cy = centre[0], centre[1] + sink * shoulder_span
    ear_span = 0.5 * shoulder_span * head_forward
    ear_y = cy - (0.55 - head_drop) * shoulder_span
    r = math.radians(roll_deg)
    dx, dy = math.cos(r) * ear_span / 2, math.sin(r) * ear_span / 2
    nose_y = ear_y + 0.1 * ear_span + nose_pitch * ear_span
    tilt = math.tan(math.radians(shoulder_tilt_deg)) * shoulder_span / 2
    points = {
        Landmark.LEFT_SHOULDER: (cx + shoulder_span / 2, cy + tilt),
        Landmark.RIGHT_SHOULDER: (cx - shoulder_span / 2, cy - tilt),
        Landmark.LEFT_EAR: (cx + dx, ear_y - dy), Landmark.RIGHT_EAR: (cx - dx, ear_y + dy),
        Landmark.NOSE: (cx, nose_y),
        Landmark.LEFT_EYE: (cx + 0.2 * ear_span, nose_y - 0.15 * ear_span),
        Landmark.RIGHT_EYE: (cx - 0.2 * ear_span, nose_y - 0.15 * ear_span),
        Landmark.LEFT_HIP: (cx + 0.35 * shoulder_span, cy + 1.3 * shoulder_span),
        Landmark.RIGHT_HIP: (cx - 0.35 * shoulder_span, cy + 1.3 * shoulder_span),
    }
    pose = make_pose(points)
    visibility, presence = pose.visibility.copy(), pose.presence.copy()
    if not hips_seen:
        below_frame = [Landmark.LEFT_HIP, Landmark.RIGHT_HIP, Landmark.LEFT_KNEE,
                       Landmark.RIGHT_KNEE, Landmark.LEFT_ANKLE, Landmark.RIGHT_ANKLE]
        visibility[below_frame] = 0.05
        presence[below_frame] = 0.1
    return Pose(xy=pose.xy, visibility=visibility, presence=presence)


def _side_view_pairs(joints: dict[str, np.ndarray],
                     far_offset: tuple[float, float]) -> dict[Landmark, tuple[float, float]]:
    """Left (near) and right (far) landmarks of a side view: the far one ``far_offset`` px
    from the near one."""
    points: dict[Landmark, tuple[float, float]] = {}
    for name, base in joints.items():
        points[Landmark[f"LEFT_{name}"]] = tuple(base)
        points[Landmark[f"RIGHT_{name}"]] = tuple(np.asarray(base) + np.asarray(far_offset))
    return points


def make_lying_pose(trunk_px: float = 150.0, head_hang_deg: float = 0.0,
                    hands_behind_head: bool = False, knee_deg: float = 90.0,
                    hip: tuple[float, float] = (200.0, 350.0), tilt_deg: float = 10.0) -> Pose:
    """Someone lying on their back over a roller, seen from the side: hips at ``hip`` on the
    floor, the trunk rising ``tilt_deg`` toward the shoulders (to the image right), head beyond.

    ``head_hang_deg`` lets the head fall back toward the floor from the trunk line;
    ``knee_deg`` is the knee angle (180 = straight legs).
    """
    import math

    hip_xy = np.array(hip)
    up = math.radians(tilt_deg)
    along = np.array([math.cos(up), -math.sin(up)])  # hips → shoulders, rising
    floorward = np.array([math.sin(up), math.cos(up)])  # perpendicular, toward the floor
    shoulder = hip_xy + trunk_px * along
    hang = math.radians(head_hang_deg)
    neck_dir = math.cos(hang) * along + math.sin(hang) * floorward
    ear = shoulder + 0.45 * trunk_px * neck_dir
    # The face turns with the head: to the ceiling in line with the trunk, toward the head
    # end as the head falls back.
    nose = ear + 0.12 * trunk_px * (math.cos(hang) * -floorward + math.sin(hang) * along)
    # Thigh up and back toward the feet, shin down to the floor at the given knee angle.
    thigh = 0.9 * trunk_px * np.array([-math.cos(math.radians(50)), -math.sin(math.radians(50))])
    knee = hip_xy + thigh
    candidates = []
    for sign in (1.0, -1.0):  # the rotation that puts the foot nearer the floor
        turn = sign * math.radians(knee_deg)
        rot = np.array([[math.cos(turn), -math.sin(turn)], [math.sin(turn), math.cos(turn)]])
        candidates.append(knee + rot @ (-thigh))
    ankle = max(candidates, key=lambda point: point[1])
    if hands_behind_head:
        wrist = ear + np.array([0.05 * trunk_px, 0.05 * trunk_px])
    else:
        wrist = shoulder - 0.3 * trunk_px * along - 0.2 * trunk_px * floorward  # on the chest
    elbow = (shoulder + wrist) / 2 - 0.2 * trunk_px * floorward
    points = _side_view_pairs({"EAR": ear, "SHOULDER": shoulder, "ELBOW": elbow, "WRIST": wrist,
                               "HIP": hip_xy, "KNEE": knee, "ANKLE": ankle,
                               "HEEL": ankle + np.array([-8.0, 4.0]),
                               "FOOT_INDEX": ankle + np.array([-20.0, 4.0])},
                              far_offset=(0.0, -3.0))
    points[Landmark.NOSE] = tuple(nose)
    return make_pose(points)


def roller_contact(pose: Pose, fraction: float) -> np.ndarray:
    """The point on the back (just below the hip→shoulder line) at ``fraction`` along it."""
    hip = (pose.xy[Landmark.LEFT_HIP] + pose.xy[Landmark.RIGHT_HIP]) / 2
    shoulder = (pose.xy[Landmark.LEFT_SHOULDER] + pose.xy[Landmark.RIGHT_SHOULDER]) / 2
    axis = shoulder - hip
    normal = np.array([-axis[1], axis[0]]) / np.linalg.norm(axis)
    if normal[1] < 0:
        normal = -normal
    return hip + fraction * axis + 12.0 * normal


def coached_cues(segments, read, fps: float) -> list[tuple[float, str | None]]:
    """Runs the default coach over scene ``segments`` (``(seconds, *values)``), asking
    ``read(t, *values)`` for each frame's checks; returns ``(t, cue key)`` per frame."""
    from posecoach.coach import Coach, CoachState

    coach, state = Coach(), CoachState()
    out, t = [], 0.0
    for seconds, *values in segments:
        for _ in range(int(seconds * fps)):
            state, decision = coach.step(state, t, read(t, *values), True)
            out.append((t, decision.cue.key if decision.cue else None))
            t += 1 / fps
    return out
