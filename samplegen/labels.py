"""Expected coaching state over time, derived from a scene's keyframes and fixed thresholds.

Segments are never typed by hand: each span between two keyframes is classified from the
geometry and values at its two ends, equal labels of consecutive spans merge, and a state that
follows a different state starts :data:`TRANSITION_S` later, so the gap between two states is
unlabelled (a detector's first second of latency is never scored). Families (one label at a
time per family, families overlap): ``posture``, ``setup``, ``zone``, ``pace``, ``head``,
``pressure``, ``drop``, ``room``.

Thresholds and their sources (docs/coaching.md §2–4):

- Posture, judged on the exact 3D truth: torso inclination (mid-hip→mid-shoulder vs vertical)
  ≥ 10° or neck inclination (mid-shoulder→mid-ear vs vertical) ≥ 40° ⇒ ``slouched``
  (LearnOpenCV heuristics: neck < 40°, torso < 10° is good). Lateral trunk bend ≥ 8° ⇒
  ``leaning``. Head + neck flexion ≥ 15° with an upright torso ⇒ ``looking_down`` (a look at
  the keyboard must not count as a slouch). Otherwise ``upright``.
- Spine zones by the prop's spine fraction, with the body's own vertebral levels
  (:class:`samplegen.rig.BodyMeasures`): below T12 ⇒ lumbar, T12…T1 ⇒ thoracic ("where you
  have ribs"), above T1 ⇒ cervical (the roller at C7 already loads the lower neck; T1 sits one
  vertebra, a third of the C7–T3 distance, below C7; docs/coaching.md §3.1). Never on the
  lower back or the neck.
- Roller pace along the spine: 5–15 cm/s ⇒ ``rolling_ok_pace`` (2–4 s per 20–30 cm pass),
  > 15 cm/s ⇒ ``rolling_too_fast``, below 5 cm/s ⇒ ``rolling_slow`` (hunting a tender spot,
  ≈ 2.5 cm/s, is fine); a still prop ⇒ ``holding``.
- Ball moving faster than 10 cm/s along the spine ⇒ ``ball_moving_fast`` (hasty massage is a
  common mistake; a ball is held on one spot 30–90 s).
- Head hanging back ≥ 20° (neck + head extension relative to the trunk) with neither wrist
  within 15 cm of the head ⇒ ``head_unsupported``.
- Pressure proxy: at a wall, leaning back ≥ 12° onto the ball; on the floor, buttocks ≥ 10 cm
  off the floor ⇒ ``pressure_high``.
- Gestures (only scenes with ``gestures`` set; issue 14), from the true 3D landmarks: a wrist
  at least :data:`GESTURE_RAISED_M` above the highest of the ears and shoulders (against
  gravity: toward the ceiling lying down, overhead standing) is a raised hand; one raised hand
  ⇒ ``gesture_pressure``, both ⇒ ``gesture_pause``; a wrist within :data:`CROWN_REACH_M` of
  the crown (:data:`CROWN_ABOVE_EARS_M` beyond the ears along the trunk) ⇒
  ``gesture_end_set``. A span whose arms move is a transition.
"""

from __future__ import annotations

import numpy as np

from samplegen.motion import full_keyframes, spans
from samplegen.scene import Scene

