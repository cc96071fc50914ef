"""Sample stage: Level-3 concept sets from seeded walks, with reference documents.

Reads the concept graph (topics, key concepts, CO_OCCURS counts, documents' HAS_TOPIC and
MENTIONS links) and writes, for one run:

- the run folder's ``concept_sets`` table: one parquet shard per batch of walks (schema
  :data:`kgsynth.tables.CONCEPT_SETS_SCHEMA`, read by the generate stage), with completion
  markers, so a resumed run skips finished shards;
- in the graph, after the last walk, the sets with their members and references
  (:mod:`kgsynth.stages.sample.persist`). Storing the sets only after all walks keeps
  ``coverage_bias`` about earlier runs: a run never biases itself with its own sets.

Walks run on neighbour arrays stored in the graph (:mod:`kgsynth.stages.sample.arrays`),
rebuilt first when the graph or the walk settings changed since they were built.

Per walk (see :mod:`kgsynth.stages.sample.walk` for the walk itself), in order:

1. a walk that reached no key concept is set aside (rejects, reason given);
2. with an ``avoid`` predicate (``--avoid-benchmarks``, :mod:`kgsynth.stages.curate.avoid`),
   a set it rejects is counted as avoided and dropped;
3. a set whose canonical hash (:func:`kgsynth.keys.set_hash`) this run already kept is a
   duplicate; with ``skip_used`` a set that another run sampled is skipped too;
4. the rest get their top ``references`` documents by Jaccard similarity (exact, computed in
   process: :mod:`kgsynth.stages.sample.references`), until ``max_sets`` sets are kept.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow.parquet as pq

from kgsynth.config import SampleConfig, Settings
from kgsynth.errors import InputError
from kgsynth.keys import set_hash
from kgsynth.records import Reject
from kgsynth.runs import RunFolder, utc_now
from kgsynth.stages.sample.arrays import ArrayStepper, ensure_walk_arrays
from kgsynth.stages.sample.persist import persist
from kgsynth.stages.sample.references import ReferenceIndex
from kgsynth.stages.sample.table import sets_table
from kgsynth.stages.sample.walk import Node, Walk, epoch_draws, run_walks
from kgsynth.tables import CONCEPT_SETS_SCHEMA, CONCEPT_SETS_TABLE

if TYPE_CHECKING:
    from kgsynth.graph import GraphRepository

log = logging.getLogger(__name__)

__all__ = ["CONCEPT_SETS_SCHEMA", "CandidateSet", "SampleReport", "run_sample"]


@dataclass(frozen=True)
class SampleReport:
    """What one sample run did.

    ``walks`` counts every walk (sets + duplicates_skipped + previously_used_skipped +
    rejected add up to it); ``sets`` the concept sets written; ``dead_ends`` the walks that met
    one, kept or not; ``rejected`` the walks set aside for reaching no key concept. Two
    exceptions to the sum: once ``max_sets`` is reached, the rest of that batch's new sets are
    counted in ``walks`` only; for shards that an earlier attempt of a resumed run finished,
    only their walks, sets and the dead ends of those sets are known.
    """

    walks: int
    sets: int
    duplicates_skipped: int
    previously_used_skipped: int
    dead_ends: int
    elapsed_s: float
    sets_per_s: float
    path: Path
    rejected: int = 0
    avoided: int = 0  # sets dropped by the avoid predicate (benchmark concept sets)


@dataclass
class _Counts:
    walks: int = 0
    sets: int = 0
    duplicates: int = 0
    previously_used: int = 0
    dead_ends: int = 0
    rejected: int = 0
    avoided: int = 0


AvoidSet = Callable[[list[str]], object]
"""Called with a candidate set's concept keys; a truthy result drops the set."""


@dataclass(frozen=True)
class CandidateSet:
    """A walk's concept set before references: distinct keys in walk order, plus the walk."""

    walk: Walk
    hash: str
    topics: list[Node]
    concepts: list[Node]


def concept_set(walk: Walk) -> CandidateSet:
    """The walk's set: its topics and key concepts, first visit order, hashed canonically."""
    topics = list(dict.fromkeys(walk.topics))
    concepts = list(dict.fromkeys(walk.concepts))
    digest = set_hash([n.key for n in topics], [n.key for n in concepts])
    return CandidateSet(walk, digest, topics, concepts)


