"""Synthetic side-view scenes with known ball / roller positions, drawn with OpenCV.

Not a renderer: flat regions with shading, texture, an occluding torso, lighting changes,
sensor noise, blur and JPEG — enough to make colour and outline detection honest.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from posecoach.props.hints import BodyHint

W, H = 640, 480
BALL_BGR = (79, 255, 223)  # "optic yellow" felt, RGB (223, 255, 79): H ≈ 36, S ≈ 176
SHIRTS = {"navy": (90, 40, 25), "red": (40, 40, 190), "grey": (120, 120, 125),
          "green": (60, 120, 40), "yellow": (40, 215, 235), "black": (30, 30, 30)}
ROLLERS = {"black": (32, 32, 34), "blue": (180, 95, 30), "orange": (30, 120, 240),
           "grey": (150, 150, 150), "patterned": (150, 160, 40)}
LIGHTS = ("normal", "dim", "warm", "cool", "overexposed")


@dataclass(frozen=True)
class Scene:
    """A drawn frame and its ground truth (pixels)."""

    image: np.ndarray
    hint: BodyHint
    center: np.ndarray | None
    radius: float | None
    hidden_fraction: float = 0.0


def _texture(rng: np.random.Generator, shape: tuple[int, int], sigma: float) -> np.ndarray:
    noise = rng.standard_normal(shape, dtype=np.float32) * np.float32(sigma)
    return cv2.GaussianBlur(noise, (0, 0), 1.2)[..., None]


def _room(rng: np.random.Generator, floor_y: int) -> np.ndarray:
    img = np.empty((H, W, 3), np.float32)
    img[:] = (176, 188, 196)  # pale painted wall
    img[floor_y:] = (70, 112, 150)  # wooden floor
    ramp = np.linspace(0.9, 1.08, W, dtype=np.float32)[None, :, None]
    img *= ramp
    img += _texture(rng, (H, W), 5.0)
    return img


def _window(center: np.ndarray, radius: float) -> tuple[slice, slice]:
    x0, x1 = max(int(center[0] - radius) - 2, 0), min(int(center[0] + radius) + 3, W)
    y0, y1 = max(int(center[1] - radius) - 2, 0), min(int(center[1] + radius) + 3, H)
    return slice(y0, y1), slice(x0, x1)


def _soft_disc(center: np.ndarray, radius: float, win: tuple[slice, slice]
               ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Anti-aliased coverage and normalised offsets of a disc, inside window ``win``."""
    yy, xx = np.mgrid[win].astype(np.float32)
    dx, dy = xx - center[0], yy - center[1]
    d = np.hypot(dx, dy)
    alpha = np.clip(radius - d + 0.5, 0, 1)[..., None]
    return alpha, dx / radius, dy / radius


def _paint(img: np.ndarray, alpha: np.ndarray, colour: np.ndarray) -> None:
    img *= 1 - alpha
    img += alpha * colour


def draw_ball(img: np.ndarray, rng: np.random.Generator, center: np.ndarray, radius: float,
              bgr: tuple[int, int, int] = BALL_BGR) -> np.ndarray:
    """Shaded felt ball with a seam; returns its (H, W) bool coverage."""
    win = _window(center, radius)
    alpha, nx, ny = _soft_disc(center, radius, win)
    nz = np.sqrt(np.clip(1 - nx ** 2 - ny ** 2, 0, 1))
    light = np.array([-0.4, -0.5, 0.77])
    shade = 0.45 + 0.6 * np.clip(nx * light[0] + ny * light[1] + nz * light[2], 0, 1)
    colour = np.array(bgr, np.float32) * shade[..., None] + _texture(rng, nx.shape, 9.0)
    seam = np.abs(np.hypot(nx - 1.3, ny + 0.9) - 1.25) < 0.9 / radius
    colour[seam] = 0.6 * colour[seam] + 0.4 * 235
    _paint(img[win], alpha, colour)
    out = np.zeros((H, W), bool)
    out[win] = alpha[..., 0] > 0.5
    return out