TRANSITION_S = 1.0
TORSO_SLOUCH_DEG = 10.0
NECK_SLOUCH_DEG = 40.0
LEAN_DEG = 8.0
LOOK_DOWN_DEG = 15.0
ROLL_OK_MIN_CM_S = 5.0
ROLL_OK_MAX_CM_S = 15.0
BALL_FAST_CM_S = 10.0
HEAD_HANG_DEG = 20.0
HAND_SUPPORT_M = 0.15
WALL_LEAN_PRESSURE_DEG = 12.0
HIP_LIFT_PRESSURE_M = 0.10
#: A raised hand: the wrist this far above the highest ear or shoulder (m). On the anny
#: skeleton an arm held straight up puts it ≈ 0.21 m above the ears standing and ≈ 0.4 m above
#: the shoulders lying; arms folded on a lying chest put it ≈ 0.07 m above the shoulders.
GESTURE_RAISED_M = 0.15
#: The crown: this far beyond the ears along the hip → shoulder direction (the top of an adult
#: head is ≈ 12 cm above the ears), and the reach of a wrist whose palm rests on it (m).
CROWN_ABOVE_EARS_M = 0.10
CROWN_REACH_M = 0.12
#: Pose values that move the arms (a span that changes one is a transition for gestures).
ARM_KEYS = ("shoulder_flex", "shoulder_abd", "shoulder_rot", "elbow_flex")
#: Hip flexion below which a person at the desk is standing, not sitting (sitting ≈ 90°).
STANDING_HIP_FLEX_DEG = 45.0
ZONE_LABEL = {
    "roller": {
        "lumbar": "roller_lumbar",
        "thoracic": "roller_thoracic",
        "cervical": "roller_cervical",
    },
    "ball": {"lumbar": "ball_lower_back", "thoracic": "ball_upper_back", "cervical": "ball_neck"},
}


def _angle_to_vertical(v: np.ndarray) -> float:
    return float(np.degrees(np.arctan2(np.linalg.norm(v[:2]), v[2])))


def posture_state(lm: np.ndarray, values: dict[str, float], in_view: bool = True) -> str:
    """Posture label of one frame from world landmarks (33, 3) m and the pose values.

    ``away`` when no landmark is in view (the person left); ``standing`` when both hips are
    flexed less than :data:`STANDING_HIP_FLEX_DEG` (standing or walking: no sitting cue).
    """
    if not in_view:
        return "away"
    hips = [values.get(f"hip_flex_{s}", values["hip_flex"]) for s in ("l", "r")]
    if max(hips) < STANDING_HIP_FLEX_DEG:
        return "standing"
    hip = 0.5 * (lm[23] + lm[24])
    sh = 0.5 * (lm[11] + lm[12])
    ear = 0.5 * (lm[7] + lm[8])
    torso = _angle_to_vertical(sh - hip)
    neck = _angle_to_vertical(ear - sh)
    if abs(values["spine_lat"]) >= LEAN_DEG:
        return "leaning"
    if torso >= TORSO_SLOUCH_DEG or neck >= NECK_SLOUCH_DEG:
        return "slouched"
    if values["head_flex"] + values["neck_flex"] >= LOOK_DOWN_DEG:
        return "looking_down"
    return "upright"


def gesture_state(lm: np.ndarray) -> str | None:
    """Gesture label of one frame from world landmarks (33, 3) m, or None."""
    top = max(float(lm[i][2]) for i in (7, 8, 11, 12))
    raised = [float(lm[w][2]) - top >= GESTURE_RAISED_M for w in (15, 16)]
    if all(raised):
        return "gesture_pause"
    if any(raised):
        return "gesture_pressure"
    hip = 0.5 * (lm[23] + lm[24])
    sh = 0.5 * (lm[11] + lm[12])
    ear = 0.5 * (lm[7] + lm[8])
    axis = (sh - hip) / np.linalg.norm(sh - hip)
    crown = ear + CROWN_ABOVE_EARS_M * axis
    if min(np.linalg.norm(lm[w] - crown) for w in (15, 16)) <= CROWN_REACH_M:
        return "gesture_end_set"
    return None


def _arms_move(span) -> bool:
    """Whether an arm value (or one side's override of it) changes during ``span``."""
    return any(k in ARM_KEYS or k[:-2] in ARM_KEYS for k in span.changed())


def _gesture_raw(scene: Scene, frames: list[dict]) -> list[tuple[str, str, float, float]]:
    """Gesture segments of each span whose arms hold still, and after the last keyframe."""
    fps, n = scene.fps, len(frames)
    duration = n / fps

    def state(t: float) -> str | None:
        i = min(int(round(t * fps)), n - 1)
        return gesture_state(np.array(frames[i]["landmarks_world_m"], dtype=float))

    raw = []
    for span in spans(scene):
        if span.start_s >= duration:
            break
        a, b = state(span.start_s), state(min(span.end_s, duration))
        if a is not None and a == b and not _arms_move(span):
            raw.append(("gesture", a, span.start_s, min(span.end_s, duration)))
    last_t = scene.keyframes[-1].t
    if last_t < duration and state(last_t) is not None:
        raw.append(("gesture", state(last_t), last_t, duration))
    return raw


