"""Render one scene: the mp4 (640×480 H.264) and its ``posecoach-truth/1`` JSON file."""

from __future__ import annotations

import os

os.environ.setdefault("PYOPENGL_PLATFORM", "egl")

import dataclasses
import gzip
import json
import logging
from pathlib import Path

import numpy as np
import trimesh

# pyrender 0.1.45 still reads np.infty, which numpy 2 removed (mediapipe needs numpy 2).
if not hasattr(np, "infty"):
    np.infty = np.inf  # type: ignore[attr-defined]

import pyrender  # noqa: E402
import pyrender.renderer  # noqa: E402

from samplegen import TRUTH_FORMAT  # noqa: E402
from samplegen.labels import segments_for  # noqa: E402
from samplegen.landmarks import PinholeCamera, visibility  # noqa: E402
from samplegen.rig import RiggedClip, rig_clip  # noqa: E402
from samplegen.scene import PropSpec, Scene  # noqa: E402
from samplegen.textures import painted, wood_floor  # noqa: E402
from samplegen.webcam import Mp4Sink, degrade  # noqa: E402

log = logging.getLogger(__name__)


def _textured_plane(w: float, h: float, pose: np.ndarray, image, repeat: float) -> pyrender.Mesh:
    verts = np.array(
        [[-w / 2, -h / 2, 0], [w / 2, -h / 2, 0], [w / 2, h / 2, 0], [-w / 2, h / 2, 0]]
    )
    faces = np.array([[0, 1, 2], [0, 2, 3]])
    uv = np.array([[0, 0], [1, 0], [1, 1], [0, 1]]) * repeat
    mat = trimesh.visual.material.SimpleMaterial(image=image)
    tm = trimesh.Trimesh(
        verts,
        faces,
        visual=trimesh.visual.TextureVisuals(uv=uv, image=image, material=mat),
        process=False,
    )
    tm.apply_transform(pose)
    return pyrender.Mesh.from_trimesh(tm, smooth=False)


def _coloured(tm: trimesh.Trimesh, rgb, seed: int, noise: float = 0.04) -> pyrender.Mesh:
    rng = np.random.default_rng(seed)
    n = len(tm.vertices)
    col = np.clip(np.array(rgb)[None, :] * (1 + noise * rng.normal(0, 1, (n, 1))), 0, 1) ** 2.2
    tm.visual = trimesh.visual.ColorVisuals(
        tm, vertex_colors=(np.concatenate([col, np.ones((n, 1))], axis=1) * 255).astype(np.uint8)
    )
    return pyrender.Mesh.from_trimesh(tm, smooth=True)


def _rot_to(axis_from: np.ndarray, axis_to: np.ndarray) -> np.ndarray:
    m = np.eye(4)
    m[:3, :3] = trimesh.geometry.align_vectors(axis_from, axis_to)[:3, :3]
    return m


def camera_for(scene: Scene, clip: RiggedClip) -> PinholeCamera:
    """The scene camera, aimed at ``target_m`` or the body's bounding-box centre."""
    cam = scene.camera
    if cam.target_m is not None:
        target = np.array(cam.target_m, dtype=np.float64)
    elif clip.vertices is not None:
        verts = clip.vertices
        if cam.target_until_s is not None:
            verts = verts[: max(int(cam.target_until_s * scene.fps), 1)]
        lo = verts.min(axis=(0, 1))
        hi = verts.max(axis=(0, 1))
        target = 0.5 * (lo + hi)
    else:
        target = np.array([0.0, 0.0, 0.7])
    az = np.radians(cam.azimuth_deg)
    eye = target + np.array([cam.distance_m * np.sin(az), -cam.distance_m * np.cos(az), 0.0])
    eye[2] = cam.height_m
    return PinholeCamera.look_at(eye, target, cam.focal_px, scene.width, scene.height)


