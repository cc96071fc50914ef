"""A generated corpus shaped like the paper's: documents with pre-extracted concepts, about
``topics_per_doc`` topics and ``concepts_per_doc`` key concepts each, names drawn Zipf-popular
from ``n_topics`` topics and ``n_concepts`` key concepts (so a few are hubs)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from kgsynth.records import Document, Extraction


def zipf(n: int, a: float) -> np.ndarray:
    p = 1.0 / np.arange(1, n + 1) ** a
    return p / p.sum()


def documents(
    n_docs: int, n_topics: int, n_concepts: int, topics_per_doc: int = 5,
    concepts_per_doc: int = 25, a: float = 1.1, seed: int = 0,
) -> Iterator[tuple[Document, Extraction]]:  # fmt: skip
    """Document i: distinct Zipf-drawn topics (3/5 to 7/5 of the mean), concepts dealt to them."""
    rng = np.random.default_rng(seed)
    pt, pc = zipf(n_topics, a), zipf(n_concepts, a)
    lo_t, hi_t = max(1, topics_per_doc * 3 // 5), topics_per_doc * 7 // 5
    block = 4096
    for start in range(0, n_docs, block):
        size = min(block, n_docs - start)
        tdraw = rng.choice(n_topics, size=(size, hi_t), p=pt)
        cdraw = rng.choice(n_concepts, size=(size, concepts_per_doc), p=pc)
        nt = rng.integers(lo_t, hi_t + 1, size=size)
        for j in range(size):
            i = start + j
            topics = list(dict.fromkeys(tdraw[j, : nt[j]].tolist()))
            concepts = list(dict.fromkeys(cdraw[j].tolist()))
            listed = {
                f"Topic {t}": tuple(f"Concept {c}" for c in concepts[k :: len(topics)])
                for k, t in enumerate(topics)
            }
            doc = Document(id=f"doc-{i:07d}", text=f"synthetic document {i}", title="",
                           source="bench")  # fmt: skip
            yield doc, Extraction(doc.id, None, None, {k: v for k, v in listed.items() if v})


def write_jsonl(path: Path, pairs: Iterator[tuple[Document, Extraction]]) -> int:
    """The corpus as ``kgsynth ingest`` input (documents carrying their concepts)."""
    n = 0
    with path.open("w", encoding="utf-8") as f:
        for doc, ex in pairs:
            row = {"id": doc.id, "text": doc.text, "concepts": {k: list(v) for k, v in
                                                                ex.concepts.items()}}  # fmt: skip
            f.write(json.dumps(row) + "\n")
            n += 1
    return n