def _ellipse_mask(center: np.ndarray, axes: tuple[float, float], angle_deg: float) -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    cv2.ellipse(mask, (round(center[0] * 16), round(center[1] * 16)),
                (round(axes[0] * 16), round(axes[1] * 16)), angle_deg, 0, 360, 255, -1,
                cv2.LINE_AA, shift=4)
    return mask > 127


def _bisect(f, target: float, lo: float, hi: float, steps: int = 18) -> float:
    """x in [lo, hi] with f(x) ≈ target for a decreasing f."""
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if f(mid) > target:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def _torso(img: np.ndarray, rng: np.random.Generator, center: np.ndarray, axes: tuple[float, float],
           angle_deg: float, bgr: tuple[int, int, int]) -> np.ndarray:
    mask = np.zeros((H, W), np.uint8)
    cv2.ellipse(mask, (round(center[0] * 16), round(center[1] * 16)),
                (round(axes[0] * 16), round(axes[1] * 16)), angle_deg, 0, 360, 255, -1,
                cv2.LINE_AA, shift=4)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    yy = np.linspace(1.08, 0.88, H, dtype=np.float32)[:, None, None]
    colour = np.array(bgr, np.float32) * yy + _texture(rng, (H, W), 7.0)
    _paint(img, alpha, colour)
    return mask > 127


def _limb(img: np.ndarray, p: np.ndarray, q: np.ndarray, width: float, bgr: tuple) -> None:
    cv2.line(img, tuple(np.round(p).astype(int)), tuple(np.round(q).astype(int)),
             tuple(float(c) for c in bgr), int(width), cv2.LINE_AA)


def apply_light(img: np.ndarray, light: str) -> np.ndarray:
    """Lighting change on a float image, before the camera adds noise."""
    gains = {"normal": (1.0, 1.0, 1.0), "dim": (0.42, 0.42, 0.42), "warm": (0.68, 0.93, 1.12),
             "cool": (1.15, 1.0, 0.8), "overexposed": (1.65, 1.65, 1.65)}
    if light not in gains:
        raise ValueError(f"unknown light {light!r}")
    out = img * np.array(gains[light], np.float32)
    if light == "overexposed":
        out += 25
    return out


def camera(img: np.ndarray, rng: np.random.Generator, noise: float = 5.0,
           blur: float = 0.9, jpeg: int = 75) -> np.ndarray:
    """Webcam: blur, sensor noise, 8-bit clipping and JPEG."""
    out = cv2.GaussianBlur(img, (0, 0), blur) if blur > 0 else img
    out = out + rng.standard_normal(out.shape, dtype=np.float32) * np.float32(noise)
    out = np.clip(out, 0, 255).astype(np.uint8)
    if jpeg >= 100:
        return out
    ok, buf = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, jpeg])
    assert ok
    return cv2.imdecode(buf, cv2.IMREAD_COLOR)


