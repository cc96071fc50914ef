"""Dedup stage: merge near-duplicate concepts found by embedding their names.

Reads the graph's concepts (those not merged yet) and the FAISS index persisted beside the
graph (:mod:`kgsynth.embed.index`). Only concepts missing from the index are embedded; they
are searched against the whole index, themselves included, so a new spelling can join an
existing concept. A full search over every stored vector (no re-embedding) happens when the
index is new or rebuilt, or when the threshold is lower than the one it was searched at.

Pairs with cosine >= ``dedup.threshold`` are clustered with union-find; each cluster keeps one
survivor by :func:`kgsynth.embed.cluster.survivor_rank` (most mentioning documents, then the
shorter name, then the smaller key). Writes, per batch of merges in one transaction
(``merge_concepts`` then ``recompute_concept_cooccurrence``): ``ALIAS_OF {score, link_score,
threshold, merged_at, topic_keys, topic_counts}`` from each alias to its survivor, the
alias's MENTIONS and HAS_CONCEPT moved to the survivor, and the survivor's CO_OCCURS edges
recounted from documents. Aliases leave the index; survivors stay. :func:`undo_merge`
reverses one merge.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from kgsynth.batching import batched
from kgsynth.config import DedupConfig, Settings
from kgsynth.embed.cluster import Candidate, clusters_from_pairs, plan_merges
from kgsynth.embed.encoder import Encoder
from kgsynth.embed.index import ConceptIndex, index_dir
from kgsynth.errors import KgsynthError
from kgsynth.keys import normalize_key

if TYPE_CHECKING:
    from kgsynth.graph import GraphRepository

log = logging.getLogger(__name__)

Progress = Callable[[str, int, int], None]
READ_CHUNK = 5000  # keys per list_merge_candidates call


class MergeNotFoundError(KgsynthError):
    """An undo named a concept that is not merged into another one."""

    exit_code = 2


@dataclass(frozen=True)
class DedupReport:
    """What one dedup run did."""

    embedded: int  # concept names embedded in this run
    index_size: int  # concepts in the index afterwards (survivors and unmerged concepts)
    candidate_pairs: int  # distinct pairs with cosine >= threshold
    clusters: int  # connected components of those pairs
    merged: int  # aliases merged into a survivor
    elapsed_s: float
    index_path: Path
    rebuilt: bool = False  # the index was built from the graph from scratch


@dataclass(frozen=True)
class UndoReport:
    """What undoing one merge gave back."""

    alias: str
    survivor: str
    mentions: int  # MENTIONS edges restored to the alias
    listings: int  # HAS_CONCEPT edges restored to the alias


@dataclass(frozen=True)
class Pairs:
    """Distinct similar pairs of index ids (lo < hi) with their cosine."""

    lo: np.ndarray
    hi: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.lo)


# -- the in-memory path shared by the stage and the benchmark ----------------------------
def similar_pairs(
    index: ConceptIndex,
    query_ids: np.ndarray,
    query_vectors: np.ndarray,
    threshold: float,
    on_progress: Callable[[int, int], None] | None = None,
) -> Pairs:
    """Pairs (query, stored) with cosine >= threshold: self hits dropped, each pair once."""
    hits = index.search(query_vectors, threshold, on_progress)
    a = np.asarray(query_ids, dtype=np.int64)[hits.rows]
    b = hits.ids
    keep = a != b
    lo, hi, scores = np.minimum(a, b)[keep], np.maximum(a, b)[keep], hits.scores[keep]
    order = np.lexsort((-scores, hi, lo))
    lo, hi, scores = lo[order], hi[order], scores[order]
    first = np.ones(len(lo), dtype=bool)
    first[1:] = (lo[1:] != lo[:-1]) | (hi[1:] != hi[:-1])
    return Pairs(lo[first], hi[first], scores[first])


def cluster_ids(pairs: Pairs) -> list[list[int]]:
    """Clusters (sorted ids, ordered by smallest id) of the pairs' connected components."""
    if not len(pairs):
        return []
    ids = np.unique(np.concatenate([pairs.lo, pairs.hi]))
    lo = np.searchsorted(ids, pairs.lo).tolist()
    hi = np.searchsorted(ids, pairs.hi).tolist()
    dense = clusters_from_pairs(len(ids), zip(lo, hi, strict=True))
    id_list = ids.tolist()
    return [[id_list[x] for x in cluster] for cluster in dense]


