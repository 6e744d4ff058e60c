"""A long live session, compressed: ≥ 30 min of webcam-like video through the live camera path
(the paced camera, played faster than real time), checking that memory and speed hold.

Prints the resident memory (this process and its sink process) after warm-up and at the end,
the frame rate over the first and the last minutes, and the frame log's size per hour. Not
part of the test suite (it takes minutes). Run:

    python bench/bench_soak.py [--minutes 30] [--speed 6] [--out]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from clips import webcam_clip  # noqa: E402

from posecoach.config import Settings  # noqa: E402
from posecoach.session import Outputs, run_session  # noqa: E402
from posecoach.sources import CameraSource, PacedFileCamera  # noqa: E402

WARMUP_MEDIA_S = 60.0


class LoopingCamera:
    """The paced camera playing ``clip`` over and over until ``total_s`` of video went by."""

    finite = True

    def __init__(self, clip: Path, speed: float, total_s: float) -> None:
        self.name = "soak camera"
        self._clip, self._speed, self._total_s = clip, speed, total_s
        self._camera: PacedFileCamera | None = None
        self._started: float | None = None

    def open(self) -> tuple[int, int, float]:
        self._camera = PacedFileCamera(self._clip, self._speed)
        return self._camera.open()

    def media_s(self) -> float:
        return 0.0 if self._started is None else (time.monotonic() - self._started) * self._speed

    def read(self):
        assert self._camera is not None
        if self._started is None:
            self._started = time.monotonic()
        if self.media_s() >= self._total_s:
            return None
        image = self._camera.read()
        if image is None:  # the clip ended: start it again, as a camera goes on
            self._camera.close()
            self._camera.open()
            image = self._camera.read()
        return image

    def close(self) -> None:
        if self._camera is not None:
            self._camera.close()


def rss_mb(pid: int | str = "self") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024.0
    return 0.0


def children_rss_mb() -> float:
    total = 0.0
    for task in Path("/proc/self/task").iterdir():
        try:  # threads and processes may end while we look
            total += sum(rss_mb(pid) for pid in (task / "children").read_text().split())
        except FileNotFoundError:
            pass
    return total


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=30.0, help="minutes of video")
    parser.add_argument("--speed", type=float, default=6.0, help="× real time")
    parser.add_argument("--out", action="store_true", help="also encode the annotated video")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="posecoach-soak-") as folder:
        work = Path(folder)
        clip = webcam_clip(work / "webcam.mp4", seconds=60.0)
        camera = LoopingCamera(clip, args.speed, args.minutes * 60.0)
        samples: list[tuple[float, float, int, float, float]] = []  # wall, media, frames, rss
        frames = 0
        started = time.perf_counter()

        def on_result(result) -> None:
            nonlocal frames
            frames += 1
            if frames % 100 == 0:
                samples.append((time.perf_counter() - started, camera.media_s(), frames,
                                rss_mb(), children_rss_mb()))

        log = work / "soak.jsonl"
        outputs = Outputs(video=work / "soak.mp4" if args.out else None, log=log)
        stats = run_session(CameraSource(camera), Settings(), outputs, show_window=False,
                            on_result=on_result)
        log_bytes = log.stat().st_size
    media_s = camera.media_s()
    warm = next(s for s in samples if s[1] >= WARMUP_MEDIA_S)
    end = samples[-1]

    def fps_between(a, b) -> float:
        return (b[2] - a[2]) / max(b[0] - a[0], 1e-9)

    first = fps_between(warm, next(s for s in samples if s[0] >= warm[0] + 60.0))
    last = fps_between(next(s for s in samples if s[0] >= end[0] - 60.0), end)
    per_row = log_bytes / max(stats.frames, 1)
    live_fps = min(stats.fps, 30.0)  # a real camera delivers 30 fps at most
    print(f"video {media_s / 60:.1f} min at {args.speed:g}× in {stats.wall_s / 60:.1f} min; "
          f"{stats.frames} frames processed ({stats.fps:.1f} fps)")
    print(f"RSS main: {warm[3]:.0f} MB after warm-up → {end[3]:.0f} MB at the end "
          f"({100 * (end[3] - warm[3]) / warm[3]:+.1f} %)")
    if args.out:
        print(f"RSS sink process: {warm[4]:.0f} MB → {end[4]:.0f} MB "
              f"({100 * (end[4] - warm[4]) / max(warm[4], 1e-9):+.1f} %)")
    print(f"frame rate: {first:.1f} fps in the first minute after warm-up, {last:.1f} fps in "
          f"the last minute")
    print(f"frame log: {per_row:.0f} bytes per row; a live session at {live_fps:.0f} fps writes "
          f"{per_row * live_fps * 3600 / 1e6:.0f} MB per hour "
          f"({per_row * live_fps * 3600 / 1e6 / 10:.0f} MB/h with --log-every 10, none with "
          f"--no-log)")


if __name__ == "__main__":
    main()
