"""Compact lookup tables for millions of 64-bit keys: sorted numpy runs, merged as they grow.

A Python ``dict`` of int keys costs about 100 bytes an entry; a :class:`SortedKeys` costs 16
(a uint64 key and an int64 value), and a lookup of a whole batch is a few ``searchsorted``
calls. Runs are merged when the newest is at least half the size of the one before, so
there are O(log n) runs and each key is re-sorted O(log n) times.
"""

from __future__ import annotations

import numpy as np

_NO_ROWS = np.zeros(0, dtype=np.int64)


class SortedKeys:
    """A multimap from uint64 keys to int64 values (several values per key allowed)."""

    def __init__(self) -> None:
        self._runs: list[tuple[np.ndarray, np.ndarray]] = []

    def __len__(self) -> int:
        return sum(len(k) for k, _ in self._runs)

    @property
    def nbytes(self) -> int:
        return sum(k.nbytes + v.nbytes for k, v in self._runs)

    def add(self, keys: np.ndarray, values: np.ndarray) -> None:
        if not len(keys):
            return
        order = np.argsort(keys, kind="stable")
        self._runs.append((keys[order], values[order]))
        while len(self._runs) > 1 and len(self._runs[-2][0]) <= 2 * len(self._runs[-1][0]):
            k2, v2 = self._runs.pop()
            k1, v1 = self._runs.pop()
            k, v = np.concatenate([k1, k2]), np.concatenate([v1, v2])
            order = np.argsort(k, kind="stable")
            self._runs.append((k[order], v[order]))

    def first(self, queries: np.ndarray) -> np.ndarray:
        """Per query, the smallest value stored under it, or -1 when the key is absent."""
        order = np.argsort(queries)  # sorted needles: searchsorted is several times faster
        needles = queries[order]
        best = np.full(len(queries), -1, dtype=np.int64)
        for keys, values in self._runs:
            pos = np.minimum(np.searchsorted(keys, needles), len(keys) - 1)
            hit = keys[pos] == needles
            found, current = values[pos[hit]], best[hit]
            best[hit] = np.where((current < 0) | (found < current), found, current)
        out = np.empty_like(best)
        out[order] = best
        return out

    def matches(self, queries: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Every (query index, value) pair whose key is stored: two aligned arrays."""
        order = np.argsort(queries)
        needles = queries[order]
        rows: list[np.ndarray] = []
        found: list[np.ndarray] = []
        for keys, values in self._runs:
            pos = np.searchsorted(keys, needles)
            cur = np.flatnonzero(pos < len(keys))
            step = 0
            while len(cur):  # one binary search; equal keys follow the first one
                at = pos[cur] + step
                inside = at < len(keys)
                cur, at = cur[inside], at[inside]
                same = keys[at] == needles[cur]
                cur, at = cur[same], at[same]
                rows.append(order[cur])
                found.append(values[at])
                step += 1
        if not rows:
            return _NO_ROWS, _NO_ROWS
        return np.concatenate(rows), np.concatenate(found)
