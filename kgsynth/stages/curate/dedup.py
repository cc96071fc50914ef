"""Exact and near-duplicate question removal over a stream of batches.

Survivor rule: the FIRST question wins. Questions are seen in this order: every question
kept by earlier curated runs (oldest run first), then the input in shard and row order; a
question is compared only with questions already kept, so each duplicate cluster keeps
exactly its earliest member and every removed row names the kept question it matched.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kgsynth.stages.curate.index import SortedKeys
from kgsynth.stages.curate.near import LshIndex, Signer
from kgsynth.stages.curate.text import Batch, number_key

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
        self, tokens: Sequence[Sequence[str]], keys: np.ndarray, ids: list[str], source: str
    ) -> list[Match | None]:
        """Per row (the normalised words of each question, their exact keys, their ids): the
        match that removes it, or None when kept (and then remembered)."""
        batch = Batch.of(tokens)
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
        kept = np.ones(n, dtype=bool)
        if self.near is not None:
            sig = self.signer.signatures(batch)
            band = self.near.band_keys(sig)
            guard = np.array([number_key(t) for t in tokens], dtype=np.uint64)
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
        assert self.near is not None
        stored = self.near.find(sig, band, guard)
        buckets: list[dict[int, list[int]]] = [{} for _ in range(self.near.bands)]
        low = sig.astype(np.uint16)
        threshold = self.near.threshold
        guards = guard.tolist()
        for row, band_row in enumerate(band.tolist()):
            if out[row] is not None:
                continue
            hit = stored[row]
            if hit is not None:
                out[row] = Match(NEAR, *self.name(hit.item), round(hit.similarity, 4))
                continue
            best, best_sim = -1, 0.0
            for j, key in enumerate(band_row):
                for other in buckets[j].get(key, ()):
                    if guards[other] != guards[row]:
                        continue
                    s = float((low[row] == low[other]).mean())
                    if s >= threshold and s > best_sim:
                        best, best_sim = other, s
            if best >= 0:
                out[row] = Match(NEAR, source, ids[best], round(best_sim, 4))
                continue
            for j, key in enumerate(band_row):
                buckets[j].setdefault(key, []).append(row)

    def _remember(self, keys: np.ndarray, ids: list[str], source: str) -> None:
        if not ids:
            return
        numbers = np.arange(self._count, self._count + len(ids), dtype=np.int64)
        self._exact.add(keys, numbers)
        self._names.append(np.array(ids, dtype="S"))
        self._sources.append(source)
        self._count += len(ids)