def ball_at_wall(seed: int = 0, px_per_cm: float = 4.0, light: str = "normal",
                 occluder: str = "torso", hidden: float = 0.4, shirt: str = "navy",
                 ball: bool = True, lean_deg: float = 6.0, mirror: bool = False,
                 noise: float | None = None, blur: float = 0.9, jpeg: int = 75,
                 ball_bgr: tuple[int, int, int] = BALL_BGR) -> Scene:
    """Standing side view, back to a wall at the left, ball between upper back and wall.

    ``hidden`` is the wanted share of the ball covered by the occluder ("torso" or "wall").
    """
    rng = np.random.default_rng(seed)
    floor_y = 440
    img = _room(rng, floor_y)
    s = px_per_cm
    r = 3.35 * s
    trunk = 47 * s
    half_depth = 11 * s
    lean = np.deg2rad(lean_deg)
    u = np.array([-np.sin(lean), -np.cos(lean)])  # hip → shoulder, leaning back to the wall
    n_wall = np.array([-np.cos(lean), np.sin(lean)])  # from the spine toward the wall
    hip = np.array([W * 0.42, floor_y - 50 * s * 0.9 - 10])
    hip[1] = min(hip[1], floor_y - 20)
    shoulder = hip + trunk * u
    if shoulder[1] < 25:
        shift = 25 - shoulder[1]
        hip[1] += shift
        shoulder[1] += shift
    f_ball = 0.78 + 0.05 * rng.uniform(-1, 1)
    axis_pt = hip + f_ball * trunk * u
    mid = hip + 0.5 * trunk * u
    angle = np.degrees(np.arctan2(u[1], u[0]))
    torso_c, torso_axes = mid - 1.0 * s * n_wall, (0.62 * trunk, half_depth + 1.0 * s)
    oy, ox = np.mgrid[-int(r) - 1:int(r) + 2, -int(r) - 1:int(r) + 2]

    def disc_px(c: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Integer pixel coordinates of the disc of radius r at c (inside the frame)."""
        px, py = np.round(c).astype(int)[:, None, None] + np.stack([ox, oy])
        keep = (np.hypot(px - c[0], py - c[1]) <= r) & (px >= 0) & (px < W) & (py >= 0) & (py < H)
        return px[keep], py[keep]

    if occluder == "torso":
        torso_px = _ellipse_mask(torso_c, torso_axes, angle)

        def hidden_at(g: float) -> float:
            px, py = disc_px(axis_pt + (half_depth + g) * n_wall)
            return float(torso_px[py, px].mean())

        gap = _bisect(hidden_at, hidden, -r, 3 * r)
        center = axis_pt + (half_depth + gap) * n_wall
        wall_x = center[0] - r
    elif occluder == "wall":
        center = axis_pt + (half_depth + 1.5 * r) * n_wall
        px, _ = disc_px(center)
        wall_x = _bisect(lambda x: -float((px < x).mean()), -hidden, center[0] - r,
                         center[0] + r)
    else:
        raise ValueError(f"unknown occluder {occluder!r}")
    wall_x = int(round(wall_x))
    img[: floor_y, : wall_x] = (205, 208, 210)
    img[: floor_y, : wall_x] += _texture(rng, (floor_y, wall_x), 4.0)
    ball_mask = np.zeros((H, W), bool)
    if ball:
        ball_mask = draw_ball(img, rng, center, r, ball_bgr)
        ball_area = ball_mask.sum()
    # Legs and arm, then torso and head.
    knee = hip + np.array([8 * s, 22 * s])
    _limb(img, hip, knee, 15 * s, (60, 50, 45))
    _limb(img, knee, np.array([knee[0] - 2 * s, floor_y - 4]), 12 * s, (60, 50, 45))
    torso_mask = _torso(img, rng, torso_c, torso_axes, angle, SHIRTS[shirt])
    if occluder == "wall":
        img[: floor_y, : wall_x] = (205, 208, 210)
        img[: floor_y, : wall_x] += _texture(rng, (floor_y, wall_x), 4.0)
        torso_mask = np.zeros((H, W), bool)
        torso_mask[:, :wall_x] = True
    head = shoulder + 13 * s * u - 2 * s * n_wall
    cv2.circle(img, tuple(np.round(head).astype(int)), int(9 * s), (120, 150, 200), -1,
               cv2.LINE_AA)
    elbow = shoulder + 20 * s * (-u) - 6 * s * n_wall
    _limb(img, shoulder - 3 * s * n_wall, elbow, 8 * s, SHIRTS[shirt])
    hidden_fraction = float((ball_mask & torso_mask).sum() / ball_area) if ball else 0.0
    if noise is None:
        noise = 7.0 if light == "dim" else 5.0
    out = camera(apply_light(img, light), rng, noise=noise, blur=blur, jpeg=jpeg)
    if mirror:
        out = out[:, ::-1].copy()
        center = np.array([W - 1 - center[0], center[1]])
        hip = np.array([W - 1 - hip[0], hip[1]])
        shoulder = np.array([W - 1 - shoulder[0], shoulder[1]])
    hint = BodyHint(shoulder_px=shoulder, hip_px=hip, px_per_cm=s, lying=False,
                    head_px=head, floor_y_px=float(floor_y))
    return Scene(out, hint, center if ball else None, r if ball else None, hidden_fraction)


def draw_roller(img: np.ndarray, rng: np.random.Generator, center: np.ndarray, radius: float,
                kind: str) -> np.ndarray:
    """End-on roller disc (a hollow-core ring for "patterned"); returns its coverage."""
    win = _window(center, radius)
    alpha, nx, ny = _soft_disc(center, radius, win)
    d = np.hypot(nx, ny)
    base = np.array(ROLLERS[kind], np.float32)
    shade = (1.0 - 0.12 * ny - 0.1 * np.clip(d - 0.85, 0, 1) / 0.15)[..., None]
    colour = base * shade + _texture(rng, nx.shape, 6.0)
    if kind == "patterned":  # hollow core, dark inside, and a darker stripe ring
        colour[(d > 0.62) & (d < 0.72)] = (40, 60, 30)
        colour[d < 0.45] = (25, 25, 25)
    _paint(img[win], alpha, colour)
    out = np.zeros((H, W), bool)
    out[win] = alpha[..., 0] > 0.5
    return out


def roller_lying(seed: int = 0, px_per_cm: float = 3.0, kind: str = "blue",
                 light: str = "normal", cover: float = 0.3, shirt: str = "red",
                 roller: bool = True, roll_fraction: float = 0.72, mirror: bool = False,
                 in_front: bool = False, hair: bool = False, body_cm: float = 0.0,
                 feet_above_cm: float = 0.0) -> Scene:
    """Lying side view over a roller on the floor, head to the right (left if mirrored).

    ``cover`` is how far the torso hangs over the roller's top, as a share of its diameter;
    ``in_front`` draws the roller over the torso instead (a roller longer than the body is
    wide sticks out toward the camera).

    Render-like options: ``hair`` draws dark hair and its shadow under the head (a blob of
    about the roller's size); ``body_cm`` shows the roller's cylinder continuing this far
    above its end disc toward the back (a camera looking slightly down sees its top);
    ``feet_above_cm`` puts the hint's floor line (from heel landmarks, far from the
    camera) that far above the floor the roller's near end stands on.
    """
    rng = np.random.default_rng(seed)
    floor_y = 400
    img = _room(rng, floor_y)
    img[floor_y:floor_y + 10, 60:600] = (120, 70, 110)  # a yoga mat seen edge-on
    s = px_per_cm
    R = 7.5 * s
    depth = 10.0 * s
    trunk = 47 * s
    hip = np.array([W * 0.5 - 0.55 * trunk, floor_y - depth])
    # Roller centre on the floor under the trunk at ``roll_fraction``; solve for the axis
    # angle so that the back line (axis moved ``depth`` toward the floor) touches it.
    cx = hip[0] + roll_fraction * trunk * 0.97
    center = np.array([cx, floor_y - R])
    d = center - hip
    D = float(np.hypot(*d))
    phi = np.arctan2(d[1], d[0])
    psi = phi - np.arcsin(min(1.0, (R + depth) / D))
    u = np.array([np.cos(psi), np.sin(psi)])
    shoulder = hip + trunk * u
    n_floor = np.array([-u[1], u[0]]) if u[0] > 0 else np.array([u[1], -u[0]])
    angle = np.degrees(psi)
    # Legs: thigh up to the knee, shin down to the foot on the floor.
    knee = hip + np.array([-20 * s, -22 * s])
    foot = np.array([knee[0] - 10 * s, floor_y - 4 * s])
    _limb(img, hip, knee, 14 * s, (60, 50, 45))
    _limb(img, knee, foot, 11 * s, (60, 50, 45))
    mask = np.zeros((H, W), bool)
    if roller and not in_front and body_cm > 0:
        top = int(round(center[1] - body_cm * s))
        x0, x1 = int(round(center[0] - R)), int(round(center[0] + R))
        body = np.array(ROLLERS[kind], np.float32) * 0.85
        img[top:int(center[1]), x0:x1] = body + _texture(rng, (int(center[1]) - top, x1 - x0), 5)
    if roller and not in_front:
        mask = draw_roller(img, rng, center, R, kind)
    delta = cover * 2 * R
    mid = hip + 0.55 * trunk * u + 0.5 * delta * n_floor
    torso_mask = _torso(img, rng, mid, (0.62 * trunk, depth + 0.5 * delta), angle,
                        SHIRTS[shirt])
    head = shoulder + 14 * s * u + 1 * s * n_floor
    if hair:  # dark hair hanging toward the floor and its shadow on the floor side
        cv2.circle(img, tuple(np.round(head + 5 * s * n_floor + 2 * s * u).astype(int)),
                   int(8 * s), (28, 26, 30), -1, cv2.LINE_AA)
    cv2.circle(img, tuple(np.round(head).astype(int)), int(9 * s), (120, 150, 200), -1,
               cv2.LINE_AA)
    elbow = head + np.array([6 * s, -14 * s])
    _limb(img, head, elbow, 6 * s, (120, 150, 200))
    if roller and in_front:
        mask = draw_roller(img, rng, center, R, kind)
        torso_mask = np.zeros((H, W), bool)
    hidden = float((mask & torso_mask).sum() / max(mask.sum(), 1)) if roller else 0.0
    out = camera(apply_light(img, light), rng, noise=7.0 if light == "dim" else 5.0)
    if mirror:
        out = out[:, ::-1].copy()
        center = np.array([W - 1 - center[0], center[1]])
        hip = np.array([W - 1 - hip[0], hip[1]])
        shoulder = np.array([W - 1 - shoulder[0], shoulder[1]])
        head = np.array([W - 1 - head[0], head[1]])
    hint = BodyHint(shoulder_px=shoulder, hip_px=hip, px_per_cm=s, lying=True, head_px=head,
                    floor_y_px=float(floor_y - feet_above_cm * s))
    return Scene(out, hint, center if roller else None, R if roller else None, hidden)


@dataclass(frozen=True)
class ObliqueRollerScene:
    """A roller seen off the side view, with the true contact (pixels).

    ``scene.center`` / ``scene.radius`` are the visible near cap's; ``contact`` is where the
    roller's middle touches the back (on the body's midline)."""

    scene: Scene
    contact: np.ndarray


def _roller_body(img: np.ndarray, rng: np.random.Generator, near: np.ndarray,
                 far: np.ndarray, radius: float, squash: float, bgr: np.ndarray) -> None:
    """The cylinder's side between its two ends (a band 2 radius wide) and its far end."""
    d = (near - far) / max(float(np.hypot(*(near - far))), 1e-9)
    n = np.array([-d[1], d[0]])
    mask = np.zeros((H, W), np.uint8)
    quad = np.array([far + radius * n, near + radius * n, near - radius * n, far - radius * n])
    cv2.fillConvexPoly(mask, np.round(quad * 16).astype(np.int32), 255, cv2.LINE_AA, shift=4)
    angle = float(np.degrees(np.arctan2(d[1], d[0])))
    cv2.ellipse(mask, (round(far[0] * 16), round(far[1] * 16)),
                (round(squash * radius * 16), round(radius * 16)), angle, 0, 360, 255, -1,
                cv2.LINE_AA, shift=4)
    alpha = (mask.astype(np.float32) / 255)[..., None]
    # Lit from above: the side darkens away from the top edge.
    yy = np.linspace(1.0, 0.8, H, dtype=np.float32)[:, None, None]
    _paint(img, alpha, bgr * yy + _texture(rng, (H, W), 5.0))


