"""The same batch on a Ray cluster (``posecoach batch --ray [ADDRESS]``; ``pip install
posecoach[cluster]``): one Ray task per video, the model's bytes put once in the object store
and handed to every task, each task's record sent back to this process (the driver), which
alone writes results, so a task Ray retries after its worker died is never counted twice.

Videos are read by path on the workers: on a cluster of several machines they must be on
storage every node mounts at the same path.

Privacy (nothing leaves the machine): Ray reports usage statistics and starts a dashboard
process by default, and that process probes cloud metadata addresses (169.254.169.254,
metadata.google.internal) even with the statistics turned off (measured with strace, Ray 2.60).
So before Ray starts: usage statistics off (``RAY_USAGE_STATS_ENABLED=0``), no dashboard, the
proxy variables pointed at a closed loopback port (as :mod:`posecoach.privacy` does for
MediaPipe: those probes then fail on the machine), and for a local Ray every address on
loopback (``RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0`` keeps Ray from swapping 127.0.0.1 for the
machine's network address; it also stops other machines from joining).
``tests/test_no_network.py`` traces a local Ray batch.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import os
import tempfile
from collections.abc import Callable, MutableMapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from posecoach.batch.store import pack, unpack
from posecoach.batch.worker import Outcome, Task, analyse, process_estimator
from posecoach.errors import PosecoachError
from posecoach.model import ModelFile
from posecoach.privacy import LOCAL_DEAD_END, NO_PROXY_VARIABLES, PROXY_VARIABLES

log = logging.getLogger(__name__)

#: Times Ray runs a video's task again after its worker process died.
MAX_RETRIES = 3


class RayMissing(PosecoachError):
    """Ray is not installed."""


def ray_environment(environ: MutableMapping[str, str], local: bool) -> None:
    """Settings Ray reads from the environment (its own processes inherit them): usage
    statistics off, web requests to a closed loopback port, and for a ``local`` Ray, every
    address on loopback."""
    environ["RAY_USAGE_STATS_ENABLED"] = "0"
    for name in PROXY_VARIABLES:
        environ[name] = LOCAL_DEAD_END
    for name in NO_PROXY_VARIABLES:
        environ.pop(name, None)
    if local:
        environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"


def on_loopback(address: str) -> bool:
    """A Ray address on this machine's loopback (Ray would otherwise swap it for the machine's
    network address and connect there)."""
    host = address.split("://")[-1].rsplit(":", 1)[0].strip("[]")
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def import_ray():
    """The ray module.

    Raises:
        RayMissing: ray is not installed.
    """
    try:
        import ray
    except ImportError:
        raise RayMissing("--ray needs Ray, which is not installed",
                         "pip install 'posecoach[cluster]'") from None
    return ray


@dataclass(frozen=True)
class ShippedModel(ModelFile):
    """A model received as bytes (from the object store): same path, checksum and flag as the
    driver's file, so records name the model as a local run does."""

    data: bytes = field(default=b"", repr=False, compare=False)

    def read_bytes(self) -> bytes:
        return self.data


def _ray_task(model_data: bytes, model: ModelFile, task: Task) -> dict[str, Any]:
    """One video on a Ray worker: analysed into a temporary folder whose files go back to
    the driver."""
    digest = hashlib.sha256(model_data).hexdigest()
    if digest != model.sha256:
        raise ValueError(f"model bytes have sha256 {digest[:12]}, expected {model.sha256[:12]}")
    shipped = ShippedModel(model.path, model.sha256, model.bundled, data=model_data)
    estimator = process_estimator(shipped, task.settings)
    with tempfile.TemporaryDirectory(prefix="posecoach-batch-") as scratch:
        outcome = analyse(task, estimator, shipped, Path(scratch) / task.job.id)
        files = pack(outcome.folder) if outcome.folder is not None else None
    return {"files": files, "error": outcome.error, "frames": outcome.frames,
            "media_s": outcome.media_s, "wall_s": outcome.wall_s, "pid": outcome.pid}


class RayCluster:
    """Runs tasks on Ray: a local Ray on loopback (``address`` None) or the cluster at
    ``address``.

    Args:
        address: a Ray address (``host:port``, ``ray://host:port``, ``auto``), or None to
            start a local Ray with ``num_cpus`` workers.
        model: the model, put in the object store once.
        num_cpus: CPUs of a local Ray (None: all); max_retries: see :data:`MAX_RETRIES`.

    Raises:
        RayMissing: Ray is not installed.
    """

    def __init__(self, address: str | None, model: ModelFile, num_cpus: int | None = None,
                 max_retries: int = MAX_RETRIES) -> None:
        self.address = address
        self.model = model
        self.num_cpus = num_cpus
        self.max_retries = max_retries
        # Before Ray is imported: it reads some of these settings at import time.
        ray_environment(os.environ, local=address is None or on_loopback(address))
        self.ray = import_ray()  # fails here, before any work, when Ray is missing

    def run(self, tasks: list[Task], on_outcome: Callable[[Outcome], None]) -> None:
        """Analyse every task; ``on_outcome`` is called here as each ends (an exception from
        it, or Ctrl-C, cancels the rest and is raised)."""
        ray = self.ray
        if not tasks:
            return
        options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                   "configure_logging": False}
        if self.address is None:
            options.update(_node_ip_address="127.0.0.1", num_cpus=self.num_cpus)
        try:
            # "local": always a new Ray of our own, never one found running on the machine.
            ray.init(address=self.address or "local", **options)
        except (ConnectionError, RuntimeError, ValueError) as exc:
            where = self.address or "a local Ray"
            raise PosecoachError(f"cannot start or reach {where}: {_first_line(exc)}",
                                 "check the address (ray start --head prints it)") from None
        refs: dict[Any, Task] = {}
        try:
            model_ref = ray.put(self.model.read_bytes())
            model = ModelFile(self.model.path, self.model.sha256, self.model.bundled)
            remote = ray.remote(_ray_task).options(max_retries=self.max_retries,
                                                   retry_exceptions=False, num_cpus=1)
            for task in tasks:
                refs[remote.remote(model_ref, model, replace(task, staging=None))] = task
            while refs:
                ready, _ = ray.wait(list(refs), num_returns=1)
                task = refs.pop(ready[0])
                on_outcome(self._outcome(ray, ready[0], task))
        finally:
            if refs:
                for ref in refs:
                    ray.cancel(ref, force=True)
            ray.shutdown()

    def _outcome(self, ray, ref, task: Task) -> Outcome:
        try:
            result = ray.get(ref)
        except ray.exceptions.RayError as exc:
            return Outcome(task.job, None, f"Ray: {_first_line(exc)}")
        if result["files"] is None:
            return Outcome(task.job, None, result["error"], pid=result["pid"])
        assert task.staging is not None
        folder = unpack(result["files"], task.staging)
        return Outcome(task.job, folder, result["error"], result["frames"], result["media_s"],
                       result["wall_s"], result["pid"])


def _first_line(exc: BaseException) -> str:
    lines = [line for line in str(exc).strip().splitlines() if line.strip()]
    return lines[0].strip() if lines else type(exc).__name__