def _build_room(scene: Scene, clip: RiggedClip, cam: PinholeCamera) -> pyrender.Scene:
    amb = scene.light.ambient
    sc = pyrender.Scene(ambient_light=[amb, amb, amb], bg_color=[0.5, 0.5, 0.5, 1.0])
    room = scene.room
    sc.add(_textured_plane(12.0, 12.0, np.eye(4), wood_floor(room.floor_rgb, scene.seed), 5.0))
    back = trimesh.transformations.rotation_matrix(np.pi / 2, [1, 0, 0])
    back[:3, 3] = [0.0, room.back_wall_y_m, 1.5]
    sc.add(_textured_plane(12.0, 3.0, back, painted(room.wall_rgb, scene.seed + 1), 4.0))
    if room.side_wall_x_m is not None:
        # A 3 m wide wall ending 1 m in front of the person, facing the person (its back is
        # towards the wall: +x when facing image left, −x when facing image right).
        facing = -np.pi / 2 if scene.view == "side-left-facing" else np.pi / 2
        side = trimesh.transformations.rotation_matrix(facing, [0, 1, 0])
        side[:3, 3] = [room.side_wall_x_m, 0.5, 1.5]
        sc.add(_textured_plane(3.0, 3.0, side, painted(room.wall_rgb, scene.seed + 2), 1.0))
    if room.mat:
        mat = trimesh.creation.box([1.9, 0.65, 0.008])
        mat.apply_translation([scene.prop.x_m, _mat_y(clip), 0.004])
        sc.add(_coloured(mat, room.mat_rgb, scene.seed + 3, 0.03))
    if clip.seat is not None:
        centre, ext = clip.seat
        seat = trimesh.creation.box(ext)
        seat.apply_translation(centre)
        sc.add(_coloured(seat, room.seat_rgb, scene.seed + 4, 0.05))
    cam_node = pyrender.IntrinsicsCamera(
        cam.focal_px, cam.focal_px, scene.width / 2, scene.height / 2, znear=0.05, zfar=20.0
    )
    sc.add(cam_node, pose=cam.pose)
    li = scene.light
    warm = np.array([1.0 + 0.15 * li.warmth, 1.0, 1.0 - 0.15 * li.warmth])
    az, el = np.radians(li.key_azimuth_deg), np.radians(li.key_elevation_deg)
    to_light = np.array([np.sin(az) * np.cos(el), -np.cos(az) * np.cos(el), np.sin(el)])
    key_pose = PinholeCamera.look_at(to_light * 3.0, np.zeros(3), 1.0, 1, 1).pose
    sc.add(
        pyrender.DirectionalLight(color=np.clip(warm, 0, 1), intensity=li.key_intensity),
        pose=key_pose,
    )
    fill_pose = PinholeCamera.look_at(
        cam.pose[:3, 3] + np.array([0.0, 0.0, 0.5]),
        cam.pose[:3, 3] + cam.pose[:3, 2] * -3.0,
        1.0,
        1,
        1,
    ).pose
    sc.add(
        pyrender.DirectionalLight(color=[1.0, 1.0, 1.0], intensity=li.fill_intensity),
        pose=fill_pose,
    )
    return sc


def _mat_y(clip: RiggedClip) -> float:
    return float(clip.placements[0].T[1]) if clip.placements else 0.0


def _prop_mesh(scene: Scene) -> pyrender.Mesh | None:
    p = scene.prop
    if p.kind == "roller":
        tm = trimesh.creation.cylinder(radius=p.radius_m, height=p.length_m, sections=48)
        if p.pattern_rgb is not None:
            return _patterned_roller(tm, p.rgb, p.pattern_rgb, scene.seed + 5)
        tm.apply_transform(_rot_to(np.array([0, 0, 1.0]), np.array([0, 1.0, 0])))
        return _coloured(tm, p.rgb, scene.seed + 5, 0.05)
    if p.kind == "ball":
        tm = trimesh.creation.icosphere(subdivisions=3, radius=p.radius_m)
        return _coloured(tm, p.rgb, scene.seed + 6, 0.04)
    return None


