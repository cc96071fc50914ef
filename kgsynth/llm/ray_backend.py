"""Scale-out backend: many copies of an inner backend (vLLM by default), one per Ray actor.

``llm.backend = "ray"`` starts ``llm.ray_replicas`` long-lived Ray actors, each reserving
``llm.ray_gpus_per_replica`` GPUs and holding one inner backend (``llm.ray_inner_backend``:
one vLLM engine, or a transformers model for CPU tests) loaded once through
:func:`kgsynth.llm.base.load_backend`. :meth:`RayBackend.generate` cuts its requests into
contiguous slices of at most ``llm.ray_batch_size`` (and no more than an even share per
replica), hands each slice to the next idle actor, which makes one inner ``generate`` call
for it, and returns the completions in request order. Stages already send whole chunks to one
``generate`` call, so extraction, question and answer generation run on Ray unchanged.

Why long-lived actors rather than a Ray Data ``map_batches`` per call: Ray Data tears its
actor pool down at the end of every dataset execution, so each ``generate`` call (one stage
chunk, 64 requests by default) would start new actors and load every model again (a vLLM
engine takes tens of seconds to a few minutes); here each replica loads its model once for
the life of the backend.

Reproducibility: a slice is always the same run of consecutive requests, whichever actor
runs it, and every replica loads the same model with the same config, so the same requests
and seeds give the same text. With vLLM (per-request seeds) that text equals the plain
``vllm`` backend's; with transformers it equals the plain backend's when no batch mixes
requests differently, e.g. ``llm.batch_size = 1`` or greedy decoding (it seeds per batch).

Running on a cluster:

* Install the same kgsynth (``pip install 'kgsynth[ray,vllm]'``) and Python on every node,
  start the cluster (``ray start --head`` on one node, ``ray start --address=HEAD:6379`` on
  the others) and set ``RAY_ADDRESS=HEAD:6379`` (or ``auto`` on a cluster node) before running
  kgsynth; Ray reads it itself. Without it kgsynth joins a cluster started with ``ray start``
  on this machine, or else starts a private local one and shuts it down in ``close()``.
* One vLLM engine per actor: ``ray_replicas`` = number of engines, and
  ``ray_gpus_per_replica`` = ``llm.tensor_parallel_size`` GPUs per engine (its tensor-parallel
  workers run as local processes on the actor's node, so one engine never spans nodes), e.g.
  16 GPUs on 2 nodes with ``tensor_parallel_size = 2``: ``ray_replicas = 8``,
  ``ray_gpus_per_replica = 2``. A fraction (0.5) packs two small engines on one GPU; lower
  ``llm.gpu_memory_utilization`` to match.
* The model must be readable at the same path on every node (a shared file system, or a hub
  id with the hub cache on each node); the packaged ``smollm2`` is converted under ``home``
  on each node that needs it.
* Replica output (vLLM's engine logs included) is not copied to kgsynth's terminal; it is in
  Ray's session logs (``/tmp/ray/session_latest/logs`` on each node). Replicas without GPUs
  (transformers on CPU) reserve ``llm.threads`` CPUs each: set it so they fit the nodes.
"""

from __future__ import annotations

import dataclasses
import logging
import math
from collections import deque
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from kgsynth.batching import batched
from kgsynth.config import LLMConfig
from kgsynth.errors import KgsynthError, ModelError, require
from kgsynth.llm.base import ChatRequest, Completion, LLMBackend, load_backend

log = logging.getLogger(__name__)


