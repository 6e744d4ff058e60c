from __future__ import annotations

import numpy as np

from posecoach.overlay import CueAnnotator, HudAnnotator
from posecoach.overlay.base import BAD, GOOD
from posecoach.types import Cue, Severity
from tests.factories import make_pose, make_result


def _has_colour(image: np.ndarray, colour, region, tolerance: int = 40) -> bool:
    y0, y1, x0, x1 = region
    patch = image[y0:y1, x0:x1].astype(int)
    return bool((np.abs(patch - np.array(colour)).max(axis=2) < tolerance).any())


def test_hud_says_person_found_in_green_and_no_person_in_red():
    found = HudAnnotator().annotate(np.zeros((480, 640, 3), np.uint8),
                                    make_result(pose=make_pose()))
    lost = HudAnnotator().annotate(np.zeros((480, 640, 3), np.uint8), make_result(pose=None))
    top = (0, 30, 0, 640)
    assert _has_colour(found, GOOD, top) and not _has_colour(found, BAD, top)
    assert _has_colour(lost, BAD, top) and not _has_colour(lost, GOOD, top)
    assert found[200:, :].max() == 0  # the HUD stays in its strip


def test_cue_banner_sits_at_the_bottom_with_readable_text():
    image = np.full((480, 640, 3), 128, np.uint8)
    cue = Cue("posture.slouch", "Sit tall — lift your chest", Severity.FORM)
    CueAnnotator().annotate(image, make_result(cue=cue))
    assert (image[:380] == 128).all()  # nothing drawn above the banner
    banner = image[420:, :]
    assert banner.max() > 200 and banner.min() < 60  # light text on a dark panel


def test_long_cues_shrink_to_fit_the_frame():
    image = np.zeros((240, 320, 3), np.uint8)
    cue = Cue("x", "Move the roller up — off your lower back, and keep breathing slowly")
    CueAnnotator().annotate(image, make_result(cue=cue))
    white = (image > 200).all(axis=2)  # the text; the amber accent bar is not white
    rows, columns = np.nonzero(white)
    assert columns.min() > 0 and columns.max() < 319  # not clipped at either side
    assert rows.max() - rows.min() > 20  # wrapped onto two lines rather than clipped


def test_roller_panel_says_it_cannot_tell_the_zone_of_a_contact_near_a_border():
    # Issue 11: a roller placed, but too near a zone border for how well its contact is known,
    # has no zone: the panel says so instead of a blank (or a guessed zone).
    from posecoach.exercises.roller import RollerReading, RollState, Zone
    from posecoach.overlay.roller import _zone_text

    near = RollerReading(state=RollState.ROLLING, on_roller=True, fraction=1.1, zone=None)
    placed = RollerReading(state=RollState.ROLLING, on_roller=True, fraction=0.8,
                           zone=Zone.THORACIC)
    assert _zone_text(near) == "can't tell"
    assert _zone_text(placed) == "thoracic"
    assert _zone_text(RollerReading(state=RollState.SETTING_UP)) == "—"


def test_the_exercise_line_fits_a_small_picture():
    """A 320×240 webcam: "exercise: none — lying down — no prop seen" ran off the right edge."""
    from posecoach.selector import Exercise, ExerciseDecision

    image = np.zeros((240, 320, 3), np.uint8)
    result = make_result(pose=make_pose(),
                         selection=ExerciseDecision(Exercise.NONE, "lying down — no prop seen"))
    HudAnnotator().annotate(image, result)
    text = (image[18:45] > 150).all(axis=2)  # the second line's light text
    columns = np.flatnonzero(text.any(axis=0))
    assert columns.size and columns.max() < 320 - 3, "the line reaches the frame's edge"
    assert columns.max() > 200  # and is still drawn, not dropped


def test_the_posture_panel_shows_only_while_posture_is_coached():
    """Someone lying on the floor with no prop found ("none") saw "posture · side view" and a
    neck angle that means nothing lying down."""
    from posecoach.exercises.posture import PostureAnalyzer
    from posecoach.overlay.posture import PostureAnnotator
    from posecoach.selector import Exercise, ExerciseDecision
    from tests.factories import make_side_pose

    pose = make_side_pose()
    reading = PostureAnalyzer().update(pose, 0.0)

    def drawn(exercise: Exercise) -> int:
        image = np.zeros((480, 640, 3), np.uint8)
        PostureAnnotator().annotate(image, make_result(
            pose=pose, posture=reading, selection=ExerciseDecision(exercise, "")))
        return int((image > 0).any(axis=2).sum())

    assert drawn(Exercise.POSTURE) > 500
    assert drawn(Exercise.NONE) == 0
