"""The roller's shape search keeps to its per-frame work budget on real sample frames.

Work is counted, not timed (speed is measured in bench/): one unit per candidate mask or
circle fit, a few for the clustering step (see posecoach.props.budget). The hints come from
the samples' ground-truth landmarks, so no model runs here.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from posecoach.evaluation.truth import load_truth
from posecoach.geometry import body_geometry
from posecoach.props import roller
from posecoach.props.budget import BudgetedSearch
from posecoach.props.roller import (
    LABEL_PIXELS,
    WORK_CLUSTER,
    RollerTracker,
    find_roller_by_shape,
    search_box,
    shape_search,
)
from posecoach.sources.video import VideoFileSource
from posecoach.stages import body_hint
from posecoach.types import Pose

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "synthetic"
BUDGET = 4


def _frames(name: str, first: int, count: int) -> list[tuple]:
    """(image, hint from the true landmarks, t, true prop contact) for ``count`` frames."""
    truth = load_truth(SAMPLES / f"{name}.truth.json")
    out = []
    with VideoFileSource(truth.video) as source:
        for frame in source:
            if frame.index >= first + count:
                break
            if frame.index < first:
                continue
            pose = Pose(xy=np.nan_to_num(truth.landmarks[frame.index]),
                        visibility=truth.visible[frame.index].astype(np.float64),
                        presence=np.ones(33))
            out.append((frame.image, body_hint(pose, body_geometry(pose)), frame.t,
                        truth.prop_contact[frame.index]))
    return out


@pytest.mark.parametrize("name", ["ball_floor", "roller_thoracic_ok"])
def test_a_sliced_search_keeps_its_budget_and_finds_what_the_whole_search_finds(name) -> None:
    image, hint, _, _ = _frames(name, 90, 1)[0]
    whole = find_roller_by_shape(image, hint)
    search = shape_search(image, hint)
    frames = 0
    while not search.advance(BUDGET):
        frames += 1
        assert frames < 200, "the search never ends"
    assert max(search.spent) <= BUDGET
    assert sum(search.spent) > 5 * BUDGET  # it really was spread over many frames
    if whole is None:
        assert search.result is None
    else:
        assert search.result is not None
        np.testing.assert_allclose(search.result[0].center_px, whole[0].center_px)
        assert search.result[0].radius_px == pytest.approx(whole[0].radius_px)


@pytest.mark.parametrize("name", ["ball_floor", "roller_thoracic_ok"])
def test_a_sliced_search_labels_a_bounded_number_of_pixels_per_frame(name, monkeypatch) -> None:
    """Giving every pixel of the box its colour cluster is spread over frames too: no step
    labels more than LABEL_PIXELS and no frame more than its budget's worth, while the
    box holds several times that (one step for the whole box cost up to ~13 ms)."""
    image, hint, _, _ = _frames(name, 90, 1)[0]
    box = search_box(hint, image.shape)
    assert box is not None
    box_pixels = (box[2] - box[0]) * (box[3] - box[1])
    # The rendered boxes hold ~20 000 pixels (a large person's up to ~75 000): a step a
    # quarter of LABEL_PIXELS makes them several steps, as a large person's box is.
    step = LABEL_PIXELS // 4
    monkeypatch.setattr(roller, "LABEL_PIXELS", step)
    assert box_pixels > 2 * step
    calls: list[int] = []
    original = roller.nearest_centre

    def spy(pixels, centres):
        calls.append(len(pixels))
        return original(pixels, centres)

    monkeypatch.setattr(roller, "nearest_centre", spy)
    search = shape_search(image, hint)
    per_frame = []
    while not search.advance(BUDGET):
        per_frame.append(sum(calls))
        calls.clear()
        assert len(per_frame) < 200, "the search never ends"
    per_frame.append(sum(calls))
    assert max(per_frame) <= BUDGET * step
    # Every pixel of the box, then of its short part (nearest the floor) when searched.
    assert sum(per_frame) >= box_pixels


def _track(frames, budget: int | None) -> tuple[list[float], list[int], int]:
    """Per frame with a roller seen: its contact's distance to the true one (px); the work
    of every frame; the index of the first frame with the roller seen."""
    tracker = RollerTracker(work_budget=budget)
    errors, work, first = [], [], -1
    for k, (image, hint, t, contact) in enumerate(frames):
        found = tracker.update(image, hint, t)
        work.append(tracker.last_work)
        if found is not None and found.method in ("shape", "colour"):
            errors.append(float(np.hypot(*(found.contact_px - contact))))
            first = k if first < 0 else first
    return errors, work, first


def test_tracker_on_a_roller_clip_keeps_its_budget_and_finds_the_roller() -> None:
    """Lying on a black roller: no frame does more than the budget, yet the roller is seen
    within 1.3 s (20 frames at 15 fps) and then followed as closely as by the unbounded
    search, which did all its work in the first frame."""
    frames = _frames("roller_thoracic_ok", 75, 45)
    errors, work, first = _track(frames, BUDGET)
    whole_errors, whole_work, _ = _track(frames, None)
    assert max(work) <= 2 * BUDGET < max(whole_work)  # twice in the first search only
    assert 0 <= first <= 20, "the roller was not found"
    assert len(errors) == len(frames) - first  # and not lost again
    assert np.median(errors) <= np.median(whole_errors) + 2.0


def test_tracker_on_a_floor_ball_clip_keeps_its_budget_and_invents_no_roller() -> None:
    """Lying on a tennis ball (no roller): the search keeps failing, within the budget on
    every frame, and the idle stretches between its retries grow."""
    tracker = RollerTracker(work_budget=BUDGET)
    work = []
    for image, hint, t, _ in _frames("ball_floor", 90, 150):
        found = tracker.update(image, hint, t)
        work.append(tracker.last_work)
        assert found is None or found.method in ("body_pivot", "hold")
    assert max(work) <= 2 * BUDGET and max(work[40:]) <= BUDGET  # 2×: the first search
    assert tracker.searches_started >= 3
    idle = "".join("w" if w else "." for w in work).strip(".").split("w")
    pauses = [len(stretch) for stretch in idle if stretch]
    assert len(pauses) >= 2 and pauses[1] > pauses[0]


def test_a_budget_below_one_step_is_refused() -> None:
    with pytest.raises(ValueError, match="work_budget"):
        RollerTracker(work_budget=WORK_CLUSTER - 1)

    def steps():
        yield 5
        return "done"

    with pytest.raises(ValueError, match="budget 3"):
        BudgetedSearch(steps()).advance(3)
    assert BudgetedSearch(steps()).run() == "done"
