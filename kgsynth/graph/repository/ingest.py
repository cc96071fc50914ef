"""Ingest's graph operations: which documents exist, and one batch written in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgsynth.graph.store import GraphStore, Row


@dataclass(frozen=True)
class IngestBatch:
    """Every row one ingest batch writes (see the ``write_*``, ``link_*`` and ``add_*``
    .cypher files for each row's fields); ``now`` is the batch's ISO time."""

    now: str
    documents: list[Row]
    topics: list[Row]
    concepts: list[Row]
    document_topics: list[Row]
    mentions: list[Row]
    listings: list[Row]
    topic_pairs: list[Row]
    topic_concept_pairs: list[Row]
    concept_pairs: list[Row]


class IngestOps(GraphStore):
    def stored_text_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """Those of ``ids`` already in the graph, each with its text's hash ("" if unknown)."""
        rows = self.read("existing_documents", ids=list(ids))
        return {r["id"]: r["text_hash"] or "" for r in rows}

    def write_ingest_batch(self, batch: IngestBatch) -> None:
        """Nodes, links and co-occurrence counts of one batch, in ONE transaction (a crash
        never leaves a document without its counts)."""
        self.write_many(
            [
                ("write_documents", {"rows": batch.documents, "now": batch.now}),
                ("write_topics", {"rows": batch.topics}),
                ("write_concepts", {"rows": batch.concepts}),
                ("link_document_topics", {"rows": batch.document_topics}),
                ("link_document_concepts", {"rows": batch.mentions}),
                ("link_topic_concepts", {"rows": batch.listings}),
                ("add_topic_cooccurrence", {"rows": batch.topic_pairs}),
                ("add_topic_concept_cooccurrence", {"rows": batch.topic_concept_pairs}),
                ("add_concept_cooccurrence", {"rows": batch.concept_pairs}),
            ]
        )
