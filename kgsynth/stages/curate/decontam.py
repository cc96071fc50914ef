"""Text decontamination: word n-gram overlap with benchmark items and with reference documents.

A question is contaminated when it shares one word ``n``-gram (default 13, after the same
normalisation as dedup) with a benchmark item; a question shorter than ``n`` words (but at
least ``short_min``) when all of its words appear as one span of an item. A hit names the
benchmark file and the item (its id, else its row).

A question *copies its reference* when it shares a ``span``-word run with one of the
documents whose text was in its prompt (``reference_doc_ids``); these are flagged in the
``reference_copy`` column and kept unless the caller drops them (a Level-1 ``original``
question restates its document on purpose).
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence

import numpy as np

from kgsynth.stages.curate.benchfiles import BenchmarkItem
from kgsynth.stages.curate.index import SortedKeys
from kgsynth.stages.curate.text import Batch, gram_hashes, words

CONTAMINATED = "benchmark_overlap"


class BenchmarkIndex:
    """The n-grams of all benchmark items, each mapped to the first item that has it."""

    def __init__(self, items: Sequence[BenchmarkItem], n: int = 13, short_min: int = 8) -> None:
        self.n, self.short_min = n, short_min
        self.items = list(items)
        self._grams = SortedKeys()
        for start in range(0, len(self.items), 4096):
            chunk = self.items[start : start + 4096]
            batch = Batch.of([words(i.text) for i in chunk])
            hashes, owners = gram_hashes(batch, n, short_min, spans=True)
            self._grams.add(hashes, owners.astype(np.int64) + start)

    def __len__(self) -> int:
        return len(self.items)

    @property
    def grams(self) -> int:
        return len(self._grams)

    def find(self, batch: Batch) -> list[BenchmarkItem | None]:
        """Per text of ``batch``: the first benchmark item it overlaps, or None."""
        out: list[BenchmarkItem | None] = [None] * (len(batch.offsets) - 1)
        if not self.items:
            return out
        hashes, owners = gram_hashes(batch, self.n, self.short_min)
        hits = self._grams.first(hashes)
        found = hits >= 0
        for row, item in zip(owners[found].tolist(), hits[found].tolist(), strict=True):
            current = out[row]
            if current is None or item < current.row:
                out[row] = self.items[item]
        return out


TextLookup = Callable[[list[str]], dict[str, str]]
"""Document id -> full text, for the ids that exist (a graph read)."""


class ReferenceCheck:
    """Finds questions that copy ``span`` consecutive words of their reference documents."""

    def __init__(self, lookup: TextLookup, span: int = 20, cache_size: int = 4096) -> None:
        self.lookup, self.span = lookup, span
        self._cache: OrderedDict[str, frozenset[int]] = OrderedDict()
        self._cache_size = cache_size

    def _doc_grams(self, ids: Iterable[str]) -> dict[str, frozenset[int]]:
        wanted = list(dict.fromkeys(ids))
        found = {doc: self._cache[doc] for doc in wanted if doc in self._cache}
        missing = [doc for doc in wanted if doc not in found]
        texts = self.lookup(missing) if missing else {}
        for doc in missing:
            batch = Batch.of([words(texts.get(doc, ""))])
            found[doc] = frozenset(gram_hashes(batch, self.span, self.span)[0].tolist())
            self._cache[doc] = found[doc]
        for doc in found:
            self._cache.move_to_end(doc)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return found

    def flags(self, batch: Batch, references: Sequence[Sequence[str] | None]) -> list[bool]:
        """Per text: does it share a ``span``-word run with one of its own references?"""
        docs = self._doc_grams(d for refs in references for d in refs or ())
        hashes, owners = gram_hashes(batch, self.span, self.span)
        out = [False] * len(references)
        for row, h in zip(owners.tolist(), hashes.tolist(), strict=True):
            if not out[row] and any(h in docs[d] for d in references[row] or ()):
                out[row] = True
        return out