def roller_oblique(azimuth_deg: float, seed: int = 0, px_per_cm: float = 3.0,
                   kind: str = "blue", shirt: str = "red", length_cm: float = 60.0,
                   elevation_deg: float = 12.0, roll_fraction: float = 0.8,
                   light: str = "normal", feet_above_cm: float = 3.0,
                   side: str | None = None) -> ObliqueRollerScene:
    """Lying over a roller (head to the right), the camera ``azimuth_deg`` off the side view
    and ``elevation_deg`` above the floor plane, so the roller's axis (across the spine)
    shows as a slanted cylinder: its near end cap, nearer the camera, lies half a roller
    length along the image axis from the body's midline (toward the head for a positive
    azimuth), and lower in the picture. Orthographic: foreshortening only. The hint's floor
    line is ``feet_above_cm`` above the floor (heel landmarks sit above it). ``side``: the
    colour (a ROLLERS key) of the cylinder's side when it differs from its end cap's (a
    roller with a printed or two-tone cover), or None for the cap's colour in shade."""
    rng = np.random.default_rng(seed)
    floor_y = 400
    img = _room(rng, floor_y)
    s = px_per_cm
    R = 7.5 * s
    depth = 10.0 * s
    trunk = 47 * s
    a, e = np.radians(azimuth_deg), np.radians(elevation_deg)
    hip = np.array([W * 0.5 - 0.55 * trunk, floor_y - depth - 8 * s])
    middle = np.array([hip[0] + roll_fraction * trunk * 0.97, floor_y - R])
    d = middle - hip
    D = float(np.hypot(*d))
    psi = np.arctan2(d[1], d[0]) - np.arcsin(min(1.0, (R + depth) / D))
    u = np.array([np.cos(psi), np.sin(psi)])
    shoulder = hip + trunk * u
    n_floor = np.array([-u[1], u[0]])
    contact = middle - R * n_floor
    # The axis toward the camera in the image, per cm: sideways by sin(azimuth), down by
    # the elevation's share; the end face is foreshortened by cos(azimuth).
    axis_px = np.array([np.sin(a), np.sin(e) * np.cos(a)]) * s
    half = 0.5 * length_cm
    near, far = middle + half * axis_px, middle - half * axis_px
    knee = hip + np.array([-20 * s, -22 * s])
    foot = np.array([knee[0] - 10 * s, floor_y - 4 * s])
    _limb(img, hip, knee, 14 * s, (60, 50, 45))
    _limb(img, knee, foot, 11 * s, (60, 50, 45))
    base = np.array(ROLLERS[kind], np.float32)
    squash = max(abs(float(np.cos(a))), 0.05)
    if abs(np.sin(a)) > 1e-3 or np.sin(e) > 1e-3:
        body = base if side is None else np.array(ROLLERS[side], np.float32)
        _roller_body(img, rng, near, far, R, squash, 0.8 * body)
    # Near end face, lighter than the side (it faces the camera and the room light).
    angle = float(np.degrees(np.arctan2(axis_px[1], axis_px[0])))
    cap = np.zeros((H, W), np.uint8)
    cv2.ellipse(cap, (round(near[0] * 16), round(near[1] * 16)),
                (round(squash * R * 16), round(R * 16)), angle, 0, 360, 255, -1,
                cv2.LINE_AA, shift=4)
    _paint(img, (cap.astype(np.float32) / 255)[..., None],
           np.minimum(base * 1.12, 255) + _texture(rng, (H, W), 6.0))
    mid = hip + 0.55 * trunk * u + 0.3 * R * n_floor
    _torso(img, rng, mid, (0.62 * trunk, depth + 0.3 * R), float(np.degrees(psi)),
           SHIRTS[shirt])
    head = shoulder + 14 * s * u + 1 * s * n_floor
    cv2.circle(img, tuple(np.round(head).astype(int)), int(9 * s), (120, 150, 200), -1,
               cv2.LINE_AA)
    elbow = head + np.array([6 * s, -14 * s])
    _limb(img, head, elbow, 6 * s, (120, 150, 200))
    out = camera(apply_light(img, light), rng, noise=7.0 if light == "dim" else 5.0)
    hint = BodyHint(shoulder_px=shoulder, hip_px=hip, px_per_cm=s, lying=True, head_px=head,
                    floor_y_px=float(floor_y - feet_above_cm * s))
    return ObliqueRollerScene(Scene(out, hint, near, R), contact)