def _patterned_roller(tm: trimesh.Trimesh, rgb, rgb2, seed: int) -> pyrender.Mesh:
    """A two-colour roller: eight stripes along its length, alternating round the axis."""
    rng = np.random.default_rng(seed)
    ang = np.arctan2(tm.vertices[:, 1], tm.vertices[:, 0])
    stripe = (np.floor((ang + np.pi) / (2 * np.pi) * 16).astype(int) % 2).astype(bool)
    col = np.where(stripe[:, None], np.array(rgb2)[None, :], np.array(rgb)[None, :])
    col = np.clip(col * (1 + 0.05 * rng.normal(0, 1, (len(col), 1))), 0, 1) ** 2.2
    # One colour per face (taken from its first vertex) gives crisp stripe edges.
    face_col = col[tm.faces[:, 0]]
    tm.visual = trimesh.visual.ColorVisuals(
        tm,
        face_colors=(np.concatenate([face_col, np.ones((len(face_col), 1))], 1) * 255).astype(
            np.uint8
        ),
    )
    tm.apply_transform(_rot_to(np.array([0, 0, 1.0]), np.array([0, 1.0, 0])))
    return pyrender.Mesh.from_trimesh(tm, smooth=False)


def _second_clip(scene: Scene) -> RiggedClip | None:
    """The passer-by: a standing/walking body rigged like a scene of its own."""
    if scene.second_body is None or not scene.second_keyframes:
        return None
    other = dataclasses.replace(
        scene,
        name=scene.name + "_second",
        exercise="posture",
        setup="standing",
        view="front",
        keyframes=scene.second_keyframes,
        body=scene.second_body,
        prop=PropSpec(),
        second_body=None,
        second_keyframes=(),
        seed=scene.seed + 17,
    )
    return rig_clip(other)


#: BlazePose indices of each landmark's left/right counterpart (nose 0 is its own).
LR_SWAP = (0, 4, 5, 6, 1, 2, 3, 8, 7, 10, 9, 12, 11, 14, 13, 16, 15, 18, 17, 20, 19, 22, 21)
LR_SWAP += (24, 23, 26, 25, 28, 27, 30, 29, 32, 31)
MIRRORED_VIEW = {"side-left-facing": "side-right-facing", "side-right-facing": "side-left-facing"}


def _mirror_truth(frame: dict, width: int) -> None:
    """Flip a frame's pixel truth left↔right in place (pixel centres at integers).

    A mirrored image shows a mirror-image person: what a pose model sees as the left
    shoulder is the person's right one. ``landmarks_px`` therefore describes the person in
    the image (x flipped and left/right swapped); ``landmarks_world_m`` stays physical.
    """

    def fx(x: float) -> float:
        return round(width - 1 - x, 2)

    px = frame["landmarks_px"]
    frame["landmarks_px"] = [
        None if px[j] is None else [fx(px[j][0]), px[j][1], px[j][2]] for j in LR_SWAP
    ]
    prop = frame["prop"]
    if prop is not None:
        prop["center_px"] = [fx(prop["center_px"][0]), prop["center_px"][1]]
        if prop["contact_px"] is not None:
            prop["contact_px"] = [fx(prop["contact_px"][0]), prop["contact_px"][1]]


