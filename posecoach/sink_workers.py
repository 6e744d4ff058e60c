"""Running the sinks (overlay, video encoding, logs, voice) beside the pipeline.

Two ways, same interface (``submit``, ``on_key``, context manager, frame order kept, a sink's
error raised on the caller's side, every sink flushed and closed on exit):

- :class:`ThreadSinkWorker`, a background thread: cheap to start, for logs and tests.
- :class:`ProcessSinkWorker`, a child process fed through shared memory: drawing and encoding
  hold Python's GIL often enough to slow pose inference by ~10 % when they share its process
  (measured with ``bench/bench_pipeline.py``); in their own process they only share the CPU.
"""

from __future__ import annotations

import logging
import multiprocessing as mp
import queue
import signal
import threading
from collections.abc import Sequence
from multiprocessing import shared_memory

import numpy as np

from posecoach.errors import PosecoachError
from posecoach.overlay import Annotator, compose
from posecoach.sinks.base import Sink
from posecoach.types import FrameResult

log = logging.getLogger(__name__)

_STOP = "stop"


def _write_all(sinks: Sequence[Sink], annotators: Sequence[Annotator], image: np.ndarray,
               result: FrameResult, annotated: bool) -> None:
    if not annotated and any(sink.wants_image for sink in sinks):
        image = compose(image, result, annotators)
    for sink in sinks:
        sink.write(image if sink.wants_image else None, result)


def _warm_up(annotators: Sequence[Annotator], shape: tuple[int, ...]) -> None:
    """Draw the overlay once on a blank frame: the first drawing loads Pillow and the fonts
    (~50 ms), which would otherwise hold up the first frame of the session."""
    if not annotators:
        return
    try:
        compose(np.zeros(shape, dtype=np.uint8),
                FrameResult(frame_index=-1, t=0.0, pose=None, inference_ms=0.0,
                            status="starting"), annotators)
    except Exception as exc:  # only a warm-up: a real frame will raise it properly
        log.debug("overlay warm-up failed: %r", exc)


def _key_all(sinks: Sequence[Sink], key: int, t: float) -> None:
    for sink in sinks:
        on_key = getattr(sink, "on_key", None)
        if on_key is not None:
            on_key(key, t)


def _close_all(sinks: list[Sink]) -> None:
    for sink in reversed(sinks):
        try:
            sink.__exit__(None, None, None)
        except Exception as exc:  # keep closing the others; say what failed in one line
            text = exc.one_line() if isinstance(exc, PosecoachError) else repr(exc)
            log.warning("closing %s failed: %s", type(sink).__name__, text)
    sinks.clear()


class ThreadSinkWorker:
    """Draws the overlay and writes sinks on a background thread, in frame order.

    The queue is bounded, so a slow sink slows the pipeline rather than growing memory; an
    error in a sink stops the run at the next frame and is raised on the caller's thread.
    """

    def __init__(self, sinks: Sequence[Sink], annotators: Sequence[Annotator],
                 max_pending: int = 4) -> None:
        self._sinks = list(sinks)
        self._annotators = list(annotators)
        self._queue: queue.Queue = queue.Queue(maxsize=max_pending)
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._loop, name="sink-writer", daemon=True)
        self._entered: list[Sink] = []

    def __enter__(self) -> ThreadSinkWorker:
        try:
            for sink in self._sinks:
                sink.__enter__()
                self._entered.append(sink)
        except BaseException:
            _close_all(self._entered)
            raise
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._queue.put((_STOP,))
        self._thread.join()
        _close_all(self._entered)
        if self._error is not None and exc[0] is None:
            raise self._error

    def submit(self, image: np.ndarray, result: FrameResult, annotated: bool) -> None:
        if self._error is not None:
            raise self._error
        if self._sinks:
            self._queue.put(("frame", image, result, annotated))

    def on_key(self, key: int, t: float) -> None:
        self._queue.put(("key", key, t))

    def _loop(self) -> None:
        if any(sink.wants_image for sink in self._sinks):
            _warm_up(self._annotators, (480, 640, 3))
        while True:
            item = self._queue.get()
            if item[0] == _STOP:
                return
            if self._error is not None:
                continue  # drain so the producer never blocks
            try:
                if item[0] == "key":
                    _key_all(self._sinks, item[1], item[2])
                else:
                    _write_all(self._sinks, self._annotators, *item[1:])
            except BaseException as exc:
                self._error = exc


