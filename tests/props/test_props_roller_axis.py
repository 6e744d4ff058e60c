"""The roller's contact from its axis, not its end cap, when the camera is off the side view
(issue 11: a roller on the upper back was judged "neck" with the camera 20° off)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from posecoach.exercises.roller import Zone, zone_of
from posecoach.props.geometry import spine_coords
from posecoach.props.hints import BodyHint
from posecoach.props.roller import RollerDetection, RollerTracker, contact_point
from posecoach.props.roller_axis import (
    END_ON_SIGMA_CM,
    MAX_SPREAD_CM,
    RollerAxis,
    axis_contact,
    axis_contact_estimate,
    band_axis,
)
from tests.props.synth import roller_oblique

TRUNK_CM = 47.0  # the synthetic trunk's hip → shoulder length


def _along_cm(point: np.ndarray, hint: BodyHint) -> float:
    return float(spine_coords(point, hint.hip_px, hint.shoulder_px,
                              hint.px_per_cm).fraction[0]) * TRUNK_CM


def _tracked(azimuth: float, kind: str, seed: int = 1):
    scene = roller_oblique(azimuth, seed=seed, kind=kind)
    tracker = RollerTracker(work_budget=None)
    found = None
    for i in range(3):
        found = tracker.update(scene.scene.image, scene.scene.hint, 0.1 * i)
    assert found is not None and found.method in ("colour", "shape")
    return scene, found


@pytest.mark.parametrize("kind", ["blue", "orange"])
@pytest.mark.parametrize("azimuth", [20.0, 25.0, 30.0])
def test_oblique_roller_contact_is_on_the_midline_not_at_the_end_cap(azimuth: float,
                                                                     kind: str) -> None:
    scene, found = _tracked(azimuth, kind)
    hint = scene.scene.hint
    truth = _along_cm(scene.contact, hint)
    # The cap is found well (this is about reading the contact from it) ...
    assert np.hypot(*(found.center_px - scene.scene.center)) < 0.3 * scene.scene.radius
    # ... but the cap's own contact is far off along the spine: the old way fails here.
    cap_err = abs(_along_cm(contact_point(found.center_px, found.radius_px, hint), hint) - truth)
    assert cap_err > 6.0, cap_err
    assert found.contact_px is not None
    assert abs(_along_cm(found.contact_px, hint) - truth) <= 3.0


@pytest.mark.parametrize("kind", ["blue", "orange"])
@pytest.mark.parametrize("azimuth", [-30.0, -25.0, -20.0])
def test_near_end_toward_the_hips_is_placed_or_declared_unknown(azimuth: float,
                                                                kind: str) -> None:
    # Turned the other way the image axis runs nearly along the rising trunk: the crossing
    # is flat and may not be told. Then no contact, never the cap's (11–16 cm off).
    scene, found = _tracked(azimuth, kind)
    hint = scene.scene.hint
    truth = _along_cm(scene.contact, hint)
    cap_err = abs(_along_cm(contact_point(found.center_px, found.radius_px, hint), hint) - truth)
    assert cap_err > 9.0, cap_err
    if found.contact_px is not None:
        assert abs(_along_cm(found.contact_px, hint) - truth) <= MAX_SPREAD_CM


def test_roller_on_the_upper_back_seen_25_degrees_off_is_not_in_the_neck() -> None:
    # The clip: a roller at the top of the shoulder blades read as "neck" from its cap.
    scene = roller_oblique(25.0, seed=4, kind="blue", roll_fraction=1.0)
    tracker = RollerTracker(work_budget=None)
    for i in range(3):
        found = tracker.update(scene.scene.image, scene.scene.hint, 0.1 * i)
    assert found is not None
    hint = scene.scene.hint
    fraction = _along_cm(scene.contact, hint) / TRUNK_CM
    assert zone_of(fraction) is Zone.THORACIC
    cap = contact_point(found.center_px, found.radius_px, hint)
    assert zone_of(_along_cm(cap, hint) / TRUNK_CM) is Zone.CERVICAL
    assert found.contact_px is not None
    assert zone_of(_along_cm(found.contact_px, hint) / TRUNK_CM) is Zone.THORACIC


@pytest.mark.parametrize("kind", ["blue", "orange", "black"])
def test_side_view_contact_is_still_the_cap(kind: str) -> None:
    scene, found = _tracked(0.0, kind)
    hint = scene.scene.hint
    assert found.contact_px is not None
    assert abs(_along_cm(found.contact_px, hint) - _along_cm(scene.contact, hint)) <= 3.0


def _flat_hint() -> BodyHint:
    return BodyHint(shoulder_px=np.array([400.0, 300.0]), hip_px=np.array([200.0, 300.0]),
                    px_per_cm=3.0, lying=True, floor_y_px=None)


def test_near_end_with_no_visible_axis_is_unknown_not_a_guess() -> None:
    hint = _flat_hint()
    r = 22.5
    expected_row = 300.0 + 10.0 * 3.0 + r  # axis height of a roller under the back
    end_on = np.array([300.0, expected_row + 2.0])
    assert axis_contact(end_on, r, hint, None) is not None
    dropped = np.array([300.0, expected_row + 16.0 * 3.0])  # 16 cm lower: an oblique near end
    assert axis_contact(dropped, r, hint, None) is None


def test_axis_nearly_along_the_spine_gives_no_contact() -> None:
    hint = _flat_hint()
    cap = np.array([300.0, 300.0 + 30.0 + 22.5 + 15.0])
    shallow = np.array([np.cos(np.radians(5.0)), -np.sin(np.radians(5.0))])
    # Only the cap and a part of the side are seen (a run of 60 px, 1.3 diameters): where
    # the roller's middle is cannot be told. (A whole roller's run is the next test.)
    assert axis_contact(cap, 22.5, hint, RollerAxis(shallow, 3.0, 60.0)) is None
    steep = np.array([np.cos(np.radians(40.0)), -np.sin(np.radians(40.0))])
    contact = axis_contact(cap, 22.5, hint, RollerAxis(steep, 3.0, 200.0))
    assert contact is not None
    # 15 px to climb at 40°: the middle is 15 / tan(40°) ≈ 18 px along the spine.
    assert contact[0] - cap[0] == pytest.approx(15.0 / np.tan(np.radians(40.0)), abs=0.5)


def test_detection_may_carry_an_unknown_contact() -> None:
    d = RollerDetection(np.array([1.0, 2.0]), 5.0, None, 0.8, "colour")
    assert d.contact_px is None
    with pytest.raises(ValueError, match="contact_px"):
        RollerDetection(np.array([1.0, 2.0]), 5.0, np.zeros(3), 0.8, "colour")


@settings(max_examples=200, deadline=None)
@given(azimuth=st.floats(-30.0, 30.0), elevation=st.floats(5.0, 20.0),
       tilt=st.floats(-20.0, 20.0), half_cm=st.floats(15.0, 45.0),
       fraction=st.floats(0.3, 1.3), s=st.floats(1.5, 5.0))
def test_exact_axis_gives_the_midline_contact_or_nothing(azimuth, elevation, tilt, half_cm,
                                                         fraction, s):
    # An exactly known cap and image axis (orthographic camera): whatever comes back is
    # the true contact; a flat crossing may give None, never a wrong place.
    t = np.radians(tilt)
    hip = np.array([200.0, 300.0])
    u = np.array([np.cos(t), -np.sin(t)])
    down = np.array([-u[1], u[0]])
    r = 7.5 * s
    middle = hip + fraction * 47.0 * s * u + (10.0 * s + r) * down
    a, e = np.radians(azimuth), np.radians(elevation)
    axis = np.array([np.sin(a), np.sin(e) * np.cos(a)])
    cap = middle + half_cm * s * axis
    hint = BodyHint(shoulder_px=hip + 47.0 * s * u, hip_px=hip, px_per_cm=s, lying=True,
                    floor_y_px=float(middle[1] + r))
    direction = -axis / np.hypot(*axis)
    # The silhouette runs from the cap to the far end, as far again past the middle.
    run = 2 * half_cm * s * float(np.hypot(*axis))
    found = axis_contact(cap, r, hint, RollerAxis(direction, 3.0, run))
    if found is not None:
        assert np.hypot(*(found - (middle - r * down))) / s <= 0.5


def test_flat_axis_of_a_whole_roller_gives_the_middle_of_its_run() -> None:
    # A camera near the floor: the axis runs almost along the spine line (no usable
    # crossing) but the whole roller shows under the back; its middle is under the spine.
    hint = _flat_hint()
    r = 22.5
    middle = np.array([310.0, 300.0 + 30.0 + r])  # on the axis height under the back
    flat = np.array([np.cos(np.radians(4.0)), -np.sin(np.radians(4.0))])
    half = 90.0  # 30 cm: a 60 cm roller seen 30° off
    far_end = middle + half * flat
    near_end = middle - half * flat
    for cap, axis in ((near_end, RollerAxis(flat, 3.0, 2 * half + r, r)),
                      (far_end, RollerAxis(-flat, 3.0, 2 * half + r, r))):
        contact = axis_contact(cap, r, hint, axis)
        assert contact is not None
        assert abs(contact[0] - middle[0]) / hint.px_per_cm <= 1.0
    # The same run beyond the hips (x < 200 + 0.1 trunk) is a blob of the legs' colour.
    legs = np.array([120.0, middle[1]]) - half * flat
    assert axis_contact(legs, r, hint, RollerAxis(flat, 3.0, 2 * half + r, r)) is None
    # A run whose middle sits well below where the axis passes under the spine (a mat's
    # edge, the floor) is not the roller's.
    low = near_end + np.array([0.0, 6.0 * hint.px_per_cm])
    assert axis_contact(low, r, hint, RollerAxis(flat, 3.0, 2 * half + r, r)) is None


def test_short_silhouette_running_along_the_spine_is_not_taken_for_an_end_on_cap() -> None:
    # One end of an oblique roller whose side is in shadow: too short for an axis, but
    # stretched along the spine, so it is not a cross-section seen end-on.
    hint = _flat_hint()
    r = 22.5
    cap = np.array([300.0, 300.0 + 30.0 + r])
    along = RollerAxis(np.array([-0.99, -0.14]), 1.5, 1.2 * r, 0.9 * r)
    assert axis_contact(cap, r, hint, along) is None
    # Stretched toward the back (the body of a roller seen end-on from above): the cap.
    up = RollerAxis(np.array([0.2, -0.98]), 1.5, 1.2 * r, 0.9 * r)
    assert axis_contact(cap, r, hint, up) is not None


def _cap_and_contact_errors_cm(scene) -> tuple[float, float]:
    """Track the roller over three frames; how far (cm along the spine) the end cap's own
    contact and the tracker's contact are from the true contact. The roller must be seen and
    its contact told."""
    tracker = RollerTracker(work_budget=None)
    found = None
    for i in range(3):
        found = tracker.update(scene.scene.image, scene.scene.hint, 0.1 * i)
    assert found is not None and found.method.seen
    assert found.contact_px is not None
    hint = scene.scene.hint
    truth = _along_cm(scene.contact, hint)
    cap = contact_point(found.center_px, found.radius_px, hint)
    return (abs(_along_cm(cap, hint) - truth), abs(_along_cm(found.contact_px, hint) - truth))


@pytest.mark.parametrize("kind", ["blue", "orange"])
@pytest.mark.parametrize("azimuth", [-30.0, -20.0, 20.0, 30.0])
@pytest.mark.parametrize("elevation", [2.0, 4.0])
def test_camera_near_the_floor_off_the_side_view_places_the_contact(azimuth: float,
                                                                    elevation: float,
                                                                    kind: str) -> None:
    # A camera on the floor 20–30° off the side view: the roller's image axis runs nearly
    # along the spine, so its crossing is flat, but the whole roller is in view.
    scene = roller_oblique(azimuth, seed=2, kind=kind, elevation_deg=elevation)
    cap_err, contact_err = _cap_and_contact_errors_cm(scene)
    assert cap_err > 9.0, cap_err  # the cap is no answer
    assert contact_err <= 3.0


@pytest.mark.parametrize(("azimuth", "elevation", "length"), [
    (20.0, 20.0, 60.0), (25.0, 28.0, 60.0), (30.0, 20.0, 60.0), (15.0, 25.0, 60.0),
    (10.0, 15.0, 90.0), (-20.0, 25.0, 90.0)])
@pytest.mark.parametrize(("kind", "side"), [("orange", "black"), ("blue", "patterned"),
                                            ("orange", "grey")])
def test_roller_whose_side_differs_from_its_end_is_placed_from_its_band(
        azimuth: float, elevation: float, length: float, kind: str, side: str) -> None:
    # A cover whose side is another colour than its end (two-tone, printed): the colour
    # silhouette is the end alone, too low in the picture for an end-on roller, so the
    # contact was unknown ("can't see the roller") although the roller is in plain view.
    # The band of its side gives the axis.
    scene = roller_oblique(azimuth, seed=3, kind=kind, side=side, shirt="grey",
                           elevation_deg=elevation, length_cm=length)
    cap_err, contact_err = _cap_and_contact_errors_cm(scene)
    assert cap_err > 4.5, cap_err  # the cap's own contact is no answer here
    assert contact_err <= 3.5


def test_band_axis_follows_the_side_of_a_roller_of_any_colour() -> None:
    scene = roller_oblique(30.0, seed=2, kind="blue", side="black", shirt="grey")
    hint = scene.scene.hint
    band = band_axis(scene.scene.image, scene.scene.center, scene.scene.radius, hint)
    assert band is not None
    middle = scene.contact + scene.scene.radius * np.array([0.0, 1.0])
    true = (middle - scene.scene.center) / np.linalg.norm(middle - scene.scene.center)
    assert float(band.direction @ true) > np.cos(np.radians(12.0))
    assert band.extent_px > 2.0 * scene.scene.radius


def test_band_axis_finds_no_band_on_a_plain_wall() -> None:
    image = np.full((300, 400, 3), 128, np.uint8)
    hint = BodyHint(shoulder_px=np.array([300.0, 150.0]), hip_px=np.array([150.0, 150.0]),
                    px_per_cm=3.0, lying=True, floor_y_px=250.0)
    assert band_axis(image, np.array([200.0, 220.0]), 20.0, hint) is None
    with pytest.raises(ValueError, match="radius_px"):
        band_axis(image, np.array([200.0, 220.0]), 0.0, hint)


@pytest.mark.parametrize("kind", ["blue", "orange"])
@pytest.mark.parametrize("azimuth", [-10.0, -5.0, 0.0, 5.0, 10.0, 20.0, 25.0])
def test_contact_comes_with_an_honest_along_spine_uncertainty(azimuth: float,
                                                              kind: str) -> None:
    # Issue 11: a roller a little off the side view shows no axis, and its contact is then
    # read from the end cap, up to (L/2)·sin(azimuth) along the spine from the true one. The
    # detection says how far off it may be, so the zone borders within that are not judged.
    scene, found = _tracked(azimuth, kind)
    hint = scene.scene.hint
    if found.contact_px is None:
        return
    error = abs(_along_cm(found.contact_px, hint) - _along_cm(scene.contact, hint))
    assert error <= found.contact_sigma_cm + 1.0, (error, found.contact_sigma_cm)
    assert found.contact_sigma_cm <= END_ON_SIGMA_CM


@pytest.mark.parametrize("hidden", [0.25, 0.33])
def test_middle_of_a_run_whose_far_end_the_body_hides_claims_an_honest_uncertainty(
        hidden: float) -> None:
    # Issue 11, a contact never more certain than it is: a camera near the floor sees a
    # 60 cm roller 30° off, but the body hides the last ``hidden`` of its far half, so the
    # middle of the run is short of the roller's middle by half of that
    # (dev split: such middles were 4.2 cm off along the spine at the median, 7.7 at p90,
    # while they claimed 2 cm, and a lower-back roller read as thoracic).
    hint = _flat_hint()
    r = 22.5
    middle = np.array([310.0, 300.0 + 30.0 + r])
    flat = np.array([np.cos(np.radians(4.0)), -np.sin(np.radians(4.0))])
    half = 90.0
    near_end = middle - half * flat
    run = (2.0 - hidden) * half + r
    found = axis_contact_estimate(near_end, r, hint, RollerAxis(flat, 3.0, run, r))
    assert found is not None
    error_cm = abs(found.point[0] - middle[0]) / hint.px_per_cm
    assert error_cm > 3.0  # the run's middle really is off here
    assert error_cm <= found.sigma_cm + 1.0, (error_cm, found.sigma_cm)


@pytest.mark.parametrize("kind", ["blue", "orange"])
@pytest.mark.parametrize(("azimuth", "length_cm", "elevation"),
                         [(8.0, 90.0, 12.0), (12.0, 60.0, 20.0)])
def test_short_silhouette_tilted_off_the_vertical_moves_the_contact_off_the_cap(
        azimuth: float, length_cm: float, elevation: float, kind: str) -> None:
    # Issue 11: a roller 8-12° off the side view shows only a short silhouette (elongation
    # 1.4-1.5, below an axis's MIN_ELONGATION), yet that silhouette leans off the vertical
    # as the roller does; taking the cap for the cross-section put the contact 4 cm off
    # along the spine (dev split: 5-7 cm on four clips), its direction puts it closer.
    scene = roller_oblique(azimuth, seed=1, kind=kind, length_cm=length_cm,
                           elevation_deg=elevation)
    hint = scene.scene.hint
    tracker = RollerTracker(work_budget=None)
    for i in range(3):
        found = tracker.update(scene.scene.image, hint, 0.1 * i)
    assert found is not None and found.contact_px is not None
    truth = _along_cm(scene.contact, hint)
    cap_err = abs(_along_cm(contact_point(found.center_px, found.radius_px, hint), hint) - truth)
    assert cap_err > 3.8, cap_err  # the end cap's contact is well off here
    assert abs(_along_cm(found.contact_px, hint) - truth) <= 2.5
    # ... and it claims no more certainty than the end cap did.
    assert found.contact_sigma_cm >= END_ON_SIGMA_CM


def test_direction_of_a_shorter_silhouette_is_known_more_roughly() -> None:
    from posecoach.props.roller_axis import DIRECTION_SIGMA_DEG, direction_sigma_deg

    assert direction_sigma_deg(1.0) == 90.0
    rough = [direction_sigma_deg(e) for e in (1.2, 1.35, 1.5, 2.0, 4.0)]
    assert rough == sorted(rough, reverse=True)
    assert rough[0] > 15.0 and rough[-1] == DIRECTION_SIGMA_DEG