def _prop_truth(
    scene: Scene,
    clip: RiggedClip,
    i: int,
    cam: PinholeCamera,
    zbuf: np.ndarray,
    lm_world: np.ndarray | None,
) -> dict | None:
    p = scene.prop
    centre = clip.prop_centres[i]
    if p.kind == "none" or centre is None:
        return None
    face = centre.copy()
    if p.kind == "roller":
        ends = [centre + np.array([0, s * p.length_m / 2, 0]) for s in (-1, 1)]
        _, d_ends = cam.project(np.stack(ends))
        face = ends[int(np.argmin(d_ends))]
    (c_px,), (c_d,) = cam.project(face[None])
    r_px = cam.focal_px * p.radius_m / c_d
    pl = clip.placements[i] if clip.placements else None
    attached = clip.values[i]["attached"] >= 0.5
    in_contact = bool(pl is not None and pl.in_contact and attached)
    contact_px, frac = None, None
    if pl is not None and pl.contact is not None and attached and lm_world is not None:
        (cp,), _ = cam.project(pl.contact[None])
        contact_px = [round(float(cp[0]), 2), round(float(cp[1]), 2)]
        hip = 0.5 * (lm_world[23] + lm_world[24])
        sh = 0.5 * (lm_world[11] + lm_world[12])
        ax = sh - hip
        frac = round(float((pl.contact - hip) @ ax / (ax @ ax)), 4)
    # Visible: share of the prop's disc whose rendered depth is the prop's, not something nearer.
    g = np.linspace(-0.7, 0.7, 7)
    xs, ys = np.meshgrid(c_px[0] + g * r_px, c_px[1] + g * r_px)
    inside = (xs - c_px[0]) ** 2 + (ys - c_px[1]) ** 2 <= (0.7 * r_px) ** 2
    h, w = zbuf.shape
    seen = total = 0
    for x, y in zip(xs[inside], ys[inside], strict=True):
        xi, yi = int(round(x)), int(round(y))
        total += 1
        if 0 <= xi < w and 0 <= yi < h and zbuf[yi, xi] >= c_d - p.radius_m - 0.02:
            seen += 1
    frac_vis = seen / max(total, 1)
    return {
        "kind": p.kind,
        "center_px": [round(float(c_px[0]), 2), round(float(c_px[1]), 2)],
        "radius_px": round(float(r_px), 2),
        "contact_px": contact_px,
        "spine_fraction": frac,
        "in_contact": in_contact,
        "visible": frac_vis >= 0.25,
        "visible_fraction": round(frac_vis, 3),
        "center_world_m": [round(float(x), 4) for x in centre],
    }


def render_scene(
    scene: Scene,
    out_dir: Path,
    max_frames: int | None = None,
    extra: dict | None = None,
    compress: bool = False,
    antialias: bool = True,
) -> dict:
    """Render ``scene`` into ``out_dir``/<name>.mp4 and <name>.truth.json; return the truth.

    ``extra`` adds top-level truth keys (split, family, transition, seed, nuisance);
    ``compress`` writes ``<name>.truth.json.gz`` (gzip without a timestamp, so the same scene
    gives the same bytes). ``antialias=False`` renders without pyrender's 4× MSAA, which
    costs llvmpipe about a third of the frame time; the webcam blur softens the edges anyway.
    """
    if not antialias:
        with _no_msaa():
            return render_scene(scene, out_dir, max_frames, extra, compress)
    clip = rig_clip(scene)
    second = _second_clip(scene)
    cam = camera_for(scene, clip)
    sc = _build_room(scene, clip, cam)
    prop_mesh = _prop_mesh(scene)
    prop_node = sc.add(prop_mesh) if prop_mesh is not None else None
    if prop_node is not None and scene.setup == "empty":
        sc.set_pose(prop_node, _static_prop_pose(scene))
    renderer = pyrender.OffscreenRenderer(scene.width, scene.height)
    flags = pyrender.RenderFlags.SHADOWS_DIRECTIONAL
    n = scene.frame_count if max_frames is None else min(max_frames, scene.frame_count)
    frames = []
    body_node = None
    second_node = None
    out_dir.mkdir(parents=True, exist_ok=True)
    mp4 = out_dir / f"{scene.name}.mp4"
    with Mp4Sink(mp4, scene.width, scene.height, scene.fps, scene.degrade.crf) as sink:
        for i in range(n):
            if body_node is not None:
                sc.remove_node(body_node)
                body_node = None
            lm_world = None
            if clip.vertices is not None:
                tm = trimesh.Trimesh(clip.vertices[i], clip.faces, process=False)
                tm.visual = trimesh.visual.ColorVisuals(tm, vertex_colors=clip.colours)
                body_node = sc.add(pyrender.Mesh.from_trimesh(tm, smooth=True))
                lm_world = clip.landmarks[i]
            if second_node is not None:
                sc.remove_node(second_node)
                second_node = None
            if second is not None:
                tm2 = trimesh.Trimesh(second.vertices[i], second.faces, process=False)
                tm2.visual = trimesh.visual.ColorVisuals(tm2, vertex_colors=second.colours)
                second_node = sc.add(pyrender.Mesh.from_trimesh(tm2, smooth=True))
            if prop_node is not None and clip.prop_centres[i] is not None:
                pose = np.eye(4)
                pose[:3, 3] = clip.prop_centres[i]
                sc.set_pose(prop_node, pose)
            colour, zbuf = renderer.render(sc, flags=flags)
            frame = {"i": i, "t": round(float(clip.times[i]), 4)}
            if lm_world is not None:
                px, depth = cam.project(lm_world)
                vis = visibility(px, depth, zbuf)
                frame["landmarks_px"] = [
                    [round(float(x), 2), round(float(y), 2), bool(v)]
                    for (x, y), v in zip(px, vis, strict=True)
                ]
                frame["landmarks_world_m"] = [[round(float(c), 4) for c in p] for p in lm_world]
            else:
                frame["landmarks_px"] = [None] * 33
                frame["landmarks_world_m"] = [None] * 33
            frame["prop"] = _prop_truth(scene, clip, i, cam, zbuf, lm_world)
            frames.append(frame)
            if scene.mirrored:
                colour = np.ascontiguousarray(colour[:, ::-1])
            sink.write(degrade(colour, scene.degrade, scene.seed, i, scene.fps))
    renderer.delete()
    truth = _truth(scene, clip, frames, cam)
    if scene.mirrored:
        for frame in frames:
            _mirror_truth(frame, scene.width)
        truth["view"] = MIRRORED_VIEW.get(truth["view"], truth["view"])
    if extra:
        # New keys go before the bulky frames so a reader can stop early.
        head = {k: v for k, v in truth.items() if k not in ("frames", "segments")}
        truth = {**head, **extra, "frames": truth["frames"], "segments": truth["segments"]}
    text = json.dumps(truth, separators=(",", ":")) + "\n"
    if compress:
        path = out_dir / f"{scene.name}.truth.json.gz"
        path.write_bytes(gzip.compress(text.encode(), compresslevel=9, mtime=0))
    else:
        path = out_dir / f"{scene.name}.truth.json"
        path.write_text(text)
    return truth


