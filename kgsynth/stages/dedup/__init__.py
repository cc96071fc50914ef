"""Dedup stage: find near-duplicate concepts, merge only the safe ones, queue the rest.

Reads the graph's concepts (those not merged yet) and the FAISS index persisted beside the
graph (:mod:`kgsynth.embed.index`). Only concepts missing from the index are embedded; they
are searched against the whole index, themselves included, so a new spelling can join an
existing concept. A full search over every stored vector (no re-embedding) happens when the
index is new or rebuilt, or when the threshold is lower than the one it was searched at.

Candidates (:mod:`.candidates`): pairs with cosine >= ``dedup.threshold``, plus names with the
same surface form or an acronym and its words, whatever their cosine. Pairs with a keep-apart
decision are skipped. Each remaining pair is decided by the verifier (:mod:`.verify`):
surface variants are merged (:mod:`.merge`: union-find clusters that never join two concepts
kept apart, one survivor per cluster by :func:`kgsynth.embed.cluster.survivor_rank`); pairs
with a meaning-changing difference are blocked; the rest go to the review queue in the graph
(:mod:`.review`: ``kgsynth dedup --review``). Aliases leave the index; survivors stay.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from kgsynth.embed.encoder import Encoder
from kgsynth.embed.index import ConceptIndex, index_dir
from kgsynth.stages.dedup.candidates import KeyPair, scored_pairs, similar_pairs, surface_pairs
from kgsynth.stages.dedup.merge import Link, write_merges
from kgsynth.stages.dedup.merge import MergeNotFoundError as MergeNotFoundError
from kgsynth.stages.dedup.merge import UndoReport as UndoReport
from kgsynth.stages.dedup.merge import concept_links as concept_links
from kgsynth.stages.dedup.merge import list_merges as list_merges
from kgsynth.stages.dedup.merge import undo_merge as undo_merge
from kgsynth.stages.dedup.review import queue_rows
from kgsynth.stages.dedup.verify import verify

if TYPE_CHECKING:
    from kgsynth.config import Settings
    from kgsynth.graph import GraphRepository


log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class DedupReport:
    """What one dedup run did."""

    embedded: int  # concept names embedded in this run
    index_size: int  # concepts in the index afterwards (survivors and unmerged concepts)
    candidate_pairs: int  # distinct candidate pairs (cosine >= threshold, or surface match)
    clusters: int  # groups of concepts merged into one survivor
    merged: int  # aliases merged into a survivor (surface variants only)
    queued: int  # pairs now waiting for review from this run
    blocked: int  # pairs the verifier kept apart (a meaning-changing difference)
    kept_apart: int  # pairs skipped because a keep-apart decision exists
    elapsed_s: float
    index_path: Path
    rebuilt: bool = False  # the index was built from the graph from scratch
    blocked_by_rule: dict[str, int] = field(default_factory=dict)


def run_dedup(
    store: GraphRepository,
    settings: Settings,
    rebuild: bool = False,
    on_progress: Progress | None = None,
) -> DedupReport:
    """Embed the concepts the index lacks, find candidate pairs, decide each (merge, queue for
    review, or block), write the merges and the queue, save the index.

    ``rebuild`` ignores the saved index and embeds every concept again (keep-apart decisions
    still hold). ``on_progress(step, done, total)`` reports "embed", "search" and "merge".
    """
    started = time.perf_counter()
    cfg = settings.dedup
    progress = on_progress or _no_progress
    graph_id = store.ensure_graph_id()
    encoder = Encoder(cfg)
    names = store.concepts_for_index()
    directory = index_dir(settings.home, graph_id)
    index = None if rebuild else ConceptIndex.load(directory, graph_id, encoder.model_name)
    rebuilt = index is None
    if index is None:
        index = ConceptIndex(directory, graph_id, encoder.model_name, encoder.dim)
    stale = index.remove([k for k in index.concept_keys() if k not in names])
    if stale:
        log.info("dropped %d concepts from the index that the graph no longer has", stale)
    lowered = index.threshold is not None and cfg.threshold < index.threshold
    full = rebuilt or lowered

    new_keys = sorted(k for k in names if k not in index)
    vectors = np.zeros((0, index.dim), dtype=np.float32)
    if new_keys:
        vectors = encoder.encode([names[k] for k in new_keys], lambda d, t: progress("embed", d, t))
    new_ids = index.add(new_keys, vectors)
    query_ids, queries = index.stored() if full else (new_ids, vectors)
    pairs = similar_pairs(
        index, query_ids, queries, cfg.threshold, lambda d, t: progress("search", d, t)
    )
    scored = scored_pairs(index, pairs, surface_pairs(names, None if full else new_keys))
    apart = store.kept_apart_pairs()
    links, review, blocked, skipped = _decide(scored, names, apart)
    merged = write_merges(
        store, links, apart, cfg.threshold, cfg.merge_batch_size, progress,
        cosine=lambda a, b: float(np.dot(*index.vectors([index.id_of(a), index.id_of(b)]))),
    )  # fmt: skip
    queued = store.queue_review_pairs(queue_rows(review, merged, apart, cfg.threshold))
    index.remove(merged)
    if full or index.threshold is None:
        index.threshold = cfg.threshold
    else:
        index.threshold = max(index.threshold, cfg.threshold)
    index.save()
    report = DedupReport(
        embedded=len(new_keys),
        index_size=len(index),
        candidate_pairs=len(scored),
        clusters=len(set(merged.values())),
        merged=len(merged),
        queued=queued,
        blocked=sum(blocked.values()),
        kept_apart=skipped,
        elapsed_s=round(time.perf_counter() - started, 3),
        index_path=directory,
        rebuilt=rebuilt,
        blocked_by_rule=dict(sorted(blocked.items())),
    )
    log.info("dedup: %s", report)
    return report


def _decide(
    scored: dict[KeyPair, float], names: dict[str, str], apart: set[frozenset[str]]
) -> tuple[list[Link], list[Link], Counter[str], int]:
    """Verify every candidate pair: (links to merge, pairs to review, blocked by rule,
    pairs skipped for a keep-apart decision)."""
    merge: list[Link] = []
    review: list[Link] = []
    blocked: Counter[str] = Counter()
    skipped = 0
    for (a, b), score in sorted(scored.items()):
        if frozenset((a, b)) in apart:
            skipped += 1
            continue
        verdict = verify(names[a], names[b])
        link = Link(a, b, score, verdict.rule, "verifier", verdict.detail)
        if verdict.decision == "merge":
            merge.append(link)
        elif verdict.decision == "review":
            review.append(link)
        else:
            blocked[verdict.rule] += 1
    return merge, review, blocked, skipped


def _no_progress(step: str, done: int, total: int) -> None:
    """The default progress callback: report nothing."""
