"""Store a sample run's concept sets in the graph, in batches, after all its walks.

``(:Run {kind: "sample"})-[:SAMPLED]->(:ConceptSet)``, ``INCLUDES {pos}`` links to its topics
and key concepts, ``REFERENCES {rank, jaccard}`` links to its reference documents. Sets new to
the graph are written with CREATE only (one transaction per batch: a set is whole or absent);
sets an earlier run (or an interrupted attempt of this one) stored are only linked to the run,
so persisting is idempotent and a resumed run can simply persist again.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kgsynth.stages.sample.walk import Node

if TYPE_CHECKING:
    from kgsynth.graph import GraphRepository
    from kgsynth.runs import RunFolder

CAPTION_CHARS = 120
BATCH = 2_000


def caption(topics: list[Node], concepts: list[Node], limit: int = CAPTION_CHARS) -> str:
    """A short readable name: ``"Topic / Topic: concept, concept"``, cut at ``limit``."""
    text = " / ".join(n.name for n in topics) + ": " + ", ".join(n.name for n in concepts)
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def set_row(r: dict[str, Any]) -> dict[str, Any]:
    """A concept_sets table row as the set-writing queries take it."""
    topics = [Node(k, n) for k, n in zip(r["topic_keys"], r["topics"], strict=True)]
    concepts = [Node(k, n) for k, n in zip(r["concept_keys"], r["concepts"], strict=True)]
    nt = len(topics)
    return {
        "hash": r["set_hash"],
        "name": caption(topics, concepts),
        "size": nt + len(concepts),
        "topics": [{"key": n.key, "pos": i} for i, n in enumerate(topics)],
        "concepts": [{"key": n.key, "pos": nt + i} for i, n in enumerate(concepts)],
        "refs": [
            {"id": d, "rank": i + 1, "jaccard": s}
            for i, (d, s) in enumerate(
                zip(r["reference_doc_ids"], r["reference_scores"], strict=True)
            )
        ],
    }


def persist(store: GraphRepository, run: RunFolder, table: str) -> int:
    """Write the run's concept sets into the graph; returns how many were written or linked."""
    rows = run.read_table(table).to_pylist()
    written = 0
    for start in range(0, len(rows), BATCH):
        batch = [set_row(r) for r in rows[start : start + BATCH]]
        existing = store.existing_concept_sets([r["hash"] for r in batch])
        new = [r for r in batch if r["hash"] not in existing]
        old = [r for r in batch if r["hash"] in existing]
        if new:
            written += store.create_concept_sets(run.run_id, new)
        if old:
            written += store.write_concept_sets(run.run_id, old, len(old))
    return written