class _no_msaa:  # noqa: N801 - used as a context manager
    """Make pyrender create its multisample framebuffer with 0 samples (plain rendering)."""

    def __enter__(self) -> None:
        self._orig = pyrender.renderer.glRenderbufferStorageMultisample

        def single(target, _samples, fmt, w, h):
            return self._orig(target, 0, fmt, w, h)

        pyrender.renderer.glRenderbufferStorageMultisample = single

    def __exit__(self, *exc) -> None:
        pyrender.renderer.glRenderbufferStorageMultisample = self._orig


def _static_prop_pose(scene: Scene) -> np.ndarray:
    pose = np.eye(4)
    pose[:3, 3] = [scene.prop.x_m, 0.0, scene.prop.radius_m]
    return pose


def _truth(scene: Scene, clip: RiggedClip, frames: list[dict], cam: PinholeCamera) -> dict:
    m = clip.measures
    body = None
    if m is not None:
        body = {
            "height_cm": round(m.height_m * 100, 1),
            "shoulder_hip_cm": round(m.shoulder_hip_m * 100, 1),
            "spine_levels": m.spine_levels,
            "phenotype": {
                "gender": scene.body.gender,
                "age": scene.body.age,
                "muscle": scene.body.muscle,
                "weight": scene.body.weight,
                "height": scene.body.height,
            },
        }
    return {
        "format": TRUTH_FORMAT,
        "name": scene.name,
        "scene_file": scene.scene_file,
        "description": scene.description,
        "fps": float(scene.fps),
        "width": scene.width,
        "height": scene.height,
        "frame_count": len(frames),
        "view": scene.view,
        "exercise": scene.exercise,
        "body": body,
        "camera": {
            "focal_px": cam.focal_px,
            "pose_cam_to_world": [[round(float(x), 5) for x in r] for r in cam.pose],
            "distance_m": scene.camera.distance_m,
            "azimuth_deg": scene.camera.azimuth_deg,
        },
        "world_frame": "metres; +z up, floor z = 0; camera at azimuth 0 looks along +y",
        "frames": frames,
        "segments": segments_for(scene, clip, frames),
    }
