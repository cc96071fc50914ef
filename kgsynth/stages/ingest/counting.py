"""Co-occurrence counts as a counted, exactly-once stage (docs/method.md, "Concept graph").

count(a, b) = number of documents in which both a and b occur, for the three sub-graphs
topic–topic, topic–key concept and key concept–key concept. The counts are computed outside
the database as sparse matrix products over the document–topic (T) and document–concept (C)
incidence matrices: ``T.T @ T``, ``T.T @ C`` and ``C.T @ C`` (upper triangles for the
same-label pairs, which are stored once, from the smaller key).

Documents are written ``uncounted``. :func:`count_cooccurrence` then takes one of two paths:

- **rebuild** (the first count, a large change, or a rebuild a crash interrupted): mark the
  rebuild as started, delete every CO_OCCURS edge, count over ALL documents and CREATE the
  edges in batches, then, in one transaction, mark the documents counted and clear the mark.
  A crash anywhere leaves the mark set, so the re-run rebuilds again: same counts.
- **incremental** (few new documents): count the pending documents only and add the counts
  with MERGE, together with the counted marks, in ONE transaction: all or nothing.

Either way the counts' version rises, which makes walk arrays built earlier stale.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from kgsynth.graph.repository.cooccurrence import SUB_GRAPHS, DocumentLinks, SubGraph

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

    from kgsynth.graph import GraphRepository as GraphStore

log = logging.getLogger(__name__)

#: CREATE rows per write transaction in a rebuild (5–10k measured fastest).
CREATE_BATCH = 10_000
DELETE_BATCH = 20_000
#: Adding counts with MERGE costs about this many times a CREATE per row; an incremental
#: count is chosen while its rows cost less than rebuilding every edge.
MERGE_COST = 20
#: Below this many rows an incremental count is always taken.
SMALL_DELTA = 20_000

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class PairCounts:
    """Per sub-graph: first-end keys, second-end keys and counts, in key order."""

    pairs: dict[SubGraph, tuple[np.ndarray, np.ndarray, np.ndarray]]

    def size(self) -> int:
        return sum(len(n) for _, _, n in self.pairs.values())

    def rows(self, sub_graph: SubGraph, start: int = 0, stop: int | None = None) -> list[dict]:
        a, b, n = self.pairs[sub_graph]
        part = slice(start, stop)
        return [
            {"a": x, "b": y, "n": int(c)}
            for x, y, c in zip(a[part].tolist(), b[part].tolist(), n[part].tolist(), strict=True)
        ]


@dataclass(frozen=True)
class CountReport:
    path: str  # "rebuild", "incremental" or "none"
    documents: int  # documents whose counts were added
    edges: int  # edge rows written (created or added to)
    version: int
    elapsed_s: float


def incidence(
    docs: Sequence[DocumentLinks],
) -> tuple[csr_matrix, csr_matrix, np.ndarray, np.ndarray]:
    """Binary document×topic and document×concept matrices, columns in key order."""
    from scipy.sparse import csr_matrix

    def matrix(lists: list[list[str]]) -> tuple[csr_matrix, np.ndarray]:
        keys = np.array(sorted({k for ks in lists for k in ks}), dtype=object)
        index = {k: i for i, k in enumerate(keys.tolist())}
        cols = [sorted({index[k] for k in ks}) for ks in lists]
        indptr = np.zeros(len(lists) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(c) for c in cols])
        flat = np.fromiter((i for c in cols for i in c), dtype=np.int32, count=int(indptr[-1]))
        data = np.ones(len(flat), dtype=np.int32)
        return csr_matrix((data, flat, indptr), shape=(len(lists), len(keys))), keys

    t, tkeys = matrix([d.topics for d in docs])
    c, ckeys = matrix([d.concepts for d in docs])
    return t, c, tkeys, ckeys


def count_pairs(docs: Sequence[DocumentLinks]) -> PairCounts:
    """The co-occurrence counts of ``docs`` (sparse products), rows sorted by (a, b) key."""
    from scipy.sparse import triu

    t, c, tkeys, ckeys = incidence(docs)
    products: dict[SubGraph, Any] = {
        "topic": (triu(t.T @ t, k=1), tkeys, tkeys),
        "topic_concept": ((t.T @ c).tocoo(), tkeys, ckeys),
        "concept": (triu(c.T @ c, k=1), ckeys, ckeys),
    }
    pairs = {}
    for g, (m, akeys, bkeys) in products.items():
        m = m.tocoo()
        order = np.lexsort((m.col, m.row))
        rows, cols, data = m.row[order], m.col[order], m.data[order]
        pairs[g] = (akeys[rows], bkeys[cols], data.astype(np.int64))
    return PairCounts(pairs)


def count_cooccurrence(
    store: GraphStore, rebuild: bool = False, on_progress: Progress | None = None
) -> CountReport:
    """Add the counts of every uncounted document (see the module text for the two paths).

    ``on_progress(phase, done, total)`` reports deleted and created edges of a rebuild.
    """
    began = time.perf_counter()
    state = store.cooccurrence_state()
    if not state.pending and not state.rebuilding:
        return CountReport("none", 0, 0, state.version, 0.0)
    pending = store.document_links(pending_only=True)
    ids = [d.id for d in pending]
    delta = count_pairs(pending)
    small = delta.size() <= SMALL_DELTA or delta.size() * MERGE_COST <= state.edges
    if not (rebuild or state.rebuilding or state.edges == 0) and small:
        version = store.add_cooccurrence({g: delta.rows(g) for g in SUB_GRAPHS}, ids)
        report = CountReport("incremental", len(ids), delta.size(), version, 0.0)
    else:
        report = _rebuild(store, ids, on_progress)
    elapsed = time.perf_counter() - began
    log.info(
        "co-occurrence %s: %d documents, %d edge rows in %.1f s (%.0f edges/s)",
        report.path, report.documents, report.edges, elapsed,
        report.edges / elapsed if elapsed > 0 else 0.0,
    )  # fmt: skip
    return CountReport(report.path, report.documents, report.edges, report.version, elapsed)


def _rebuild(
    store: GraphStore, pending_ids: list[str], on_progress: Progress | None
) -> CountReport:
    store.begin_cooccurrence_rebuild()
    deleted = 0
    for n in store.delete_cooccurrence(DELETE_BATCH):
        deleted += n
        if on_progress:
            on_progress("deleting old edges", deleted, deleted)
    counts = count_pairs(store.document_links(pending_only=False))
    total, done = counts.size(), 0
    for g in SUB_GRAPHS:
        for start in range(0, len(counts.pairs[g][2]), CREATE_BATCH):
            done += store.create_cooccurrence(g, counts.rows(g, start, start + CREATE_BATCH))
            if on_progress:
                on_progress("creating edges", done, total)
    version = store.finish_cooccurrence_count(pending_ids)
    return CountReport("rebuild", len(pending_ids), total, version, 0.0)
