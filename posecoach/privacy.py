"""Keeping MediaPipe's usage logging on this machine.

MediaPipe wheels from 0.10.35 on (0.10.35, 1.0.0 and 1.2.3 checked here) build a usage logger
into every task: a background thread of the native library POSTs records over HTTPS to
play.googleapis.com through an embedded libcurl (upstream google-ai-edge/mediapipe#6291). The
0.10.21 and 0.10.30–0.10.33 wheels hold no such code (their native library imports no socket
function), so posecoach pins 0.10.33 (pyproject.toml). This guard is the second line, for a
newer MediaPipe installed by hand: libcurl reads the standard proxy variables at every request,
so pointing them at a closed loopback port makes that POST fail on the machine (connection
refused on 127.0.0.1) before any name is looked up or byte sent. ``tests/test_no_network.py``
traces every process of a session and fails on any connection that leaves the machine.

The variables change only in posecoach's own process and the processes it starts (pose worker,
sink process, speech); posecoach itself never uses the network, so a real proxy set for other
programs loses nothing. They stay set for the whole process: the logger posts at any time.
"""

from __future__ import annotations

import logging
from collections.abc import MutableMapping

log = logging.getLogger(__name__)

#: Set to 1 to leave the proxy variables alone (MediaPipe may then send its usage logs).
ALLOW_ENV = "POSECOACH_ALLOW_MEDIAPIPE_LOGGING"

#: The discard port on loopback: nothing listens there, so a connection is refused at once.
LOCAL_DEAD_END = "http://127.0.0.1:9"

#: Every proxy variable libcurl reads (it ignores upper-case HTTP_PROXY; set anyway, harmless).
PROXY_VARIABLES = ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy",
                   "ALL_PROXY")
#: A host list here (or ``*``) would let the logger bypass the proxy.
NO_PROXY_VARIABLES = ("no_proxy", "NO_PROXY")


def keep_mediapipe_logging_local(environ: MutableMapping[str, str]) -> bool:
    """Point every proxy variable in ``environ`` (normally ``os.environ``) at a closed loopback
    port, unless ``POSECOACH_ALLOW_MEDIAPIPE_LOGGING=1``. Call it before MediaPipe creates a
    task (its logger starts with the task) and before other threads run: ``setenv`` is not
    thread-safe.

    Returns:
        True if the guard is in place, False if the user allowed the logging.
    """
    if environ.get(ALLOW_ENV) == "1":
        log.warning("%s=1: MediaPipe may send usage logs to Google", ALLOW_ENV)
        return False
    replaced = sorted(name for name in PROXY_VARIABLES + NO_PROXY_VARIABLES
                      if environ.get(name) and environ.get(name) != LOCAL_DEAD_END)
    if replaced:
        log.debug("proxy variables %s replaced inside posecoach (it uses no network)",
                  ", ".join(replaced))
    for name in PROXY_VARIABLES:
        environ[name] = LOCAL_DEAD_END
    for name in NO_PROXY_VARIABLES:
        environ.pop(name, None)
    return True