def cluster_names(
    names: Sequence[str],
    config: DedupConfig,
    encoder: Encoder | None = None,
    on_progress: Progress | None = None,
) -> list[list[int]]:
    """Near-duplicate clusters of ``names`` as lists of positions, without a graph.

    The same embed -> index -> search -> union-find path as :func:`run_dedup` (used by the
    benchmark and for trying a threshold on a list of names).
    """
    encoder = encoder or Encoder(config)
    progress = on_progress or _no_progress
    vectors = encoder.encode(names, lambda d, t: progress("embed", d, t))
    index = ConceptIndex(None, "in-memory", encoder.model_name, vectors.shape[1])
    ids = index.add([str(i) for i in range(len(names))], vectors)
    pairs = similar_pairs(
        index, ids, vectors, config.threshold, lambda d, t: progress("search", d, t)
    )
    return cluster_ids(pairs)  # ids were given as 0..n-1, so they are positions


# -- the stage ---------------------------------------------------------------------------
def run_dedup(
    store: GraphRepository,
    settings: Settings,
    rebuild: bool = False,
    on_progress: Progress | None = None,
) -> DedupReport:
    """Embed the concepts the index lacks, find near duplicates, merge them, save the index.

    ``rebuild`` ignores the saved index and embeds every concept again.
    ``on_progress(step, done, total)`` reports the steps "embed", "search" and "merge".
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
    clusters = cluster_ids(pairs)
    aliases = _merge_clusters(store, index, clusters, pairs, cfg, progress)
    index.remove(aliases)
    if full or index.threshold is None:
        index.threshold = cfg.threshold
    else:
        index.threshold = max(index.threshold, cfg.threshold)
    index.save()
    report = DedupReport(
        embedded=len(new_keys),
        index_size=len(index),
        candidate_pairs=len(pairs),
        clusters=len(clusters),
        merged=len(aliases),
        elapsed_s=round(time.perf_counter() - started, 3),
        index_path=directory,
        rebuilt=rebuilt,
    )
    log.info("dedup: %s", report)
    return report


def _merge_clusters(
    store: GraphRepository,
    index: ConceptIndex,
    clusters: list[list[int]],
    pairs: Pairs,
    cfg: DedupConfig,
    progress: Progress,
) -> list[str]:
    """Write the merges the clusters call for; returns the alias keys actually merged."""
    if not clusters:
        return []
    key_clusters = [[index.key_of(i) for i in c] for c in clusters]
    members = [k for c in key_clusters for k in c]
    candidates: dict[str, Candidate] = {}
    for chunk in batched(members, READ_CHUNK):
        for c in store.merge_candidates(chunk):
            candidates[c.key] = c
    plan = plan_merges(key_clusters, candidates)
    link = _best_link(pairs)
    merged_at = datetime.now(UTC).isoformat(timespec="seconds")
    rows = []
    for alias, survivor in sorted(plan, key=lambda m: (m[1], m[0])):  # a cluster stays together
        a, s = index.id_of(alias), index.id_of(survivor)
        va, vs = index.vectors([a, s])
        rows.append(
            {
                "alias": alias, "survivor": survivor, "score": round(float(va @ vs), 6),
                "link_score": round(link.get(a, 0.0), 6), "threshold": cfg.threshold,
                "merged_at": merged_at,
            }
        )  # fmt: skip
    merged: list[str] = []
    for batch in _batches_by_survivor(rows, cfg.merge_batch_size):
        survivors = sorted({r["survivor"] for r in batch})
        done = store.merge_concepts(batch, survivors)
        if len(done.aliases) != len(batch):
            skipped = len(batch) - len(done.aliases)
            log.warning("%d of %d planned merges were skipped", skipped, len(batch))
        merged.extend(done.aliases)
        progress("merge", len(merged), len(rows))
        log.debug("merged %d; recounted %s", len(done.aliases), done.recounted)
    return merged


def _best_link(pairs: Pairs) -> dict[int, float]:
    """Each id's best pair score (why it is in its cluster)."""
    best: dict[int, float] = {}
    for lo, hi, s in zip(pairs.lo.tolist(), pairs.hi.tolist(), pairs.scores.tolist(), strict=True):
        for i in (lo, hi):
            if s > best.get(i, -1.0):
                best[i] = s
    return best


