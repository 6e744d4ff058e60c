"""Is there a screen to open a window on?

With no usable X display a window cannot open (and OpenCV's Qt backend, should anything call
it, aborts the whole process: docs/engineering.md §2.2), so this is asked before any window is
created, to say so in one line.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import sys


def display_available() -> bool:
    """True when a window can be opened: an X display that accepts a connection."""
    if sys.platform in ("win32", "darwin"):
        return True
    if os.environ.get("WAYLAND_DISPLAY") and not os.environ.get("DISPLAY"):
        return True
    name = os.environ.get("DISPLAY")
    if not name:
        return False
    library = ctypes.util.find_library("X11")
    if library is None:
        # Cannot ask the X server; trust the variable.
        return True
    try:
        xlib = ctypes.cdll.LoadLibrary(library)
    except OSError:
        return True
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    handle = xlib.XOpenDisplay(name.encode())
    if not handle:
        return False
    xlib.XCloseDisplay(handle)
    return True