def _in_view(frame: dict) -> bool:
    """Whether any of the frame's landmarks is visible in the image."""
    return any(p is not None and p[2] for p in frame["landmarks_px"])


def neck_limit(levels: dict[str, float]) -> float:
    """Spine fraction of T1, the top of the allowed band: one of the three vertebral steps
    from C7 down to T3."""
    return levels["C7"] - (levels["C7"] - levels["T3"]) / 3.0


def zone(s: float, levels: dict[str, float]) -> str:
    """Spine zone of spine fraction ``s`` for a body's vertebral ``levels``."""
    if s < levels["T12"]:
        return "lumbar"
    if s > neck_limit(levels):
        return "cervical"
    return "thoracic"


def _prop_states(
    scene: Scene, lm: np.ndarray, v: dict[str, float], levels: dict[str, float]
) -> dict[str, str]:
    kind = scene.prop.kind
    out = {}
    if v["on_prop"] < 0.999:
        return {"setup": "setting_up"}
    if v["attached"] < 0.5:
        return out
    out["zone"] = ZONE_LABEL[kind][zone(v["spine_fraction"], levels)]
    head = 0.5 * (lm[7] + lm[8])
    hands = min(np.linalg.norm(lm[15] - head), np.linalg.norm(lm[16] - head))
    if -(v["neck_flex"] + v["head_flex"]) >= HEAD_HANG_DEG and hands > HAND_SUPPORT_M:
        out["head"] = "head_unsupported"
    if scene.exercise == "ball_wall" and v["pitch"] >= WALL_LEAN_PRESSURE_DEG:
        out["pressure"] = "pressure_high"
    if scene.exercise == "ball_floor" and v["hip_lift"] >= HIP_LIFT_PRESSURE_M:
        out["pressure"] = "pressure_high"
    return out


def _span_labels(
    scene: Scene, frames: list[dict], clip_values: list[dict[str, float]], body: dict | None, span
) -> dict[str, str]:
    """Labels (family → label) holding over the whole span, or none for a transition."""
    fps = scene.fps
    n = len(frames)
    i0 = min(int(round(span.start_s * fps)), n - 1)
    i1 = min(int(round(span.end_s * fps)), n - 1)
    lm0 = np.array(frames[i0]["landmarks_world_m"], dtype=float)
    lm1 = np.array(frames[i1]["landmarks_world_m"], dtype=float)
    v0, v1 = clip_values[i0], clip_values[i1]
    changed = span.changed()
    if scene.exercise == "posture":
        a = posture_state(lm0, v0, _in_view(frames[i0]))
        b = posture_state(lm1, v1, _in_view(frames[i1]))
        # Walking (legs and place change) is still "standing"; gone is gone.
        if a == b and (not changed or a in ("standing", "away")):
            return {"posture": a}
        return {}
    levels = body["spine_levels"]
    if v0["on_prop"] < 0.999 or "on_prop" in changed:
        return {"setup": "setting_up"}
    s0, s1 = _prop_states(scene, lm0, v0, levels), _prop_states(scene, lm1, v1, levels)
    out = {k: s0[k] for k in s0 if s1.get(k) == s0[k]}
    if "attached" in changed or v0["attached"] < 0.5:
        return {}
    if "zone" not in out:
        return out
    moving = changed & {"spine_fraction"}
    others = changed - {
        "spine_fraction",
        "x",
        "y",
        "hip_lift",
        "knee_flex",
        "hip_flex",
        "foot_dist",
    }
    speed = (
        abs(span.end["spine_fraction"] - span.start["spine_fraction"])
        * body["shoulder_hip_cm"]
        / (span.end_s - span.start_s)
    )
    if others:
        out.pop("zone", None)  # the body changes pose: a transition
        return out
    if not moving:
        out["pace"] = "holding"
    elif scene.prop.kind == "roller":
        if speed > ROLL_OK_MAX_CM_S:
            out["pace"] = "rolling_too_fast"
        elif speed >= ROLL_OK_MIN_CM_S:
            out["pace"] = "rolling_ok_pace"
        else:
            out["pace"] = "rolling_slow"
    elif speed > BALL_FAST_CM_S:
        out["pace"] = "ball_moving_fast"
    return out


