"""Errors a user can act on.

Every error raised for bad input (a missing video, a corrupt model, an absent camera, a bad
setting) is a :class:`PosecoachError`: the CLI prints its one-line message and hint and exits
non-zero without a traceback. Anything else is a bug and keeps its traceback.
"""

from __future__ import annotations


class PosecoachError(Exception):
    """An error caused by the user's input or machine, with a hint on what to do.

    Args:
        message: what is wrong, one line.
        hint: what to do about it, one line.
    """

    exit_code = 2

    def __init__(self, message: str, hint: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __reduce__(self):
        # Keep the hint when the error crosses a process boundary (the sink process).
        return (type(self), (self.message, self.hint))

    def one_line(self) -> str:
        return f"{self.message} — {self.hint}" if self.hint else self.message


class ConfigError(PosecoachError):
    """A setting, flag or profile value is invalid."""


class ModelError(PosecoachError):
    """The pose model file is missing, corrupt or cannot be loaded."""


class SourceError(PosecoachError):
    """A video file, image folder or camera cannot be opened or read."""


class CameraLostError(SourceError):
    """The camera stopped delivering frames and did not come back in time."""

    exit_code = 3