class ProcessSinkWorker:
    """Draws the overlay and writes sinks in a child process, in frame order.

    Frames travel through a ring of ``slots`` shared-memory buffers (the producer waits for a
    free one, so memory stays bounded and a slow sink slows the pipeline); results are pickled.
    The sinks are opened in the child; an error there (e.g. an unwritable --out path) is raised
    here, on entering or at the next frame. Ctrl-C is left to the parent: the child keeps
    writing until told to stop, so everything submitted is flushed.
    """

    def __init__(self, sinks: Sequence[Sink], annotators: Sequence[Annotator],
                 frame_shape: tuple[int, int, int], slots: int = 4) -> None:
        self._sinks = list(sinks)
        self._annotators = list(annotators)
        self._shape = frame_shape
        self._slots = slots
        self._context = mp.get_context("spawn")
        self._memory: shared_memory.SharedMemory | None = None
        self._process: mp.process.BaseProcess | None = None
        self._free: mp.Queue | None = None
        self._work: mp.Queue | None = None
        self._errors: mp.Queue | None = None
        self._error: BaseException | None = None

    def start(self) -> None:
        """Start the child without waiting for it (``with`` then waits until it is ready): a
        session starts it before loading its own model, so the two start-ups (~1 s of
        imports each) overlap. Call :meth:`shutdown` if the worker is never entered."""
        if self._process is not None:
            return
        size = int(np.prod(self._shape))
        self._memory = shared_memory.SharedMemory(create=True, size=size * self._slots)
        self._free, self._work = self._context.Queue(), self._context.Queue()
        self._errors = self._context.Queue()
        for slot in range(self._slots):
            self._free.put(slot)
        self._process = self._context.Process(
            target=_child, name="posecoach-sinks", daemon=True,
            args=(self._sinks, self._annotators, self._memory.name, self._shape, self._slots,
                  self._work, self._free, self._errors))
        self._process.start()

    def __enter__(self) -> ProcessSinkWorker:
        self.start()
        ready = self._wait_ready()  # the child opened its sinks, or failed to
        if ready is not None:
            self._shutdown()
            raise ready
        return self

    def _wait_ready(self) -> BaseException | None:
        assert self._errors is not None and self._process is not None
        while True:
            try:
                return self._errors.get(timeout=1.0)
            except queue.Empty:
                if not self._process.is_alive():
                    return _child_died(self._process, "before it was ready")

    def __exit__(self, *exc: object) -> None:
        if self._work is not None:
            self._work.put((_STOP,))
        if self._process is not None:
            self._process.join(timeout=120)
        error = self._poll_error()
        if error is None and self._process is not None and self._process.exitcode != 0:
            error = _child_died(self._process, "before it finished the video")
        self._shutdown()
        if error is not None and exc[0] is None:
            raise error

    def submit(self, image: np.ndarray, result: FrameResult, annotated: bool) -> None:
        error = self._poll_error()
        if error is not None:
            raise error
        assert self._free is not None and self._work is not None and self._memory is not None
        assert self._process is not None
        if not self._process.is_alive():
            raise self._poll_error() or _child_died(self._process, "during the session")
        if image.shape != self._shape:
            self._work.put(("frame-inline", image, result, annotated))
            return
        slot = self._wait_for_slot()
        size = int(np.prod(self._shape))
        view = np.ndarray(self._shape, dtype=np.uint8, buffer=self._memory.buf,
                          offset=slot * size)
        view[...] = image
        self._work.put(("frame", slot, result, annotated))

    def on_key(self, key: int, t: float) -> None:
        if self._work is not None:
            self._work.put(("key", key, t))

    def _wait_for_slot(self) -> int:
        assert self._free is not None
        while True:
            try:
                return self._free.get(timeout=1.0)
            except queue.Empty:
                if self._process is None or not self._process.is_alive():
                    raise self._poll_error() or _child_died(self._process,
                                                            "during the session") from None

    def _poll_error(self) -> BaseException | None:
        if self._error is None and self._errors is not None:
            try:
                self._error = self._errors.get_nowait()
            except queue.Empty:
                pass
        return self._error

    def shutdown(self) -> None:
        """Stop the child at once (nothing is flushed) and free the shared memory; does
        nothing once the worker has exited normally."""
        self._shutdown()

    def _shutdown(self) -> None:
        if self._process is not None and self._process.is_alive():
            self._process.kill()  # the child ignores SIGTERM (see _child)
            self._process.join(timeout=5)
        self._process = None
        if self._memory is not None:
            self._memory.close()
            self._memory.unlink()
            self._memory = None


def _child_died(process: mp.process.BaseProcess | None, when: str) -> PosecoachError:
    """The one-line error for a sink process that ended without being told to."""
    code = process.exitcode if process is not None else None
    if code is None:
        how = "stopped answering"
    elif code < 0:
        how = f"was killed ({signal.Signals(-code).name})"
    else:
        how = f"exited with code {code}"
    return PosecoachError(f"the process writing the video {how} {when}",
                          "the frame log is kept; run again to make the video (check free "
                          "memory and disk space)")


def _parent_gone() -> bool:
    parent = mp.parent_process()
    return parent is not None and not parent.is_alive()


def _child(sinks: list[Sink], annotators: list[Annotator], memory_name: str,
           shape: tuple[int, int, int], slots: int, work: mp.Queue, free: mp.Queue,
           errors: mp.Queue) -> None:
    """The sink process: open the sinks, write every frame, close them when told."""
    # The parent decides when the session ends: Ctrl-C or a SIGTERM to the whole process group
    # must not cut the video short. If the parent itself dies (SIGKILL), the child notices
    # and closes its sinks, so the video it has is finalised and playable.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    memory = shared_memory.SharedMemory(name=memory_name)
    size = int(np.prod(shape))
    entered: list[Sink] = []
    failed = False
    try:
        try:
            for sink in sinks:
                sink.__enter__()
                entered.append(sink)
        except BaseException as exc:
            errors.put(exc)
            return
        if any(sink.wants_image for sink in entered):
            _warm_up(annotators, shape)
        errors.put(None)  # ready
        while True:
            try:
                item = work.get(timeout=1.0)
            except queue.Empty:
                if _parent_gone():
                    free.cancel_join_thread()  # nobody reads them any more: do not wait
                    errors.cancel_join_thread()
                    return
                continue
            kind = item[0]
            if kind == _STOP:
                return
            if kind == "frame":
                _, slot, result, annotated = item
                image = np.ndarray(shape, dtype=np.uint8, buffer=memory.buf,
                                   offset=slot * size).copy()
                free.put(slot)
            elif kind == "frame-inline":
                _, image, result, annotated = item
            else:
                if not failed:
                    _key_all(entered, item[1], item[2])
                continue
            if failed:
                continue  # keep draining so the parent never blocks
            try:
                _write_all(entered, annotators, image, result, annotated)
            except BaseException as exc:
                failed = True
                errors.put(exc)
    finally:
        _close_all(entered)
        memory.close()
