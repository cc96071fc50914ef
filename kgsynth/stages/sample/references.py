"""Reference documents: exact top-k Jaccard, computed in process with sparse products.

A concept set and a document are both taken as sets of typed elements (a topic key and a
key-concept key are different elements even when spelt alike):
jaccard = shared / (|set| + |document| - shared), where |document| counts its HAS_TOPIC and
MENTIONS links. Only documents sharing at least one element are candidates; ties are broken
by document id, ascending. This is exactly what ``tests/cypher/reference_documents.cypher``
computes in the database (the tests compare both), but for a batch of sets at once: the
shared counts of every (document, set) pair are one sparse product ``X @ Q`` of the
document×element and element×set incidence matrices, so references keep pace with the walk
at paper scale.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from kgsynth.graph.repository.cooccurrence import DocumentLinks

#: Sets per sparse product (bounds memory when sets share hub concepts of many documents).
CHUNK = 256

#: (set hash, topic keys, concept keys), keys distinct.
SetSpec = tuple[str, Sequence[str], Sequence[str]]


class ReferenceIndex:
    """The document×element incidence matrix of the whole graph, read once per run."""

    def __init__(self, docs: Sequence[DocumentLinks]) -> None:
        from scipy.sparse import csr_matrix

        docs = sorted(docs, key=lambda d: d.id)
        self.ids = [d.id for d in docs]
        topics = sorted({k for d in docs for k in d.topics})
        concepts = sorted({k for d in docs for k in d.concepts})
        self.element = {("t", k): i for i, k in enumerate(topics)}
        self.element.update({("c", k): len(topics) + i for i, k in enumerate(concepts)})
        cols = [
            sorted({self.element[("t", k)] for k in d.topics}
                   | {self.element[("c", k)] for k in d.concepts})
            for d in docs
        ]  # fmt: skip
        indptr = np.zeros(len(docs) + 1, dtype=np.int64)
        indptr[1:] = np.cumsum([len(c) for c in cols])
        flat = np.fromiter((i for c in cols for i in c), dtype=np.int32, count=int(indptr[-1]))
        self.x = csr_matrix(
            (np.ones(len(flat), dtype=np.int32), flat, indptr),
            shape=(len(docs), len(self.element)),
        )
        self.doc_sizes = np.diff(indptr).astype(np.float64)

    def top_k(self, sets: Sequence[SetSpec], k: int) -> dict[str, list[tuple[str, float]]]:
        """Per set hash, its top ``k`` documents as (id, jaccard), best first."""
        out: dict[str, list[tuple[str, float]]] = {}
        for start in range(0, len(sets), CHUNK):
            out.update(self._chunk(sets[start : start + CHUNK], k))
        return out

    def _chunk(self, sets: Sequence[SetSpec], k: int) -> dict[str, list[tuple[str, float]]]:
        from scipy.sparse import csr_matrix

        rows, cols = [], []
        for j, (_, topics, concepts) in enumerate(sets):
            found = [self.element.get(("t", key)) for key in topics]
            found += [self.element.get(("c", key)) for key in concepts]
            for e in found:
                if e is not None:
                    rows.append(e)
                    cols.append(j)
        q = csr_matrix(
            (np.ones(len(rows), dtype=np.int32), (rows, cols)),
            shape=(len(self.element), len(sets)),
        )
        shared = (self.x @ q).tocsc()
        out = {}
        for j, (digest, topics, concepts) in enumerate(sets):
            lo, hi = shared.indptr[j], shared.indptr[j + 1]
            docs = shared.indices[lo:hi]
            n = shared.data[lo:hi].astype(np.float64)
            jaccard = n / (len(topics) + len(concepts) + self.doc_sizes[docs] - n)
            best = np.lexsort((docs, -jaccard))[:k]
            out[digest] = [(self.ids[docs[i]], float(jaccard[i])) for i in best]
        return out
