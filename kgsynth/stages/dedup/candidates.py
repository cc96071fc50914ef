"""Candidate pairs for dedup: embedding neighbours, plus names equal on their surface form.

The embedding search (FAISS, cosine >= ``dedup.threshold``) proposes pairs with similar
meaning. Surface variants and acronyms are also joined exactly, whatever their cosine
(:func:`surface_pairs`: "GCD" and "greatest common divisor" are far apart in embedding space).
Every candidate then goes through the verifier (:mod:`kgsynth.stages.dedup.verify`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from itertools import combinations

import numpy as np

from kgsynth.embed.index import ConceptIndex
from kgsynth.stages.dedup.tokens import WORD, analyse
from kgsynth.stages.dedup.words import SMALL_WORDS

KeyPair = tuple[str, str]  # (smaller key, larger key)


@dataclass(frozen=True)
class Pairs:
    """Distinct similar pairs of index ids (lo < hi) with their cosine."""

    lo: np.ndarray
    hi: np.ndarray
    scores: np.ndarray

    def __len__(self) -> int:
        return len(self.lo)


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


def surface_pairs(names: Mapping[str, str], new: Collection[str] | None = None) -> set[KeyPair]:
    """Pairs of keys whose names have the same surface form, or where one name is an acronym
    of the other's words; only pairs with a key in ``new`` (None: all pairs)."""
    by_surface: dict[str, list[str]] = {}
    by_initials: dict[str, list[str]] = {}
    acronyms: list[tuple[str, str]] = []
    for key, name in names.items():
        a = analyse(name)
        by_surface.setdefault(a.surface, []).append(key)
        words = [t.text for t in a.tokens]
        if len(a.tokens) == 1 and a.tokens[0].acronym:
            acronyms.append((key, words[0]))
        elif len(words) >= 2 and all(t.kind == WORD for t in a.tokens):
            initials = "".join(w[0] for i, w in enumerate(words) if i == 0 or w not in SMALL_WORDS)
            by_initials.setdefault(initials, []).append(key)
    found: set[KeyPair] = set()
    for group in by_surface.values():
        found.update(_ordered(x, y) for x, y in combinations(group, 2))
    for key, acronym in acronyms:
        found.update(_ordered(key, other) for other in by_initials.get(acronym, ()))
    if new is not None:
        fresh = set(new)
        found = {p for p in found if p[0] in fresh or p[1] in fresh}
    return found


def scored_pairs(index: ConceptIndex, pairs: Pairs, extra: set[KeyPair]) -> dict[KeyPair, float]:
    """Every candidate pair of keys with its cosine (``extra`` pairs scored from the index)."""
    out: dict[KeyPair, float] = {}
    for lo, hi, s in zip(pairs.lo.tolist(), pairs.hi.tolist(), pairs.scores.tolist(), strict=True):
        out[_ordered(index.key_of(lo), index.key_of(hi))] = round(float(s), 6)
    for a, b in sorted(extra - out.keys()):
        va, vb = index.vectors([index.id_of(a), index.id_of(b)])
        out[(a, b)] = round(float(va @ vb), 6)
    return out


def _ordered(a: str, b: str) -> KeyPair:
    return (a, b) if a < b else (b, a)