def segments_for(scene: Scene, clip, frames: list[dict]) -> list[dict]:
    """Labelled segments ``[{"label", "start_s", "end_s"}]`` of a rendered scene."""
    duration = len(frames) / scene.fps
    if scene.exercise == "none":
        return [{"label": "empty", "start_s": 0.0, "end_s": round(duration, 3)}]
    body = None
    if clip.measures is not None:
        body = {
            "spine_levels": clip.measures.spine_levels,
            "shoulder_hip_cm": clip.measures.shoulder_hip_m * 100,
        }
    raw: list[tuple[str, str, float, float]] = []
    for span in spans(scene):
        if span.start_s >= duration:
            break
        end = min(span.end_s, duration)
        for fam, lab in _span_labels(scene, frames, clip.values, body, span).items():
            raw.append((fam, lab, span.start_s, end))
    # Hold after the last keyframe.
    last_t = scene.keyframes[-1].t
    if last_t < duration and scene.keyframes:
        v = full_keyframes(scene.keyframes)[-1]
        i = min(int(round(last_t * scene.fps)), len(frames) - 1)
        lm = np.array(frames[i]["landmarks_world_m"], dtype=float)
        if scene.exercise == "posture":
            labs = {"posture": posture_state(lm, v, _in_view(frames[i]))}
        else:
            labs = _prop_states(scene, lm, v, body["spine_levels"])
            if "zone" in labs and v["attached"] >= 0.5:
                labs["pace"] = "holding"
        for fam, lab in labs.items():
            raw.append((fam, lab, last_t, duration))
    if scene.gestures:
        raw += _gesture_raw(scene, frames)
    release = _release_time(clip, scene)
    if release is not None:
        raw = [(f, lab, a, min(b, release)) for f, lab, a, b in raw if a < release]
        raw.append(("drop", "ball_dropped", release, duration))
    return _finalise(raw)


def _release_time(clip, scene: Scene) -> float | None:
    if scene.prop.kind != "ball":
        return None
    for t, v in zip(clip.times, clip.values, strict=True):
        if v["attached"] < 0.5:
            return float(t)
    return None


def _finalise(raw: list[tuple[str, str, float, float]]) -> list[dict]:
    """Merge touching equal labels, then open a :data:`TRANSITION_S` gap after each change.

    Any segment (of any family) that starts less than :data:`TRANSITION_S` after another
    segment ended starts :data:`TRANSITION_S` after that end instead.
    """
    merged: dict[str, list[list]] = {}
    for fam, lab, a, b in sorted(raw, key=lambda r: (r[0], r[2])):
        segs = merged.setdefault(fam, [])
        if segs and segs[-1][0] == lab and abs(segs[-1][2] - a) < 1e-6:
            segs[-1][2] = b
        else:
            segs.append([lab, a, b])
    segs = [s for fam in merged.values() for s in fam]
    end = max(b for _, _, b in segs) if segs else 0.0
    ends = sorted({b for _, _, b in segs if b < end - 1e-6})
    out = []
    for lab, a, b in segs:
        for e in ends:
            if e - 1e-6 <= a < e + TRANSITION_S:
                a = e + TRANSITION_S
        if b - a >= 0.5:
            out.append({"label": lab, "start_s": round(a, 3), "end_s": round(b, 3)})
    return sorted(out, key=lambda s: (s["start_s"], s["label"]))
