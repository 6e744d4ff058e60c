"""The one-time safety note before a first foam-roller or ball session.

Self-massage is not for everyone: open wounds and fractures rule it out, and inflammation,
deep vein thrombosis, osteoporosis or recent surgery call for a clinician's word first
(Bartsch et al. 2021 Delphi consensus; docs/coaching.md §5). posecoach shows this once, the
first time a roller or ball session starts for a user, and never gives medical advice.

The note is on screen for ``show_s`` seconds (or until dismissed with the space bar or Enter)
and is then remembered as seen in a small marker file, so later sessions start straight away.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from pathlib import Path

from posecoach.selector import Exercise
from posecoach.types import Frame, FrameResult

log = logging.getLogger(__name__)

#: Short lines for the overlay (a person setting up on the floor reads them from ~2 m).
SAFETY_NOTE_LINES = (
    "Before you start",
    "Not with open wounds or fractures.",
    "With inflammation, deep vein thrombosis,",
    "osteoporosis or after recent surgery,",
    "ask a clinician first.",
    "Stop if it hurts. Press space to close.",
)
PROP_EXERCISES = (Exercise.ROLLER.value, Exercise.BALL.value)
#: Keys that dismiss the note (space, Enter as the window reports them: carriage return or
#: line feed).
DISMISS_KEYS = (32, 13, 10)


def default_marker_path() -> Path:
    from platformdirs import user_config_dir

    return Path(user_config_dir("posecoach")) / "safety-note-seen"


class SafetyNoteStage:
    """Sets ``FrameResult.safety_note`` on the frames where the note is to be shown.

    Args:
        marker: file whose existence means the note was already seen (None: show it in
            every session and remember nothing, e.g. replays of recorded videos).
        show_s: how long the note stays up when nobody dismisses it (s).
    """

    name = "safety_note"

    def __init__(self, marker: Path | None, show_s: float = 12.0) -> None:
        if show_s <= 0:
            raise ValueError(f"show_s must be positive, got {show_s}")
        self.marker = marker
        self.show_s = show_s
        self._seen = marker is not None and marker.exists()
        self._started_t: float | None = None
        self._dismissed = False

    def on_key(self, key: int, t: float) -> None:
        if self._started_t is not None and not self._seen and key in DISMISS_KEYS:
            self._dismissed = True

    def update(self, frame: Frame, result: FrameResult) -> FrameResult:
        if self._seen:
            return result
        if self._started_t is None:
            if result.exercise_name not in PROP_EXERCISES:
                return result
            self._started_t = frame.t
        if self._dismissed or frame.t - self._started_t >= self.show_s:
            self._remember()
            return result
        return replace(result, safety_note=True)

    def _remember(self) -> None:
        self._seen = True
        if self.marker is None:
            return
        try:
            self.marker.parent.mkdir(parents=True, exist_ok=True)
            self.marker.write_text("The self-massage safety note was shown.\n",
                                   encoding="utf-8")
        except OSError as exc:  # not fatal: the note simply shows again next time
            log.warning("could not remember that the safety note was shown (%s)", exc)