class RayBackend(LLMBackend):
    """A pool of Ray actors, each holding one inner backend for ``model``.

    Construction blocks until every replica has loaded its model; a replica that cannot load
    raises :class:`~kgsynth.errors.ModelError` here (or the inner backend's own kgsynth error,
    e.g. a missing extra), after the actors are ended and a Ray connection it opened is closed.
    """

    def __init__(self, cfg: LLMConfig, home: Path, model: str) -> None:
        ray: Any = require("ray", "ray")
        self.model_name = model
        self._ray = ray
        self._slice_size = cfg.ray.batch_size
        self._actors: list[Any] = []
        # Connect only when this process is not connected yet (a caller's ray.init wins).
        # address=None: Ray itself follows RAY_ADDRESS, then a `ray start` cluster on this
        # machine, and otherwise starts a local one that lives as long as this connection.
        self._connected_here = not ray.is_initialized()
        if self._connected_here:
            ray.init(
                ignore_reinit_error=True,
                include_dashboard=False,
                logging_level=logging.WARNING,
                log_to_driver=False,  # replica logs stay in Ray's session folder
            )
        try:
            self._start_replicas(cfg, home, model)
        except BaseException:
            self.close()
            raise

    def generate(self, requests: Sequence[ChatRequest]) -> list[Completion]:
        if not self._actors:
            raise ModelError("the backend was closed")
        if not requests:
            return []
        share = math.ceil(len(requests) / len(self._actors))
        slices = list(batched(requests, min(self._slice_size, share)))
        results: list[list[Completion] | None] = [None] * len(slices)
        todo = deque(enumerate(slices))
        idle = list(self._actors)
        running: dict[Any, tuple[int, Any]] = {}  # result ref -> (slice number, actor)
        while todo or running:
            while todo and idle:
                number, part = todo.popleft()
                actor = idle.pop()
                running[actor.generate.remote(part)] = (number, actor)
            [ready], _ = self._ray.wait(list(running), num_returns=1)
            number, actor = running.pop(ready)
            results[number] = self._get(ready, "generate")
            idle.append(actor)
        completions = [c for part in results for c in part or []]
        if len(completions) != len(requests):
            raise ModelError(f"Ray returned {len(completions)} completions for {len(requests)}")
        return completions

    def close(self) -> None:
        """Close every replica's inner backend and end the actors; then, if this backend
        connected to Ray, disconnect, which ends a local cluster it started while a cluster
        it joined (RAY_ADDRESS, ``ray start``) keeps running."""
        ray = self._ray
        actors, self._actors = self._actors, []
        if actors:
            try:
                ray.get([a.close.remote() for a in actors])
            except ray.exceptions.RayError as e:  # a dead replica has nothing left to free
                log.warning("closing a Ray replica failed: %s", e)
            for actor in actors:
                ray.kill(actor)
        if self._connected_here and ray.is_initialized():
            ray.shutdown()
        self._connected_here = False

    def _start_replicas(self, cfg: LLMConfig, home: Path, model: str) -> None:
        """Create the actors and wait until each has its model loaded."""
        ray = self._ray
        cpus = _cpus_per_replica(cfg)
        _warn_if_short(ray, cfg.ray.replicas, cpus, cfg.ray.gpus_per_replica)
        # A response cache, when on, wraps this backend as a whole (see load_backend); the
        # replicas never keep their own.
        inner = dataclasses.replace(cfg, backend=cfg.ray.inner_backend, cache=False)
        replica_class = ray.remote(_Replica).options(
            num_cpus=cpus, num_gpus=cfg.ray.gpus_per_replica
        )
        self._actors = [replica_class.remote() for _ in range(cfg.ray.replicas)]
        self._get([a.load.remote(inner, home, model) for a in self._actors], "load")
        log.info("%d Ray replicas of %s (%s) ready", cfg.ray.replicas, model, cfg.ray.inner_backend)

    def _get(self, refs: Any, what: str) -> Any:
        """``ray.get``; a failure on a replica becomes the kgsynth error it raised, when it
        raised one, or else a ModelError saying what failed."""
        ray = self._ray
        try:
            return ray.get(refs)
        except ray.exceptions.RayError as e:
            cause = _kgsynth_cause(e)
            if cause is not None:
                raise cause from e
            raise ModelError(f"a Ray replica failed during {what}: {e}") from e


class _Replica:
    """What runs inside one Ray actor: one inner backend, loaded once by :meth:`load`.

    Loading is a method rather than the constructor so that a load error reaches the caller
    as itself (Ray reports a failed constructor only as text in ``ActorDiedError``).
    """

    def __init__(self) -> None:
        self._backend: LLMBackend | None = None

    def load(self, cfg: LLMConfig, home: Path, model: str) -> None:
        self._backend = load_backend(cfg, home, model)

    def generate(self, requests: list[ChatRequest]) -> list[Completion]:
        if self._backend is None:
            raise ModelError("the Ray replica has no model loaded")
        return self._backend.generate(requests)

    def close(self) -> None:
        if self._backend is not None:
            self._backend.close()
            self._backend = None


def _cpus_per_replica(cfg: LLMConfig) -> float:
    """CPUs an actor reserves: one to drive its GPUs, or ``llm.threads`` (at least one) when
    the inner backend computes on the CPU."""
    if cfg.ray.gpus_per_replica > 0:
        return 1
    return cfg.transformers.threads or 1


def _warn_if_short(ray: Any, replicas: int, cpus: float, gpus: float) -> None:
    """Warn when the cluster has fewer CPUs or GPUs than the replicas need right now; the
    actors then wait (for an autoscaler to add nodes, or forever on a fixed cluster)."""
    have = ray.cluster_resources()
    for name, need in (("CPU", replicas * cpus), ("GPU", replicas * gpus)):
        if need > have.get(name, 0):
            log.warning(
                "the Ray replicas need %g %s in all but the cluster has %g; "
                "they will wait until enough are free",
                need,
                name,
                have.get(name, 0),
            )


def _kgsynth_cause(error: BaseException) -> KgsynthError | None:
    """The KgsynthError a remote method raised (Ray keeps it as ``RayTaskError.cause``)."""
    cause = getattr(error, "cause", None)
    return cause if isinstance(cause, KgsynthError) else None
