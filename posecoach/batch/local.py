"""The local process pool: one worker process per core (spawn: never fork a process that runs
MediaPipe threads), each with one pose estimator made once by the pool's initializer.

Only a few videos are handed out at a time (one per worker), so a Ctrl-C or a crash loses only
the videos in flight. Workers ignore SIGINT: the driver alone handles Ctrl-C, stops the workers
and keeps every finished video. A worker process that dies (a native crash) breaks the pool:
its videos in flight are tried once more in a new pool, then reported as failed.
"""

from __future__ import annotations

import logging
import os
import signal
from collections import deque
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import replace

from posecoach.batch.worker import Outcome, Task, analyse, process_estimator
from posecoach.config import Settings
from posecoach.model import ModelFile

log = logging.getLogger(__name__)

#: Attempts of a video whose worker process died before it is reported as failed.
MAX_ATTEMPTS = 2


def default_workers() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)


def _init_worker(model: ModelFile, settings: Settings) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the driver handles Ctrl-C
    process_estimator(model, settings)


def _run_task(task: Task, model: ModelFile) -> Outcome:
    assert task.staging is not None
    return analyse(task, process_estimator(model, task.settings), model, task.staging)


class LocalPool:
    """Runs tasks on ``workers`` local processes.

    Raises:
        ValueError: ``workers`` < 1.
    """

    def __init__(self, workers: int, model: ModelFile, settings: Settings) -> None:
        if workers < 1:
            raise ValueError(f"workers must be >= 1, got {workers}")
        self.workers = workers
        self.model = model
        self.settings = settings

    def run(self, tasks: list[Task], on_outcome: Callable[[Outcome], None]) -> None:
        """Analyse every task; ``on_outcome`` is called in this process as each one ends (an
        exception from it, or Ctrl-C, stops the workers and is raised)."""
        import multiprocessing

        pending = deque((task, 1) for task in tasks)
        context = multiprocessing.get_context("spawn")
        while pending:
            size = min(self.workers, len(pending))
            executor = ProcessPoolExecutor(
                max_workers=size, mp_context=context,
                initializer=_init_worker, initargs=(self.model, self.settings))
            running: dict[Future, tuple[Task, int]] = {}
            clean = False
            try:
                broken = self._drain(executor, size, pending, running, on_outcome)
                clean = True
            finally:
                _stop(executor, clean)
            for task, attempt in broken:
                if attempt < MAX_ATTEMPTS:
                    log.warning("worker died analysing %s: trying again", task.job.video)
                    assert task.staging is not None  # a fresh folder for the new attempt
                    staging = task.staging.with_name(f"{task.staging.name}-{attempt + 1}")
                    pending.appendleft((replace(task, staging=staging), attempt + 1))
                else:
                    on_outcome(Outcome(task.job, None, "the worker process died analysing it"))

    def _drain(self, executor: ProcessPoolExecutor, size: int, pending: deque, running: dict,
               on_outcome: Callable[[Outcome], None]) -> list[tuple[Task, int]]:
        """Run until done, or until the pool broke: then return the tasks that were in
        flight."""
        while pending or running:
            while pending and len(running) < size:
                task, attempt = pending.popleft()
                running[executor.submit(_run_task, task, self.model)] = (task, attempt)
            done, _ = wait(running, return_when=FIRST_COMPLETED)
            for future in done:
                task, attempt = running.pop(future)
                try:
                    outcome = future.result()
                except BrokenProcessPool:
                    return [(task, attempt), *running.values()]
                on_outcome(outcome)
        return []


def _stop(executor: ProcessPoolExecutor, clean: bool) -> None:
    """Shut the pool down; after an error or Ctrl-C, end the workers at once (their videos in
    flight are lost, never half-written: they write into staging folders)."""
    if not clean:
        # ProcessPoolExecutor has no public way to end busy workers before Python 3.14.
        for process in list((getattr(executor, "_processes", None) or {}).values()):
            process.terminate()
    executor.shutdown(wait=True, cancel_futures=True)
