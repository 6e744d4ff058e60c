from __future__ import annotations

import queue
import threading
import time
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest

from posecoach.errors import CameraLostError, SourceError
from posecoach.sources import (
    CameraSource,
    ImageFolderSource,
    OpenCvCamera,
    PacedFileCamera,
    VideoFileSource,
)


def write_test_video(path: Path, frames: int = 30, fps: int = 30,
                     size: tuple[int, int] = (160, 120)) -> Path:
    """A small H.264 clip whose frame i has brightness 4·i (so order can be checked)."""
    with av.open(str(path), "w") as container:
        stream = container.add_stream("libx264", rate=Fraction(fps))
        stream.width, stream.height = size
        stream.pix_fmt = "yuv420p"
        for i in range(frames):
            image = np.full((size[1], size[0], 3), 4 * i, dtype=np.uint8)
            container.mux(stream.encode(av.VideoFrame.from_ndarray(image, format="bgr24")))
        container.mux(stream.encode(None))
    return path


def test_video_file_yields_every_frame_in_order(tmp_path: Path):
    path = write_test_video(tmp_path / "clip.mp4", frames=30)
    with VideoFileSource(path) as source:
        assert source.info.fps == pytest.approx(30.0)
        assert (source.info.width, source.info.height) == (160, 120)
        frames = list(source)
    assert [f.index for f in frames] == list(range(30))
    times = np.array([f.t for f in frames])
    assert np.all(np.diff(times) > 0)
    assert times[-1] == pytest.approx(29 / 30, abs=1e-3)
    brightness = [int(f.image.mean()) for f in frames]
    assert brightness == sorted(brightness) and brightness[-1] > brightness[0] + 80


def test_video_file_window_of_frames(tmp_path: Path):
    path = write_test_video(tmp_path / "clip.mp4", frames=30)
    with VideoFileSource(path, start_frame=10, max_frames=5) as source:
        frames = list(source)
    assert [f.index for f in frames] == [10, 11, 12, 13, 14]


def test_missing_video_is_a_source_error(tmp_path: Path):
    with pytest.raises(SourceError, match="video not found"):
        VideoFileSource(tmp_path / "nope.mp4").__enter__()


def test_a_file_that_is_not_a_video_is_a_source_error(tmp_path: Path):
    junk = tmp_path / "notes.mp4"
    junk.write_bytes(b"these are not the frames you are looking for" * 100)
    with pytest.raises(SourceError, match="cannot read video"):
        VideoFileSource(junk).__enter__()


