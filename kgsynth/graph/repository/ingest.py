"""Ingest's graph operations: which documents exist, and one batch written in one transaction."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from kgsynth.graph.store import GraphStore, Row


@dataclass(frozen=True)
class IngestBatch:
    """Every row one ingest batch writes (see the ``write_*`` and ``link_*`` .cypher files for
    each row's fields); ``now`` is the batch's ISO time, ``batch`` an id new per batch (the
    link queries link only the documents that this batch created)."""

    now: str
    batch: str
    documents: list[Row]
    topics: list[Row]
    concepts: list[Row]
    document_topics: list[Row]
    mentions: list[Row]
    listings: list[Row]


class IngestOps(GraphStore):
    def stored_text_hashes(self, ids: Sequence[str]) -> dict[str, str]:
        """Those of ``ids`` already in the graph, each with its text's hash ("" if unknown)."""
        rows = self.read("existing_documents", ids=list(ids))
        return {r["id"]: r["text_hash"] or "" for r in rows}

    def write_ingest_batch(self, batch: IngestBatch) -> None:
        """Nodes and links of one batch, in ONE transaction; the new documents are marked
        uncounted (their co-occurrence is added by the counted stage)."""
        b = batch.batch
        self.write_many(
            [
                ("write_documents", {"rows": batch.documents, "now": batch.now, "batch": b}),
                ("write_topics", {"rows": batch.topics}),
                ("write_concepts", {"rows": batch.concepts}),
                ("link_document_topics", {"rows": batch.document_topics, "batch": b}),
                ("link_document_concepts", {"rows": batch.mentions, "batch": b}),
                ("link_topic_concepts", {"rows": batch.listings}),
            ]
        )