def _batches_by_survivor(rows: list[dict[str, Any]], size: int) -> list[list[dict[str, Any]]]:
    """Rows in batches of about ``size``, never splitting one survivor's merges."""
    batches: list[list[dict[str, Any]]] = []
    current: list[dict[str, Any]] = []
    for i, row in enumerate(rows):
        current.append(row)
        last_of_survivor = i + 1 == len(rows) or rows[i + 1]["survivor"] != row["survivor"]
        if len(current) >= size and last_of_survivor:
            batches.append(current)
            current = []
    if current:
        batches.append(current)
    return batches


# -- review and undo ---------------------------------------------------------------------
def list_merges(store: GraphRepository) -> list[dict[str, Any]]:
    """Every merge record: alias, alias_name, survivor, survivor_name, score, link_score,
    threshold, merged_at (oldest first)."""
    return store.list_merges()


def concept_links(store: GraphRepository, keys: Sequence[str]) -> list[dict[str, Any]]:
    """What a merge moves, per concept: key, name, merged_into, mentions ({doc, keys}, by
    document) and listings ({topic, count}, by topic), for reviewing a merge."""
    rows = store.concept_links([normalize_key(k) for k in keys])
    for row in rows:
        row["mentions"] = sorted(row["mentions"], key=lambda m: m["doc"])
        row["listings"] = sorted(row["listings"], key=lambda t: t["topic"])
    return rows


def undo_merge(store: GraphRepository, settings: Settings, alias_key: str) -> UndoReport:
    """Reverse the merge of ``alias_key`` (a key or a display name) into its survivor.

    The alias gets back its MENTIONS (the documents whose survivor edge lists its key) and
    the HAS_CONCEPT counts recorded at merge time; both concepts' CO_OCCURS edges are
    recounted; the alias returns to the index, so an incremental run does not merge it
    again (``--rebuild`` searches all pairs anew and may).
    """
    key = normalize_key(alias_key)
    found = store.resolve_aliases([key])
    if key not in found:
        raise MergeNotFoundError(
            f"'{alias_key}' is not a concept merged into another one; "
            "list the merges to see which can be undone"
        )
    survivor = found[key]
    undone = store.undo_merge(key, survivor)
    if undone is None:
        raise MergeNotFoundError(f"'{alias_key}' was no longer merged into '{survivor}'")
    _reindex(store, settings, key, undone.alias_name)
    return UndoReport(key, survivor, undone.mentions, undone.listings)


def _reindex(store: GraphRepository, settings: Settings, key: str, name: str) -> None:
    """Put an un-merged concept back into the saved index (when there is one)."""
    graph_id = store.ensure_graph_id()
    encoder = Encoder(settings.dedup)
    index = ConceptIndex.load(index_dir(settings.home, graph_id), graph_id, encoder.model_name)
    if index is None or key in index:
        return
    index.add([key], encoder.encode([name]))
    index.save()


def _no_progress(step: str, done: int, total: int) -> None:
    """The default progress callback: report nothing."""
