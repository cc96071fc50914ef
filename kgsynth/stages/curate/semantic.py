"""Optional embedding near duplicates (``--embedding-threshold``): the packaged MiniLM + FAISS.

Runs after the MinHash pass on the questions it kept: each question is embedded (unit
vectors, so inner product = cosine) and compared with the kept questions of earlier batches
(a FAISS ``IndexFlatIP``) and with the earlier questions of its own batch; it is a
``semantic_duplicate`` of the most similar one at or above the threshold that holds the same
numbers (the number guard of :mod:`kgsynth.stages.curate.near`). Same survivor rule: the
first question wins. Off by default: it costs an encoder pass and 1.5 KB per kept question.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from kgsynth.errors import require
from kgsynth.stages.curate.dedup import Match

if TYPE_CHECKING:
    from kgsynth.embed.encoder import Encoder

SEMANTIC = "semantic_duplicate"
NEIGHBOURS = 8


class SemanticDedup:
    """Kept questions' embeddings; ``check`` marks and remembers like :class:`Deduper`."""

    def __init__(self, encoder: Encoder, threshold: float) -> None:
        self.encoder, self.threshold = encoder, threshold
        self._index: Any = None
        self._guards: list[int] = []
        self._names: list[tuple[str, str]] = []

    def check(
        self, texts: list[str], guard: np.ndarray, ids: list[str], source: str
    ) -> list[Match | None]:
        out: list[Match | None] = [None] * len(texts)
        if not texts:
            return out
        faiss: Any = require("faiss", extra="local")
        vectors = self.encoder.encode(texts)
        if self._index is None:
            self._index = faiss.IndexFlatIP(vectors.shape[1])
        guards = guard.tolist()
        if self._index.ntotal:
            sims, items = self._index.search(vectors, NEIGHBOURS)
            for row in range(len(texts)):
                for s, item in zip(sims[row].tolist(), items[row].tolist(), strict=True):
                    if item >= 0 and s >= self.threshold and self._guards[item] == guards[row]:
                        kept_source, kept_id = self._names[item]
                        out[row] = Match(SEMANTIC, kept_source, kept_id, round(s, 4))
                        break
        local = faiss.IndexFlatIP(vectors.shape[1])
        local.add(vectors)
        sims, others = local.search(vectors, min(NEIGHBOURS, len(texts)))
        kept: list[int] = []
        for row in range(len(texts)):
            if out[row] is None:
                for s, other in zip(sims[row].tolist(), others[row].tolist(), strict=True):
                    if (
                        0 <= other < row and out[other] is None and s >= self.threshold
                        and guards[other] == guards[row]
                    ):  # fmt: skip
                        out[row] = Match(SEMANTIC, source, ids[other], round(s, 4))
                        break
            if out[row] is None:
                kept.append(row)
        self._index.add(vectors[kept])
        self._guards.extend(guards[r] for r in kept)
        self._names.extend((source, ids[r]) for r in kept)
        return out