def test_a_truncated_mp4_without_its_index_is_refused_up_front(tmp_path: Path, real_clip: Path):
    data = real_clip.read_bytes()
    cut = tmp_path / "cut.mp4"
    cut.write_bytes(data[: len(data) * 6 // 10])  # the index (moov) is at the end: lost
    with pytest.raises(SourceError, match="cannot read video"):
        VideoFileSource(cut).__enter__()


def test_a_damaged_stream_keeps_the_frames_before_the_damage(tmp_path: Path):
    data = write_test_video(tmp_path / "clip.mkv", frames=60, size=(320, 240)).read_bytes()
    damaged = tmp_path / "damaged.mkv"
    half = len(data) // 2
    damaged.write_bytes(data[:half] + b"\x00" * 5000 + data[half + 5000:])
    with VideoFileSource(damaged) as source:
        frames = list(source)
    assert 0 < len(frames) < 60
    brightness = [int(f.image.mean()) for f in frames]
    assert brightness == sorted(brightness)


def test_image_folder_plays_in_name_order(tmp_path: Path):
    import cv2

    for i in (2, 0, 1):
        cv2.imwrite(str(tmp_path / f"img{i:03d}.png"), np.full((40, 60, 3), 50 * i, np.uint8))
    (tmp_path / "readme.txt").write_text("not an image")
    with ImageFolderSource(tmp_path, fps=10) as source:
        frames = list(source)
    assert [int(f.image.mean()) for f in frames] == [0, 50, 100]
    assert [f.t for f in frames] == pytest.approx([0.0, 0.1, 0.2])


def test_empty_image_folder_is_a_source_error(tmp_path: Path):
    with pytest.raises(SourceError, match="no readable images"):
        ImageFolderSource(tmp_path).__enter__()


def test_absent_camera_is_a_source_error():
    with pytest.raises(SourceError, match="camera 9 not found"):
        OpenCvCamera("9").open()


def test_paced_camera_delivers_at_the_videos_own_rate(tmp_path: Path):
    path = write_test_video(tmp_path / "clip.mp4", frames=30, fps=30)
    started = time.monotonic()
    with CameraSource(PacedFileCamera(path)) as source:
        assert source.info.live
        frames = list(source)
    elapsed = time.monotonic() - started
    assert elapsed >= 0.8 * 29 / 30
    assert len(frames) >= 25
    assert all(b.t > a.t for a, b in zip(frames, frames[1:], strict=False))


def test_slow_consumer_gets_the_latest_frame_not_a_backlog(tmp_path: Path):
    path = write_test_video(tmp_path / "clip.mp4", frames=60, fps=60)
    with CameraSource(PacedFileCamera(path)) as source:
        seen = []
        for frame in source:
            seen.append(frame)
            time.sleep(0.05)  # a consumer three times slower than the camera
    assert len(seen) < 40
    assert source.dropped > 20
    # No backlog: each frame handed over is at most ~2 camera frames old.
    assert seen[-1].image.mean() > 4 * 50


class FlakyGrabber:
    """A fake camera: delivers ``good`` frames, then nothing; reopening works if ``comes_back``."""

    finite = False

    def __init__(self, good: int, comes_back: bool) -> None:
        self.name = "fake camera"
        self.good = good
        self.comes_back = comes_back
        self.opened = 0
        self.reads = 0
        self.lock = threading.Lock()

    def open(self):
        self.opened += 1
        if self.opened > 1 and not self.comes_back:
            raise SourceError("gone")
        return 32, 24, 30.0

    def read(self):
        time.sleep(0.005)
        self.reads += 1
        if self.opened == 1 and self.reads > self.good:
            return None
        return np.zeros((24, 32, 3), np.uint8)

    def close(self):
        pass


def test_unplugged_camera_that_never_returns_raises_camera_lost():
    source = CameraSource(FlakyGrabber(good=10, comes_back=False), reconnect_timeout_s=0.5)
    frames = 0
    with pytest.raises(CameraLostError, match="did not come back"), source:
        for _ in source:
            frames += 1
    assert frames >= 1


def test_unplugged_camera_that_returns_keeps_streaming():
    grabber = FlakyGrabber(good=5, comes_back=True)
    with CameraSource(grabber, reconnect_timeout_s=2.0) as source:
        count = 0
        for _ in source:
            count += 1
            if count >= 20:
                break
    assert grabber.opened >= 2
    assert count == 20


class ScriptedGrabber:
    """A fake camera that delivers exactly the images the test feeds it, when it feeds them."""

    finite = True

    def __init__(self) -> None:
        self.name = "scripted camera"
        self._images: queue.Queue = queue.Queue()

    def feed(self, value: int) -> None:
        self._images.put(np.full((24, 32, 3), value, np.uint8))

    def end(self) -> None:
        self._images.put(None)

    def open(self):
        return 32, 24, 30.0

    def read(self):
        return self._images.get()

    def close(self):
        self._images.put(None)


def _wait_for(condition, limit_s: float = 10.0) -> None:
    """Synchronisation with the capture thread (not a speed assertion)."""
    deadline = time.monotonic() + limit_s
    while not condition():
        assert time.monotonic() < deadline, "the capture thread never got there"
        time.sleep(0.001)


def test_a_slow_consumer_gets_the_newest_frame_and_stale_ones_are_dropped_and_counted():
    grabber = ScriptedGrabber()
    with CameraSource(grabber) as source:
        frames = iter(source)
        grabber.feed(10)
        first = next(frames)
        assert first.image[0, 0, 0] == 10
        # While the consumer is busy with frame 10, the camera delivers five more.
        for value in (11, 12, 13, 14, 15):
            grabber.feed(value)
        _wait_for(lambda: source.captured == 6)
        newest = next(frames)
        assert newest.image[0, 0, 0] == 15  # the newest, not the oldest of a backlog
        assert source.dropped == 4  # 11–14 were stale: dropped, not queued
        assert newest.index == first.index + 1
        grabber.end()
        assert list(frames) == []  # nothing stale left behind to be handed over later
    assert source.dropped == 4


def test_live_frames_carry_their_capture_time():
    grabber = ScriptedGrabber()
    before = time.monotonic()
    with CameraSource(grabber) as source:
        frames = iter(source)
        grabber.feed(1)
        frame = next(frames)
        grabber.end()
    assert frame.captured is not None
    assert before <= frame.captured <= time.monotonic()
