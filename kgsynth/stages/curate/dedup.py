"""Exact and near-duplicate question removal over a stream of batches.

Survivor rule: the FIRST question wins. Questions are seen in this order: every question
kept by earlier curated runs (oldest run first), then the input in shard and row order; a
question is compared only with questions already kept, so each duplicate cluster keeps
exactly its earliest member and every removed row names the kept question it matched.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgsynth.stages.curate.index import SortedKeys
from kgsynth.stages.curate.near import LshIndex, Signer
from kgsynth.stages.curate.text import Batch

BUCKET_SCAN = 64
"""Within a batch, a row is compared with at most the last 64 kept rows of each bucket it
falls in (a bound on the work for buckets that many similar questions share)."""

EXACT = "exact_duplicate"
NEAR = "near_duplicate"


@dataclass(frozen=True)
class Match:
    """Why a row goes: ``reason``, the kept item it matched (``source`` + ``item``), score."""

    reason: str
    source: str
    item: str
    similarity: float


class Deduper:
    """Remembers kept questions (exact keys, MinHash signatures, names) across batches."""

    def __init__(self, threshold: float, num_perm: int, shingle: int, near: bool = True) -> None:
        self.signer = Signer(num_perm, shingle)
        self.near = LshIndex(num_perm, threshold) if near else None
        self._exact = SortedKeys()
        self._names: list[np.ndarray] = []  # question ids of kept items, by block
        self._sources: list[str] = []  # one source label per block
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        names = sum(n.nbytes for n in self._names)
        return self._exact.nbytes + names + (self.near.nbytes if self.near else 0)

    def name(self, item: int) -> tuple[str, str]:
        sizes = np.cumsum([0, *(len(n) for n in self._names)])
        block = int(np.searchsorted(sizes, item, side="right") - 1)
        return self._sources[block], self._names[block][item - sizes[block]].decode()

    def check(
        self, batch: Batch, keys: np.ndarray, guard: np.ndarray, ids: list[str], source: str
    ) -> list[Match | None]:
        """Per row (the questions' words, exact keys and number guards, see
        :meth:`~kgsynth.stages.curate.text.Batch.number_keys`, and ids): the match that removes it,
        or None when kept (and then remembered)."""
        n = len(ids)
        out: list[Match | None] = [None] * n
        earlier = self._exact.first(keys)
        first_in_batch: dict[int, int] = {}
        for row, (key, hit) in enumerate(zip(keys.tolist(), earlier.tolist(), strict=True)):
            if hit >= 0:
                out[row] = Match(EXACT, *self.name(hit), 1.0)
            elif key in first_in_batch:
                out[row] = Match(EXACT, source, ids[first_in_batch[key]], 1.0)
            else:
                first_in_batch[key] = row
        if self.near is not None:
            sig = self.signer.signatures(batch)
            band = self.near.band_keys(sig, guard)
            self._near_rows(out, sig, band, guard, ids, source)
            kept = np.array([m is None for m in out], dtype=bool)
            self.near.add(sig[kept], band[kept], guard[kept])
        kept = np.array([m is None for m in out], dtype=bool)
        self._remember(keys[kept], [i for i, k in zip(ids, kept, strict=True) if k], source)
        return out

    def _near_rows(
        self,
        out: list[Match | None],
        sig: np.ndarray,
        band: np.ndarray,
        guard: np.ndarray,
        ids: list[str],
        source: str,
    ) -> None:
        """Mark rows near a stored item, then rows near an earlier kept row of the batch.
        Only rows sharing a band key with another row of the batch need the second step."""
        assert self.near is not None
        for hit in self.near.find(sig, band, guard):
            if hit is not None and out[hit.row] is None:
                out[hit.row] = Match(NEAR, *self.name(hit.item), round(hit.similarity, 4))
        shared = np.zeros(band.shape, dtype=bool)
        for j in range(band.shape[1]):
            _, inverse, counts = np.unique(band[:, j], return_inverse=True, return_counts=True)
            shared[:, j] = counts[inverse] > 1
        buckets: dict[tuple[int, int], list[int]] = {}
        low = sig.astype(np.uint16)
        threshold = self.near.threshold
        for row in np.flatnonzero(shared.any(axis=1)).tolist():
            if out[row] is not None:
                continue
            bands = [(j, int(band[row, j])) for j in np.flatnonzero(shared[row]).tolist()]
            best, best_sim = -1, 0.0
            for bucket in bands:
                for other in buckets.get(bucket, ())[-BUCKET_SCAN:]:
                    if guard[other] != guard[row]:
                        continue
                    s = float((low[row] == low[other]).mean())
                    if s >= threshold and s > best_sim:
                        best, best_sim = other, s
            if best >= 0:
                out[row] = Match(NEAR, source, ids[best], round(best_sim, 4))
                continue
            for bucket in bands:
                buckets.setdefault(bucket, []).append(row)

    def _remember(self, keys: np.ndarray, ids: list[str], source: str) -> None:
        if not ids:
            return
        numbers = np.arange(self._count, self._count + len(ids), dtype=np.int64)
        self._exact.add(keys, numbers)
        self._names.append(np.array(ids, dtype="S"))
        self._sources.append(source)
        self._count += len(ids)
