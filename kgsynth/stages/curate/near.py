"""Near-duplicate questions: MinHash signatures of word shingles and an LSH band index.

Signatures are datasketch's MinHash (its default ``affine32`` permutation scheme, seed and
permutations from :class:`datasketch.MinHash`), computed for a whole batch at once in numpy:
``tests/test_curate_text.py`` checks they equal ``MinHash.update_batch`` value for value. The
band/row split (``b`` bands of ``r`` rows) is datasketch's own optimum for the threshold
(:class:`datasketch.MinHashLSH` computes it). The band lookup is :class:`LshIndex`, not
``MinHashLSH`` itself: that index takes about 3 KB and 39 µs per stored question (measured in
``bench/bench_curate.py``), which caps a 1M-question run at 3+ GB; this one stores 16 bytes
per band plus a 16-bit verification signature and finds the same candidates (tested).

A candidate found through a band is a duplicate only when its estimated Jaccard similarity
(the share of equal signature values) reaches the threshold AND both questions hold the same
numbers (the *number guard*: ``"... 120 km in 2 hours"`` and ``"... 150 km in 3 hours"`` are
different problems however similar their words), so LSH collisions below the threshold and
template questions with other numbers are never removed.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kgsynth.stages.curate.index import SortedKeys
from kgsynth.stages.curate.text import Batch, fmix64, gram_hashes

_MIX = np.uint64(0x9E3779B97F4A7C15)


class Signer:
    """Batch MinHash signatures with datasketch's permutations for ``num_perm`` and ``seed``."""

    def __init__(self, num_perm: int, shingle: int, seed: int = 1) -> None:
        from datasketch import MinHash

        self.num_perm = num_perm
        self.shingle = shingle
        self.seed = seed
        a, b = MinHash(num_perm=num_perm, seed=seed).permutations
        self._a = a.astype(np.uint32)[:, None]
        self._b = b.astype(np.uint32)[:, None]

    def signatures(self, batch: Batch, chunk: int = 4096) -> np.ndarray:
        """One row of ``num_perm`` uint32 MinHash values per text (all max when it has none)."""
        from datasketch.minhash import _fmix

        hashes, owners = gram_hashes(batch, self.shingle, short_min=1)
        n = len(batch.offsets) - 1
        sig = np.full((n, self.num_perm), np.iinfo(np.uint32).max, dtype=np.uint32)
        if not len(hashes):
            return sig
        order = np.argsort(owners, kind="stable")
        owners, h32 = owners[order], (hashes[order] & np.uint64(0xFFFFFFFF)).astype(np.uint32)
        mixed = _fmix(h32, 32)[None, :]
        rows, starts = np.unique(owners, return_index=True)
        bounds = np.append(starts, len(owners))
        for lo in range(0, len(rows), chunk):
            first, last = bounds[lo], bounds[min(lo + chunk, len(rows))]
            # (num_perm x shingles), one contiguous row per permutation: reducing along rows
            # is an order of magnitude faster than along columns.
            values = self._a * mixed[:, first:last]
            values += self._b
            sig[rows[lo : lo + chunk]] = np.minimum.reduceat(
                values, starts[lo : lo + chunk] - first, axis=1
            ).T
        return sig


@dataclass(frozen=True)
class NearMatch:
    """Row ``row`` of the batch is a near duplicate of stored item ``item``."""

    row: int
    item: int
    similarity: float


class LshIndex:
    """Kept questions' signatures, findable by LSH bands; items are numbered as added."""

    def __init__(self, num_perm: int, threshold: float) -> None:
        from datasketch import MinHashLSH

        # Candidates are verified, so a false positive only costs one comparison: weigh
        # misses 9:1 (b=12, r=5 at 0.7: 89% of pairs at the threshold collide, 96% at 0.75).
        lsh = MinHashLSH(threshold=threshold, num_perm=num_perm, weights=(0.1, 0.9))
        self.bands, self.rows = lsh.b, lsh.r
        self.threshold = threshold
        self._tables = [SortedKeys() for _ in range(self.bands)]
        self._checks: list[np.ndarray] = []  # uint16 signatures per added block
        self._guards: list[np.ndarray] = []  # uint64 number-guard keys per added block
        self._count = 0

    def __len__(self) -> int:
        return self._count

    @property
    def nbytes(self) -> int:
        stored = sum(c.nbytes for c in self._checks) + sum(g.nbytes for g in self._guards)
        return sum(t.nbytes for t in self._tables) + stored

    def band_keys(self, sig: np.ndarray, guard: np.ndarray) -> np.ndarray:
        """(texts x bands) uint64 keys: each band's ``r`` values and the number guard hashed
        together, so only questions holding the same numbers ever share a bucket (template
        questions with other numbers never meet, which keeps buckets small)."""
        keys = np.zeros((len(sig), self.bands), dtype=np.uint64)
        for j in range(self.bands):
            acc = guard.astype(np.uint64, copy=True)
            for v in sig[:, j * self.rows : (j + 1) * self.rows].T:
                acc = acc * _MIX + v.astype(np.uint64)
            keys[:, j] = fmix64(acc)
        return keys

    def _stored(self, items: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The uint16 signatures and guard keys of stored ``items``."""
        sizes = np.cumsum([0, *(len(c) for c in self._checks)])
        block = np.searchsorted(sizes, items, side="right") - 1
        checks = np.empty((len(items), self._checks[0].shape[1]), dtype=np.uint16)
        guards = np.empty(len(items), dtype=np.uint64)
        for b in np.unique(block):
            sel = block == b
            checks[sel] = self._checks[b][items[sel] - sizes[b]]
            guards[sel] = self._guards[b][items[sel] - sizes[b]]
        return checks, guards

    def candidates(self, keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Distinct (batch row, stored item) pairs sharing at least one band key."""
        pairs = [t.matches(keys[:, j]) for j, t in enumerate(self._tables)]
        rows = np.concatenate([p[0] for p in pairs])
        items = np.concatenate([p[1] for p in pairs])
        pair = np.unique(rows * (self._count + 1) + items)
        return pair // (self._count + 1), pair % (self._count + 1)

    def find(self, sig: np.ndarray, keys: np.ndarray, guard: np.ndarray) -> list[NearMatch | None]:
        """Per batch row, its most similar stored item at or above the threshold (same
        numbers), or None."""
        out: list[NearMatch | None] = [None] * len(sig)
        if not self._count:
            return out
        rows, items = self.candidates(keys)
        if not len(rows):
            return out
        checks, guards = self._stored(items)
        sims = (sig[rows].astype(np.uint16) == checks).mean(axis=1)
        ok = (sims >= self.threshold) & (guards == guard[rows])
        for r, i, s in zip(rows[ok].tolist(), items[ok].tolist(), sims[ok].tolist(), strict=True):
            best = out[r]
            if best is None or s > best.similarity:
                out[r] = NearMatch(r, i, s)
        return out

    def add(self, sig: np.ndarray, keys: np.ndarray, guard: np.ndarray) -> np.ndarray:
        """Store signatures (with their band keys); returns the new items' numbers."""
        ids = np.arange(self._count, self._count + len(sig), dtype=np.int64)
        if not len(sig):
            return ids
        for j, table in enumerate(self._tables):
            table.add(keys[:, j], ids)
        self._checks.append(sig.astype(np.uint16))
        self._guards.append(guard)
        self._count += len(sig)
        return ids
