"""A tracked prop is looked for in a window around its track, not in the whole search area
on every frame, and is found again when it leaves that window.

Work is counted, not timed (speed is measured in bench/): the pixels each frame's searches
examine, through a spy on the function that every search of the kind runs on its pixels.
The hints of the sample clips come from their ground-truth landmarks, so no model runs.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from posecoach.props import ball_spot
from posecoach.props.ball import BallTracker
from posecoach.props.colour import RollerColorModel
from posecoach.props.geometry import spine_coords
from posecoach.props.roller import TRACK_WINDOW_RADII, RollerTracker
from posecoach.props.roller_axis import roller_contact_estimate
from posecoach.props.schedule import HeldOffset, SearchCadence, intersect, window_around

from .synth import ball_at_wall, roller_lying, roller_oblique
from .test_props_budget import _frames


@given(st.lists(st.booleans(), min_size=1, max_size=60), st.integers(1, 10))
def test_cadence_searches_everything_untracked_and_every_nth_tracked_frame(tracked, every):
    cadence = SearchCadence(every)
    run = 0  # tracked frames since the last full search
    for is_tracked in tracked:
        local = cadence.local(is_tracked)
        if not is_tracked:
            assert not local
        run = run + 1 if local else 0
        assert run < every  # never `every` local searches in a row
    assert cadence.local_searches + cadence.full_searches == len(tracked)


def test_cadence_after_a_local_miss_starts_a_new_count() -> None:
    cadence = SearchCadence(4)
    assert [cadence.local(True) for _ in range(4)] == [True, True, True, False]
    assert cadence.local(True)
    cadence.missed_locally()
    assert [cadence.local(True) for _ in range(4)] == [True, True, True, False]
    with pytest.raises(ValueError, match="full_every"):
        SearchCadence(0)


def test_windows_are_clipped_to_the_image_and_to_the_box() -> None:
    assert window_around(np.array([10.0, 20.0]), 5.0, (480, 640, 3)) == (5, 15, 16, 26)
    assert window_around(np.array([2.0, 2.0]), 5.0, (480, 640)) == (0, 0, 8, 8)
    assert window_around(np.array([700.0, 20.0]), 5.0, (480, 640)) is None
    assert intersect((0, 0, 100, 100), (50, 60, 200, 200)) == (50, 60, 100, 100)
    assert intersect((0, 0, 100, 100), None) == (0, 0, 100, 100)
    assert intersect((0, 0, 100, 100), (150, 0, 200, 50)) is None
    with pytest.raises(ValueError, match="half_px"):
        window_around(np.array([1.0, 1.0]), 0.0, (10, 10))


def test_held_offset_measures_every_nth_frame_and_at_once_when_things_move() -> None:
    held = HeldOffset(every=3, max_shift_radii=0.25)
    hip, shoulder = np.array([0.0, 0.0]), np.array([100.0, 0.0])
    calls = []

    def measure() -> tuple[np.ndarray, float]:
        calls.append(1)
        return np.array([55.0, 10.0]), 1.0

    points = [held.point(np.array([50.0 + 0.5 * k, 20.0]), 20.0, hip, shoulder, measure)
              for k in range(9)]
    assert len(calls) == 5  # the first 3 frames (a new track settles), then 5 and 8
    # Between measurements the point moves with the centre.
    np.testing.assert_allclose(points[3], [55.5, 10.0])
    np.testing.assert_allclose(points[4], [56.0, 10.0])
    # The body moved by more than a quarter radius: measured on that very frame.
    held.point(np.array([54.5, 20.0]), 20.0, hip + 6.0, shoulder, measure)
    assert len(calls) == 6
    held.reset()
    held.point(np.array([52.5, 20.0]), 20.0, hip + 6.0, shoulder, measure)
    assert len(calls) == 7 and held.measured == 7
    with pytest.raises(ValueError, match="every"):
        HeldOffset(every=0)
    with pytest.raises(ValueError, match="confirm"):
        HeldOffset(confirm=0)


def test_held_offset_takes_a_less_certain_jump_only_when_the_next_measurement_confirms_it(
        ) -> None:
    held = HeldOffset(every=1, jump_radii=0.5, confirm=2)
    hip, shoulder, centre = np.array([0.0, 0.0]), np.array([100.0, 0.0]), np.array([50.0, 20.0])
    readings = iter([(50.0, 2.0), (62.0, 2.0), (50.5, 2.0), (62.0, 3.0), (62.5, 3.0), None,
                     (62.0, 3.0), None, None, (50.0, 2.0), (62.0, 1.0)])

    def measure() -> tuple[np.ndarray | None, float]:
        reading = next(readings)
        return (None, np.inf) if reading is None else (np.array([reading[0], 0.0]), reading[1])

    xs = [None if p is None else float(p[0])
          for p in (held.point(centre, 20.0, hip, shoulder, measure) for _ in range(11))]
    # 12 px (over half a radius) away once: kept; twice in a row: taken; a lost point at
    # once, and a point after it; a more certain one at once.
    assert xs == [50.0, 50.0, 50.5, 50.5, 62.5, None, 62.0, None, None, 50.0, 62.0]
    assert held.unconfirmed == 2 and held.uncertainty == 1.0


def test_oblique_roller_contact_held_every_third_frame_does_not_flip_on_a_sub_pixel_jitter(
        ) -> None:
    """A roller seen ~16° off the side view whose contact is read two ways at two centres
    0.2 px apart (its long axis at one, the short silhouette's rougher direction at the
    other: ~4 cm apart along the spine; its end cap, before, ~8 cm): with the centre
    jittering between the two, the held contact stays put (no zone border between them
    can flip), while measured alone the contact jumps."""
    scene = roller_oblique(16.0, seed=2, kind="orange", roll_fraction=0.95)
    hint = scene.scene.hint
    tracker = RollerTracker(work_budget=None)
    for i in range(3):
        found = tracker.update(scene.scene.image, hint, 0.1 * i)
    assert found is not None and tracker.model is not None
    centres = [found.center_px + [0.0, 0.0], found.center_px + [0.0, 0.2]]

    def along_cm(point: np.ndarray) -> float:
        return float(spine_coords(point, hint.hip_px, hint.shoulder_px,
                                  hint.px_per_cm).fraction[0]) * 47.0

    def measure(centre: np.ndarray):
        def measured():
            estimate = roller_contact_estimate(scene.scene.image, centre, found.radius_px,
                                               hint, tracker.model)
            assert estimate is not None
            return estimate.point, estimate.sigma_cm
        return measured

    raw = [along_cm(measure(c)()[0]) for c in centres]
    assert abs(raw[0] - raw[1]) > 3.0  # the jitter flips the measurement itself
    held = HeldOffset(every=3)
    points = [held.point(centres[k % 2], found.radius_px, hint.hip_px, hint.shoulder_px,
                         measure(centres[k % 2])) for k in range(24)]
    along = [along_cm(p) for p in points[2:]]  # once both have been seen
    assert max(along) - min(along) < 1.0


class PixelSpy:
    """Counts the pixels of the images passed to a function, per frame (``frame`` is set by
    the caller before each frame)."""

    def __init__(self, monkeypatch, owner, name: str, method: bool = False) -> None:
        self.frame = 0
        self.counts: dict[int, int] = defaultdict(int)
        original = getattr(owner, name)

        def spy(*args, **kwargs):
            image = args[1] if method else args[0]  # after self for a method
            self.counts[self.frame] += int(image.shape[0] * image.shape[1])
            return original(*args, **kwargs)

        monkeypatch.setattr(owner, name, spy)

    def take(self) -> dict[int, int]:
        counts, self.counts = self.counts, defaultdict(int)
        return counts


def _track(frames, tracker, spy: PixelSpy) -> list:
    out = []
    for k, (image, hint, t, _) in enumerate(frames):
        spy.frame = k
        out.append(tracker.update(image, hint, t))
    return out


def test_a_tracked_ball_is_looked_for_near_its_track_on_most_frames(monkeypatch) -> None:
    """Ball at the wall (sample clip): after the first sighting, at least 3 frames in 4
    examine under 60 % of the pixels the whole band takes, and the ball is followed as by
    searching the whole band on every frame."""
    frames = _frames("ball_wall_upper", 60, 48)
    assert all(hint.back_normal is not None for _, hint, _, _ in frames)
    spy = PixelSpy(monkeypatch, ball_spot, "_contrast")
    whole = _track(frames, BallTracker(full_every=1), spy)
    whole_pixels = spy.take()
    tracker = BallTracker()
    local = _track(frames, tracker, spy)
    counts = spy.take()
    seen = [k for k, found in enumerate(whole) if found is not None and found.method.seen]
    assert len(seen) >= 0.9 * len(frames)
    smaller = [k for k in seen[1:] if counts[k] < 0.6 * whole_pixels[k]]
    assert len(smaller) >= 0.75 * len(seen[1:])
    assert all(counts[k] <= 1.05 * whole_pixels[k] for k in seen)  # never much more
    assert tracker.cadence.local_searches >= 0.75 * len(seen[1:])
    for k in seen:
        assert local[k] is not None and local[k].method.seen
        gap = float(np.hypot(*(local[k].center_px - whole[k].center_px)))
        assert gap <= 0.5 * whole[k].radius_px


def _wall_scene(mirror: bool):
    scene = ball_at_wall(seed=3, px_per_cm=3.0, mirror=mirror)
    lean = np.deg2rad(6.0)
    back = np.array([-np.cos(lean), np.sin(lean)])  # toward the wall (synth.ball_at_wall)
    if mirror:
        back = back * np.array([-1.0, 1.0])
    return scene, replace(scene.hint, back_normal=back)


def _first_at(tracker: BallTracker, before, after) -> tuple[int | None, BallTracker]:
    """Track the ball in ``before`` for 5 frames, then give ``after``: the first frame of
    ``after`` with the ball seen within a radius of its new place (None: never in 12)."""
    (old, old_hint), (new, new_hint) = before, after
    t = 0.0
    for _ in range(5):
        found = tracker.update(old.image, old_hint, t)
        t += 1 / 15
    assert found is not None and np.hypot(*(found.center_px - old.center)) < old.radius
    for k in range(12):
        found = tracker.update(new.image, new_hint, t + k / 15)
        if (found is not None and found.method.seen
                and np.hypot(*(found.center_px - new.center)) < new.radius):
            return k, tracker
    return None, tracker


def test_a_tracked_ball_that_leaves_its_window_is_found_again() -> None:
    """The ball tracked on the left of the picture, then seen on the right (the scene
    mirrored, far outside the window): it is found at its new place on the same frame as
    by searching the whole band on every frame (once the old track has faded), and then
    followed with a window again."""
    before, after = _wall_scene(False), _wall_scene(True)
    assert np.hypot(*(before[0].center - after[0].center)) > 10 * before[0].radius
    whole, _ = _first_at(BallTracker(full_every=1), before, after)
    local, tracker = _first_at(BallTracker(), before, after)
    assert whole is not None and local == whole
    tracker.update(after[0].image, after[1], 2.0)
    assert tracker.last_window is not None


def test_a_tracked_roller_is_looked_for_near_its_track_on_most_frames(monkeypatch) -> None:
    """Lying on a roller (sample clip): once it is followed by its colour, at least 3 frames
    in 4 mask under 70 % of the pixels under the trunk, the roller's centre is the same as
    with the whole box searched on every frame, and (asked to) its contact is measured on
    about one frame in three."""
    frames = _frames("roller_thoracic_ok", 75, 60)
    spy = PixelSpy(monkeypatch, RollerColorModel, "mask", method=True)
    whole = _track(frames, RollerTracker(full_every=1, contact_every=1), spy)
    whole_pixels = spy.take()
    tracker = RollerTracker(contact_every=3)
    local = _track(frames, tracker, spy)
    counts = spy.take()
    colour = [k for k in range(1, len(frames))
              if whole[k] is not None and whole[k].method == "colour"
              and whole[k - 1] is not None and whole[k - 1].method.seen]
    assert len(colour) >= 0.5 * len(frames)
    smaller = [k for k in colour if counts[k] < 0.7 * whole_pixels[k]]
    assert len(smaller) >= 0.75 * len(colour)
    for k in colour:
        assert local[k] is not None and local[k].method == whole[k].method
        np.testing.assert_allclose(local[k].center_px, whole[k].center_px, atol=1e-6)
    assert tracker.contact.measured <= 0.6 * len(colour)


def test_a_tracked_roller_that_leaves_its_window_is_found_again() -> None:
    """A roller followed on the right of the picture, then on the left (the scene mirrored,
    more than its window away): it is found there on the first frame, by the whole box
    searched when the window held nothing."""
    low = roller_lying(seed=4, px_per_cm=3.0, kind="blue", roll_fraction=0.95)
    high = roller_lying(seed=4, px_per_cm=3.0, kind="blue", roll_fraction=0.95, mirror=True)
    assert np.hypot(*(low.center - high.center)) > (TRACK_WINDOW_RADII + 1) * low.radius
    tracker = RollerTracker(work_budget=None)
    t = 0.0
    for _ in range(6):
        found = tracker.update(low.image, low.hint, t)
        t += 1 / 15
    assert found is not None and found.method == "colour"
    assert np.hypot(*(found.center_px - low.center)) < 0.3 * low.radius
    found = tracker.update(high.image, high.hint, t)
    assert found is not None and found.method == "colour"
    assert np.hypot(*(found.center_px - high.center)) < 0.3 * high.radius
    assert tracker.last_window is None  # the whole box, after the window held nothing
    found = tracker.update(high.image, high.hint, t + 1 / 15)
    assert tracker.last_window is not None  # then tracked with a window again
