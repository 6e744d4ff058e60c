from __future__ import annotations

from posecoach.tracking import PersonSelector
from tests.factories import make_pose


def test_first_choice_is_the_largest_person():
    near, far = make_pose(scale=1.0), make_pose(scale=0.4, offset=(200, 0))
    assert PersonSelector().update([far, near], 0.0) is near


def test_keeps_the_tracked_person_when_a_bigger_one_walks_in():
    selector = PersonSelector()
    me = make_pose(scale=0.8)
    selector.update([me], 0.0)
    passer_by = make_pose(scale=1.2, offset=(260, 0))
    me_moved = make_pose(scale=0.8, offset=(5, 0))
    assert selector.update([passer_by, me_moved], 1 / 30) is me_moved
    assert selector.people_in_view == 2


def test_reports_nobody_rather_than_jumping_to_someone_else():
    selector = PersonSelector(max_jump_torsos=1.5)
    selector.update([make_pose(scale=0.5, offset=(-200, 0))], 0.0)
    others = [make_pose(scale=0.5, offset=(250, 0)), make_pose(scale=0.5, offset=(200, 50))]
    assert selector.update(others, 1 / 30) is None


def test_starts_afresh_after_the_person_has_been_gone_a_while():
    selector = PersonSelector(forget_after_s=2.0)
    selector.update([make_pose(offset=(-200, 0))], 0.0)
    newcomer = make_pose(offset=(250, 0))
    assert selector.update([newcomer, make_pose(scale=0.3, offset=(240, 0))], 5.0) is newcomer
