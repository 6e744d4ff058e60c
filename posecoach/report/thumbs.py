"""Small pictures of the moments a cue was given, from a kept annotated video."""

from __future__ import annotations

import base64
import logging
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

#: At most this many pictures: a report is read on a phone.
MAX_THUMBS = 6
WIDTH_PX = 320


def cue_thumbnails(video: Path, cues: list[dict[str, Any]], t0: float) -> list[dict[str, str]]:
    """``[{"t": "1:05", "text": cue text, "jpeg": base64}]`` for the first cues of each kind.

    The annotated video's timestamps are the frames' (``t0 + cue t``); a video that cannot be
    read gives no pictures (logged), never an error: the report is still worth having.
    """
    import av
    import cv2

    chosen, seen = [], set()
    for cue in cues:
        if cue["key"] not in seen or len(chosen) < MAX_THUMBS // 2:
            chosen.append(cue)
            seen.add(cue["key"])
        if len(chosen) == MAX_THUMBS:
            break
    thumbs = []
    try:
        with av.open(str(video)) as container:
            stream = container.streams.video[0]
            for cue in chosen:
                # A cue is given once the fault persisted; the picture is taken ~0.5 s in.
                target = t0 + cue["t"] + 0.5
                container.seek(int(max(target - 2.0, 0) / stream.time_base), stream=stream)
                image = None
                for frame in container.decode(stream):
                    image = frame.to_ndarray(format="bgr24")
                    if frame.time is not None and frame.time >= target:
                        break
                if image is None:
                    continue
                scale = WIDTH_PX / image.shape[1]
                small = cv2.resize(image, (WIDTH_PX, round(image.shape[0] * scale)),
                                   interpolation=cv2.INTER_AREA)
                ok, jpeg = cv2.imencode(".jpg", small, [cv2.IMWRITE_JPEG_QUALITY, 80])
                if ok:
                    minutes, seconds = divmod(int(cue["t"]), 60)
                    thumbs.append({"t": f"{minutes}:{seconds:02d}", "text": cue["text"],
                                   "jpeg": base64.b64encode(jpeg.tobytes()).decode("ascii")})
    except (av.error.FFmpegError, OSError) as exc:
        log.warning("no pictures from %s: %s", video, exc)
    return thumbs
