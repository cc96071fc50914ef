"""Every stored neighbour of a query vector above a cosine threshold, two ways.

``range_above`` uses faiss's exact ``range_search`` (CPU indexes); ``knn_above`` gets the same
hits from widening k-nearest searches, which is what GPU indexes offer.
"""

from __future__ import annotations

from typing import Any

import numpy as np

FIRST_K = 16  # neighbours asked for first by the k-nearest search


def range_above(index: Any, queries: np.ndarray, threshold: float) -> tuple[np.ndarray, ...]:
    """(query row, id, score) of every hit with score >= threshold, by ``range_search``.

    faiss keeps inner products strictly above the radius, so the radius is the next float
    below the threshold.
    """
    radius = float(np.nextafter(np.float32(threshold), np.float32(-2)))
    lims, scores, ids = index.range_search(queries, radius)
    rows = np.repeat(np.arange(len(queries), dtype=np.int64), np.diff(lims).astype(np.int64))
    keep = scores >= np.float32(threshold)
    return rows[keep], ids[keep].astype(np.int64), scores[keep]


def knn_above(
    index: Any, queries: np.ndarray, threshold: float, k: int = FIRST_K
) -> tuple[np.ndarray, ...]:
    """The same hits as :func:`range_above` from k-nearest searches (what GPU indexes offer).

    Rows whose k-th neighbour still scores >= threshold are searched again with twice the k,
    until each row's list ends below the threshold or holds every stored vector.
    """
    total = index.ntotal
    pending = np.arange(len(queries), dtype=np.int64)
    out_rows, out_ids, out_scores = [], [], []
    while len(pending):
        k = min(k, total)
        scores, ids = index.search(queries[pending], k)
        full = (scores[:, -1] >= np.float32(threshold)) & (k < total)
        done = ~full
        hit = (scores >= np.float32(threshold)) & (ids >= 0) & done[:, None]
        row_idx, col_idx = np.nonzero(hit)
        out_rows.append(pending[row_idx])
        out_ids.append(ids[row_idx, col_idx].astype(np.int64))
        out_scores.append(scores[row_idx, col_idx])
        pending = pending[full]
        k *= 2
    return np.concatenate(out_rows), np.concatenate(out_ids), np.concatenate(out_scores)