def run_sample(
    store: GraphRepository,
    settings: Settings,
    run: RunFolder,
    on_progress: Callable[[int, int], None] | None = None,
    avoid: AvoidSet | None = None,
) -> SampleReport:
    """Sample concept sets into ``run`` and the graph; ``on_progress(walks_done, walks_total)``.

    Raises InputError when the graph has no topics. Re-running a resumed ``run`` (same
    settings) skips the shards it already finished and gives the same sets.
    """
    cfg = settings.sample
    began = time.perf_counter()
    store.start_run(
        run_id=run.run_id,
        kind="sample",
        started_at=utc_now(),
        params=json.dumps(dataclasses.asdict(cfg), sort_keys=True),
        seed=cfg.seed,
        model=None,
    )
    tick = time.perf_counter()
    index = ensure_walk_arrays(store, cfg)
    timings = {"arrays_s": time.perf_counter() - tick, "walk_s": 0.0, "references_s": 0.0}
    topics = index.topics
    if not topics:
        raise InputError(
            "the graph has no topics to start walks from"
            + (f" (none in >= {cfg.min_documents} documents)" if cfg.min_documents > 1 else "")
            + "; run 'kgsynth ingest' first"
        )
    total = cfg.epochs * len(topics)
    counts = _Counts()
    seen: set[str] = set()
    used_before: set[str] = set()
    stepper = ArrayStepper(store, index)
    references: ReferenceIndex | None = None
    shard = 0
    for epoch, first, starts, t_steps, c_steps, u in _batches(cfg, topics):
        if cfg.max_sets is not None and counts.sets >= cfg.max_sets:
            break
        if run.shard_done(CONCEPT_SETS_TABLE, shard):
            _count_finished_shard(run, shard, len(starts), counts, seen)
        else:
            tick = time.perf_counter()
            walks = run_walks(stepper, cfg, epoch, starts, t_steps, c_steps, u)
            timings["walk_s"] += time.perf_counter() - tick
            kept = _select(store, cfg, run, walks, counts, seen, used_before, avoid)
            tick = time.perf_counter()
            if references is None:
                references = ReferenceIndex(store.document_links(pending_only=False))
            refs = references.top_k(
                [(c.hash, [n.key for n in c.topics], [n.key for n in c.concepts]) for c in kept],
                cfg.references,
            )
            timings["references_s"] += time.perf_counter() - tick
            run.write_shard(CONCEPT_SETS_TABLE, shard, sets_table(run.run_id, cfg.seed, kept, refs))
        shard += 1
        if on_progress is not None:
            on_progress(min(epoch * len(topics) + first + len(starts), total), total)
    tick = time.perf_counter()
    persisted = persist(store, run, CONCEPT_SETS_TABLE)
    timings["persist_s"] = time.perf_counter() - tick
    elapsed = time.perf_counter() - began
    report = SampleReport(
        walks=counts.walks,
        sets=counts.sets,
        duplicates_skipped=counts.duplicates,
        previously_used_skipped=counts.previously_used,
        dead_ends=counts.dead_ends,
        elapsed_s=round(elapsed, 3),
        sets_per_s=round(counts.sets / elapsed, 2) if elapsed > 0 else 0.0,
        path=run.path,
        rejected=counts.rejected,
        avoided=counts.avoided,
    )
    summary = {k: v for k, v in dataclasses.asdict(report).items() if k != "path"}
    store.finish_run(run.run_id, finished_at=utc_now(), counts=json.dumps(summary))
    run.write_manifest(
        {
            "stage": "sample",
            "params": dataclasses.asdict(cfg),
            "seed": cfg.seed,
            "counts": {**summary, "persisted": persisted, "topics": len(topics), "shards": shard},
            "walk_arrays": json.loads(index.signature),
            "timings": {k: round(v, 3) for k, v in timings.items()},
            "graph": store.graph_counts().as_dict(),
        }
    )
    log.info("sample %s: %d sets from %d walks", run.run_id, counts.sets, counts.walks)
    return report


def _batches(
    cfg: SampleConfig, topics: list[Node]
) -> Iterator[tuple[int, int, list[Node], Any, Any, Any]]:
    """(epoch, first walk index, starts, topic steps, concept steps, uniforms) per batch."""
    for epoch in range(cfg.epochs):
        d = epoch_draws(cfg, epoch, len(topics))
        for first in range(0, len(topics), cfg.batch_size):
            part = slice(first, first + cfg.batch_size)
            starts = [topics[i] for i in d.order[part]]
            yield epoch, first, starts, d.topic_steps[part], d.concept_steps[part], d.u[part]


def _select(
    store: GraphRepository,
    cfg: SampleConfig,
    run: RunFolder,
    walks: list[Walk],
    counts: _Counts,
    seen: set[str],
    used_before: set[str],
    avoid: AvoidSet | None = None,
) -> list[CandidateSet]:
    """The batch's new sets, in walk order: rejects, duplicates and used sets counted and left."""
    candidates: list[CandidateSet] = []
    for walk in walks:
        counts.walks += 1
        counts.dead_ends += walk.dead_end
        if not walk.concepts:
            counts.rejected += 1
            run.reject(
                Reject(
                    stage="sample",
                    source=f"epoch {walk.epoch}, start topic {walk.start.key}",
                    reason="walk reached no key concept (dead end)",
                    payload=json.dumps(walk.path, ensure_ascii=False),
                )
            )
            continue
        candidate = concept_set(walk)
        if avoid is not None and avoid([n.key for n in candidate.concepts]):
            counts.avoided += 1
            continue
        candidates.append(candidate)
    if cfg.skip_used:
        fresh = sorted({c.hash for c in candidates} - seen - used_before)
        if fresh:
            used_before.update(store.used_concept_sets(fresh, run.run_id))
    kept: list[CandidateSet] = []
    for c in candidates:
        if c.hash in seen:
            counts.duplicates += 1
        elif c.hash in used_before:
            counts.previously_used += 1
        elif cfg.max_sets is None or counts.sets < cfg.max_sets:
            seen.add(c.hash)
            kept.append(c)
            counts.sets += 1
    return kept


def _count_finished_shard(
    run: RunFolder, shard: int, walks: int, counts: _Counts, seen: set[str]
) -> None:
    """Account for a shard a previous attempt of this run finished (resume)."""
    table = pq.read_table(
        run.shard_path(CONCEPT_SETS_TABLE, shard), columns=["set_hash", "dead_end"]
    )
    hashes = table.column("set_hash").to_pylist()
    counts.walks += walks
    counts.sets += len(hashes)
    counts.dead_ends += sum(table.column("dead_end").to_pylist())
    seen.update(hashes)
